"""The VAE: shapes, the loss as the math reads, determinism, resume, NaN guard, likelihood bounds.

Everything trains tiny models on synthetic 28x28 images (bars at class-dependent places), so the
module runs in seconds; run directories live in a temporary project root.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import vae
from helpers.config import make_config
from helpers.data import Dataset
from helpers.record import read_record
from helpers.runs import ROOT_ENV, Checkpointer, results_dir
from helpers.training import NonFiniteLossError, train
from tests.interface_checks import assert_exports_its_record, assert_samples_by_seed


def synthetic_dataset(n_train: int = 256, n_test: int = 128, seed: int = 0) -> Dataset:
    """uint8 images: class c is a bright 6-pixel-wide bar at row/column 2 + 2c, plus 3% noise."""
    rng = np.random.default_rng(seed)

    def make(count):
        labels = rng.integers(0, 10, count).astype(np.uint8)
        images = np.zeros((count, 28, 28), np.uint8)
        for index, label in enumerate(labels):
            start = 2 + 2 * int(label)
            if label % 2:
                images[index, start : start + 6, 4:24] = 255
            else:
                images[index, 4:24, start : start + 6] = 255
        flips = rng.random(images.shape) < 0.03
        return np.where(flips, 255 - images, images).astype(np.uint8), labels

    x_train, y_train = make(n_train)
    x_test, y_test = make(n_test)
    return Dataset("mnist", x_train, y_train, x_test, y_test, source="synthetic")


def tiny_config(**overrides):
    values = dict(
        epochs=2,
        batch_size=32,
        train_size=256,
        hidden_units=(32, 16),
        snapshot_epochs=(1, 2),
        export_samples=20,
        iwae_k=20,
    )
    values.update(overrides)
    return make_config("vae", "smoke", **values)


@pytest.fixture(autouse=True)
def project_root(tmp_path, monkeypatch):
    """Each test writes runs/ under its own temporary root."""
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset()


@pytest.fixture(scope="module")
def trained(data, tmp_path_factory):
    """A tiny VAE (2-D latent) trained for 4 epochs, and its binarised test images."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ROOT_ENV, str(tmp_path_factory.mktemp("trained")))
        config = tiny_config(epochs=4, snapshot_epochs=(1, 4))
        run = train(vae.build(config), data, progress=False)
        _, x_test = vae.prepare_images(config, data)
    return config, run, x_test


def all_weights(model):
    """Every weight of a `vae.VAEModel`'s Keras model (or of a Keras VAE itself)."""
    network = getattr(model, "network", model)
    return [np.asarray(w) for w in network.weights]


# --- the model -------------------------------------------------------------------------------


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_encoder_decoder_shapes(architecture):
    config = tiny_config(architecture=architecture, latent_dim=3, conv_filters=(4, 8))
    model = vae.build(config)
    images = np.zeros((5, 28, 28, 1), np.float32)
    z_mean, z_log_var = model.encoder(images)
    assert z_mean.shape == (5, 3) and z_log_var.shape == (5, 3)
    assert model.decoder(np.zeros((5, 3), np.float32)).shape == (5, 28, 28, 1)
    assert model.network(images).shape == (5, 28, 28, 1)
    assert vae.decode_means(model, np.zeros((5, 3))).max() <= 1.0
    counts = model.parameters()
    assert counts["total"] == counts["encoder"] + counts["decoder"]
    assert counts["total"] == model.network.count_params()


def test_reconstruction_loss_is_the_bernoulli_negative_log_likelihood():
    rng = np.random.default_rng(1)
    images = (rng.random((4, 28, 28, 1)) < 0.3).astype(np.float32)
    logits = rng.normal(0, 3, (4, 28, 28, 1)).astype(np.float32)
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    expected = -np.sum(images * np.log(p) + (1 - images) * np.log(1 - p), axis=(1, 2, 3))
    got = np.asarray(vae.reconstruction_loss(images, logits))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_kl_matches_monte_carlo():
    rng = np.random.default_rng(2)
    mean = rng.normal(0, 1, (3, 2))
    log_var = rng.normal(0, 0.7, (3, 2))
    exact = np.asarray(vae.kl_to_standard_normal(mean, log_var))
    samples = 400_000
    z = mean + np.exp(0.5 * log_var) * rng.standard_normal((samples, 3, 2))
    log_q = -0.5 * np.sum(np.log(2 * np.pi) + log_var + (z - mean) ** 2 / np.exp(log_var), -1)
    log_p = -0.5 * np.sum(np.log(2 * np.pi) + z**2, -1)
    ratio = log_q - log_p
    standard_error = ratio.std(0) / np.sqrt(samples)
    assert np.all(np.abs(ratio.mean(0) - exact) < 5 * standard_error)
    assert np.all(exact > 0)
    assert np.asarray(vae.kl_to_standard_normal(np.zeros((1, 2)), np.zeros((1, 2))))[0] == 0


def test_total_is_reconstruction_plus_kl(trained):
    _, run, x_test = trained
    history = run.history
    for prefix in ("", "val_"):
        total = np.asarray(history[f"{prefix}loss"])
        parts = np.asarray(history[f"{prefix}reconstruction"]) + np.asarray(history[f"{prefix}kl"])
        np.testing.assert_allclose(total, parts, rtol=1e-6)
    # and per step: test_step's metrics average the same images
    run.model.network.reset_metrics()
    result = run.model.network.test_step(x_test[:50])
    assert float(result["loss"]) == pytest.approx(
        float(result["reconstruction"]) + float(result["kl"]), rel=1e-6
    )


def test_tracked_total_stays_the_sum_over_a_long_epoch():
    """600 batches of realistic per-image values: float32 running sums would drift ~1e-5."""
    model = vae.build_vae(tiny_config())
    rng = np.random.default_rng(3)
    for _ in range(600):
        reconstruction = rng.normal(130, 30, 100).astype(np.float32)
        kl = rng.normal(7, 1, 100).astype(np.float32)
        result = model._track(reconstruction, kl)
    total, parts = float(result["loss"]), float(result["reconstruction"]) + float(result["kl"])
    assert abs(total - parts) <= 1e-10 * total


def test_training_lowers_the_loss(trained):
    _, run, _ = trained
    assert run.history["loss"][-1] < run.history["loss"][0] - 20
    assert run.history["val_loss"][-1] < run.history["val_loss"][0]


# --- determinism, resume, NaN guard ----------------------------------------------------------


@pytest.mark.slow
def test_training_is_deterministic(data, project_root, monkeypatch):
    config = tiny_config(epochs=1, snapshot_epochs=(1,))
    first = train(vae.build(config), data, resume=False, progress=False)
    monkeypatch.setenv(ROOT_ENV, str(project_root / "again"))
    second = train(vae.build(config), data, resume=False, progress=False)
    assert first.history == second.history
    for a, b in zip(all_weights(first.model), all_weights(second.model), strict=True):
        np.testing.assert_array_equal(a, b)


class InterruptAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the first batch end at or after `batch` of the `fit_call`-th
    call to fit (1-based): with several steps per execution, callbacks see only each
    execution's last batch."""

    calls = 0

    def __init__(self, fit_call: int, batch: int):
        super().__init__()
        self.fit_call, self.batch = fit_call, batch

    def on_train_begin(self, logs=None):
        InterruptAt.calls += 1

    def on_train_batch_end(self, batch, logs=None):
        if InterruptAt.calls == self.fit_call and batch >= self.batch:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_interrupted_then_resumed_equals_uninterrupted(data, project_root, monkeypatch):
    config = tiny_config(epochs=3, snapshot_epochs=(1, 3))
    monkeypatch.setenv(ROOT_ENV, str(project_root / "straight"))
    straight = train(vae.build(config), data, progress=False)

    monkeypatch.setenv(ROOT_ENV, str(project_root / "interrupted"))
    InterruptAt.calls = 0
    with pytest.raises(KeyboardInterrupt):  # in the middle of epoch 2
        train(vae.build(config, callbacks=[InterruptAt(2, 3)]), data, progress=False)
    assert Checkpointer("smoke", "vae", config).latest_epoch == 1
    resumed = train(vae.build(config), data, progress=False)

    assert resumed.resumed_from == 1
    assert resumed.history == straight.history  # exact, not approximately
    for a, b in zip(all_weights(resumed.model), all_weights(straight.model), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(resumed.snapshots) == [1, 3]
    for epoch in (1, 3):
        np.testing.assert_array_equal(resumed.snapshots[epoch], straight.snapshots[epoch])

    # finished: a rerun only restores, also when only the scoring (IWAE k) changed
    again = train(vae.build(tiny_config(epochs=3, snapshot_epochs=(1, 3), iwae_k=7)), data)
    assert again.resumed_from == 3 and again.history == straight.history
    shorter = tiny_config(epochs=2, snapshot_epochs=(1,))
    with pytest.raises(RuntimeError, match="past epochs=2"):  # never silently use epoch 3
        train(vae.build(shorter), data, progress=False)
    restarted = train(vae.build(shorter), data, resume=False, progress=False)  # starts over
    assert restarted.history["loss"] == straight.history["loss"][:2]
    assert Checkpointer("smoke", "vae", shorter).latest_epoch == 2
    assert train(vae.build(shorter), data, progress=False).resumed_from == 2


class PoisonAt(keras.callbacks.Callback):
    """Sets the decoder's output bias to NaN during the `fit_call`-th call to fit."""

    calls = 0

    def __init__(self, fit_call: int):
        super().__init__()
        self.fit_call = fit_call

    def on_train_begin(self, logs=None):
        PoisonAt.calls += 1

    def on_train_batch_end(self, batch, logs=None):
        if PoisonAt.calls == self.fit_call:
            bias = self.model.decoder.get_layer("logits").bias
            bias.assign(np.full(bias.shape, np.nan, np.float32))


@pytest.mark.slow
def test_nan_guard_stops_and_keeps_the_last_good_checkpoint(data):
    config = tiny_config(epochs=3, snapshot_epochs=(1,))
    PoisonAt.calls = 0
    with pytest.raises(NonFiniteLossError, match="epoch 2"):
        train(vae.build(config, callbacks=[PoisonAt(2)]), data, progress=False)
    checkpointer = Checkpointer("smoke", "vae", config)
    assert checkpointer.latest_epoch == 1
    model = vae.build(config)
    state = checkpointer.restore(model.variables)
    assert state["epoch"] == 1 and len(state["history"]["loss"]) == 1
    assert all(np.isfinite(w).all() for w in all_weights(model))


# --- likelihood bounds -----------------------------------------------------------------------


@pytest.mark.slow
def test_iwae_is_above_the_elbo_and_grows_with_k(trained):
    _, run, x_test = trained
    images = x_test[:128]
    elbo = vae.elbo(run.model, images, seed=3)
    single = vae.iwae_bound(run.model, images, 1, seed=4)
    # k = 1 is the ELBO itself (other noise): equal means within Monte Carlo error
    difference = single - elbo
    assert abs(difference.mean()) < 4 * difference.std() / np.sqrt(len(images))
    bounds = [vae.iwae_bound(run.model, images, k, seed=5, chunk=250) for k in (10, 100, 1000)]
    means = [elbo.mean()] + [b.mean() for b in bounds]
    assert means == sorted(means) and means[-1] > means[0] + 1.0


def test_iwae_converges_to_the_exact_log_likelihood():
    """Latent 1-D: log p(x) by quadrature is exact; the IWAE gap shrinks towards 0 with k."""
    config = tiny_config(latent_dim=1, hidden_units=(8,))
    keras.utils.set_random_seed(7)
    model = vae.build_vae(config)
    images = vae.prepare_images(config, synthetic_dataset(n_train=32, n_test=16, seed=5))[1]
    exact = vae.log_marginal_quadrature(model, images, points=1001)
    finer = vae.log_marginal_quadrature(model, images[:4], points=3001, span=20.0)
    np.testing.assert_allclose(exact[:4], finer, atol=1e-6)  # the quadrature has converged
    # k = 1 on 40 noise seeds (one z each is a noisy estimate), k = 4000 on one
    single = np.stack([exact - vae.iwae_bound(model, images, 1, seed=s) for s in range(6, 46)])
    gaps = [single.ravel(), exact - vae.iwae_bound(model, images, 4000, seed=6, chunk=1000)]
    errors = [gap.std() / np.sqrt(len(gap)) for gap in gaps]
    # k = 1: the ELBO's gap is KL(q(z|x) || p(z|x)) >= 0, and > 0 for a q that is not exact
    assert gaps[0].mean() > 3 * errors[0]
    # the IWAE bound never exceeds log p(x) (beyond Monte Carlo error) and its gap shrinks as
    # O(1/k) (Burda et al. 2016): at k = 4000 a small fraction of the k = 1 gap is left
    assert gaps[1].mean() > -3 * errors[1]
    assert gaps[1].mean() < gaps[0].mean() / 10


def test_iwae_by_k_stacks_the_bounds_and_adds_quadrature_for_a_small_latent():
    config = tiny_config(latent_dim=1, hidden_units=(8,))
    keras.utils.set_random_seed(7)
    model = vae.build_vae(config)
    images = vae.prepare_images(config, synthetic_dataset(n_train=32, n_test=6, seed=5))[1]
    by_k = vae.iwae_by_k(model, images, (1, 10), seed=3, points=41, coarse_points=21)
    assert by_k["k"] == [1, 10] and by_k["bounds"].shape == (2, 6)
    np.testing.assert_array_equal(by_k["bounds"][1], vae.iwae_bound(model, images, 10, seed=3))
    np.testing.assert_array_equal(by_k["mean"], by_k["bounds"].mean(axis=1))
    exact = vae.log_marginal_quadrature(model, images, points=41)
    np.testing.assert_array_equal(by_k["exact"], exact)
    np.testing.assert_array_equal(by_k["gaps"], exact[None] - by_k["bounds"])
    coarse = vae.log_marginal_quadrature(model, images, points=21)
    assert by_k["quadrature_error"] == float(np.max(np.abs(exact - coarse)))
    wide = vae.build_vae(tiny_config(latent_dim=3, hidden_units=(8,)))
    no_grid = vae.iwae_by_k(wide, images[:2], [1], seed=3)  # 3-D: no quadrature
    assert no_grid["exact"] is None and no_grid["gaps"] is None
    assert no_grid["bounds"].shape == (1, 2)


def test_architecture_rows_name_the_encoder_heads():
    model = vae.build_vae(tiny_config())
    columns = vae.architecture_rows(model)
    encoder, decoder = columns.values()
    assert [kind for kind, _, _ in encoder[-2:]] == ["Dense → μ", "Dense → log σ²"]
    assert [shape for _, shape, _ in encoder[-2:]] == ["2", "2"]
    assert sum(count for _, _, count in encoder) == model.encoder.count_params()
    assert decoder[0] == ("Input", "2", 0) and decoder[-1][1] == "28×28×1"


# --- exports ---------------------------------------------------------------------------------


def test_latent_grid_covers_the_prior_evenly():
    grid = vae.latent_grid(20)
    assert grid.shape == (400, 2)
    z1 = grid[:20, 0]
    assert np.all(np.diff(z1) > 0) and z1[0] == pytest.approx(-z1[-1], abs=1e-6)
    assert z1[-1] == pytest.approx(1.6448536, abs=1e-5)  # inverse CDF of 0.95
    assert np.all(np.diff(grid[::20, 1]) < 0)  # top row = high z2


def test_export_writes_the_contract(trained):
    config, run, x_test = trained
    metrics = {"test_elbo": -100.0, "iwae": {"k": 5, "log_px": -90.0, "n_images": 3}}
    record = run.model.export(run, evaluation=metrics)
    folder = results_dir(config.profile)
    assert read_record(folder / "vae.json") == record
    assert record.config == run.config.to_dict() and record.seed == config.seed
    assert record.environment["seed"] == config.seed and record.environment["numpy"]
    assert record.history == run.history and record.timings.epoch_seconds == run.epoch_seconds
    assert record.metrics["iwae"]["k"] == 5 and record.parameters["total"] > 0
    assert record.metrics["test_elbo"] == -100.0
    # the loop's wall time (training, validation, samples, checkpoint of every epoch), and
    # training throughput over training seconds: the same definitions as every model's
    timings = record.timings
    assert timings.wall_time_seconds == run.wall_time_seconds
    assert timings.wall_time_seconds >= sum(timings.epoch_seconds) + sum(timings.validation_seconds)
    assert timings.images_per_second > 0
    assert timings.images_per_second == pytest.approx(
        run.images_per_epoch * len(run.epoch_seconds) / sum(run.epoch_seconds)
    )
    assert record.files["samples"] == "vae_samples.npz"
    samples = np.load(folder / "vae_samples.npz")["images"]
    assert samples.shape == (config.export_samples, 28, 28) and samples.dtype == np.uint8
    latent = np.load(folder / "vae_latent.npz")
    assert latent["means"].shape == (len(x_test), 2) and latent["means"].dtype == np.float32
    np.testing.assert_array_equal(latent["labels"], run.data.y_test)
    rebuilt = np.load(folder / "vae_reconstructions.npz")
    shown = len(x_test)  # every test digit
    assert rebuilt["images"].shape == (shown, 28, 28) and rebuilt["images"].dtype == np.uint8
    np.testing.assert_array_equal(rebuilt["labels"], run.data.y_test[:shown])
    # they are the decoder's means at the exported posterior means, not any other images
    expected = vae.decode_uint8(run.model, latent["means"][:shown])
    np.testing.assert_array_equal(rebuilt["images"], expected)
    model = vae.load(config)
    for a, b in zip(all_weights(model)[:4], all_weights(run.model)[:4], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_built_model_samples_by_seed_and_exports_its_record(data):
    """The common interface (helpers.training.GenerativeModel): build, sample, train, export."""
    config = tiny_config(epochs=1, snapshot_epochs=(1,))
    model = vae.build(config)
    assert isinstance(model, vae.VAEModel) and model.name == "vae"
    assert model.latent_dim == config.latent_dim and model.config == config
    assert_samples_by_seed(model)
    run = train(model, data, progress=False)
    assert run.model is model
    kinds = {"samples", "latent", "reconstructions", "weights", "walk", "plane"}
    record = assert_exports_its_record(model, run, kinds)  # a 2-D latent: the plane too
    assert record.name == record.model == "vae"
    folder = results_dir(config.profile)
    from helpers import explorer

    size, low, high = explorer.DEFAULT_GRID_SIZE, explorer.DEFAULT_LOW, explorer.DEFAULT_HIGH
    with np.load(folder / record.files["plane"]) as saved:  # the decodes of the explorer's grid
        assert (float(saved["low"]), float(saved["high"])) == (low, high)
        expected = model.generate(explorer.plane_grid(size, low, high))
        np.testing.assert_array_equal(saved["images"], expected.reshape(size, size, 28, 28))
    with np.load(folder / record.files["walk"]) as saved:
        walk = saved["images"]
    assert walk.shape == (explorer.WALK_ANCHORS * explorer.WALK_STEPS, 28, 28)
    assert walk.dtype == np.uint8 and len({frame.tobytes() for frame in walk}) > 1
    wide = vae.build(tiny_config(epochs=1, snapshot_epochs=(1,), latent_dim=3))
    assert set(wide.explorer_arrays()) == {"walk"}  # no plane beyond two dimensions


def test_make_vae_config_keeps_snapshots_inside_a_shorter_run():
    assert vae.make_vae_config("cpu", epochs=7).snapshot_epochs == (1, 2, 5, 7)
    assert vae.make_vae_config("paper").snapshot_epochs == (1, 2, 5, 10, 20, 50)
    assert vae.make_vae_config("cpu", epochs=3, snapshot_epochs=(3,)).snapshot_epochs == (3,)
    config = vae.make_vae_config("cpu", iwae_k=5000, iwae_test_size=100)
    same_training = vae.make_vae_config("cpu")
    assert config.fingerprint() == same_training.fingerprint()  # scoring, not training
    assert vae.make_vae_config("cpu", learning_rate=5e-4).fingerprint() != config.fingerprint()
