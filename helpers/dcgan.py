"""DCGAN (Radford et al. 2015) in TensorFlow, as the paper trains it on MNIST.

The generator projects z ~ N(0, I) to a 7x7 tensor and upsamples with transposed convolutions
(ReLU, tanh output); the discriminator downsamples with strided convolutions (LeakyReLU) to one
logit. Training is a custom `tf.function` step with `GradientTape` under a `tf.distribute`
strategy, resumable from a checkpoint after every epoch:

    model = build(config)              # G, D, their optimizers (helpers.training's interface)
    run = train(model, dataset)        # helpers.training.train: resumes if a checkpoint exists
    record = model.export(run)         # dcgan.json (a ResultsRecord), samples, weights
    model = load(config)               # the exported generator: model.sample(n, seed)

All randomness of training is a function of (seed, epoch, step): batches and noise come from
`batches_with_noise(..., seed, epoch, ...)` (helpers.data), initial weights from seeded
initialisers. A run resumed at epoch e therefore computes exactly what an uninterrupted run
computes.
"""

from __future__ import annotations

import os

import keras
import numpy as np
import tensorflow as tf

from helpers.config import DCGANConfig
from helpers.data import (
    IMAGE_TENSOR_SHAPE,
    Dataset,
    batches_with_noise,
    to_gan_range,
    to_uint8_images,
    training_split,
    validation_split,
)
from helpers.fused import Adam, BatchNormalization, Conv2DTranspose
from helpers.results import result_name
from helpers.runs import load_weights
from helpers.training import TrainedModel, TrainingRun, layer_rows, seed_everything

MODEL = "dcgan"
HISTORY_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")
STEPS_PER_CALL = 50  # steps run inside one tf.function call (Ctrl-C is seen between calls)
# Seed streams of the fixed noise, above every stream the training noise uses
# (helpers.data.NOISE_STREAMS_PER_EPOCH per epoch).
EPOCH_SAMPLE_STREAM = 2**30 + 1
EXPORT_SAMPLE_STREAM = 2**30 + 2
BASE_SIZE = 7  # the generator projects z to 7x7; two stride-2 layers reach 28x28
# Each layer's initialiser seed: seed * LAYER_SEEDS + the layer's index
LAYER_SEEDS = 1000


# --- models ----------------------------------------------------------------------------------


def _weights(seed: int, index: int, mean: float = 0.0):
    """N(mean, 0.02) with its own seed per layer, so building a model twice gives equal weights."""
    return keras.initializers.RandomNormal(mean=mean, stddev=0.02, seed=seed * LAYER_SEEDS + index)


def build_generator(config: DCGANConfig) -> keras.Model:
    """G: z float32 [N, latent_dim] -> images float32 [N, 28, 28, 1] in [-1, 1] (tanh).

    Widths (w0, w1, ..., wn): Dense to 7x7xw0, then transposed convolutions to w1..wn and to one
    channel; the last two double the size (7 -> 14 -> 28), earlier ones keep 7x7. Batch norm
    and ReLU after every layer but the output (Radford et al.); weights N(0, 0.02) (paper).
    """
    config = config.resolved()
    widths, k, seed, policy = (
        config.generator_widths,
        config.kernel_size,
        config.seed,
        config.precision,
    )
    z = keras.Input((config.latent_dim,), name="z")
    x = keras.layers.Dense(
        BASE_SIZE * BASE_SIZE * widths[0],
        use_bias=False,
        kernel_initializer=_weights(seed, 0),
        dtype=policy,
        name="project",
    )(z)
    x = keras.layers.Reshape((BASE_SIZE, BASE_SIZE, widths[0]), dtype=policy, name="reshape")(x)
    x = _batch_norm_relu(x, seed, 1, policy, "project")
    outputs = [*widths[1:], 1]
    for index, width in enumerate(outputs):
        last = index == len(outputs) - 1
        stride = 2 if index >= len(outputs) - 2 else 1
        x = Conv2DTranspose(
            width, k, strides=stride, padding="same", use_bias=last,
            kernel_initializer=_weights(seed, 10 + 2 * index), dtype=policy,
            name="output" if last else f"deconv{index + 1}",
        )(x)  # fmt: skip
        if not last:
            x = _batch_norm_relu(x, seed, 11 + 2 * index, policy, f"deconv{index + 1}")
    # tanh in float32: images leave G at full precision whatever the policy
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name="generator")


def _batch_norm_relu(x, seed: int, index: int, policy: str, name: str):
    x = BatchNormalization(
        gamma_initializer=_weights(seed, index, mean=1.0), dtype=policy, name=f"{name}_bn"
    )(x)
    return keras.layers.ReLU(dtype=policy, name=f"{name}_relu")(x)


def build_discriminator(config: DCGANConfig, batchnorm: bool = True) -> keras.Model:
    """D: images float32 [N, 28, 28, 1] in [-1, 1] -> one logit float32 [N, 1] (D(x) = sigmoid).

    Strided 5x5 convolutions (no pooling), LeakyReLU(0.2), batch norm on all but the first
    layer (Radford et al.), then one dense output unit kept in float32 under mixed precision.
    `batchnorm=False` (the VAE-GAN's option): the same layers with biases and no batch norm,
    so D's output and features for an image do not depend on the rest of its batch.
    """
    config = config.resolved()
    k, seed, policy = config.kernel_size, config.seed, config.precision
    images = keras.Input(IMAGE_TENSOR_SHAPE, name="images")
    x = images
    for index, width in enumerate(config.discriminator_widths):
        normalised = batchnorm and index > 0
        x = keras.layers.Conv2D(
            width, k, strides=2, padding="same", use_bias=not normalised,
            kernel_initializer=_weights(seed, 100 + 2 * index), dtype=policy,
            name=f"conv{index + 1}",
        )(x)  # fmt: skip
        if normalised:
            x = BatchNormalization(
                gamma_initializer=_weights(seed, 101 + 2 * index, mean=1.0), dtype=policy,
                name=f"conv{index + 1}_bn",
            )(x)  # fmt: skip
        x = keras.layers.LeakyReLU(config.leaky_slope, dtype=policy, name=f"conv{index + 1}_lrelu")(
            x
        )
    x = keras.layers.Flatten(dtype=policy, name="flatten")(x)
    # the logit and everything after it (sigmoid, losses) stay float32
    logit = keras.layers.Dense(
        1, kernel_initializer=_weights(seed, 199), dtype="float32", name="logit"
    )(x)
    return keras.Model(images, logit, name="discriminator")


def build_optimizer(config: DCGANConfig) -> keras.optimizers.Optimizer:
    """Adam(learning_rate, beta_1) as the paper (lr) and Radford et al. (beta_1 = 0.5) use it
    (the fused update, `Adam` above)."""
    config = config.resolved()
    optimizer = Adam(config.learning_rate, beta_1=config.beta_1)
    if config.precision == "mixed_float16":  # float16 needs loss scaling; bfloat16 does not
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


# --- losses (the math of the minimax game, in logits for numerical stability) ----------------


def discriminator_loss(real_logits, fake_logits):
    """Per-example -log D(x) - log(1 - D(G(z))) with D = sigmoid(logit): softplus form."""
    return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)


def generator_loss(fake_logits):
    """Non-saturating generator loss, per example: -log D(G(z)) (Goodfellow et al. 2014)."""
    return tf.nn.softplus(-fake_logits)


def architecture_rows(
    generator: keras.Model, discriminator: keras.Model
) -> dict[str, list[tuple[str, str, int]]]:
    """Figure 1's columns: caption -> (layer type, output shape, parameters) rows of the
    generator and of the discriminator, the input first."""
    return {"Generator G": layer_rows(generator), "Discriminator D": layer_rows(discriminator)}


# --- training --------------------------------------------------------------------------------


def average_decay(decay, step):
    """The decay of step `step` (1-based) that makes a moving average started at step 1 equal
    Adam's bias-corrected average: sum_s (1 - d) d^(t-s) w_s / (1 - d^t) after step t.

    a_t = b_t a_(t-1) + (1 - b_t) w_t with b_t = d (1 - d^(t-1)) / (1 - d^t): b_1 = 0 (the
    average starts at the first weights, whatever it held), and b_t -> d as t grows.
    Works on Python floats and on tensors."""
    return decay * (1.0 - decay ** (step - 1)) / (1.0 - decay**step)


def default_strategy() -> tf.distribute.Strategy:
    """MirroredStrategy over all GPUs when there are several, else the default strategy."""
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([g.name for g in gpus])
    return tf.distribute.get_strategy()


class DCGAN(TrainedModel):
    """G, D, their optimizers and the distributed training step, built in `strategy.scope()`.

    One step (Goodfellow et al. Algorithm 1 with k = 1, both players updated from the same
    forward pass as in the TensorFlow DCGAN tutorial): D descends its cross-entropy on a real
    and a generated batch; G descends the non-saturating loss -log D(G(z)).
    """

    family = MODEL
    history_keys = HISTORY_KEYS
    guarded_keys = ("d_loss", "g_loss")  # the NaN guard of the shared loop

    def __init__(self, config: DCGANConfig, strategy: tf.distribute.Strategy | None = None):
        self.config = config = config.resolved()
        self.name = result_name(MODEL, seed=config.seed)
        self.data = None
        self.images = None  # float32 [N, 28, 28, 1] in [-1, 1]: what `train_epoch` trains on
        self.strategy = strategy or default_strategy()
        replicas = self.strategy.num_replicas_in_sync
        if config.batch_size % replicas:
            raise ValueError(
                f"batch_size {config.batch_size} does not split over {replicas} replicas"
            )
        with self.strategy.scope():
            self.generator = build_generator(config)
            self.discriminator = build_discriminator(config)
            self.g_optimizer = build_optimizer(config)
            self.d_optimizer = build_optimizer(config)
            self.g_optimizer.build(self.generator.trainable_variables)
            self.d_optimizer.build(self.discriminator.trainable_variables)
            # config.generator_average: the averaged G that samples, and its step count
            self.averaged_generator = None
            if config.generator_average:
                self.averaged_generator = build_generator(config)
                self.average_steps = tf.Variable(0.0, trainable=False, name="average_steps")
        self._run_steps = tf.function(self._run_steps_python)

    @property
    def variables(self) -> dict[str, list]:
        """Everything a checkpoint must hold: weights, BN statistics, both optimizers' state."""
        return {
            "generator": list(self.generator.weights),
            "discriminator": list(self.discriminator.weights),
            "generator_optimizer": list(self.g_optimizer.variables),
            "discriminator_optimizer": list(self.d_optimizer.variables),
            **(
                {"averaged_generator": [*self.averaged_generator.weights, self.average_steps]}
                if self.averaged_generator is not None
                else {}
            ),
        }

    @property
    def sampler(self) -> keras.Model:
        """The generator that makes the samples: the averaged G if config.generator_average,
        else G itself."""
        return self.averaged_generator if self.averaged_generator is not None else self.generator

    def _update_average(self) -> None:
        """One step of the moving average of G's weights and batch-norm statistics."""
        self.average_steps.assign_add(1.0)
        decay = average_decay(self.config.generator_average, self.average_steps)
        for average, weight in zip(
            self.averaged_generator.weights, self.generator.weights, strict=True
        ):
            average.assign(decay * average + (1.0 - decay) * tf.cast(weight, average.dtype))

    def parameters(self) -> dict[str, int]:
        return {
            "generator": int(self.generator.count_params()),
            "discriminator": int(self.discriminator.count_params()),
        }

    def _replica_step(self, real, noise, update_generator: bool):
        """One step on this replica's share of the batch; returns per-replica sums / batch."""
        scale = 1.0 / self.config.batch_size  # global batch: replicas' gradients are summed
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(noise, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = tf.reduce_sum(discriminator_loss(real_logits, fake_logits)) * scale
            g_loss = tf.reduce_sum(generator_loss(fake_logits)) * scale
            d_objective, g_objective = d_loss, g_loss
            if isinstance(self.d_optimizer, keras.optimizers.LossScaleOptimizer):
                d_objective = self.d_optimizer.scale_loss(d_loss)
                g_objective = self.g_optimizer.scale_loss(g_loss)
        d_variables = self.discriminator.trainable_variables
        self.d_optimizer.apply(d_tape.gradient(d_objective, d_variables), d_variables)
        if update_generator:
            g_variables = self.generator.trainable_variables
            self.g_optimizer.apply(g_tape.gradient(g_objective, g_variables), g_variables)
        d_real = tf.reduce_sum(tf.sigmoid(real_logits)) * scale
        d_fake = tf.reduce_sum(tf.sigmoid(fake_logits)) * scale
        return tf.stack([d_loss, g_loss, d_real, d_fake])

    def _run_steps_python(self, iterator, steps, update_generator: bool = True):
        totals = tf.zeros([len(HISTORY_KEYS)], tf.float32)
        for _ in tf.range(steps):
            real, noise = next(iterator)
            per_replica = self.strategy.run(
                lambda r, z: self._replica_step(r, z, update_generator), args=(real, noise)
            )
            totals += self.strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)
            if self.averaged_generator is not None and update_generator:
                self._update_average()
        return totals

    # --- the interface of helpers.training.GenerativeModel ----------------------------------

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    def use_data(self, data: Dataset) -> None:
        """Train on the training split's first `train_size` images, scaled to [-1, 1]."""
        self.data = data
        self.images = gan_images(self.config, training_split(data, self.config.validation_size)[0])

    @property
    def images_per_epoch(self) -> int:
        return len(self.images) // self.config.batch_size * self.config.batch_size

    def validate_epoch(self, epoch: int) -> dict[str, float]:
        return {}

    def train_epoch(self, epoch: int) -> dict[str, float]:
        """One epoch over `self.images`: batches and noise a function of (seed, epoch, step)."""
        steps = len(self.images) // self.config.batch_size
        return self.run_steps(training_batches(self.config, self.images, epoch), steps)

    def epoch_samples(self) -> np.ndarray:
        """uint8 [epoch_samples, 28, 28] from the same fixed noise after every epoch."""
        noise = fixed_noise(self.config, self.config.epoch_samples, EPOCH_SAMPLE_STREAM)
        return self.generate(noise)

    def progress_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        return {"D loss": metrics["d_loss"], "G loss": metrics["g_loss"],
                "D(x)": metrics["d_real"], "D(G(z))": metrics["d_fake"]}  # fmt: skip

    def run_steps(self, dataset: tf.data.Dataset, steps: int, update_generator: bool = True):
        """Run `steps` steps over `dataset` of (images, noise) global batches; mean metrics.

        Steps run in chunks inside one `tf.function` call each (no per-step Python overhead).
        """
        iterator = iter(self.strategy.experimental_distribute_dataset(dataset))
        totals = np.zeros(len(HISTORY_KEYS), np.float64)
        done = 0
        while done < steps:
            chunk = min(STEPS_PER_CALL, steps - done)
            totals += self._run_steps(iterator, tf.constant(chunk), update_generator).numpy()
            done += chunk
        return dict(zip(HISTORY_KEYS, (totals / steps).tolist(), strict=True))

    def generate(self, codes, batch_size: int = 500) -> np.ndarray:
        """Images of the sampler (G, or its average) in inference mode: uint8 [N, 28, 28] for
        noise codes float32 [N, latent]."""
        parts = [
            self.sampler(codes[i : i + batch_size], training=False).numpy()
            for i in range(0, len(codes), batch_size)
        ]
        return to_uint8_images(np.concatenate(parts), value_range=(-1.0, 1.0))

    def sample(self, n: int, seed: int) -> np.ndarray:
        """`n` images G(z), z ~ N(0, I) drawn from `seed`: uint8 [n, 28, 28]. With the config's
        seed and export_samples, these are the exported samples."""
        noise = tf.random.stateless_normal(
            [n, self.config.latent_dim], seed=[seed, EXPORT_SAMPLE_STREAM]
        )
        return self.generate(noise)

    def exported_arrays(self, run: TrainingRun) -> dict:
        """dcgan_samples.npz (export_samples uint8 images), dcgan_epoch_samples.npz and
        dcgan.weights.h5 (the sampler: G or its average)."""
        config = self.config
        return {
            "samples": self.sample(config.export_samples, config.seed),
            "weights": self.sampler,
            "epoch_samples": run.epoch_samples,
        }

    def export_metrics(self, run: TrainingRun) -> dict:
        return {"replicas": self.strategy.num_replicas_in_sync}


def build(config: DCGANConfig, strategy: tf.distribute.Strategy | None = None) -> DCGAN:
    """The DCGAN of `config`, seeded, in the precision this machine resolves `config`'s to
    (recorded in its config), ready for `helpers.training.train`."""
    config = config.resolved()
    seed_everything(config.seed)
    return DCGAN(config, strategy)


def load(config: DCGANConfig, path: str | os.PathLike | None = None) -> DCGAN:
    """The exported DCGAN of `config` (default: runs/<profile>/results/dcgan.weights.h5); only
    the sampler (G, or its average) is exported, so the rest keeps its initial weights."""
    model = build(config)
    load_weights(model.sampler, config.profile, model.name, path)
    return model


def training_batches(config: DCGANConfig, images: np.ndarray, epoch: int) -> tf.data.Dataset:
    """(images, noise [B, latent]) batches of `epoch`: order from (seed, epoch), noise from
    (seed, epoch, step), so any epoch can be recomputed exactly after a restart."""
    shape = [config.batch_size, config.latent_dim]
    return batches_with_noise(images, config.batch_size, config.seed, epoch, shape)


def paper_snapshot_epochs(epochs: int) -> tuple[int, ...]:
    """The paper's snapshot epochs 1, 55, 100, 200 of 200, spread the same way over `epochs`."""
    return tuple(max(1, min(epochs, round(epochs * f / 200))) for f in (1, 55, 100, 200))


def fixed_noise(config: DCGANConfig, count: int, stream: int) -> tf.Tensor:
    """The same z float32 [count, latent] on every call (for snapshots and exports)."""
    return tf.random.stateless_normal([count, config.latent_dim], seed=[config.seed, stream])


def gan_tensor(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] (or float32 [N, 28, 28, 1] already in [-1, 1]) -> float32
    [N, 28, 28, 1] in [-1, 1]; ValueError for any other shape."""
    images = np.asarray(images)
    x = to_gan_range(images) if images.dtype == np.uint8 else images.astype(np.float32)
    if x.shape[1:] != IMAGE_TENSOR_SHAPE:
        raise ValueError(f"images have shape {images.shape}, expected [N, 28, 28] uint8")
    return x


def gan_images(config, images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] (or float32 [N, 28, 28, 1] already in [-1, 1]) -> the first
    `train_size` images as float32 [n, 28, 28, 1] in [-1, 1] (the generator's tanh range)."""
    x = gan_tensor(images)
    if config.train_size is not None:
        if config.train_size > len(x):
            raise ValueError(f"train_size {config.train_size} exceeds the {len(x)} images given")
        x = x[: config.train_size]
    if len(x) < config.batch_size:
        raise ValueError(f"{len(x)} images are fewer than one batch of {config.batch_size}")
    return x


def prepare_images(config, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(the training split's first `train_size` images, x_test) of `data` as float32
    [N, 28, 28, 1] in [-1, 1]."""
    x_train, _ = training_split(data, config.validation_size)
    return gan_images(config, x_train), to_gan_range(np.asarray(data.x_test, np.uint8))


def validation_images(config, data: Dataset) -> np.ndarray:
    """The validation split (`helpers.data.validation_split`) as float32 [N, 28, 28, 1] in
    [-1, 1]."""
    return gan_tensor(validation_split(data, config.validation_size)[0])


__all__ = [
    "DCGAN",
    "average_decay",
    "build",
    "build_discriminator",
    "build_generator",
    "build_optimizer",
    "default_strategy",
    "discriminator_loss",
    "fixed_noise",
    "gan_images",
    "generator_loss",
    "load",
    "paper_snapshot_epochs",
    "prepare_images",
    "training_batches",
]
