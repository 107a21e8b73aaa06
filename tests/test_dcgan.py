"""DCGAN: architecture, initialisation, the training step, determinism, resume, NaN guard,
distribution over two logical CPUs, and the exported files. Tiny widths, tiny data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from helpers import dcgan, fused
from helpers.config import make_config
from helpers.data import Dataset, to_gan_range, to_uint8_images
from helpers.record import read_record
from helpers.runs import Checkpointer, results_dir
from helpers.training import NonFiniteLossError, train
from tests.conftest import TEST_VALIDATION_SIZE
from tests.interface_checks import assert_exports_its_record, assert_samples_by_seed

REPO = Path(__file__).resolve().parents[1]


def tiny_config(**overrides):
    values = dict(
        generator_widths=(8, 4),
        discriminator_widths=(4, 8),
        latent_dim=8,
        batch_size=16,
        train_size=64,
        validation_size=TEST_VALIDATION_SIZE,
        epochs=3,
        epoch_samples=12,
        export_samples=40,
        snapshot_epochs=(1,),
    )
    values.update(overrides)
    return make_config("dcgan", "smoke", **values)


def tiny_images(count: int = 64, seed: int = 0) -> np.ndarray:
    """uint8 [count, 28, 28]: bright squares at random places on black (learnable, not noise)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.uint8)
    for image, (row, col) in zip(images, rng.integers(2, 18, size=(count, 2)), strict=True):
        image[row : row + 8, col : col + 8] = 255
    return images


def tiny_data(x_train=None) -> Dataset:
    """A Dataset of `tiny_images()` (or of `x_train`, e.g. poisoned float32 images), followed
    by the validation split the smoke config holds out of the end of the training set."""
    x_train = tiny_images() if x_train is None else x_train
    held_out = tiny_images(TEST_VALIDATION_SIZE, seed=2)
    if x_train.dtype != np.uint8:  # images already in the generator's range, [N, 28, 28, 1]
        held_out = to_gan_range(held_out)
    x_train = np.concatenate([x_train, held_out])
    labels = np.zeros(len(x_train), np.uint8)
    test = tiny_images(16, seed=1)
    return Dataset("mnist", x_train, labels, test, np.zeros(16, np.uint8), source="synthetic")


def train_dcgan(config, data: Dataset, strategy=None, **options):
    """`helpers.training.train` of a freshly built DCGAN of `config` on `data`."""
    return train(dcgan.build(config, strategy), data, **options)


def generator_weights(run) -> list[np.ndarray]:
    return [w.numpy() for w in run.model.generator.weights]


# --- architecture ----------------------------------------------------------------------------


@pytest.mark.parametrize("precision", ["float32", "mixed_bfloat16"])
def test_shapes_dtypes_and_output_range(precision):
    config = tiny_config(precision=precision)
    generator, discriminator = dcgan.build_generator(config), dcgan.build_discriminator(config)
    output = generator.get_layer("output").kernel
    output.assign(output * 1e4)  # drive tanh into saturation: the range must still hold
    z = tf.random.stateless_normal([5, config.latent_dim], seed=[1, 2])
    images = generator(z, training=False)
    logits = discriminator(images, training=False)
    assert images.shape == (5, 28, 28, 1) and images.dtype == tf.float32
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0
    assert float(tf.reduce_max(tf.abs(images))) > 0.99  # saturated, yet inside
    assert logits.shape == (5, 1) and logits.dtype == tf.float32  # float32 logit under bf16
    if precision == "mixed_bfloat16":
        assert generator.get_layer("deconv1").compute_dtype == "bfloat16"
        assert discriminator.get_layer("conv2").compute_dtype == "bfloat16"
        assert all(w.dtype == "float32" for w in generator.weights)  # float32 master weights


def test_paper_architecture_has_the_dcgan_layers():
    config = make_config("dcgan", "paper").resolved()  # precision "auto": what build() does
    generator, discriminator = dcgan.build_generator(config), dcgan.build_discriminator(config)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in generator.layers}
    assert shapes["reshape"] == (7, 7, 256)
    assert shapes["deconv1"] == (7, 7, 128)
    assert shapes["deconv2"] == (14, 14, 64)
    assert shapes["output"] == (28, 28, 1)
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in discriminator.layers}
    assert shapes["conv1"] == (14, 14, 64) and shapes["conv2"] == (7, 7, 128)
    assert shapes["logit"] == (1,)
    kinds = {type(layer).__name__ for layer in [*generator.layers, *discriminator.layers]}
    assert not kinds & {"MaxPooling2D", "AveragePooling2D"}  # no pooling (Radford et al.)
    assert generator.get_layer("tanh").get_config()["activation"] == "tanh"
    convolutions = [la for la in discriminator.layers if isinstance(la, keras.layers.Conv2D)]
    assert len(convolutions) == 2 and all(la.strides == (2, 2) for la in convolutions)


def test_architecture_rows_list_every_layer_of_both_networks_from_the_input():
    config = tiny_config()
    generator, discriminator = dcgan.build_generator(config), dcgan.build_discriminator(config)
    columns = dcgan.architecture_rows(generator, discriminator)
    assert list(columns) == ["Generator G", "Discriminator D"]
    for model, rows in zip((generator, discriminator), columns.values(), strict=True):
        assert len(rows) == len(model.layers)  # the InputLayer becomes the "Input" row
        assert rows[0][0] == "Input" and rows[0][2] == 0
        assert sum(count for _, _, count in rows) == model.count_params()
    generator_rows, discriminator_rows = columns.values()
    assert generator_rows[0][1] == str(config.latent_dim)
    assert generator_rows[-1][1] == discriminator_rows[0][1] == "28×28×1"
    assert discriminator_rows[-1][:2] == ("Dense", "1")
    kinds = [kind for kind, _, _ in generator_rows]
    assert kinds.count("Conv2DTranspose") == len(config.generator_widths)  # w1.., then the output


def test_initial_weights_are_normal_with_std_002():
    config = make_config("dcgan", "paper").resolved()  # precision "auto": what build() does
    for model in (dcgan.build_generator(config), dcgan.build_discriminator(config)):
        kernels = [w.numpy() for w in model.weights if w.name == "kernel" and w.numpy().size > 5000]
        assert kernels, model.name
        for kernel in kernels:
            assert abs(kernel.std() - 0.02) < 0.001, (model.name, kernel.shape, kernel.std())
            assert abs(kernel.mean()) < 0.002
        gammas = [w.numpy() for w in model.weights if w.name == "gamma"]
        assert all(abs(g.mean() - 1.0) < 0.01 for g in gammas)  # N(1, 0.02), Radford et al.


def test_same_config_builds_the_same_initial_weights():
    config = tiny_config()
    first, second = dcgan.build_generator(config), dcgan.build_generator(config)
    for a, b in zip(first.weights, second.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    other = dcgan.build_generator(tiny_config(seed=1))
    assert not np.array_equal(first.weights[0].numpy(), other.weights[0].numpy())


def test_losses_are_the_cross_entropies_of_the_game():
    real, fake = tf.constant([[2.0], [-1.0]]), tf.constant([[0.5], [-3.0]])
    d_real, d_fake = tf.sigmoid(real), tf.sigmoid(fake)
    expected_d = -np.log(d_real.numpy()) - np.log(1 - d_fake.numpy())
    np.testing.assert_allclose(dcgan.discriminator_loss(real, fake), expected_d, rtol=1e-6)
    np.testing.assert_allclose(dcgan.generator_loss(fake), -np.log(d_fake.numpy()), rtol=1e-6)


# --- the training step -----------------------------------------------------------------------


@pytest.mark.slow
def test_discriminator_steps_on_a_fixed_batch_lower_its_loss():
    config = tiny_config()
    model = dcgan.DCGAN(config)
    real = dcgan.gan_images(config, tiny_images())[: config.batch_size]
    noise = tf.random.stateless_normal([config.batch_size, config.latent_dim], seed=[3, 4])
    batch = tf.data.Dataset.from_tensors((real, noise))
    generator_before = [w.numpy() for w in model.generator.trainable_weights]
    losses = [model.run_steps(batch, 1, update_generator=False)["d_loss"] for _ in range(8)]
    assert losses[-1] < losses[0] - 0.1, losses
    for before, after in zip(generator_before, model.generator.trainable_weights, strict=True):
        np.testing.assert_array_equal(before, after.numpy())  # only D moved


def test_average_decay_gives_the_bias_corrected_moving_average():
    decay, weights = 0.9, np.random.default_rng(0).standard_normal(6)
    average = 123.0  # whatever the average held before step 1 is forgotten there
    for step, weight in enumerate(weights, start=1):
        average = (
            dcgan.average_decay(decay, step) * average
            + (1 - dcgan.average_decay(decay, step)) * weight
        )
        powers = decay ** np.arange(step - 1, -1, -1)  # d^(t-s) for s = 1..t
        expected = np.sum((1 - decay) * powers * weights[:step]) / (1 - decay**step)
        assert average == pytest.approx(expected, rel=1e-12), step
    assert dcgan.average_decay(decay, 1) == 0.0
    assert dcgan.average_decay(decay, 10_000) == pytest.approx(decay)


def test_averaged_generator_tracks_g_step_by_step_and_is_what_samples():
    config = tiny_config(generator_average=0.8)
    model = dcgan.DCGAN(config)
    assert dcgan.DCGAN(tiny_config()).averaged_generator is None  # off by default (the paper)
    real = dcgan.gan_images(config, tiny_images())[: config.batch_size]
    noise = tf.random.stateless_normal([config.batch_size, config.latent_dim], seed=[3, 4])
    batch = tf.data.Dataset.from_tensors((real, noise))
    seen = []  # G's weights (with batch-norm statistics) after each step
    for _ in range(3):
        model.run_steps(batch, 1)
        seen.append([w.numpy() for w in model.generator.weights])
    resting = [w.numpy() for w in model.averaged_generator.weights]
    model.run_steps(batch, 1, update_generator=False)  # G did not move: neither does its average
    for before, after in zip(resting, model.averaged_generator.weights, strict=True):
        np.testing.assert_array_equal(before, after.numpy())
    d = config.generator_average
    for index, average in enumerate(model.averaged_generator.weights):
        expected = sum((1 - d) * d ** (3 - s) * seen[s - 1][index] for s in (1, 2, 3))
        np.testing.assert_allclose(average.numpy(), expected / (1 - d**3), rtol=1e-5, atol=1e-6)
    assert not np.allclose(seen[-1][0], model.averaged_generator.weights[0].numpy())
    z = dcgan.fixed_noise(config, 5, 7)
    images = model.generate(z)
    np.testing.assert_array_equal(
        images, to_uint8_images(model.averaged_generator(z, training=False).numpy(), (-1.0, 1.0))
    )
    assert "averaged_generator" in model.variables  # checkpointed with the rest


@pytest.mark.slow
def test_same_seed_gives_identical_history(project_root, monkeypatch):
    config = tiny_config(epochs=1)
    first = train_dcgan(config, tiny_data(), progress=False)
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(project_root / "second"))
    second = train_dcgan(config, tiny_data(), progress=False)
    assert second.resumed_from == 0  # trained again, not reloaded
    assert first.history == second.history
    for a, b in zip(generator_weights(first), generator_weights(second), strict=True):
        np.testing.assert_array_equal(a, b)
    other = train_dcgan(tiny_config(epochs=1, seed=1), tiny_data(), progress=False)
    assert other.resumed_from == 0  # another config never resumes this one's checkpoint
    assert other.history["d_loss"] != first.history["d_loss"]


class Interrupted(Exception):
    pass


@pytest.mark.slow
@pytest.mark.parametrize("average", [0.0, 0.9], ids=["G", "averaged G"])
def test_interrupted_then_resumed_equals_uninterrupted(project_root, monkeypatch, average):
    config = tiny_config(epochs=3, generator_average=average)
    images = tiny_images()
    uninterrupted = train_dcgan(config, tiny_data(images), progress=False)

    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(project_root / "interrupted"))

    def stop_after_epoch_2(epoch, metrics):
        if epoch == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_dcgan(config, tiny_data(images), progress=False, on_epoch_end=stop_after_epoch_2)
    assert Checkpointer("smoke", "dcgan", config).latest_epoch == 2
    resumed = train_dcgan(config, tiny_data(images), progress=False)
    assert resumed.resumed_from == 2
    assert resumed.history == uninterrupted.history  # exactly, not approximately
    assert len(resumed.epoch_seconds) == 3  # the first two come from the checkpoint
    for a, b in zip(generator_weights(resumed), generator_weights(uninterrupted), strict=True):
        np.testing.assert_array_equal(a, b)
    pairs = zip(
        resumed.model.d_optimizer.variables, uninterrupted.model.d_optimizer.variables, strict=True
    )
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(resumed.epoch_samples, uninterrupted.epoch_samples)
    for a, b in zip(
        resumed.model.sampler.weights, uninterrupted.model.sampler.weights, strict=True
    ):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    # finished: reload, train nothing
    again = train_dcgan(config, tiny_data(images), progress=False)
    assert again.resumed_from == 3 and again.history == uninterrupted.history


@pytest.mark.slow
def test_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(project_root):
    images = tiny_images()
    train_dcgan(tiny_config(epochs=1), tiny_data(images), progress=False)
    checkpointer = Checkpointer("smoke", "dcgan", tiny_config(epochs=1))
    saved = (checkpointer.directory / "state-0001.npz").read_bytes()

    poisoned = dcgan.gan_images(tiny_config(), images).copy()
    poisoned[::7] = np.nan  # a corrupt batch: D(x) and both losses become NaN
    with pytest.raises(NonFiniteLossError, match="epoch 2.*last good checkpoint"):
        train_dcgan(tiny_config(epochs=2), tiny_data(poisoned), progress=False)
    assert checkpointer.latest_epoch == 1
    assert (checkpointer.directory / "state-0001.npz").read_bytes() == saved
    assert not (checkpointer.directory / "state-0002.npz").exists()


@pytest.mark.slow
def test_absurd_learning_rate_is_caught(project_root):
    config = tiny_config(epochs=1, learning_rate=1e30)
    with pytest.raises(NonFiniteLossError, match="epoch 1"):
        train_dcgan(config, tiny_data(), progress=False)
    assert Checkpointer("smoke", "dcgan", config).latest_epoch == 0


@pytest.mark.slow
def test_exports_follow_the_results_contract(project_root):
    config = tiny_config(epochs=2, snapshot_epochs=(1, 2))
    run = train_dcgan(config, tiny_data(), progress=False)
    run.model.export(run)
    folder = results_dir(config.profile)
    record = read_record(folder / "dcgan.json")
    paths = {kind: folder / name for kind, name in record.files.items()}
    assert record.config == config.to_dict() and record.seed == config.seed
    assert record.environment["seed"] == config.seed and record.environment["numpy"]
    assert len(record.timings.epoch_seconds) == 2 and record.timings.wall_time_seconds > 0
    assert record.timings.images_per_second > 0
    assert set(record.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(len(v) == 2 for v in record.history.values())
    assert record.parameters["generator"] == run.model.generator.count_params()
    with np.load(paths["samples"]) as saved:
        assert saved["images"].shape == (40, 28, 28) and saved["images"].dtype == np.uint8
    with np.load(paths["epoch_samples"]) as saved:
        assert saved["images"].shape == (2, 12, 28, 28) and saved["images"].dtype == np.uint8
        np.testing.assert_array_equal(saved["epochs"], [1, 2])
        np.testing.assert_array_equal(saved["images"][-1], run.snapshot(2, 12))
    reloaded = dcgan.load(config, paths["weights"]).generator
    z = dcgan.fixed_noise(config, 4, 123)
    np.testing.assert_array_equal(
        reloaded(z).numpy(), run.model.generator(z, training=False).numpy()
    )


@pytest.mark.slow
def test_exports_and_reloads_the_averaged_generator(project_root):
    config = tiny_config(epochs=1, generator_average=0.9)
    run = train_dcgan(config, tiny_data(), progress=False)
    record = run.model.export(run)
    paths = {kind: results_dir(config.profile) / name for kind, name in record.files.items()}
    noise = tf.random.stateless_normal(
        [40, config.latent_dim], seed=[config.seed, dcgan.EXPORT_SAMPLE_STREAM]
    )
    averaged = run.model.averaged_generator(noise, training=False).numpy()
    with np.load(paths["samples"]) as saved:  # the exported samples are the average's, not G's
        np.testing.assert_array_equal(saved["images"], to_uint8_images(averaged, (-1.0, 1.0)))
    reloaded = dcgan.load(config, paths["weights"])
    z = dcgan.fixed_noise(config, 4, 123)
    np.testing.assert_array_equal(reloaded.generate(z), run.model.generate(z))
    exported = reloaded.sampler(z, training=False).numpy()
    np.testing.assert_array_equal(exported, run.model.averaged_generator(z, training=False))
    assert not np.array_equal(exported, run.model.generator(z, training=False).numpy())


@pytest.mark.slow
def test_built_model_samples_by_seed_and_exports_its_record(project_root):
    """The common interface (helpers.training.GenerativeModel): build, sample, train, export."""
    config = tiny_config(epochs=1)
    model = dcgan.build(config)
    assert isinstance(model, dcgan.DCGAN) and model.name == "dcgan"
    assert_samples_by_seed(model)
    run = train(model, tiny_data(), progress=False)
    assert run.model is model
    kinds = {"samples", "epoch_samples", "weights", "walk"}  # no plane: z has 100 dimensions
    record = assert_exports_its_record(model, run, kinds)
    assert record.name == record.model == "dcgan"
    folder = results_dir(config.profile)
    from helpers import explorer
    from helpers.training import WALK_STREAM

    # the walk: the sampler's images along the loop through the seed's anchors
    rng = np.random.default_rng([config.seed, WALK_STREAM])
    anchors = rng.standard_normal((explorer.WALK_ANCHORS, config.latent_dim)).astype(np.float32)
    codes = explorer.slerp_loop(anchors, explorer.WALK_STEPS)
    with np.load(folder / record.files["walk"]) as saved:
        np.testing.assert_array_equal(saved["images"], model.generate(codes))


def test_prepare_images_rejects_bad_input():
    with pytest.raises(ValueError, match="expected"):
        dcgan.gan_images(tiny_config(), np.zeros((64, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="exceeds"):
        dcgan.gan_images(tiny_config(train_size=128), tiny_images(64))


# --- distribution ----------------------------------------------------------------------------

DISTRIBUTED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    # two logical CPUs: must happen before anything initialises TensorFlow's devices
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )
    sys.path.insert(0, sys.argv[1])
    from tests.test_dcgan import tiny_config, tiny_data
    from helpers import dcgan
    from helpers.training import train

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    run = train(dcgan.build(tiny_config(epochs=1), strategy), tiny_data(), progress=False)
    kernel = run.model.generator.get_layer("deconv1").kernel.value  # the tf MirroredVariable
    replicas = strategy.experimental_local_results(kernel)
    copies = [v.numpy() for v in replicas]
    print(json.dumps({
        "replicas": run.model.strategy.num_replicas_in_sync,
        "strategy": type(run.model.strategy).__name__,
        "variable": type(kernel).__name__,
        "devices": sorted(v.device for v in replicas),
        "copies_equal": bool(np.array_equal(copies[0], copies[1])),
        "moved": bool(not np.array_equal(copies[0], dcgan.build_generator(
            tiny_config()).get_layer("deconv1").kernel.numpy())),
        "history": run.history,
    }))
    """
)


@pytest.mark.slow
def test_step_runs_under_mirrored_strategy_on_two_logical_cpus(tmp_path):
    environment = dict(os.environ, VAE_VS_GAN_ROOT=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", DISTRIBUTED_SCRIPT, str(REPO)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["strategy"] == "MirroredStrategy" and report["replicas"] == 2
    assert report["variable"] == "MirroredVariable"
    assert [d.split("/")[-1] for d in report["devices"]] == ["device:CPU:0", "device:CPU:1"]
    assert report["copies_equal"]  # gradients were all-reduced: replicas stay in sync
    assert report["moved"]  # and training changed the weights
    assert all(np.isfinite(v).all() and len(v) == 1 for v in report["history"].values())


def test_snapshot_epochs_spread_like_the_paper():
    assert dcgan.paper_snapshot_epochs(200) == (1, 55, 100, 200)
    assert dcgan.paper_snapshot_epochs(20) == (1, 6, 10, 20)
    assert dcgan.paper_snapshot_epochs(2) == (1, 1, 1, 2)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_latest_checkpoint_resumes_to_the_undamaged_numbers(
    project_root, monkeypatch, damage
):
    """The user whose disk filled up: state-0002.npz truncated (or corrupt), state-0001 whole."""
    config = tiny_config(epochs=2)
    undamaged = train_dcgan(config, tiny_data(), progress=False)
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(project_root / "damaged"))
    train_dcgan(config, tiny_data(), progress=False)
    latest = Checkpointer("smoke", "dcgan", config).directory / "state-0002.npz"
    raw = bytearray(latest.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 3]
    else:
        raw[len(raw) // 2 : len(raw) // 2 + 64] = bytes(64)
    latest.write_bytes(bytes(raw))
    with pytest.warns(RuntimeWarning, match="state-0002.npz is damaged"):
        resumed = train_dcgan(config, tiny_data(), progress=False)
    assert resumed.resumed_from == 1
    assert resumed.history == undamaged.history  # the same final numbers, exactly
    for a, b in zip(generator_weights(resumed), generator_weights(undamaged), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_mixed_float16_scales_the_loss_and_still_learns():
    """float16 gradients underflow without loss scaling: the optimizer must scale (and unscale)."""
    config = tiny_config(precision="mixed_float16")
    model = dcgan.DCGAN(config)
    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert model.generator.get_layer("deconv1").compute_dtype == "float16"
    real = dcgan.gan_images(config, tiny_images())[: config.batch_size]
    noise = tf.random.stateless_normal([config.batch_size, config.latent_dim], seed=[3, 4])
    batch = tf.data.Dataset.from_tensors((real, noise))
    before = [w.numpy().copy() for w in model.generator.trainable_weights]
    losses = [model.run_steps(batch, 1)["d_loss"] for _ in range(8)]
    assert all(np.isfinite(losses)), losses
    moved = [
        not np.array_equal(b, w.numpy())
        for b, w in zip(before, model.generator.trainable_weights, strict=True)
    ]
    assert all(moved)  # every generator weight received an (unscaled, finite) update
    assert float(model.d_optimizer.dynamic_scale) > 1.0  # the loss was scaled


def test_dcgan_networks_use_the_fused_batch_norm_under_keras_name():
    config = make_config("dcgan", "smoke")
    norms = [layer for layer in dcgan.build_generator(config).layers if "bn" in layer.name]
    assert norms and all(isinstance(layer, fused.BatchNormalization) for layer in norms)
    rows = dcgan.architecture_rows(dcgan.build_generator(config), dcgan.build_discriminator(config))
    assert any(kind == "BatchNormalization" for kind, _, _ in rows["Generator G"])  # Figure 1


def test_generator_computes_its_stride_1_layers_as_convolutions():
    config = make_config("dcgan", "smoke")  # widths (16, 8, 4): deconv1 keeps 7x7
    generator = dcgan.build_generator(config)
    concrete = tf.function(lambda z: generator(z, training=True)).get_concrete_function(
        tf.TensorSpec([2, config.latent_dim], tf.float32)
    )
    ops = {op.type for op in concrete.graph.get_operations()}
    assert "Conv2D" in ops  # deconv1 (stride 1)
    assert "Conv2DBackpropInput" in ops  # the stride-2 layers stay transposed convolutions
