"""The paper's VAE in Keras: Gaussian encoder, Bernoulli decoder, resumable training, and the
likelihood bounds (ELBO, IWAE) used to score it.

The model is one `keras.Model` subclass whose `train_step` is the negative ELBO as the math
reads it (Kingma & Welling 2014):

    loss(x) = sum over pixels of BCE(x, decoder(z))  +  KL(N(mu, sigma^2) || N(0, I)),
    z = mu + sigma * eps,  eps ~ N(0, I),

averaged over the batch. Reconstruction, KL and total are tracked by separate `Mean` metrics
that all average over images, so total = reconstruction + KL holds for every reported number.

Images are binarised float32 [N, 28, 28, 1] in {0, 1}; the decoder returns logits of the
Bernoulli means, so the reconstruction term is the exact negative log-likelihood in nats.

    model = build(config)              # a VAEModel: the Keras VAE behind the common interface
    run = train(model, dataset)        # helpers.training.train: resumes if a checkpoint exists
    record = model.export(run, evaluation)   # vae.json (a ResultsRecord), samples, latents
    model = load(config)               # model.sample(n, seed), model.encode(x), model.decode(z)
"""

from __future__ import annotations

import math
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from helpers.config import VAEConfig
from helpers.data import (
    IMAGE_TENSOR_SHAPE,
    PIXELS,
    Dataset,
    binarize,
    make_batches,
    to_uint8_images,
    training_split,
    validation_split,
)
from helpers.fused import Adam
from helpers.results import result_name
from helpers.runs import load_weights
from helpers.training import (
    TrainedModel,
    TrainingRun,
    configure_precision,
    layer_rows,
    seed_everything,
)

LOG_2PI = math.log(2.0 * math.pi)
HISTORY_KEYS = ("loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl")
STEPS_PER_EXECUTION = 50  # training steps per tf.function call of `fit` (callbacks see each call)
# Seed streams of NumPy's generators: np.random.default_rng([seed, stream])
FIXED_LATENT_STREAM = 10  # the latents decoded after every epoch (Figure 10)
PRIOR_SAMPLE_STREAM = 20  # the exported prior samples
# The IWAE noise of images from index i, importance samples from j: stream i * this + j; above
# any sample count k, so no two chunks share a stream
IWAE_STREAM_STRIDE = 1_000_003


# --- the model -------------------------------------------------------------------------------


def build_encoder(config: VAEConfig) -> keras.Model:
    """Images [N, 28, 28, 1] -> (z_mean, z_log_var), each [N, latent_dim]."""
    if config.architecture == "dense":
        return dense_encoder(config.hidden_units, config.latent_dim)
    return conv_encoder(config.conv_filters, config.latent_dim)


def dense_encoder(hidden_units: tuple[int, ...], latent_dim: int) -> keras.Model:
    """Images [N, 28, 28, 1] -> flattened -> ReLU dense layers -> (z_mean, z_log_var)."""
    images = keras.Input(IMAGE_TENSOR_SHAPE, name="image")
    h = keras.layers.Flatten()(images)
    for units in hidden_units:
        h = keras.layers.Dense(units, activation="relu")(h)
    return _gaussian_heads(images, h, latent_dim)


def conv_encoder(filters: tuple[int, ...], latent_dim: int) -> keras.Model:
    """Images [N, 28, 28, 1] -> stride-2 3x3 ReLU convolutions (each halves the side: 28 -> 14
    -> 7) -> (z_mean, z_log_var), each float32 [N, latent_dim]. The VAE-GAN's encoder too."""
    images = keras.Input(IMAGE_TENSOR_SHAPE, name="image")
    h = images
    for width in filters:
        h = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu")(h)
    return _gaussian_heads(images, keras.layers.Flatten()(h), latent_dim)


def _gaussian_heads(images, h, latent_dim: int) -> keras.Model:
    z_mean = keras.layers.Dense(latent_dim, name="z_mean", dtype="float32")(h)
    z_log_var = keras.layers.Dense(latent_dim, name="z_log_var", dtype="float32")(h)
    return keras.Model(images, [z_mean, z_log_var], name="encoder")


def build_decoder(config) -> keras.Model:
    """Latent codes [N, latent_dim] -> Bernoulli logits [N, 28, 28, 1] (the encoder mirrored)."""
    z = keras.Input((config.latent_dim,), name="z")
    if config.architecture == "dense":
        h = z
        for units in reversed(config.hidden_units):
            h = keras.layers.Dense(units, activation="relu")(h)
        logits = keras.layers.Dense(PIXELS, name="logits", dtype="float32")(h)
        logits = keras.layers.Reshape(IMAGE_TENSOR_SHAPE)(logits)
    else:
        side = IMAGE_TENSOR_SHAPE[0] // 2 ** len(config.conv_filters)
        filters = list(reversed(config.conv_filters))
        h = keras.layers.Dense(side * side * filters[0], activation="relu")(z)
        h = keras.layers.Reshape((side, side, filters[0]))(h)
        for width in filters[1:]:
            h = keras.layers.Conv2DTranspose(
                width, 3, strides=2, padding="same", activation="relu"
            )(h)
        logits = keras.layers.Conv2DTranspose(
            1, 3, strides=2, padding="same", name="logits", dtype="float32"
        )(h)
    return keras.Model(z, logits, name="decoder")


def reconstruction_loss(images, logits):
    """Sum over pixels of binary cross-entropy = -log p(x | z) in nats, per image: [N]."""
    per_pixel = keras.ops.binary_crossentropy(images, logits, from_logits=True)
    return keras.ops.sum(keras.ops.reshape(per_pixel, (-1, PIXELS)), axis=-1)


def kl_to_standard_normal(z_mean, z_log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) in nats, per row: [N] (closed form)."""
    return -0.5 * keras.ops.sum(
        1.0 + z_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var), axis=-1
    )


class VAE(keras.Model):
    """Encoder + decoder trained on the negative ELBO with the reparameterisation trick.

    The noise comes from `SeedGenerator`s whose state variables are part of the checkpoint
    (`checkpoint_variables`), so a resumed run draws exactly the noise an uninterrupted one does.
    `call` returns the logits of one stochastic reconstruction.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = int(decoder.inputs[0].shape[-1])
        self.train_noise = keras.random.SeedGenerator(seed, name="train_noise")
        self.validation_noise = keras.random.SeedGenerator(seed + 1, name="validation_noise")
        # float64 sums: over an epoch of 60,000 images, float32 running sums drift apart by
        # ~1e-5, and the reported total would no longer be the reconstruction plus the KL
        self.total_tracker = keras.metrics.Mean(name="loss", dtype="float64")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction", dtype="float64")
        self.kl_tracker = keras.metrics.Mean(name="kl", dtype="float64")

    @property
    def metrics(self):
        return [self.total_tracker, self.reconstruction_tracker, self.kl_tracker]

    def loss_terms(self, images, noise):
        """Per-image reconstruction and KL terms [N], with z drawn from q(z|x) via `noise`."""
        z_mean, z_log_var = self.encoder(images)
        eps = keras.random.normal(keras.ops.shape(z_mean), seed=noise)
        z = z_mean + keras.ops.exp(0.5 * z_log_var) * eps  # reparameterisation trick
        logits = self.decoder(z)
        return reconstruction_loss(images, logits), kl_to_standard_normal(z_mean, z_log_var)

    def call(self, images, training=False):
        z_mean, z_log_var = self.encoder(images, training=training)
        eps = keras.random.normal(keras.ops.shape(z_mean), seed=self.validation_noise)
        return self.decoder(z_mean + keras.ops.exp(0.5 * z_log_var) * eps, training=training)

    def _track(self, reconstruction, kl):
        reconstruction = keras.ops.cast(reconstruction, "float64")
        kl = keras.ops.cast(kl, "float64")
        self.total_tracker.update_state(reconstruction + kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def train_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        with tf.GradientTape() as tape:
            reconstruction, kl = self.loss_terms(images, self.train_noise)
            loss = keras.ops.mean(reconstruction + kl)  # negative ELBO, batch average
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights, strict=True))
        return self._track(reconstruction, kl)

    def test_step(self, data):
        images = data[0] if isinstance(data, (tuple, list)) else data
        reconstruction, kl = self.loss_terms(images, self.validation_noise)
        return self._track(reconstruction, kl)


def build_vae(config) -> VAE:
    """A built and compiled VAE (Adam at config.learning_rate) with optimizer slots created."""
    config = config.resolved()
    configure_precision(config.precision)
    model = VAE(build_encoder(config), build_decoder(config), seed=config.seed, name="vae")
    # the fused Adam (helpers.fused), and 50 steps per `fit` execution (one tf.function call):
    # together 1.44x the epoch speed of Keras' Adam one step per call (dense, 2 cores, AMX Xeon)
    model.compile(
        optimizer=Adam(config.learning_rate),
        jit_compile=False,
        steps_per_execution=STEPS_PER_EXECUTION,
    )
    model.build((None, *IMAGE_TENSOR_SHAPE))
    model.optimizer.build(model.trainable_variables)
    return model


def architecture_rows(model) -> dict[str, list[tuple[str, str, int]]]:
    """Figure 2's columns: caption -> (layer type, output shape, parameters) rows of the
    encoder (its last two rows named as the parallel heads μ and log σ²) and of the decoder."""
    encoder_rows = layer_rows(model.encoder)
    encoder_rows[-2:] = [
        (f"Dense → {head}", shape, count)
        for head, (_, shape, count) in zip(["μ", "log σ²"], encoder_rows[-2:], strict=True)
    ]
    return {
        "Encoder $q_\\phi(z \\mid x)$": encoder_rows,
        "Decoder $p_\\theta(x \\mid z)$": layer_rows(model.decoder),
    }


def make_vae_config(profile: str, **overrides):
    """`make_config("vae", profile, **overrides)`; when `epochs` is overridden without
    `snapshot_epochs`, the profile's snapshot epochs are cut to the run and its last epoch added."""
    from helpers.config import make_config, profile_fields

    epochs = overrides.get("epochs")
    if epochs is not None and overrides.get("snapshot_epochs") is None:
        profile_snapshots = profile_fields("vae", profile).get("snapshot_epochs", ())
        kept = sorted({e for e in profile_snapshots if e <= epochs} | {epochs})
        overrides["snapshot_epochs"] = tuple(kept)
    return make_config("vae", profile, **overrides)


# --- data ------------------------------------------------------------------------------------


def prepare_images(config, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Binarised (training images, x_test), float32 [N, 28, 28, 1] in {0, 1}: the training
    split's first `train_size` images (all when None), and the test set."""
    x_train, _ = training_split(data, config.validation_size)
    if config.train_size is not None:
        x_train = x_train[: config.train_size]
    return (
        binarize(x_train, config.binarization, seed=config.seed),
        binarize(data.x_test, config.binarization, seed=config.seed + 1),
    )


def validation_images(config, data: Dataset) -> np.ndarray:
    """The binarised validation split (`helpers.data.validation_split`), float32 [N, 28, 28, 1]:
    the VAE's loss after every epoch is measured on it."""
    x_valid, _ = validation_split(data, config.validation_size)
    return binarize(x_valid, config.binarization, seed=config.seed + 2)


def validation_batches(images: np.ndarray, batch_size: int):
    """All of `images` in order (last batch may be short): the validation pass."""
    return tf.data.Dataset.from_tensor_slices(images).batch(batch_size).prefetch(2)


# --- training --------------------------------------------------------------------------------


def fixed_latents(config, count: int = 10) -> np.ndarray:
    """The z's decoded at every snapshot epoch (Figure 10): float32 [count, latent] ~ N(0, I)."""
    rng = np.random.default_rng([config.seed, 10])
    return rng.standard_normal((count, config.latent_dim)).astype(np.float32)


class VAEModel(TrainedModel):
    """The VAE as every model here looks from outside (helpers.training.GenerativeModel): the
    Keras model (`network`) trained by one `fit` per epoch, validated by one `evaluate` over the
    test set, with decodings of fixed latents kept after every epoch."""

    family = "vae"
    history_keys = HISTORY_KEYS
    guarded_keys = HISTORY_KEYS

    def __init__(self, config, network: VAE, callbacks=(), snapshot_count: int = 10):
        self.config, self.network = config, network
        self.name = result_name("vae", config.latent_dim, config.seed)
        self.callbacks = list(callbacks)  # passed to each epoch's `fit`
        self.latents = fixed_latents(config, snapshot_count)
        self.data = self.x_train = self.x_valid = None

    @property
    def encoder(self) -> keras.Model:
        return self.network.encoder

    @property
    def decoder(self) -> keras.Model:
        return self.network.decoder

    @property
    def latent_dim(self) -> int:
        return self.network.latent_dim

    @property
    def variables(self) -> dict[str, list]:
        """Everything a resumed run needs: weights, Adam's slots and step, the noise generators."""
        network = self.network
        return {
            "weights": list(network.encoder.weights) + list(network.decoder.weights),
            "optimizer": list(network.optimizer.variables),
            "rng": [network.train_noise.state, network.validation_noise.state],
        }

    def parameters(self) -> dict[str, int]:
        encoder, decoder = self.encoder.count_params(), self.decoder.count_params()
        return {"encoder": int(encoder), "decoder": int(decoder), "total": int(encoder + decoder)}

    def use_data(self, data: Dataset) -> None:
        """Train on the binarised training split, validate on the validation split."""
        self.data = data
        self.x_train, _ = prepare_images(self.config, data)
        self.x_valid = validation_images(self.config, data)

    @property
    def images_per_epoch(self) -> int:
        return len(self.x_train)

    def train_epoch(self, epoch: int) -> dict[str, float]:
        fitted = self.network.fit(
            make_batches(self.x_train, self.config.batch_size, self.config.seed, epoch),
            epochs=1,
            verbose=0,
            shuffle=False,  # the order comes from make_batches(seed, epoch)
            callbacks=self.callbacks,
        )
        return {k: float(v[-1]) for k, v in fitted.history.items()}

    def validate_epoch(self, epoch: int) -> dict[str, float]:
        validated = self.network.evaluate(
            validation_batches(self.x_valid, self.config.batch_size), verbose=0, return_dict=True
        )
        return {f"val_{k}": float(v) for k, v in validated.items()}

    def epoch_samples(self) -> np.ndarray:
        """uint8 [snapshot_count, 28, 28]: the decoder's means of the fixed latents."""
        return decode_uint8(self, self.latents)

    def progress_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        return {k: metrics[k] for k in ("loss", "val_loss", "kl")}

    def generate(self, codes: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """The decoder's means of latent codes float32 [N, latent], uint8 [N, 28, 28]."""
        return to_uint8_images(decode_means(self, codes, batch_size), value_range=(0.0, 1.0))

    def sample(self, n: int, seed: int) -> np.ndarray:
        """`n` images, z ~ N(0, I) drawn from `seed`, decoded to Bernoulli means: uint8
        [n, 28, 28]. With the config's seed and export_samples, the exported samples."""
        return prior_samples(self, n, seed)

    def encode(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Posterior means E_q[z|x]: float32 [N, latent_dim] of binarised images."""
        return encode_means(self, images, batch_size)

    def decode(self, z: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Bernoulli means sigmoid(decoder(z)): float32 [N, 28, 28, 1] in [0, 1]."""
        return decode_means(self, z, batch_size)

    def exported_arrays(self, run: TrainingRun) -> dict:
        """vae_samples.npz, vae_latent.npz, vae_reconstructions.npz (decoder means at E[z|x]
        of every test digit, with their labels: "label kept" in notebook 05) and
        vae.weights.h5 (`vae_z16...` at another latent size than the paper's)."""
        config = self.config
        _, x_test = prepare_images(config, run.data)
        means = self.encode(x_test)
        return {
            "samples": self.sample(config.export_samples, config.seed),
            "weights": self.network,
            "latent": means,
            "reconstructions": decode_uint8(self, means),
            "labels": np.asarray(run.data.y_test, dtype=np.uint8),
        }

    def export_metrics(self, run: TrainingRun) -> dict:
        kind = "decoder Bernoulli means, z ~ N(0, I)"
        return {"samples": {"count": int(self.config.export_samples), "kind": kind}}


def build(config, callbacks=(), snapshot_count: int = 10) -> VAEModel:
    """The VAE of `config`, seeded, in the precision this machine resolves `config`'s to, ready
    for `helpers.training.train`. `callbacks` go to each epoch's `fit`; the epoch samples are
    the decodings of `snapshot_count` fixed latents."""
    config = config.resolved()
    seed_everything(config.seed)
    return VAEModel(config, build_vae(config), callbacks, snapshot_count)


def load(config, path: str | os.PathLike | None = None) -> VAEModel:
    """The exported VAE of `config` (default: runs/<profile>/results/vae.weights.h5, or
    `vae_z16...` at another latent size)."""
    model = build(config)
    load_weights(model.network, config.profile, model.name, path)
    return model


# --- using the trained model -----------------------------------------------------------------


def encode_means(model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Posterior means E_q[z|x]: float32 [N, latent_dim]."""
    means = [
        model.encoder(images[i : i + batch_size])[0] for i in range(0, len(images), batch_size)
    ]
    return np.concatenate([np.asarray(m) for m in means]).astype(np.float32)


def decode_means(model, z: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Bernoulli means sigmoid(decoder(z)): float32 [N, 28, 28, 1] in [0, 1]."""
    z = np.asarray(z, dtype=np.float32)
    parts = [
        keras.ops.sigmoid(model.decoder(z[i : i + batch_size]))
        for i in range(0, len(z), batch_size)
    ]
    return np.concatenate([np.asarray(p) for p in parts]).astype(np.float32)


def decode_uint8(model, z: np.ndarray) -> np.ndarray:
    """Decoder means as uint8 [N, 28, 28] (255 = pixel surely on)."""
    return to_uint8_images(decode_means(model, z), value_range=(0.0, 1.0))


def prior_samples(model, count: int, seed: int) -> np.ndarray:
    """`count` images from the model: z ~ N(0, I), decoded to Bernoulli means, uint8 [N, 28, 28].

    The means, not Bernoulli draws: the grey level is the pixel's probability of being on.
    """
    z = np.random.default_rng([seed, PRIOR_SAMPLE_STREAM]).standard_normal(
        (count, model.latent_dim)
    )
    return decode_uint8(model, z.astype(np.float32))


def latent_grid(size: int = 20, low: float = 0.05, high: float = 0.95) -> np.ndarray:
    """A size x size grid over a 2-D latent through the Gaussian inverse CDF: [size^2, 2].

    Equal steps in probability, so the grid covers the prior's mass evenly (Kingma & Welling
    2014, Fig. 4). Rows go from high z2 (top) to low, columns from low z1 to high.
    """
    from scipy.stats import norm

    values = norm.ppf(np.linspace(low, high, size))
    z1, z2 = np.meshgrid(values, values[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=-1).astype(np.float32)


# --- likelihood bounds -----------------------------------------------------------------------


def _log_normal(z, mean, log_var):
    return -0.5 * tf.reduce_sum(LOG_2PI + log_var + tf.square(z - mean) / tf.exp(log_var), -1)


@tf.function(reduce_retracing=True)
def _log_weights(decoder, images, z_mean, z_log_var, eps):
    """log p(x, z) - log q(z|x) for eps [S, B, L] standard-normal draws: [S, B]."""
    z = z_mean[None] + tf.exp(0.5 * z_log_var)[None] * eps
    samples, batch = tf.shape(eps)[0], tf.shape(eps)[1]
    logits = decoder(tf.reshape(z, (-1, tf.shape(eps)[2])))
    logits = tf.reshape(logits, (samples, batch, PIXELS))
    targets = tf.broadcast_to(tf.reshape(images, (1, batch, PIXELS)), tf.shape(logits))
    log_px_z = -tf.reduce_sum(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits), -1
    )
    log_pz = _log_normal(z, 0.0, tf.zeros_like(z))
    log_qz = _log_normal(z, z_mean[None], z_log_var[None])
    return log_px_z + log_pz - log_qz


def iwae_bound(
    model,
    images: np.ndarray,
    k: int,
    seed: int = 0,
    batch_size: int = 100,
    chunk: int = 100,
    progress: bool = False,
) -> np.ndarray:
    """Importance-weighted lower bound on log p(x) (Burda et al. 2016), nats, per image: [N].

    log p(x) >= E[log (1/k) sum_i p(x, z_i) / q(z_i|x)],  z_i ~ q(z|x). k = 1 is the ELBO; the
    bound grows with k towards log p(x). Decoder passes are made `chunk` samples at a time for
    `batch_size` images, so memory stays at chunk * batch_size * 784 floats.
    """
    out = []
    for start in range(0, len(images), batch_size):
        batch = tf.constant(images[start : start + batch_size], tf.float32)
        z_mean, z_log_var = model.encoder(batch)
        log_w = []
        for offset in range(0, k, chunk):
            count = min(chunk, k - offset)
            eps = tf.random.stateless_normal(
                (count, batch.shape[0], model.latent_dim),
                seed=[seed, start * IWAE_STREAM_STRIDE + offset],
            )
            log_w.append(_log_weights(model.decoder, batch, z_mean, z_log_var, eps))
        log_w = tf.cast(tf.concat(log_w, axis=0), tf.float64)
        out.append((tf.reduce_logsumexp(log_w, axis=0) - math.log(k)).numpy())
        done = start + len(out[-1])
        if progress and (
            done == len(images) or len(out) % max(1, len(images) // batch_size // 10) == 0
        ):
            print(f"[iwae k={k}] {done}/{len(images)} images", file=sys.stderr, flush=True)
    return np.concatenate(out)


def likelihood_metrics(model, x_test: np.ndarray, iwae: bool = True) -> dict:
    """The test-set bounds a VAE's record keeps (`metrics` of its ResultsRecord): the ELBO on
    every image of `x_test`, and with `iwae` the IWAE bound with the config's `iwae_k` on its
    first `iwae_test_size` images, each with its standard error over images."""
    from helpers.metrics import mean_and_standard_error

    config = model.config
    values = elbo(model, x_test, seed=config.seed)
    mean, error = mean_and_standard_error(values)
    scores = {
        "test_elbo": {"nats_per_image": mean, "standard_error": error, "n_images": len(x_test)}
    }
    if iwae:
        count = min(config.iwae_test_size or len(x_test), len(x_test))
        bound = iwae_bound(model, x_test[:count], config.iwae_k, seed=config.seed)
        log_px, log_px_error = mean_and_standard_error(bound)
        scores["iwae"] = {
            "k": config.iwae_k,
            "log_px": log_px,
            "standard_error": log_px_error,
            "n_images": count,
            "elbo_same_images": float(np.mean(values[:count])),
        }
    return scores


def elbo(model, images: np.ndarray, seed: int = 0, batch_size: int = 500) -> np.ndarray:
    """Evidence lower bound E_q[log p(x|z)] - KL(q(z|x) || p(z)), one z per image, nats: [N].

    The KL term is exact; the expectation is a one-sample Monte Carlo estimate (unbiased).
    """
    out = []
    for start in range(0, len(images), batch_size):
        batch = tf.constant(images[start : start + batch_size], tf.float32)
        z_mean, z_log_var = model.encoder(batch)
        eps = tf.random.stateless_normal(tf.shape(z_mean), seed=[seed, start])
        logits = model.decoder(z_mean + tf.exp(0.5 * z_log_var) * eps)
        value = -reconstruction_loss(batch, logits) - kl_to_standard_normal(z_mean, z_log_var)
        out.append(np.asarray(value, dtype=np.float64))
    return np.concatenate(out)


def log_marginal_quadrature(
    model, images: np.ndarray, points: int = 201, span: float = 12.0
) -> np.ndarray:
    """log p(x) = log integral p(x|z) p(z) dz by the midpoint rule on a grid, nats, per image [N].

    For a 1-D or 2-D latent only (points^L decoder passes per image). The grid is centred on the
    encoder's mean and spans +-`span` encoder standard deviations per dimension (at least +-1),
    where the integrand lives; with a smooth integrand the rule converges geometrically fast.
    A check of the Monte Carlo bounds, not a training tool.
    """
    if model.latent_dim > 2:
        raise ValueError(f"quadrature needs a 1-D or 2-D latent, the model has {model.latent_dim}")
    z_mean, z_log_var = (np.asarray(t, np.float64) for t in model.encoder(images))
    half = np.maximum(span * np.exp(0.5 * z_log_var), 1.0)
    unit = np.linspace(-1.0, 1.0, points)
    out = []
    for i in range(len(images)):
        axes = [z_mean[i, d] + half[i, d] * unit for d in range(model.latent_dim)]
        grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=-1)
        log_terms = _grid_log_joint(model.decoder, tf.constant(images[i], tf.float32), grid)
        cell = np.prod([a[1] - a[0] for a in axes])
        out.append(float(tf.reduce_logsumexp(log_terms)) + math.log(cell))
    return np.asarray(out)


def iwae_by_k(
    model,
    images: np.ndarray,
    ks,
    seed: int = 0,
    points: int = 101,
    coarse_points: int = 61,
) -> dict:
    """The IWAE bound for each k of `ks` on the same images, and for a latent of at most 2-D
    the exact log p(x) by quadrature beside it (Figure 16). Nats per image:

    `k` list, `bounds` [len(ks), N], `mean` [len(ks)] (over images); `exact` [N] on a grid of
    `points` per dimension, `quadrature_error` (largest change from `coarse_points`) and `gaps`
    exact - bounds [len(ks), N] (>= 0 up to Monte Carlo noise), or None for a larger latent.
    """
    ks = list(ks)
    bounds = np.stack([iwae_bound(model, images, k, seed=seed, chunk=min(k, 1000)) for k in ks])
    out = {"k": ks, "bounds": bounds, "mean": bounds.mean(axis=1)}
    out.update(exact=None, quadrature_error=None, gaps=None)
    if model.latent_dim <= 2:
        exact = log_marginal_quadrature(model, images, points=points)
        coarse = log_marginal_quadrature(model, images, points=coarse_points)
        out["exact"] = exact
        out["quadrature_error"] = float(np.max(np.abs(exact - coarse)))
        out["gaps"] = exact[None, :] - bounds
    return out


@tf.function(reduce_retracing=True)
def _grid_log_joint(decoder, image, grid):
    """log p(x | z) + log p(z) at each grid point z [G, L] for one image [28, 28, 1]: [G]."""
    logits = tf.reshape(decoder(tf.cast(grid, tf.float32)), (-1, PIXELS))
    signs = 1.0 - 2.0 * tf.reshape(image, (1, PIXELS))  # -log Bernoulli(x; sigmoid(l))
    log_px_z = -tf.reduce_sum(tf.nn.softplus(signs * logits), axis=-1)  # = -softplus(+-l)
    log_pz = -0.5 * tf.reduce_sum(tf.square(grid) + LOG_2PI, axis=-1)
    return tf.cast(log_px_z, tf.float64) + log_pz


# --- speed -----------------------------------------------------------------------------------


def training_images_per_second(config, images: np.ndarray, steps: int = 30) -> float:
    """Training throughput of a fresh VAE of `config` over `steps` batches, after one warm-up
    pass (tracing): images per second of `fit` on our tf.data pipeline. `images` are repeated
    if there are fewer than `steps` batches of them."""
    model = build_vae(config)
    count = steps * config.batch_size
    images = np.resize(images, (count, *images.shape[1:]))
    warm_up = make_batches(images[: 2 * config.batch_size], config.batch_size, 0)
    model.fit(warm_up, verbose=0, shuffle=False)
    started = time.perf_counter()
    model.fit(make_batches(images, config.batch_size, config.seed, 1), verbose=0, shuffle=False)
    return count / (time.perf_counter() - started)


__all__ = [
    "VAE",
    "VAEModel",
    "build",
    "build_decoder",
    "build_encoder",
    "build_vae",
    "conv_encoder",
    "decode_means",
    "decode_uint8",
    "dense_encoder",
    "elbo",
    "encode_means",
    "fixed_latents",
    "iwae_bound",
    "likelihood_metrics",
    "kl_to_standard_normal",
    "latent_grid",
    "load",
    "log_marginal_quadrature",
    "make_vae_config",
    "prepare_images",
    "prior_samples",
    "reconstruction_loss",
    "training_images_per_second",
]
