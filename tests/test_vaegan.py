"""VAE-GAN: network shapes, each loss term against NumPy, the gradient routing of Larsen et
al.'s Algorithm 1, determinism, resume equivalence, the NaN guard and the exported files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import norm

from helpers import vaegan
from helpers.config import ConfigError, make_config
from helpers.data import Dataset
from helpers.runs import Checkpointer, results_dir
from helpers.training import NonFiniteLossError, seed_everything

from .conftest import tiny_arrays


def tiny_config(**overrides):
    values = dict(
        train_size=64,
        batch_size=32,
        epochs=2,
        latent_dim=3,
        snapshot_epochs=(1, 2),
        export_samples=20,
        epoch_samples=10,
    )
    values.update(overrides)
    return make_config("vaegan", "smoke", **values)


def tiny_batch(config, count=4, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (count, 28, 28, 1)).astype(np.float32)
    eps = rng.standard_normal((count, config.latent_dim)).astype(np.float32)
    z_prior = rng.standard_normal((count, config.latent_dim)).astype(np.float32)
    return images, eps, z_prior


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


@pytest.fixture(scope="module")
def model():
    config = tiny_config()
    seed_everything(config.seed)
    return vaegan.VAEGAN(config)


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
    gamma = model.config.gamma
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
    llike = 0.5 * np.sum((features[:n] - features[n : 2 * n]) ** 2, axis=1)
    d_loss = -(log_sigmoid(real) + log_sigmoid(-rec) + log_sigmoid(-prior))
    g_loss = -(log_sigmoid(rec) + log_sigmoid(prior))
    sigmoid = lambda v: 1 / (1 + np.exp(-v))
    return {
        "prior": kl.mean(),
        "llike": llike.mean(),
        "d_loss": d_loss.mean(),
        "g_loss": g_loss.mean(),
        "encoder_loss": kl.mean() + llike.mean(),
        "decoder_loss": gamma * llike.mean() + g_loss.mean(),
        "d_real": sigmoid(real).mean(),
        "d_reconstruction": sigmoid(rec).mean(),
        "d_fake": sigmoid(prior).mean(),
    }


@pytest.mark.parametrize("training", [False, True])
def test_each_loss_term_matches_a_numpy_computation(model, training):
    images, eps, z_prior = tiny_batch(model.config, count=4, seed=2)
    got = model.loss_terms(images, eps, z_prior, training=training)
    expected = numpy_terms(model, images, eps, z_prior, training)
    assert set(got) == set(vaegan.HISTORY_KEYS)
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
        seed_everything(config.seed)
        images, eps, z_prior = (tf.constant(a) for a in tiny_batch(config, count=4, seed=4))
        gradients.append(vaegan.VAEGAN(config).gradients(images, eps, z_prior)[0])
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
        seed_everything(config.seed)
        model = vaegan.VAEGAN(config)
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


@pytest.mark.slow
def test_interrupted_then_resumed_run_equals_an_uninterrupted_one(tmp_path, monkeypatch):
    config = tiny_config()
    data = tiny_arrays(n_train=64, n_test=12)
    dataset = Dataset("mnist", **data, source="synthetic")
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path / "straight"))
    straight = vaegan.train(config, dataset, progress=False)

    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path / "interrupted"))

    def stop(epoch, metrics):
        if epoch == 1:
            raise Interrupt

    with pytest.raises(Interrupt):
        vaegan.train(config, dataset, progress=False, on_epoch_end=stop)
    resumed = vaegan.train(config, dataset, progress=False)
    assert resumed.resumed_from == 1 and straight.resumed_from == 0
    assert resumed.history == straight.history  # exactly, every key and epoch
    np.testing.assert_array_equal(resumed.epoch_samples, straight.epoch_samples)
    for a, b in zip(resumed.model.networks.weights, straight.model.networks.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())

    # the exports of the resumed run: names, keys, shapes and dtypes of the brief
    paths = vaegan.export_results(resumed)
    folder = results_dir(config.profile)
    assert {p.name for p in paths.values()} == {
        "vaegan.json",
        "vaegan_samples.npz",
        "vaegan_epoch_samples.npz",
        "vaegan_latent.npz",
        "vaegan.weights.h5",
    }
    record = json.loads((folder / "vaegan.json").read_text())
    for key in ("config", "seed", "environment", "history", "epoch_seconds", "parameters"):
        assert key in record
    assert record["wall_time_seconds"] > 0 and record["images_per_second"] > 0
    assert set(record["history"]) == set(vaegan.HISTORY_KEYS)
    assert all(len(v) == config.epochs for v in record["history"].values())
    with np.load(folder / "vaegan_samples.npz") as saved:
        assert saved["images"].shape == (config.export_samples, 28, 28)
        assert saved["images"].dtype == np.uint8
    with np.load(folder / "vaegan_epoch_samples.npz") as saved:
        assert saved["images"].shape == (2, config.epoch_samples, 28, 28)
        np.testing.assert_array_equal(saved["epochs"], [1, 2])
    with np.load(folder / "vaegan_latent.npz") as saved:
        assert saved["means"].shape == (12, config.latent_dim)
        assert saved["means"].dtype == np.float32
        np.testing.assert_array_equal(saved["labels"], data["y_test"])
        means = saved["means"]
    reloaded = vaegan.load(config)
    test_images = (data["x_test"].astype(np.float32) / 127.5 - 1.0)[..., None]
    np.testing.assert_allclose(reloaded.encode_means(test_images), means, rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_a_nan_loss_stops_training_and_keeps_the_last_good_checkpoint(project_root):
    data = tiny_arrays(n_train=64, n_test=4)
    clean = Dataset("mnist", **data, source="synthetic")
    vaegan.train(tiny_config(epochs=1, snapshot_epochs=(1,)), clean, progress=False)
    checkpointer = Checkpointer("smoke", "vaegan", tiny_config())
    assert checkpointer.latest_epoch == 1  # the same directory: epochs are not in the key
    saved = (checkpointer.directory / "state-0001.npz").read_bytes()

    poisoned = np.zeros((64, 28, 28, 1), np.float32)
    poisoned[5, 3, 3, 0] = np.nan  # a corrupt image in epoch 2's batches
    broken = Dataset("mnist", **{**data, "x_train": poisoned}, source="synthetic")
    with pytest.raises(NonFiniteLossError, match="epoch 2.*last good checkpoint"):
        vaegan.train(tiny_config(), broken, progress=False)
    assert checkpointer.latest_epoch == 1
    assert (checkpointer.directory / "state-0001.npz").read_bytes() == saved
    assert not (checkpointer.directory / "state-0002.npz").exists()


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
