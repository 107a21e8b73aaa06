"""VAE-GAN: network shapes, each loss term against NumPy, the gradient routing of Larsen et
al.'s Algorithm 1, determinism, resume equivalence, the NaN guard, the common model interface
(build, sample, export) and the exported files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import norm

from helpers import vae, vaegan, vaegan_diagnosis
from helpers.config import ConfigError, make_config
from helpers.data import Dataset
from helpers.record import read_record
from helpers.results import result_name
from helpers.runs import Checkpointer, results_dir, save_weights
from helpers.training import NonFiniteLossError, seed_everything, train
from tests.interface_checks import assert_exports_its_record, assert_samples_by_seed

from .conftest import TEST_VALIDATION_SIZE, tiny_arrays


def tiny_config(**overrides):
    values = dict(
        train_size=64,
        batch_size=32,
        epochs=2,
        latent_dim=3,
        snapshot_epochs=(1, 2),
        export_samples=20,
        epoch_samples=10,
        # Larsen et al.'s recipe (the config's defaults); tests of the warm-up, the pixel term
        # and D without batch norm ask for them
        warmup_epochs=0,
        pixel_weight=0.0,
        discriminator_batchnorm=True,
    )
    values.update(overrides)
    return make_config("vaegan", "smoke", **values)


def tiny_batch(config, count=4, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (count, 28, 28, 1)).astype(np.float32)
    eps = rng.standard_normal((count, config.latent_dim)).astype(np.float32)
    z_prior = rng.standard_normal((count, config.latent_dim)).astype(np.float32)
    return images, eps, z_prior


def tiny_dataset(n_train=64 + TEST_VALIDATION_SIZE, n_test=12):
    return Dataset("mnist", **tiny_arrays(n_train=n_train, n_test=n_test), source="synthetic")


def train_vaegan(config, data, **options):
    """`helpers.training.train` of a freshly built VAE-GAN of `config` on `data`."""
    return train(vaegan.build(config), data, **options)


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


@pytest.fixture(scope="module")
def model():
    return vaegan.build(tiny_config())


def test_network_shapes_and_ranges(model):
    config = model.config
    images, _, z = tiny_batch(config, count=5)
    z_mean, z_log_var = model.encoder(images)
    assert z_mean.shape == z_log_var.shape == (5, config.latent_dim)
    decoded = np.asarray(model.decoder(z))
    assert decoded.shape == (5, 28, 28, 1)
    assert decoded.min() >= -1.0 and decoded.max() <= 1.0  # tanh
    logits, features = model.discriminator(images)
    assert logits.shape == (5, 1)
    assert features.shape == (5, 7, 7, config.discriminator_widths[1])  # layer l = 2: 7x7
    assert model.parameters()["total"] == sum(
        model.parameters()[p] for p in ("encoder", "decoder", "discriminator")
    )


def test_feature_layer_is_a_layer_of_the_discriminator(model):
    """Dis_l is the l-th block's activation inside D, sharing D's weights (not a copy)."""
    config = tiny_config(feature_layer=1)
    first = vaegan.build_discriminator(config)
    assert first.outputs[1].shape[1:] == (14, 14, config.discriminator_widths[0])
    layer = model.discriminator.get_layer(vaegan.feature_layer_name(model.config))
    assert layer.output is model.discriminator.outputs[1]


def test_feature_nll_is_the_gaussian_negative_log_likelihood():
    rng = np.random.default_rng(1)
    real = rng.standard_normal((3, 2, 2, 5)).astype(np.float32)
    fake = rng.standard_normal((3, 2, 2, 5)).astype(np.float32)
    exact = -norm.logpdf(real, loc=fake, scale=1.0).reshape(3, -1).sum(axis=1)
    with_constant = vaegan.feature_nll(real, fake, include_constant=True).numpy()
    np.testing.assert_allclose(with_constant, exact, rtol=1e-5)
    squared = 0.5 * ((real - fake) ** 2).reshape(3, -1).sum(axis=1)
    np.testing.assert_allclose(vaegan.feature_nll(real, fake).numpy(), squared, rtol=1e-5)


def numpy_terms(model, images, eps, z_prior, training):
    """Every loss term from the networks' outputs, with the losses written in NumPy.

    In training mode the decoder and discriminator see one concatenated batch (shared
    batch-norm statistics), which is what the step does.
    """
    config = model.config
    gamma = config.gamma
    n = len(images)
    z_mean, z_log_var = (np.asarray(t, np.float64) for t in model.encoder(images))
    z = (z_mean + np.exp(0.5 * z_log_var) * eps).astype(np.float32)
    decoded = model.decoder(np.concatenate([z, z_prior]), training=training)
    logits, features = model.discriminator(
        np.concatenate([images, np.asarray(decoded)]), training=training
    )
    logits = np.asarray(logits, np.float64)[:, 0]
    features = np.asarray(features, np.float64).reshape(3 * n, -1)
    real, rec, prior = logits[:n], logits[n : 2 * n], logits[2 * n :]
    kl = -0.5 * np.sum(1 + z_log_var - z_mean**2 - np.exp(z_log_var), axis=1)
    feature = 0.5 * np.sum((features[:n] - features[n : 2 * n]) ** 2, axis=1)
    pixels = 0.5 * np.sum((images - np.asarray(decoded)[:n]).reshape(n, -1) ** 2, axis=1)
    llike = config.feature_weight * feature + config.pixel_weight * pixels
    d_loss = -(log_sigmoid(real) + log_sigmoid(-rec) + log_sigmoid(-prior))
    g_loss = -(log_sigmoid(rec) + log_sigmoid(prior))
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    return {
        "prior": kl.mean(),
        "llike": llike.mean(),
        "d_loss": d_loss.mean(),
        "g_loss": g_loss.mean(),
        "llike_feature": feature.mean(),
        "llike_pixel": pixels.mean(),
        "g_reconstruction": -log_sigmoid(rec).mean(),
        "g_prior": -log_sigmoid(prior).mean(),
        "encoder_loss": config.kl_weight * kl.mean() + llike.mean(),
        "decoder_loss": gamma * llike.mean() + g_loss.mean(),
        "d_real": sigmoid(real).mean(),
        "d_reconstruction": sigmoid(rec).mean(),
        "d_fake": sigmoid(prior).mean(),
        "d_trained": 1.0,  # balance="off": every step trains all three
        "g_trained": 1.0,
    }


@pytest.mark.parametrize("training", [False, True])
def test_each_loss_term_matches_a_numpy_computation(model, training):
    images, eps, z_prior = tiny_batch(model.config, count=4, seed=2)
    got = model.loss_terms(images, eps, z_prior, training=training)
    expected = numpy_terms(model, images, eps, z_prior, training)
    assert set(got) == set(expected) and set(vaegan.HISTORY_KEYS) <= set(got)
    for key, value in expected.items():
        np.testing.assert_allclose(float(got[key]), value, rtol=2e-4, atol=1e-5, err_msg=key)
    assert float(got["prior"]) > 0 and float(got["llike"]) > 0


def test_each_part_descends_its_own_loss(model):
    """Algorithm 1: Enc <- L_prior + L_llike, Dec <- gamma L_llike + L_GAN^dec, Dis <- L_GAN."""
    images, eps, z_prior = (tf.constant(a) for a in tiny_batch(model.config, count=4, seed=3))
    grads, _ = model.gradients(images, eps, z_prior)
    with tf.GradientTape(persistent=True) as tape:
        terms = model.loss_terms(images, eps, z_prior, training=True)
        expected_objectives = {
            "encoder": terms["prior"] + terms["llike"],
            "decoder": model.config.gamma * terms["llike"] + terms["g_loss"],
            "discriminator": terms["d_loss"],
        }
    for part, objective in expected_objectives.items():
        expected = tape.gradient(objective, model.part(part).trainable_variables)
        assert len(grads[part]) == len(expected) > 0
        for got, want in zip(grads[part], expected, strict=True):
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-4, atol=1e-7)


def test_gamma_weights_only_the_decoder():
    """Changing gamma changes the decoder's gradient, never the encoder's or the discriminator's."""
    gradients = []
    for gamma in (1e-3, 10.0):
        config = tiny_config(gamma=gamma)
        images, eps, z_prior = (tf.constant(a) for a in tiny_batch(config, count=4, seed=4))
        gradients.append(vaegan.build(config).gradients(images, eps, z_prior)[0])
    for part in ("encoder", "discriminator"):
        for a, b in zip(gradients[0][part], gradients[1][part], strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-8)
    differences = [
        float(np.abs(a.numpy() - b.numpy()).max())
        for a, b in zip(gradients[0]["decoder"], gradients[1]["decoder"], strict=True)
    ]
    assert max(differences) > 1e-4


def test_two_fresh_models_compute_identical_steps():
    config = tiny_config()
    images, eps, z_prior = tiny_batch(config, count=4, seed=5)
    noise = tf.constant(np.stack([eps, z_prior]))
    outputs = []
    for _ in range(2):
        model = vaegan.build(config)  # seeds, then builds
        first = model._train_step(tf.constant(images), noise).numpy()
        second = model._train_step(tf.constant(images), noise).numpy()
        outputs.append(np.concatenate([first, second]))
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_training_noise_depends_only_on_seed_epoch_and_step():
    config = tiny_config()
    images = np.zeros((64, 28, 28, 1), np.float32)
    take = lambda epoch: [n.numpy() for _, n in vaegan.training_batches(config, images, epoch)]
    first, again, other = take(1), take(1), take(2)
    assert len(first) == 2 and first[0].shape == (2, 32, config.latent_dim)
    np.testing.assert_array_equal(np.stack(first), np.stack(again))
    assert not np.allclose(first[0], first[1]) and not np.allclose(first[0], other[0])


class Interrupt(Exception):
    pass


def _straight_and_resumed_after_epoch_1(config, tmp_path, monkeypatch):
    """(a straight run, a run stopped after epoch 1 and then resumed), in separate roots."""
    dataset = tiny_dataset()
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path / "straight"))
    straight = train_vaegan(config, dataset, progress=False)
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path / "interrupted"))

    def stop(epoch, metrics):
        if epoch == 1:
            raise Interrupt

    with pytest.raises(Interrupt):
        train_vaegan(config, dataset, progress=False, on_epoch_end=stop)
    return straight, train_vaegan(config, dataset, progress=False)


@pytest.mark.slow
def test_interrupted_then_resumed_run_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    config = tiny_config()
    straight, resumed = _straight_and_resumed_after_epoch_1(config, tmp_path, monkeypatch)
    data = tiny_arrays(
        n_train=64 + TEST_VALIDATION_SIZE, n_test=12
    )  # the arrays both runs trained on
    assert resumed.resumed_from == 1 and straight.resumed_from == 0
    assert resumed.history == straight.history  # exactly, every key and epoch
    np.testing.assert_array_equal(resumed.epoch_samples, straight.epoch_samples)
    for a, b in zip(resumed.model.networks.weights, straight.model.networks.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    # the exports of the resumed run: names, keys, shapes and dtypes of the brief
    exported = resumed.model.export(resumed)
    name = result_name("vaegan", config.latent_dim)  # vaegan_z3: not the paper's latent 2
    folder = results_dir(config.profile)
    assert exported.name == name and (folder / f"{name}.json").is_file()
    assert set(exported.files.values()) == {
        f"{name}_samples.npz",
        f"{name}_epoch_samples.npz",
        f"{name}_latent.npz",
        f"{name}_reconstructions.npz",
        f"{name}_walk.npz",  # the explorer's walk; no plane: the latent is 3-D
        f"{name}.weights.h5",
    }
    assert all((folder / file).is_file() for file in exported.files.values())
    record = read_record(folder / f"{name}.json")
    assert record.config == config.to_dict() and record.seed == config.seed
    assert record.environment and record.parameters == resumed.model.parameters()
    assert len(record.timings.epoch_seconds) == config.epochs
    assert record.timings.wall_time_seconds > 0 and record.timings.images_per_second > 0
    # 12 test images are diagnosed after every epoch (smoke: diagnose_images=64)
    assert set(record.history) == set(vaegan.HISTORY_KEYS + vaegan_diagnosis.DIAGNOSIS_KEYS)
    assert set(record.metrics["diagnosis"]) >= {"posterior", "d_accuracy", "decoder_gradient_norm"}
    assert all(len(v) == config.epochs for v in record.history.values())
    with np.load(folder / f"{name}_samples.npz") as saved:
        assert saved["images"].shape == (config.export_samples, 28, 28)
        assert saved["images"].dtype == np.uint8
    with np.load(folder / f"{name}_epoch_samples.npz") as saved:
        assert saved["images"].shape == (2, config.epoch_samples, 28, 28)
        np.testing.assert_array_equal(saved["epochs"], [1, 2])
    with np.load(folder / f"{name}_latent.npz") as saved:
        assert saved["means"].shape == (12, config.latent_dim)
        assert saved["means"].dtype == np.float32
        np.testing.assert_array_equal(saved["labels"], data["y_test"])
        means = saved["means"]
    with np.load(folder / f"{name}_reconstructions.npz") as saved:  # Dec(E[z|x]) of those codes
        np.testing.assert_array_equal(saved["images"], resumed.model.generate(means))
        np.testing.assert_array_equal(saved["labels"], data["y_test"])
    reloaded = vaegan.load(config)
    test_images = (data["x_test"].astype(np.float32) / 127.5 - 1.0)[..., None]
    np.testing.assert_allclose(reloaded.encode(test_images), means, rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(project_root):
    data = tiny_arrays(n_train=64 + TEST_VALIDATION_SIZE, n_test=4)
    clean = Dataset("mnist", **data, source="synthetic")
    train_vaegan(tiny_config(epochs=1, snapshot_epochs=(1,)), clean, progress=False)
    name = result_name("vaegan", tiny_config().latent_dim)  # the model's name: vaegan_z3
    checkpointer = Checkpointer("smoke", name, tiny_config())
    assert checkpointer.latest_epoch == 1  # the same directory: epochs are not in the key
    saved = (checkpointer.directory / "state-0001.npz").read_bytes()

    poisoned = np.zeros((64 + TEST_VALIDATION_SIZE, 28, 28, 1), np.float32)
    poisoned[5, 3, 3, 0] = np.nan  # a corrupt image in epoch 2's batches
    broken = Dataset("mnist", **{**data, "x_train": poisoned}, source="synthetic")
    with pytest.raises(NonFiniteLossError, match="epoch 2.*last good checkpoint"):
        train_vaegan(tiny_config(), broken, progress=False)
    assert checkpointer.latest_epoch == 1
    assert (checkpointer.directory / "state-0001.npz").read_bytes() == saved
    assert not (checkpointer.directory / "state-0002.npz").exists()


@pytest.mark.slow
def test_built_model_samples_by_seed_and_exports_its_record(project_root):
    """The common interface (helpers.training.GenerativeModel): build, sample, train, export."""
    config = tiny_config(epochs=1, snapshot_epochs=(1,), train_size=32)
    model = vaegan.build(config)
    assert isinstance(model, vaegan.VAEGAN) and model.name == "vaegan_z3"
    assert_samples_by_seed(model)

    assert model.history_keys == vaegan.HISTORY_KEYS  # no diagnosis images before use_data
    run = train(model, tiny_dataset(n_train=32 + TEST_VALIDATION_SIZE, n_test=8), progress=False)
    assert run.model is model
    assert model.history_keys == vaegan.HISTORY_KEYS + vaegan_diagnosis.DIAGNOSIS_KEYS
    assert model.diagnosis_images.shape == (8, 28, 28, 1)  # every test image: fewer than 64
    kinds = {"samples", "epoch_samples", "latent", "reconstructions", "weights", "walk"}
    record = assert_exports_its_record(model, run, kinds)  # no plane: the latent is 3-D
    assert record.name == "vaegan_z3" and record.model == "vaegan"
    assert set(record.metrics) >= {"test", "diagnosis", "feature_layer", "samples"}


def test_config_rejects_an_impossible_feature_layer_or_gamma():
    with pytest.raises(ConfigError, match="feature_layer"):
        make_config("vaegan", "smoke", feature_layer=3)  # D has two conv blocks
    with pytest.raises(ConfigError, match="gamma"):
        make_config("vaegan", "smoke", gamma=-1.0)
    assert make_config("vaegan", "cpu").latent_dim == 2  # the paper's VAE comparison setting


def test_part_refuses_an_unknown_name(model):
    assert model.part("encoder") is model.encoder
    assert model.part("discriminator") is model.discriminator
    with pytest.raises(ValueError, match="unknown VAE-GAN part 'generator'.*encoder, decoder"):
        model.part("generator")


def test_weighted_terms_match_numpy_with_every_recipe_field():
    """feature_weight, pixel_weight, kl_weight enter L_llike and L_prior as the docstring says."""
    config = tiny_config(feature_weight=0.5, pixel_weight=2.0, kl_weight=3.0, gamma=0.7)
    model = vaegan.build(config)
    images, eps, z_prior = tiny_batch(config, count=4, seed=7)
    got = model.loss_terms(images, eps, z_prior, training=False)
    expected = numpy_terms(model, images, eps, z_prior, training=False)
    for key, value in expected.items():
        np.testing.assert_allclose(float(got[key]), value, rtol=2e-4, atol=1e-5, err_msg=key)


def _zero(*arguments):
    """A loss switched off: zero per image, yet a function of its input (zero gradients)."""
    first = tf.cast(arguments[0], tf.float32)
    return 0.0 * tf.reshape(first, (tf.shape(first)[0], -1))[:, 0]


# term -> the networks one training step with only that term may change (Larsen's routing)
ROUTING = {
    "kl": {"encoder"},
    "feature": {"encoder", "decoder"},
    "pixel": {"encoder", "decoder"},
    "decoder_gan": {"decoder"},
    "discriminator_gan": {"discriminator"},
}


def _isolate(monkeypatch, keep):
    """Replace every loss function but `keep`'s by zeros."""
    functions = {
        "kl": (vaegan.vae, "kl_to_standard_normal"),
        "feature": (vaegan, "feature_nll"),
        "pixel": (vaegan, "pixel_nll"),
        "decoder_gan": (vaegan.dcgan, "generator_loss"),
        "discriminator_gan": (vaegan, "discriminator_loss"),
    }
    for term, (module, name) in functions.items():
        if term != keep:
            monkeypatch.setattr(module, name, _zero)


def _trainable(model):
    return {p: [w.numpy().copy() for w in model.part(p).trainable_variables] for p in vaegan.PARTS}


def _changed(before, after):
    return {
        part
        for part in vaegan.PARTS
        if any(not np.array_equal(a, b) for a, b in zip(before[part], after[part], strict=True))
    }


def _one_step(config, seed=8):
    model = vaegan.build(config)
    images, eps, z_prior = tiny_batch(config, count=4, seed=seed)
    before = _trainable(model)
    model._train_step(tf.constant(images), tf.constant(np.stack([eps, z_prior])))
    return model, _changed(before, _trainable(model))


@pytest.mark.parametrize("term", sorted(ROUTING))
def test_each_loss_term_alone_changes_only_the_networks_it_trains(monkeypatch, term):
    """One step with every other term zeroed: exactly the routed networks move."""
    _isolate(monkeypatch, term)
    _, changed = _one_step(tiny_config(pixel_weight=1.0))
    assert changed == ROUTING[term]


def test_balance_flags_follow_the_margin_rule():
    config = tiny_config(balance="margin", equilibrium=0.68, margin=0.35)
    flags = lambda real, fake: tuple(  # noqa: E731
        float(f) for f in vaegan.balance_flags(config, tf.constant(real), tf.constant(fake))
    )
    # cross-entropy softplus(-l) for real, softplus(l) for fake; 0.68 at l = -0.27 / 0.27
    balanced = flags([0.3, 0.2], [-0.3, -0.2])  # both costs near the equilibrium
    assert balanced == (1.0, 1.0)
    wins = flags([6.0, 6.0], [-0.3, -0.2])  # D's cost on real images ~0: D wins by the margin
    assert wins == (0.0, 1.0)
    loses = flags([0.3, 0.2], [4.0, 4.0])  # D's cost on fakes ~4: D loses by the margin
    assert loses == (1.0, 0.0)
    both = flags([6.0, 6.0], [4.0, 4.0])  # wins on real, loses on fakes: neither rests
    assert both == (1.0, 1.0)
    assert flags([6.0], [-6.0]) == (0.0, 1.0)
    off = tiny_config(balance="off")
    assert [
        float(f) for f in vaegan.balance_flags(off, tf.constant([9.0]), tf.constant([-9.0]))
    ] == [1.0, 1.0]


def test_a_resting_discriminator_is_not_updated_at_all(monkeypatch):
    """d_on = 0: D's weights and its Adam step count stay; encoder and decoder still train."""
    monkeypatch.setattr(vaegan, "balance_flags", lambda *a: (tf.constant(0.0), tf.constant(1.0)))
    model, changed = _one_step(tiny_config(balance="margin"))
    assert changed == {"encoder", "decoder"}
    assert int(model.optimizers["discriminator"].iterations) == 0
    assert int(model.optimizers["decoder"].iterations) == 1


def test_a_losing_discriminator_drops_the_decoders_gan_term(monkeypatch):
    """g_on = 0 with only the GAN terms left: the decoder gets no gradient, D still trains."""
    _isolate(monkeypatch, "decoder_gan")
    monkeypatch.setattr(vaegan, "discriminator_loss", lambda r, x, p: tf.nn.softplus(-r))
    monkeypatch.setattr(vaegan, "balance_flags", lambda *a: (tf.constant(1.0), tf.constant(0.0)))
    _, changed = _one_step(tiny_config(balance="margin"))
    assert changed == {"discriminator"}


def test_per_network_learning_rates_reach_their_optimizers():
    config = tiny_config(learning_rate=1e-3, encoder_learning_rate=5e-3,
                         discriminator_learning_rate=1e-4)  # fmt: skip
    model = vaegan.build(config)
    rates = {p: float(model.optimizers[p].learning_rate) for p in vaegan.PARTS}
    np.testing.assert_allclose(
        [rates["encoder"], rates["decoder"], rates["discriminator"]], [5e-3, 1e-3, 1e-4]
    )


def test_decoder_without_batch_norm_is_the_same_in_training_and_inference():
    config = tiny_config(decoder_batchnorm=False)
    decoder = vaegan.build_decoder(config)
    assert not any(
        isinstance(layer, tf.keras.layers.BatchNormalization) for layer in decoder.layers
    )
    z = np.random.default_rng(9).standard_normal((6, config.latent_dim)).astype(np.float32)
    train, infer = np.asarray(decoder(z, training=True)), np.asarray(decoder(z, training=False))
    np.testing.assert_array_equal(train, infer)  # no batch statistics: each image from its code
    assert train.shape == (6, 28, 28, 1) and np.abs(train).max() <= 1.0
    assert train.std() > 0  # He weights: the output is not a constant


def test_diagnose_reports_statistics_and_changes_no_state():
    config = tiny_config(pixel_weight=0.0)
    model = vaegan.build(config)
    images = tiny_batch(config, count=40, seed=10)[0]
    state = [v.numpy().copy() for v in model.networks.weights]
    first = vaegan_diagnosis.diagnose(model, images)
    for kept, variable in zip(state, model.networks.weights, strict=True):
        np.testing.assert_array_equal(kept, variable.numpy())  # BN statistics included
    assert first == vaegan_diagnosis.diagnose(model, images)  # deterministic
    mu, log_var = (np.asarray(t, np.float64) for t in model.encoder(images, training=False))
    posterior = first["posterior"]
    np.testing.assert_allclose(posterior["mean_of_means"], mu.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(posterior["spread_of_means"], mu.std(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        posterior["aggregate_variance"], mu.var(0) + np.exp(log_var).mean(0), rtol=1e-4
    )
    assert all(0.0 <= v <= 1.0 for v in first["d_accuracy"].values())
    norms = first["decoder_gradient_norm"]
    assert norms["pixel"] == 0.0  # pixel_weight 0: no pixel gradient
    assert norms["feature"] > 0 and norms["gan_reconstruction"] > 0 and norms["gan_prior"] > 0
    scalars = vaegan_diagnosis.diagnosis_scalars(first)
    assert set(scalars) == set(vaegan_diagnosis.DIAGNOSIS_KEYS)


def test_the_pixel_gradient_norm_scales_with_gamma_times_pixel_weight():
    norms = []
    for pixel_weight in (1.0, 3.0):
        config = tiny_config(pixel_weight=pixel_weight)
        model = vaegan.build(config)
        norms.append(
            vaegan_diagnosis.diagnose(model, tiny_batch(config, 8, 11)[0])["decoder_gradient_norm"]
        )
    np.testing.assert_allclose(norms[1]["pixel"], 3.0 * norms[0]["pixel"], rtol=1e-4)
    np.testing.assert_allclose(norms[1]["gan_prior"], norms[0]["gan_prior"], rtol=1e-5)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pixel_weight", -1.0, "pixel_weight must be a non-negative"),
        ("kl_weight", "1", "kl_weight must be a non-negative"),
        ("encoder_learning_rate", 0.0, "encoder_learning_rate must be a positive"),
        ("discriminator_learning_rate", -1e-4, "discriminator_learning_rate"),
        ("decoder_batchnorm", 1, "decoder_batchnorm must be True or False"),
        ("discriminator_batchnorm", "no", "discriminator_batchnorm must be True or False"),
        ("warmup_epochs", 2, r"warmup_epochs must be an integer from 0 to epochs - 1 = 1"),
        ("warmup_epochs", -1, "warmup_epochs must be an integer"),
        ("balance", "always", "unknown balance 'always'.*off, margin"),
        ("margin", 0.9, r"margin \(0.9\) must be below equilibrium"),
        ("equilibrium", 0.0, "equilibrium must be a positive"),
        ("diagnose_images", -1, "diagnose_images must be a non-negative integer"),
    ],
)
def test_config_rejects_impossible_recipe_fields(field, value, message):
    with pytest.raises(ConfigError, match=message):
        make_config("vaegan", "smoke", **{field: value})


def test_config_rejects_an_empty_reconstruction_loss():
    with pytest.raises(ConfigError, match="feature_weight and pixel_weight are both 0"):
        make_config("vaegan", "smoke", feature_weight=0.0, pixel_weight=0.0, warmup_epochs=0)
    config = make_config("vaegan", "smoke", decoder_learning_rate=2e-4)
    assert config.learning_rate_of("decoder") == 2e-4
    assert config.learning_rate_of("encoder") == config.learning_rate  # None = learning_rate


def test_warmup_needs_the_pixel_term():
    with pytest.raises(ConfigError, match="warmup_epochs > 0 needs pixel_weight > 0"):
        make_config("vaegan", "smoke", warmup_epochs=1, pixel_weight=0.0)


def test_discriminator_without_batch_norm_scores_each_image_alone():
    config = tiny_config(discriminator_batchnorm=False)
    seed_everything(config.seed)
    discriminator = vaegan.build_discriminator(config)
    assert not [layer for layer in discriminator.layers if "batch_normalization" in
                type(layer).__name__.lower() or layer.name.endswith("_bn")]  # fmt: skip
    images, _, _ = tiny_batch(config, count=6)
    logits, features = discriminator(images, training=True)
    alone_logits, alone_features = discriminator(images[:2], training=True)
    np.testing.assert_allclose(alone_logits, logits[:2], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(alone_features, features[:2], rtol=1e-5, atol=1e-6)


def _warmup_model(**overrides):
    config = tiny_config(warmup_epochs=1, pixel_weight=1.0, **overrides)
    model = vaegan.build(config)
    rng = np.random.default_rng(3)
    model.images = rng.uniform(-1, 1, (config.train_size, 28, 28, 1)).astype(np.float32)
    return model


def test_a_warmup_epoch_trains_encoder_and_decoder_and_leaves_d_alone():
    model = _warmup_model()
    before = _trainable(model)
    metrics = model.train_epoch(1)  # epoch 1 <= warmup_epochs: the warm-up
    assert _changed(before, _trainable(model)) == {"encoder", "decoder"}
    # the VAE-GAN's own optimizers have not stepped; the warm-up's have
    assert all(int(opt.iterations) == 0 for opt in model.optimizers.values())
    assert all(int(opt.iterations) > 0 for opt in model.warmup_optimizers.values())
    for key in vaegan.HISTORY_KEYS:
        assert np.isfinite(metrics[key]) == (key in vaegan.WARMUP_KEYS), key
    assert metrics["d_trained"] == 0.0 and metrics["g_trained"] == 0.0
    assert metrics["llike"] == pytest.approx(metrics["llike_pixel"])  # pixel_weight 1
    assert set(model.guarded_keys) == set(vaegan.WARMUP_KEYS)

    before = _trainable(model)
    metrics = model.train_epoch(2)  # then the VAE-GAN's losses
    assert _changed(before, _trainable(model)) == set(vaegan.PARTS)
    assert all(np.isfinite(metrics[key]) for key in vaegan.HISTORY_KEYS)
    assert model.guarded_keys == vaegan.HISTORY_KEYS


@pytest.mark.parametrize("prior_codes", [True, False])
def test_warmup_decodes_prior_codes_only_when_asked(prior_codes):
    """The prior codes of a warm-up batch reach the decoder (through its batch-norm statistics,
    so they move the pixel term) only with warmup_prior_codes; without, they are not used."""
    losses = []
    for prior_scale in (1.0, 5.0):
        model = _warmup_model(warmup_prior_codes=prior_codes)
        images = tf.constant(model.images[:8])
        rng = np.random.default_rng(0)
        noise = rng.normal(size=(2, 8, model.config.latent_dim)).astype(np.float32)
        noise[1] *= prior_scale
        measured = model._warmup_step(images, noise).numpy()
        values = dict(zip(vaegan.HISTORY_KEYS, measured, strict=True))
        losses.append(values["llike_pixel"])
    assert (losses[0] != losses[1]) == prior_codes


@pytest.mark.slow
def test_a_run_interrupted_in_its_warmup_resumes_exactly(tmp_path, monkeypatch):
    config = tiny_config(epochs=3, warmup_epochs=2, pixel_weight=1.0, snapshot_epochs=(1, 3))
    # stopped after epoch 1: the warm-up's Adam state must come back from the checkpoint
    straight, resumed = _straight_and_resumed_after_epoch_1(config, tmp_path, monkeypatch)
    assert resumed.resumed_from == 1
    for key in vaegan.HISTORY_KEYS:  # NaN (a warm-up epoch's D terms) compare equal here
        np.testing.assert_array_equal(resumed.history[key], straight.history[key], err_msg=key)
    d_loss = np.asarray(straight.history["d_loss"])
    assert np.isnan(d_loss[:2]).all() and np.isfinite(d_loss[2])
    for a, b in zip(resumed.model.networks.weights, straight.model.networks.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_networks_from_vae_compute_the_vae_in_the_tanh_range_and_share_its_weights():
    model = vae.build(make_config("vae", "smoke"))  # a vae.VAEModel, as vae.load returns
    encoder, decoder = vaegan.networks_from_vae(model)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (5, 28, 28, 1)).astype(np.float32)
    z = rng.standard_normal((5, 2)).astype(np.float32)
    ours, theirs = encoder(images), model.encoder((images + 1) / 2)
    for a, b in zip(ours, theirs, strict=True):  # (z_mean, z_log_var) of the same digits
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
    mean_image = 2 / (1 + np.exp(-np.asarray(model.decoder(z)))) - 1  # 2 sigmoid(l) - 1
    np.testing.assert_allclose(np.asarray(decoder(z)), mean_image, rtol=1e-4, atol=1e-5)
    # one set of weights: a VAE-GAN step on the wrappers trains the VAE's own layers
    assert {id(v) for v in encoder.trainable_variables} == {
        id(v) for v in model.encoder.trainable_variables
    }
    assert {id(v) for v in decoder.trainable_variables} == {
        id(v) for v in model.decoder.trainable_variables
    }


def test_networks_from_a_bfloat16_vae_hand_over_float32_codes_and_images():
    from helpers.training import configure_precision

    try:
        model = vae.build(make_config("vae", "smoke", precision="mixed_bfloat16"))
        encoder, decoder = vaegan.networks_from_vae(model)
    finally:
        configure_precision("float32")
    assert model.decoder.layers[-1].compute_dtype == "bfloat16"  # the VAE computes in bf16
    images = np.zeros((3, 28, 28, 1), np.float32)
    codes = encoder(images)
    assert [c.dtype for c in codes] == ["float32", "float32"]  # z = mean + std * eps in float32
    assert decoder(np.zeros((3, 2), np.float32)).dtype == "float32"  # beside real images in D


def test_the_start_vae_is_built_in_the_vaegans_precision(monkeypatch):
    config = make_config("vaegan", "smoke", start_from_vae=True, warmup_epochs=0,
                         precision="mixed_bfloat16")  # fmt: skip
    start = vaegan.start_vae_config(config)  # what the caller loads: vae.load(start)
    assert start.precision == "mixed_bfloat16"  # every network of the VAE-GAN in bfloat16
    assert dataclasses.replace(start, precision="float32") == config.start_vae_config()
    # `load` builds the VAE it reads the fine-tuned weights into from the same config
    seen = []

    def build(vae_config):
        seen.append(vae_config)
        raise Interrupt

    monkeypatch.setattr(vae, "build", build)
    with pytest.raises(Interrupt):
        vaegan.load(config)
    assert seen == [start]


def _smoke_start_config(**values):
    return make_config(
        "vaegan", "smoke", start_from_vae=True, warmup_epochs=0, train_size=128, **values
    )


def test_start_from_vae_trains_the_exported_vae_itself(project_root, mnist):
    config = _smoke_start_config()
    trained = vae.build(vaegan.start_vae_config(config))  # stands in for 03's export
    trained.decoder.set_weights([w + 0.01 for w in trained.decoder.get_weights()])  # not fresh
    results_dir("smoke").mkdir(parents=True, exist_ok=True)
    trained.network.save_weights(results_dir("smoke") / "vae.weights.h5")
    exported = [np.array(w) for w in trained.decoder.get_weights()]

    start = vae.load(vaegan.start_vae_config(config))  # how notebook 04 loads 03's VAE
    model = vaegan.build(config, start_vae=start)
    model.use_data(mnist)
    # the VAE-GAN's decoder is the exported VAE's, not a fresh initialisation
    for ours, theirs in zip(model.decoder.get_weights(), exported, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    metrics = model.train_epoch(1)
    assert all(np.isfinite(metrics[key]) for key in ("encoder_loss", "decoder_loss", "d_loss"))
    # a GAN epoch fine-tunes those weights (the decoder's and the encoder's)
    assert any(
        not np.array_equal(ours, theirs)
        for ours, theirs in zip(model.decoder.get_weights(), exported, strict=True)
    )
    # `load` rebuilds a start_from_vae VAE-GAN around an untrained VAE, then reads the bundle
    path = save_weights(model.networks, project_root / "fine_tuned.weights.h5")
    reloaded = vaegan.load(config, path)
    for ours, theirs in zip(reloaded.networks.weights, model.networks.weights, strict=True):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_start_from_vae_needs_the_trained_vae_from_the_caller(project_root):
    config = _smoke_start_config()
    message = r"start_from_vae: pass the trained VAE.*start_vae=.*start_vae_config\(config\)"
    with pytest.raises(ValueError, match=message):
        vaegan.build(config)
    with pytest.raises(ValueError, match=message):
        vaegan.VAEGAN(config)
    # the caller's load of a VAE that notebook 03 has not exported fails on the missing file
    with pytest.raises(FileNotFoundError, match="vae.weights.h5"):
        vae.load(vaegan.start_vae_config(config))


def test_start_from_vae_config_rules_and_fingerprint(monkeypatch):
    from helpers import config as config_module

    with pytest.raises(ConfigError, match="warmup_epochs must be 0"):
        make_config("vaegan", "smoke", start_from_vae=True, warmup_epochs=1, epochs=3)
    own = make_config("vaegan", "smoke", epochs=3)
    started = make_config("vaegan", "smoke", epochs=3, start_from_vae=True, warmup_epochs=0)
    assert own.fingerprint() != started.fingerprint()
    # the VAE it starts from is part of what it trains from: the profile's VAE trained for
    # another number of epochs, the same VAE-GAN fields, another VAE-GAN
    before = {"own": own.fingerprint(), "started": started.fingerprint()}
    vae_fields = {**config_module.PROFILE_FIELDS["vae"]["smoke"], "epochs": 5}
    monkeypatch.setitem(config_module.PROFILE_FIELDS["vae"], "smoke", vae_fields)
    assert started.fingerprint() != before["started"]
    assert own.fingerprint() == before["own"]  # a VAE-GAN with its own networks: unchanged


@pytest.mark.slow
def test_the_control_trains_without_the_discriminator(project_root):
    """The VAE-GAN's control (adversarial=False): the same training minus every term that
    involves D. D's weights never move, the GAN terms and the feature term leave the losses, and
    its results are named apart from the VAE-GAN's."""
    config = vaegan.control_config(tiny_config(pixel_weight=1.0, epochs=1, snapshot_epochs=(1,)))
    assert not config.adversarial and config.fingerprint() != tiny_config().fingerprint()
    model = vaegan.build(config)
    assert model.name == "control_z3"
    before = [w.numpy().copy() for w in model.discriminator.trainable_weights]
    decoder_before = [w.numpy().copy() for w in model.decoder.trainable_weights]
    images, eps, z_prior = tiny_batch(config)
    terms = model.loss_terms(tf.constant(images), eps, z_prior)
    assert float(terms["g_trained"]) == 0.0 and float(terms["d_trained"]) == 0.0
    np.testing.assert_allclose(  # the reconstruction term is the pixel term alone
        float(terms["llike"]), config.pixel_weight * float(terms["llike_pixel"]), rtol=1e-6
    )
    np.testing.assert_allclose(float(terms["decoder_loss"]), config.gamma * float(terms["llike"]))
    run = train(model, tiny_dataset(), progress=False)
    assert run.history["d_trained"] == [0.0] and run.history["g_trained"] == [0.0]
    for a, b in zip(before, model.discriminator.trainable_weights, strict=True):
        np.testing.assert_array_equal(a, b.numpy())  # D never trained (its BN statistics may move)
    moved = [not np.array_equal(a, b.numpy()) for a, b in zip(
        decoder_before, model.decoder.trainable_weights, strict=True)]  # fmt: skip
    assert any(moved)  # the decoder did
    with pytest.raises(ConfigError, match="pixel_weight"):
        vaegan.control_config(tiny_config(pixel_weight=0.0))
