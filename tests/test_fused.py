"""helpers.fused: each layer and the optimizer compute what their Keras namesakes compute."""

from __future__ import annotations

import ast
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import fused

# --- the fused batch norm ---------------------------------------------------------------------


def _batch_norm_pair(policy: str, channels: int = 6):
    """Keras' batch norm and ours, built alike, with the same (non-trivial) weights."""
    layers = []
    for cls in (keras.layers.BatchNormalization, fused.BatchNormalization):
        layer = cls(momentum=0.9, epsilon=1e-3, dtype=policy)
        layer.build((None, 5, 5, channels))
        layers.append(layer)
    rng = np.random.default_rng(3)
    weights = [rng.normal(1, 0.3, channels), rng.normal(0, 0.3, channels),
               rng.normal(0, 0.5, channels), rng.uniform(0.5, 2, channels)]  # fmt: skip
    for layer in layers:
        layer.set_weights([w.astype(np.float32) for w in weights])
    return layers


def test_fused_batch_norm_computes_what_keras_batch_norm_computes_in_float32():
    reference, fused = _batch_norm_pair("float32")
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, (8, 5, 5, 6)), tf.float32)
    upstream = tf.constant(rng.normal(0.0, 1.0, (8, 5, 5, 6)), tf.float32)  # any loss's gradient
    for training in (True, False):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            outputs = [layer(x, training=training) for layer in (reference, fused)]
            losses = [tf.reduce_sum(o * upstream) for o in outputs]
        np.testing.assert_allclose(outputs[1].numpy(), outputs[0].numpy(), atol=1e-4)
        if training:  # every gradient the step takes, and the running statistics
            for layer, loss in ((reference, losses[0]), (fused, losses[1])):
                layer.grads = tape.gradient(loss, [x, layer.gamma, layer.beta])
            for ours, theirs in zip(fused.grads, reference.grads, strict=True):
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-3, atol=1e-4)
            for ours, theirs in zip(fused.weights, reference.weights, strict=True):
                np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(fused.moving_mean.numpy(), _batch_norm_pair("float32")[1].moving_mean)


def test_fused_batch_norm_keeps_bfloat16_activations_and_float32_statistics():
    reference, fused = _batch_norm_pair("float32")
    _, fused_bf16 = _batch_norm_pair("mixed_bfloat16")
    x = np.random.default_rng(1).normal(0.0, 2.0, (8, 5, 5, 6)).astype(np.float32)
    out = fused_bf16(tf.cast(x, tf.bfloat16), training=True)
    assert out.dtype == tf.bfloat16 and fused_bf16.moving_mean.dtype == tf.float32
    expected = reference(x, training=True).numpy()
    np.testing.assert_allclose(tf.cast(out, tf.float32).numpy(), expected, atol=0.05, rtol=0.02)
    np.testing.assert_allclose(fused_bf16.moving_mean.numpy(), reference.moving_mean, atol=0.01)


def test_fused_adam_updates_weights_and_moments_as_keras_adam_does():
    rng = np.random.default_rng(5)
    start = rng.normal(0, 1, (4, 3)).astype(np.float32)
    pairs = []
    for cls in (keras.optimizers.Adam, fused.Adam):
        variable = keras.Variable(start.copy())
        optimizer = cls(1e-2, beta_1=0.5)
        optimizer.build([variable])
        pairs.append((variable, optimizer))
    for _ in range(5):  # bias correction differs from step to step: check several
        gradient = tf.constant(rng.normal(0, 1, (4, 3)).astype(np.float32))
        for variable, optimizer in pairs:
            optimizer.apply([gradient], [variable])
    (theirs, keras_adam), (ours, fused_adam) = pairs
    assert not np.allclose(ours.numpy(), start)  # it moved
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(fused_adam.variables, keras_adam.variables, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


# --- the stride-1 transposed convolution as a convolution --------------------------------------


@pytest.mark.parametrize("strides", [1, 2])
def test_transposed_convolution_computes_what_keras_computes(strides):
    rng = np.random.default_rng(7)
    layers = []
    for cls in (keras.layers.Conv2DTranspose, fused.Conv2DTranspose):
        layer = cls(4, 5, strides=strides, padding="same", use_bias=True)
        layer.build((None, 7, 7, 3))
        layers.append(layer)
    kernel = rng.normal(0, 1, (5, 5, 4, 3)).astype(np.float32)  # no symmetry to hide a flip
    bias = rng.normal(0, 1, 4).astype(np.float32)
    for layer in layers:
        layer.set_weights([kernel, bias])
    x = tf.constant(rng.normal(0, 1, (2, 7, 7, 3)).astype(np.float32))
    upstream = tf.constant(rng.normal(0, 1, (2, 7 * strides, 7 * strides, 4)).astype(np.float32))
    results = []
    for layer in layers:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x)
            loss = tf.reduce_sum(y * upstream)
        results.append([y, *tape.gradient(loss, [x, layer.kernel, layer.bias])])
    for ours, theirs in zip(results[1], results[0], strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", [(3, 7, 7, 4, 5, 5, 6), (2, 6, 9, 3, 3, 5, 2)])
def test_filter_gradient_as_a_batch_as_channels_convolution_is_tensorflows(shape):
    batch, height, width, channels, kh, kw, out = shape
    rng = np.random.default_rng(11)
    x = tf.constant(rng.normal(0, 1, (batch, height, width, channels)).astype(np.float32))
    kernel = tf.constant(rng.normal(0, 1, (kh, kw, channels, out)).astype(np.float32))
    upstream = tf.constant(rng.normal(0, 1, (batch, height, width, out)).astype(np.float32))
    results = []
    for convolution in (lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"), fused._same_convolution):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = convolution(x, kernel)
            loss = tf.reduce_sum(y * upstream)
        results.append([y, *tape.gradient(loss, [x, kernel])])
    for ours, theirs in zip(results[1], results[0], strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)


def test_bfloat16_transposed_convolution_follows_the_float32_one():
    rng = np.random.default_rng(12)
    kernel = rng.normal(0, 0.2, (5, 5, 4, 3)).astype(np.float32)
    x = rng.normal(0, 1, (2, 7, 7, 3)).astype(np.float32)
    results = []
    for policy in ("float32", "mixed_bfloat16"):
        layer = fused.Conv2DTranspose(4, 5, padding="same", use_bias=False, dtype=policy)
        layer.build((None, 7, 7, 3))
        layer.set_weights([kernel])
        inputs = tf.constant(x if policy == "float32" else x.astype(tf.bfloat16.as_numpy_dtype))
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.cast(layer(inputs), tf.float32) ** 2)
        gradient = tape.gradient(loss, layer.kernel)
        assert gradient.dtype == tf.float32  # the float32 variable's gradient
        results.append(gradient.numpy())
    scale = np.abs(results[0]).max()
    np.testing.assert_allclose(results[1], results[0], atol=0.03 * scale)


def test_the_filter_gradients_ops_are_named_after_the_layer_as_tensorflows_are():
    layer = fused.Conv2DTranspose(4, 5, padding="same", use_bias=False, dtype="mixed_bfloat16")
    layer.build((None, 7, 7, 3))

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            with tf.name_scope("generator"):
                y = layer(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32))
        return tape.gradient(loss, layer.kernel)

    graph = step.get_concrete_function(tf.TensorSpec([2, 7, 7, 3], tf.bfloat16)).graph
    convolutions = [op.name for op in graph.get_operations() if op.type.startswith("Conv2D")]
    backward = [name for name in convolutions if "gradient_tape" in name]
    assert len(convolutions) == 3 and len(backward) == 2  # forward, input and filter gradients
    assert all(name.startswith("gradient_tape/generator/") for name in backward), backward


# --- the Keras internals fused.py relies on ------------------------------------------------------

REVISIT = "helpers/fused.py must be revisited before raising the keras bound in pyproject.toml"


def _attributes_read_by_fused() -> dict[type, set[str]]:
    """{Keras parent class: every `self.<name>` a class of helpers/fused.py reads}, less the
    names that class defines itself (its own methods)."""
    tree = ast.parse(Path(fused.__file__).read_text(encoding="utf-8"))
    found: dict[type, set[str]] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(fused, node.name)
        parent = cls.__mro__[1]
        if not parent.__module__.startswith("keras"):
            continue  # KerasInternalsError
        names = {
            n.attr
            for n in ast.walk(node)
            if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "self"
        }
        found[parent] = names - set(vars(cls))
    return found


def _built_keras_objects() -> dict[type, object]:
    """One built object of each Keras class that fused.py subclasses (Keras' own, not ours)."""
    conv = keras.layers.Conv2DTranspose(2, 3, padding="same")
    conv.build((None, 4, 4, 1))
    norm = keras.layers.BatchNormalization()
    norm.build((None, 4, 4, 2))
    adam = keras.optimizers.Adam()
    adam.build([keras.Variable(np.zeros(3, np.float32))])
    return {type(conv): conv, type(norm): norm, type(adam): adam}


def test_every_keras_attribute_fused_reads_exists_in_the_installed_keras():
    read = _attributes_read_by_fused()
    assert set(read) == {
        keras.layers.Conv2DTranspose, keras.layers.BatchNormalization, keras.optimizers.Adam
    }  # fmt: skip
    assert any(name.startswith("_") for names in read.values() for name in names)
    objects = _built_keras_objects()
    for parent, names in read.items():
        for name in sorted(names):
            assert hasattr(objects[parent], name), (
                f"Keras {keras.__version__}: {parent.__name__}.{name}, which helpers/fused.py "
                f"reads, does not exist; {REVISIT}"
            )
    variable = keras.Variable(np.zeros(2, np.float32))
    assert isinstance(variable.handle, tf.Tensor), (
        f"Keras {keras.__version__}: keras.Variable.handle (the resource the fused Adam kernel "
        f"updates) is gone; {REVISIT}"
    )


def test_the_import_time_and_build_time_checks_cover_what_fused_reads():
    for parent, names in _attributes_read_by_fused().items():
        unchecked = names - set(fused.KERAS_INTERNALS[parent])
        assert not unchecked, f"add {sorted(unchecked)} to fused.KERAS_INTERNALS[{parent}]"
    assert fused.keras_class_problems() == [], f"{fused.keras_class_problems()}; {REVISIT}"
    for obj in _built_keras_objects().values():
        assert fused.keras_object_problems(obj) == [], REVISIT


def _defining_class(cls: type, name: str) -> type:
    return next(c for c in cls.__mro__ if name in vars(c))


def test_a_keras_without_a_private_method_fails_on_import_naming_it(monkeypatch):
    adam = keras.optimizers.Adam
    monkeypatch.delattr(_defining_class(adam, "_get_variable_index"), "_get_variable_index")
    with pytest.raises(fused.KerasInternalsError) as error:
        fused.require_keras_internals(fused.keras_class_problems())
    message = str(error.value)
    assert "keras.optimizers.Adam._get_variable_index is missing" in message
    assert "revisit fused.py" in message and "pyproject.toml" in message


def test_a_changed_signature_of_an_overridden_method_fails_naming_it(monkeypatch):
    monkeypatch.setattr(keras.layers.BatchNormalization, "call", lambda self, x, training: x)
    with pytest.raises(fused.KerasInternalsError, match=r"BatchNormalization\.call takes"):
        fused.require_keras_internals(fused.keras_class_problems())


def test_an_adam_whose_build_no_longer_makes_the_moments_fails_when_built(monkeypatch):
    def base_build_only(self, var_list):  # a Keras whose Adam keeps its moments elsewhere
        return super(keras.optimizers.Adam, self).build(var_list)

    monkeypatch.setattr(keras.optimizers.Adam, "build", base_build_only)
    optimizer = fused.Adam(1e-3)
    with pytest.raises(fused.KerasInternalsError, match="Adam._momentums is missing"):
        optimizer.build([keras.Variable(np.zeros(3, np.float32))])
