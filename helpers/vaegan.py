"""VAE-GAN (Larsen, Sønderby, Larochelle & Winther 2015, "Autoencoding beyond pixels using a
learned similarity metric"): the paper's proposed future work.

A VAE whose decoder is also a GAN generator, and whose reconstruction error is measured in the
features of the GAN's discriminator instead of pixel by pixel. Three networks, three losses:

    L_prior = KL(q(z|x) || N(0, I))                        (the VAE's KL term)
    L_llike = -log N(Dis_l(x) | Dis_l(x~), I)              x~ = Dec(z), z ~ q(z|x)
            = 1/2 ||Dis_l(x) - Dis_l(x~)||^2 + F/2 log(2 pi)   F = size of layer l
    L_GAN   = -[log D(x) + log(1 - D(x~)) + log(1 - D(x_p))]   x_p = Dec(z_p), z_p ~ N(0, I)

and three updates (Larsen et al., Algorithm 1), each by its own Adam optimizer:

    encoder       <- L_prior + L_llike
    decoder       <- gamma * L_llike + L_GAN^dec,   L_GAN^dec = -log D(x~) - log D(x_p)
    discriminator <- L_GAN

L_GAN^dec is the non-saturating form of -L_GAN (Goodfellow et al. 2014) that the DCGAN in this
project also uses. The encoder never sees L_GAN and the discriminator never sees L_llike
(Larsen et al. found both restrictions help). L_llike is reported without its constant
F/2 log(2 pi), which changes no gradient; `feature_nll(..., include_constant=True)` adds it.

Building blocks are reused, not copied: the decoder is the DCGAN generator
(`helpers.dcgan.build_generator`, tanh output in [-1, 1]), the discriminator is the DCGAN
discriminator with its l-th LeakyReLU block exposed as a second output, the encoder is the VAE's
convolutional Gaussian encoder (`helpers.vae.build_encoder`), the KL is the VAE's closed form.

All randomness of training is a function of (seed, epoch, step): batches from
`make_batches(..., seed, epoch)`, reparameterisation and prior noise from
`tf.random.stateless_normal(seed=[seed, epoch * 100000 + step])`, so a run resumed at epoch e
computes exactly what an uninterrupted run computes.

    run = train_vaegan(config, dataset.x_train)   # resumes if a checkpoint exists
    export_results(run, dataset.x_test, dataset.y_test)
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import tensorflow as tf

from helpers import dcgan, vae
from helpers.config import VAEGANConfig
from helpers.data import make_batches, to_gan_range, to_uint8_images
from helpers.runs import Checkpointer, atomic_write_npz, results_dir, write_results
from helpers.training import EpochProgress, check_finite, configure_precision, seed_everything

MODEL = "vaegan"
IMAGE_SHAPE = (28, 28, 1)
LOG_2PI = math.log(2.0 * math.pi)
# Per-epoch means of these, in this order, are the history. d_loss / g_loss / d_real / d_fake
# carry the DCGAN's names (D's loss, G's non-saturating loss, D(x), D(Dec(z_p)) = "D(G(z))").
HISTORY_KEYS = (
    "encoder_loss",  # L_prior + L_llike
    "decoder_loss",  # gamma * L_llike + g_loss
    "d_loss",  # L_GAN: three cross-entropy terms (real, reconstruction, prior sample)
    "prior",  # L_prior, nats per image
    "llike",  # L_llike without its constant, per image
    "g_loss",  # -log D(x~) - log D(x_p): the decoder's non-saturating GAN term
    "d_real",  # mean D(x)
    "d_reconstruction",  # mean D(Dec(Enc(x)))
    "d_fake",  # mean D(Dec(z_p)), z_p ~ N(0, I)
)
PARTS = ("encoder", "decoder", "discriminator")
# Seed streams of the fixed noise; training noise uses epoch * 100000 + step, far below these.
EPOCH_SAMPLE_STREAM = dcgan.EPOCH_SAMPLE_STREAM
EXPORT_SAMPLE_STREAM = dcgan.EXPORT_SAMPLE_STREAM
TEST_NOISE_STREAM = 2**30 + 3


# --- networks --------------------------------------------------------------------------------


def build_encoder(config: VAEGANConfig) -> keras.Model:
    """Enc: images [N, 28, 28, 1] in [-1, 1] -> (z_mean, z_log_var), each float32 [N, latent].

    The VAE's convolutional encoder (stride-2 3x3 ReLU convolutions of `encoder_widths`, then
    two dense heads for the mean and log-variance of the Gaussian q(z|x)).
    """
    spec = SimpleNamespace(
        architecture="conv",
        conv_filters=config.encoder_widths,
        hidden_units=config.encoder_widths,
        latent_dim=config.latent_dim,
    )
    return vae.build_encoder(spec)


def build_decoder(config: VAEGANConfig) -> keras.Model:
    """Dec = Gen: z [N, latent] -> images float32 [N, 28, 28, 1] in [-1, 1] (DCGAN generator)."""
    return dcgan.build_generator(config)


def feature_layer_name(config: VAEGANConfig) -> str:
    """The DCGAN discriminator layer whose output is Dis_l: block l's LeakyReLU activations."""
    return f"conv{config.feature_layer}_lrelu"


def build_discriminator(config: VAEGANConfig) -> keras.Model:
    """Dis: images [N, 28, 28, 1] -> (logit [N, 1] float32, Dis_l features [N, h, w, c]).

    The DCGAN discriminator with the activations of its `feature_layer`-th strided convolution
    block as a second output (same layers, same weights: one model, two heads).
    """
    plain = dcgan.build_discriminator(config)
    features = plain.get_layer(feature_layer_name(config)).output
    return keras.Model(plain.input, [plain.output, features], name="discriminator")


def bundle_networks(encoder, decoder, discriminator) -> keras.Model:
    """One functional model holding all three networks: what `vaegan.weights.h5` stores."""
    images = keras.Input(IMAGE_SHAPE, name="images")
    z = keras.Input((int(decoder.inputs[0].shape[-1]),), name="z")
    return keras.Model(
        [images, z], [*encoder(images), decoder(z), *discriminator(images)], name="vaegan"
    )


# --- losses (per image; the step averages them over the batch) -------------------------------


def feature_nll(real_features, fake_features, include_constant: bool = False):
    """-log N(Dis_l(x) | Dis_l(x~), I) per image [N]: 1/2 squared distance over all features,
    plus F/2 log(2 pi) with `include_constant` (F = features per image)."""
    real = tf.cast(tf.reshape(real_features, (tf.shape(real_features)[0], -1)), tf.float32)
    fake = tf.cast(tf.reshape(fake_features, (tf.shape(fake_features)[0], -1)), tf.float32)
    nll = 0.5 * tf.reduce_sum(tf.square(real - fake), axis=-1)
    if include_constant:
        nll += 0.5 * tf.cast(tf.shape(real)[-1], tf.float32) * LOG_2PI
    return nll


def discriminator_loss(real_logits, reconstruction_logits, prior_logits):
    """L_GAN per image: -log D(x) - log(1 - D(x~)) - log(1 - D(x_p)), D = sigmoid(logit)."""
    return (tf.nn.softplus(-real_logits) + tf.nn.softplus(reconstruction_logits)) + tf.nn.softplus(
        prior_logits
    )


def decoder_gan_loss(reconstruction_logits, prior_logits):
    """Non-saturating L_GAN^dec per image: -log D(x~) - log D(x_p) (DCGAN's generator loss)."""
    return dcgan.generator_loss(reconstruction_logits) + dcgan.generator_loss(prior_logits)


# --- the model -------------------------------------------------------------------------------


class VAEGAN:
    """Encoder, decoder, discriminator, three optimizers and the `tf.function` training step."""

    def __init__(self, config: VAEGANConfig):
        self.config = config
        configure_precision(config.precision)  # the VAE encoder follows the global policy
        self.encoder = build_encoder(config)
        self.decoder = build_decoder(config)
        self.discriminator = build_discriminator(config)
        self.networks = bundle_networks(self.encoder, self.decoder, self.discriminator)
        self.optimizers = {part: dcgan.build_optimizer(config) for part in PARTS}
        for part in PARTS:
            self.optimizers[part].build(self.part(part).trainable_variables)
        self._train_step = tf.function(self._train_step_python)

    def part(self, name: str) -> keras.Model:
        return {"encoder": self.encoder, "decoder": self.decoder}.get(name, self.discriminator)

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def variables(self) -> dict[str, list]:
        """Everything a checkpoint must hold: weights, BN statistics, the optimizers' state."""
        out = {part: list(self.part(part).weights) for part in PARTS}
        out.update({f"{part}_optimizer": list(self.optimizers[part].variables) for part in PARTS})
        return out

    def parameters(self) -> dict[str, int]:
        counts = {part: int(self.part(part).count_params()) for part in PARTS}
        return {**counts, "total": sum(counts.values())}

    def loss_terms(self, images, eps, z_prior, training: bool = True) -> dict:
        """Batch means of every term of the three losses, for images [B, 28, 28, 1] in [-1, 1],
        reparameterisation noise eps [B, latent] and prior codes z_prior [B, latent].

        The decoder sees posterior and prior codes in one batch, the discriminator real images,
        reconstructions and prior samples in one batch: Dis_l(x) and Dis_l(x~) are then the same
        function (same batch-norm statistics), as a similarity metric must be.
        """
        batch = tf.shape(images)[0]
        z_mean, z_log_var = self.encoder(images, training=training)
        z = z_mean + tf.exp(0.5 * z_log_var) * eps  # reparameterisation trick
        decoded = self.decoder(tf.concat([z, z_prior], axis=0), training=training)
        logits, features = self.discriminator(
            tf.concat([images, decoded], axis=0), training=training
        )
        logits = tf.cast(logits[:, 0], tf.float32)
        real_logits, reconstruction_logits, prior_logits = (
            logits[:batch],
            logits[batch : 2 * batch],
            logits[2 * batch :],
        )
        llike = feature_nll(features[:batch], features[batch : 2 * batch])
        prior = vae.kl_to_standard_normal(z_mean, z_log_var)
        g_loss = decoder_gan_loss(reconstruction_logits, prior_logits)
        terms = {
            "prior": tf.reduce_mean(prior),
            "llike": tf.reduce_mean(llike),
            "d_loss": tf.reduce_mean(
                discriminator_loss(real_logits, reconstruction_logits, prior_logits)
            ),
            "g_loss": tf.reduce_mean(g_loss),
            "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
            "d_reconstruction": tf.reduce_mean(tf.sigmoid(reconstruction_logits)),
            "d_fake": tf.reduce_mean(tf.sigmoid(prior_logits)),
        }
        terms["encoder_loss"] = terms["prior"] + terms["llike"]
        terms["decoder_loss"] = self.config.gamma * terms["llike"] + terms["g_loss"]
        return terms

    def gradients(self, images, eps, z_prior) -> tuple[dict, dict]:
        """(gradients per part, loss terms) of one step: Larsen et al.'s Algorithm 1 routing."""
        objectives = {
            "encoder": "encoder_loss",
            "decoder": "decoder_loss",
            "discriminator": "d_loss",
        }
        with tf.GradientTape(persistent=True) as tape:
            terms = self.loss_terms(images, eps, z_prior, training=True)
            scaled = {}
            for part, key in objectives.items():
                optimizer = self.optimizers[part]
                scaled[part] = (
                    optimizer.scale_loss(terms[key])
                    if isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
                    else terms[key]
                )
        grads = {
            part: tape.gradient(scaled[part], self.part(part).trainable_variables) for part in PARTS
        }
        del tape
        return grads, terms

    def _train_step_python(self, images, noise):
        grads, terms = self.gradients(images, noise[0], noise[1])
        for part in PARTS:  # all three from the same forward pass, then applied together
            self.optimizers[part].apply(grads[part], self.part(part).trainable_variables)
        return tf.stack([terms[key] for key in HISTORY_KEYS])

    def train_epoch(self, dataset: tf.data.Dataset, steps: int) -> dict[str, float]:
        """One pass over `dataset` of (images, noise [2, B, latent]); batch-averaged metrics."""
        totals = np.zeros(len(HISTORY_KEYS), np.float64)
        for images, noise in dataset.take(steps):
            totals += self._train_step(images, noise).numpy()
        return dict(zip(HISTORY_KEYS, (totals / steps).tolist(), strict=True))

    # --- inference (batch norm uses its moving statistics) -----------------------------------

    def encode_means(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Posterior means E_q[z|x] float32 [N, latent] for images float32 in [-1, 1]."""
        return vae.encode_means(self, images, batch_size)

    def decode(self, z, batch_size: int = 1000) -> np.ndarray:
        """Dec(z): float32 [N, 28, 28, 1] in [-1, 1]."""
        z = np.asarray(z, np.float32)
        parts = [
            np.asarray(self.decoder(z[i : i + batch_size], training=False))
            for i in range(0, len(z), batch_size)
        ]
        return np.concatenate(parts).astype(np.float32)

    def generate(self, z, batch_size: int = 1000) -> np.ndarray:
        """Images Dec(z) as uint8 [N, 28, 28]."""
        return to_uint8_images(self.decode(z, batch_size), value_range=(-1.0, 1.0))

    def reconstruct(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Dec(E_q[z|x]): the reconstruction through the posterior mean, uint8 [N, 28, 28]."""
        return self.generate(self.encode_means(images, batch_size), batch_size)


# --- training --------------------------------------------------------------------------------


def training_batches(config: VAEGANConfig, images: np.ndarray, epoch: int) -> tf.data.Dataset:
    """(images, noise [2, B, latent]) batches of `epoch`: noise[0] reparameterises q(z|x),
    noise[1] are prior codes z_p. Order from (seed, epoch), noise from (seed, epoch, step)."""
    steps = len(images) // config.batch_size
    seed, shape = config.seed, [2, config.batch_size, config.latent_dim]

    def noise(step):
        return tf.random.stateless_normal(
            shape, seed=tf.stack([tf.constant(seed, tf.int64), epoch * 100000 + step])
        )

    noises = tf.data.Dataset.range(steps).map(noise)
    return tf.data.Dataset.zip(make_batches(images, config.batch_size, seed, epoch), noises)


def prepare_images(config: VAEGANConfig, images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] (or float32 [N, 28, 28, 1] in [-1, 1]) -> the first `train_size`
    images as float32 [n, 28, 28, 1] in [-1, 1] (the decoder's tanh range)."""
    return dcgan.prepare_images(config, images)


@dataclass
class VAEGANRun:
    """What `train_vaegan` returns: the trained model and everything measured on the way."""

    config: VAEGANConfig
    model: VAEGAN
    history: dict[str, list[float]]
    epoch_seconds: list[float]
    wall_time_seconds: float
    epoch_samples: np.ndarray  # uint8 [E, epoch_samples, 28, 28], fixed prior codes, each epoch
    resumed_from: int  # the epoch the run started after (0: from scratch)
    images_per_epoch: int
    extra: dict = field(default_factory=dict)

    @property
    def epochs(self) -> np.ndarray:
        return np.arange(1, len(self.epoch_seconds) + 1)

    @property
    def images_per_second(self) -> float:
        """Training throughput over all epochs (the first includes tracing the step)."""
        return self.images_per_epoch * len(self.epoch_seconds) / max(sum(self.epoch_seconds), 1e-9)

    def snapshot(self, epoch: int, count: int = 100) -> np.ndarray:
        """uint8 [count, 28, 28]: the fixed-noise samples kept after `epoch`."""
        return self.epoch_samples[epoch - 1, :count]


def train_vaegan(
    config: VAEGANConfig,
    images: np.ndarray,
    *,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> VAEGANRun:
    """Train (or resume, or just reload) the VAE-GAN of `config` on `images` uint8 [N, 28, 28].

    After every epoch: the NaN guard (`check_finite` raises before anything of the bad epoch is
    saved, so the last good checkpoint stays), fixed-noise prior samples, then a checkpoint.
    Progress goes to stderr. `on_epoch_end(epoch, metrics)` runs after the checkpoint.
    """
    seed_everything(config.seed)
    x = prepare_images(config, images)
    steps = len(x) // config.batch_size
    model = VAEGAN(config)
    checkpointer = Checkpointer(config.profile, MODEL, config)
    samples_dir = checkpointer.directory / "epoch_samples"
    state = checkpointer.restore(model.variables) or {}
    start = int(state.get("epoch", 0))
    if start > config.epochs:
        raise RuntimeError(
            f"the checkpoint in {checkpointer.directory} is at epoch {start}, beyond the "
            f"requested {config.epochs} epochs; ask for at least {start} epochs or delete it"
        )
    history = {key: list(state.get("history", {}).get(key, [])) for key in HISTORY_KEYS}
    epoch_seconds = list(state.get("epoch_seconds", []))
    wall_time = float(state.get("wall_time_seconds", 0.0))
    noise = dcgan.fixed_noise(config, config.epoch_samples, EPOCH_SAMPLE_STREAM)
    meter = EpochProgress(config.epochs, start + 1, label=MODEL) if progress else None
    for epoch in range(start + 1, config.epochs + 1):
        began = time.perf_counter()
        metrics = model.train_epoch(training_batches(config, x, epoch), steps)
        trained = time.perf_counter()
        check_finite(epoch, {k: metrics[k] for k in HISTORY_KEYS})
        atomic_write_npz(samples_dir / f"epoch-{epoch:04d}.npz", images=model.generate(noise))
        for key in HISTORY_KEYS:
            history[key].append(metrics[key])
        epoch_seconds.append(trained - began)
        wall_time += time.perf_counter() - began
        checkpointer.save(
            epoch,
            model.variables,
            {
                "history": history,
                "epoch_seconds": epoch_seconds,
                "wall_time_seconds": wall_time,
                # every random draw is a function of (seed, epoch, step): this is the RNG state
                "rng": {"seed": config.seed, "next_epoch": epoch + 1},
            },
        )
        if meter:
            meter.update(
                epoch,
                {"prior": metrics["prior"], "llike": metrics["llike"],
                 "D loss": metrics["d_loss"], "D(x)": metrics["d_real"],
                 "D(x~)": metrics["d_reconstruction"], "D(x_p)": metrics["d_fake"]},
            )  # fmt: skip
        if on_epoch_end:
            on_epoch_end(epoch, metrics)
    return VAEGANRun(
        config=config,
        model=model,
        history=history,
        epoch_seconds=epoch_seconds,
        wall_time_seconds=wall_time,
        epoch_samples=_load_epoch_samples(samples_dir, config.epochs),
        resumed_from=start,
        images_per_epoch=steps * config.batch_size,
    )


def _load_epoch_samples(directory: Path, epochs: int) -> np.ndarray:
    arrays = []
    for epoch in range(1, epochs + 1):
        path = directory / f"epoch-{epoch:04d}.npz"
        if not path.exists():
            raise FileNotFoundError(
                f"{path} is missing: the per-epoch samples of this checkpoint were deleted; "
                "delete the checkpoint directory to train again"
            )
        with np.load(path) as saved:
            arrays.append(saved["images"])
    return np.stack(arrays)


# --- evaluation and exports ------------------------------------------------------------------


def evaluate_test_set(model: VAEGAN, images: np.ndarray, batch_size: int = 500) -> dict[str, float]:
    """Inference-mode means over `images` float32 [N, 28, 28, 1] in [-1, 1]: L_prior, L_llike,
    D's outputs, and the pixel mean squared error (in [0, 1] units) of Dec(E_q[z|x])."""
    config = model.config
    sums: dict[str, float] = {}
    count = 0
    for start in range(0, len(images), batch_size):
        batch = tf.constant(images[start : start + batch_size], tf.float32)
        n = int(batch.shape[0])
        noise = tf.random.stateless_normal(
            [2, n, config.latent_dim], seed=[config.seed, TEST_NOISE_STREAM + start]
        )
        terms = model.loss_terms(batch, noise[0], noise[1], training=False)
        z_mean, _ = model.encoder(batch, training=False)
        mean_images = model.decoder(z_mean, training=False)
        terms["pixel_mse"] = tf.reduce_mean(tf.square((mean_images - batch) / 2.0))
        for key, value in terms.items():
            sums[key] = sums.get(key, 0.0) + float(value) * n
        count += n
    return {key: value / count for key, value in sums.items()}


def save_weights(model: VAEGAN, path: str | os.PathLike) -> Path:
    """All three networks (`model.networks`) to `path`, written beside it then renamed."""
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".weights.h5")
    os.close(handle)
    try:
        model.networks.save_weights(temporary, overwrite=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def load_vaegan(config: VAEGANConfig, path: str | os.PathLike | None = None) -> VAEGAN:
    """The exported VAE-GAN of `config` (default: runs/<profile>/results/vaegan.weights.h5)."""
    model = VAEGAN(config)
    model.networks.load_weights(path or results_dir(config.profile) / f"{MODEL}.weights.h5")
    return model


def export_results(run: VAEGANRun, x_test: np.ndarray, y_test: np.ndarray) -> dict[str, Path]:
    """Write vaegan.json, vaegan_samples.npz, vaegan_epoch_samples.npz, vaegan_latent.npz and
    vaegan.weights.h5 into runs/<profile>/results/; returns their paths.

    `x_test` uint8 [N, 28, 28] and `y_test` labels: their posterior means go to the latent file,
    and the test-set losses and pixel reconstruction error to the JSON.
    """
    config, model = run.config, run.model
    out = results_dir(config.profile)
    began = time.perf_counter()
    test_images = to_gan_range(np.asarray(x_test, np.uint8))
    samples = model.generate(dcgan.fixed_noise(config, config.export_samples, EXPORT_SAMPLE_STREAM))
    paths = {
        "samples": atomic_write_npz(out / f"{MODEL}_samples.npz", images=samples),
        "epoch_samples": atomic_write_npz(
            out / f"{MODEL}_epoch_samples.npz",
            images=run.epoch_samples,
            epochs=run.epochs.astype(np.int32),
        ),
        "latent": atomic_write_npz(
            out / f"{MODEL}_latent.npz",
            means=model.encode_means(test_images),
            labels=np.asarray(y_test, dtype=np.uint8),
        ),
        "weights": save_weights(model, out / f"{MODEL}.weights.h5"),
    }
    layer_shape = model.discriminator.outputs[1].shape[1:]
    feature_count = int(np.prod(layer_shape))
    payload = {
        "history": run.history,
        "epoch_seconds": run.epoch_seconds,
        "wall_time_seconds": run.wall_time_seconds,
        "images_per_second": run.images_per_second,
        "parameters": model.parameters(),
        "images_per_epoch": run.images_per_epoch,
        "resumed_from_epoch": run.resumed_from,
        "final": {key: values[-1] for key, values in run.history.items()},
        "test": evaluate_test_set(model, test_images),
        "feature_layer": {
            "name": feature_layer_name(config),
            "shape": [int(d) for d in layer_shape],
            "features": feature_count,
            "llike_constant_nats": 0.5 * feature_count * LOG_2PI,
        },
        "samples": {"count": int(len(samples)), "kind": "Dec(z_p), z_p ~ N(0, I), tanh range"},
    }
    payload["export_seconds"] = time.perf_counter() - began
    paths["json"] = write_results(config.profile, MODEL, payload, config)
    return paths


__all__ = [
    "HISTORY_KEYS",
    "VAEGAN",
    "VAEGANRun",
    "build_decoder",
    "build_discriminator",
    "build_encoder",
    "bundle_networks",
    "decoder_gan_loss",
    "discriminator_loss",
    "evaluate_test_set",
    "export_results",
    "feature_layer_name",
    "feature_nll",
    "load_vaegan",
    "prepare_images",
    "save_weights",
    "train_vaegan",
    "training_batches",
]
