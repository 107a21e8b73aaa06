"""Keras' layers and optimizer computed with fewer or faster TensorFlow ops, same arithmetic.

Each class is a drop-in subclass of its Keras namesake (the same weights, checkpoints and
`get_config`) that takes Keras' own path outside the case it speeds up; `tests/test_fused.py`
checks each against Keras: outputs, every gradient, and the state it updates.

- `Conv2DTranspose`: the stride-1 form as the convolution it equals; in bfloat16 on a CPU, its
  filter gradient as a convolution with the batch as channels.
- `BatchNormalization`: training mode as TensorFlow's fused kernel, in the compute dtype.
- `Adam`: each update as TensorFlow's fused kernel (ResourceApplyAdam).

The DCGAN's step at the paper's widths uses all three (benchmarks/profile_dcgan_step.py says
where its time goes); the VAE and the VAE-GAN train with `Adam`.

The subclasses read attributes Keras does not document (`Adam._momentums`, ...; KERAS_INTERNALS
lists every one), so pyproject.toml bounds keras to the minor version they were checked
against. The installed Keras classes are checked when this module is imported, and each object
when it is built: a missing attribute or a changed signature raises `KerasInternalsError`,
naming it, rather than training on a Keras whose internals moved.
"""

from __future__ import annotations

import inspect

import keras
import tensorflow as tf


class KerasInternalsError(RuntimeError):
    """The installed Keras lacks an attribute, or a signature, that helpers.fused relies on."""


# What the subclasses below read from their Keras parents, by parent: each name must exist on
# the class (methods and properties) or on a built object (attributes set by __init__/build)
KERAS_INTERNALS: dict[type, tuple[str, ...]] = {
    keras.layers.Conv2DTranspose: (
        "strides", "dilation_rate", "padding", "data_format", "kernel_size", "output_padding",
        "kernel", "use_bias", "bias", "activation",
    ),
    keras.layers.BatchNormalization: (
        "axis", "scale", "center", "gamma", "beta", "epsilon", "momentum", "moving_mean",
        "moving_variance", "trainable",
    ),
    keras.optimizers.Adam: (
        "amsgrad", "iterations", "beta_1", "beta_2", "epsilon", "_get_variable_index",
        "_momentums", "_velocities",
    ),
}  # fmt: skip
# Methods and properties the subclasses need on the classes themselves (checked at import)
KERAS_CLASS_INTERNALS: dict[type, tuple[str, ...]] = {
    keras.optimizers.Adam: ("_get_variable_index",),
    keras.Variable: ("handle",),  # the TensorFlow resource the fused Adam kernel updates
}
# The methods overridden, with the parameters Keras calls them with
KERAS_OVERRIDES: dict[tuple[type, str], tuple[str, ...]] = {
    (keras.layers.Conv2DTranspose, "call"): ("inputs",),
    (keras.layers.Conv2DTranspose, "build"): ("input_shape",),
    (keras.layers.BatchNormalization, "call"): ("inputs", "training", "mask"),
    (keras.layers.BatchNormalization, "build"): ("input_shape",),
    (keras.optimizers.Adam, "update_step"): ("gradient", "variable", "learning_rate"),
    (keras.optimizers.Adam, "build"): ("var_list",),
}


_KERAS_NAMES = {
    keras.layers.Conv2DTranspose: "keras.layers.Conv2DTranspose",
    keras.layers.BatchNormalization: "keras.layers.BatchNormalization",
    keras.optimizers.Adam: "keras.optimizers.Adam",
    keras.Variable: "keras.Variable",
}


def _label(cls: type) -> str:
    return _KERAS_NAMES.get(cls, f"{cls.__module__}.{cls.__name__}")


def keras_class_problems() -> list[str]:
    """What the installed Keras classes lack of KERAS_CLASS_INTERNALS and KERAS_OVERRIDES."""
    problems = [
        f"{_label(cls)}.{name} is missing"
        for cls, names in KERAS_CLASS_INTERNALS.items()
        for name in names
        if not hasattr(cls, name)
    ]
    for (cls, method), expected in KERAS_OVERRIDES.items():
        if not callable(getattr(cls, method, None)):
            problems.append(f"{_label(cls)}.{method} is missing")
            continue
        parameters = tuple(inspect.signature(getattr(cls, method)).parameters)[1:]  # no self
        if parameters != expected:
            problems.append(
                f"{_label(cls)}.{method} takes {parameters}, not {expected} as overridden here"
            )
    return problems


def keras_object_problems(obj) -> list[str]:
    """What a built Keras object lacks of KERAS_INTERNALS for the Keras class it is one of."""
    return [
        f"{_label(cls)}.{name} is missing (on a built {type(obj).__name__})"
        for cls, names in KERAS_INTERNALS.items()
        if isinstance(obj, cls)
        for name in names
        if not hasattr(obj, name)
    ]


def require_keras_internals(problems: list[str]) -> None:
    """Raise KerasInternalsError listing `problems` (none: return)."""
    if problems:
        raise KerasInternalsError(
            f"helpers/fused.py relies on Keras internals that Keras {keras.__version__} lacks: "
            + "; ".join(problems)
            + ". Install the keras version pyproject.toml allows, or revisit fused.py (and "
            "KERAS_INTERNALS there) before raising pyproject.toml's bound on keras."
        )


class Conv2DTranspose(keras.layers.Conv2DTranspose):
    """Keras' transposed convolution whose stride-1 form is computed as the convolution it
    equals: the kernel flipped in space and its two channel axes swapped.

    A stride-1 transposed convolution with "same" padding and an odd kernel scatters each input
    pixel through the kernel; gathering through the mirrored kernel gives every output the same
    products, and the same sums. The weights and their shape stay Keras' (checkpoints load
    either way); only the ops differ: TensorFlow's filter gradient of a transposed convolution
    costs about 4x its forward pass on a CPU, the convolution's about 2x (op times by part of
    the step: `python benchmarks/profile_dcgan_step.py`). Other strides, paddings and layouts
    take Keras' path.

    In bfloat16 on a CPU the filter gradient is computed as one forward convolution with the
    batch as its channels (`_filter_gradient`): oneDNN's bfloat16 filter-gradient kernel runs
    at about a third of its forward speed on these 7x7 maps, slower than the forward
    convolution of the swapped layout. In float32 TensorFlow's kernel is the faster, so it
    stays. (The same script charges both kernels to the part "G backward (through G)".)
    """

    def build(self, input_shape):
        super().build(input_shape)
        require_keras_internals(keras_object_problems(self))

    def call(self, inputs):
        as_convolution = (
            tuple(self.strides) == (1, 1) and tuple(self.dilation_rate) == (1, 1)
            and self.padding == "same" and self.data_format == "channels_last"
            and all(size % 2 for size in self.kernel_size) and self.output_padding is None
        )  # fmt: skip
        if not as_convolution:
            return super().call(inputs)
        kernel = tf.cast(self.kernel, inputs.dtype)  # [kh, kw, out, in]
        mirrored = tf.transpose(tf.reverse(kernel, axis=[0, 1]), [0, 1, 3, 2])
        if inputs.dtype == tf.bfloat16 and not tf.config.list_logical_devices("GPU"):
            outputs = _same_convolution(inputs, mirrored)
        else:
            outputs = tf.nn.conv2d(inputs, mirrored, strides=1, padding="SAME")
        if self.use_bias:
            outputs = tf.nn.bias_add(outputs, tf.cast(self.bias, outputs.dtype))
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


@tf.custom_gradient
def _same_convolution(inputs, kernel):
    """tf.nn.conv2d(inputs, kernel, 1, "SAME") for an odd kernel, whose filter gradient is
    `_filter_gradient`; the input gradient is TensorFlow's (a transposed convolution).

    In a graph the gradient's ops are named as TensorFlow names its own, gradient_tape/ then
    the forward op's scope (e.g. gradient_tape/generator/deconv1/), so that a profile charges
    them to the layer they belong to (benchmarks/profile_dcgan_step.py)."""
    outputs = tf.nn.conv2d(inputs, kernel, strides=1, padding="SAME")
    scope = tf.compat.v1.get_default_graph().get_name_scope()

    def gradient(upstream):
        with tf.name_scope(f"gradient_tape/{scope}/" if scope else "gradient_tape"):
            input_gradient = tf.nn.conv2d_transpose(
                upstream, kernel, tf.shape(inputs), strides=1, padding="SAME"
            )
            return input_gradient, _filter_gradient(inputs, upstream, kernel.shape)

    return outputs, gradient


def _filter_gradient(inputs, upstream, kernel_shape):
    """d loss / d kernel of a stride-1 "same" convolution with an odd [kh, kw, in, out] kernel:

        dW[a, b, i, o] = sum over n, y, x of padded[n, y + a, x + b, i] * upstream[n, y, x, o],

    which is a "valid" convolution of the padded inputs, laid out [in, height, width, batch]
    (the batch as channels), with the upstream gradient as its kernel [height, width, batch,
    out]: its output [in, kh, kw, out] is dW with the first axis moved."""
    kh, kw = int(kernel_shape[0]), int(kernel_shape[1])
    padded = tf.pad(inputs, [[0, 0], [kh // 2, kh // 2], [kw // 2, kw // 2], [0, 0]])
    swapped = tf.nn.conv2d(
        tf.transpose(padded, [3, 1, 2, 0]),
        tf.transpose(upstream, [1, 2, 0, 3]),
        strides=1,
        padding="VALID",
    )
    return tf.transpose(swapped, [1, 2, 0, 3])


class BatchNormalization(keras.layers.BatchNormalization):
    """Keras' batch norm, computed in training by TensorFlow's fused kernel (FusedBatchNormV3:
    one op forward, one backward, oneDNN on a CPU) in the layer's compute dtype.

    The same layer, weights and arithmetic as `keras.layers.BatchNormalization` — normalise
    by the batch's mean and biased variance per channel, scale by gamma, shift by beta, move the
    running statistics by `momentum` — but Keras computes it from a dozen element-wise ops in
    float32, casting bfloat16 activations up and back down, which under mixed bfloat16 cost
    about a fifth of a DCGAN step (benchmarks/profile_dcgan_step.py). The fused kernel reads
    bfloat16 directly and keeps its statistics in float32. Inference (training=False), masks
    and inputs that are not NHWC images over the last axis take Keras' own path.
    """

    def build(self, input_shape):
        super().build(input_shape)
        require_keras_internals(keras_object_problems(self))

    def call(self, inputs, training=None, mask=None):
        fused = (
            training and self.trainable and mask is None and len(inputs.shape) == 4
            and self.axis in (3, -1) and self.scale and self.center  # NHWC, gamma and beta
        )  # fmt: skip
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs,
            tf.cast(self.gamma, tf.float32),
            tf.cast(self.beta, tf.float32),
            epsilon=self.epsilon,
            is_training=True,
            data_format="NHWC",
        )
        # the kernel returns the unbiased (Bessel-corrected) variance for the running
        # statistics; Keras moves them by the biased one, as it normalises
        count = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), tf.float32)
        variance = variance * (count - 1.0) / count
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(
            self.moving_variance * self.momentum + variance * (1.0 - self.momentum)
        )
        return outputs


class Adam(keras.optimizers.Adam):
    """Keras' Adam whose update of each variable is TensorFlow's fused kernel (ResourceApplyAdam:
    one op instead of Keras' nine element-wise ones), with the same moments and arithmetic:

        m <- beta_1 m + (1 - beta_1) g,  v <- beta_2 v + (1 - beta_2) g^2,
        w <- w - lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon).

    Variables, checkpoints and `get_config` are Keras'; amsgrad takes Keras' own path.
    """

    def build(self, var_list):
        super().build(var_list)
        require_keras_internals(keras_object_problems(self))

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=variable.handle,
            m=self._momentums[index].handle,
            v=self._velocities[index].handle,
            beta1_power=tf.pow(tf.cast(self.beta_1, dtype), step),
            beta2_power=tf.pow(tf.cast(self.beta_2, dtype), step),
            lr=tf.cast(learning_rate, dtype),
            beta1=tf.cast(self.beta_1, dtype),
            beta2=tf.cast(self.beta_2, dtype),
            epsilon=tf.cast(self.epsilon, dtype),
            grad=tf.cast(gradient, dtype),
        )


require_keras_internals(keras_class_problems())  # on import: before any model is built
