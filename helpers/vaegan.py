"""VAE-GAN (Larsen et al. 2016, "Autoencoding beyond pixels using a learned similarity
metric"): the paper's proposed future work.

A VAE whose decoder is also a GAN generator, and whose reconstruction error is measured in the
features of the GAN's discriminator instead of pixel by pixel. Three networks, three losses:

    L_prior = kl_weight * KL(q(z|x) || N(0, I))            (the VAE's KL term, summed over z)
    L_llike = feature_weight * -log N(Dis_l(x) | Dis_l(x~), I)   x~ = Dec(z), z ~ q(z|x)
            + pixel_weight * 1/2 ||x - x~||^2               (pixels in [-1, 1], summed)
    -log N(Dis_l(x) | Dis_l(x~), I) = 1/2 ||Dis_l(x) - Dis_l(x~)||^2 + F/2 log(2 pi)
    L_GAN   = -[log D(x) + log(1 - D(x~)) + log(1 - D(x_p))]   x_p = Dec(z_p), z_p ~ N(0, I)

and three updates (Larsen et al., Algorithm 1), each by its own Adam optimizer (learning rate
per network: `encoder_learning_rate`, ...):

    encoder       <- L_prior + L_llike
    decoder       <- gamma * L_llike + g_on * L_GAN^dec,   L_GAN^dec = -log D(x~) - log D(x_p)
    discriminator <- L_GAN, applied only when d_on

d_on = g_on = 1 unless `balance="margin"` (Larsen et al.'s released code): D rests while it wins
by the margin, the decoder's GAN term rests while D loses by it (`balance_flags`).

Deviations from Larsen et al., each a config field with Larsen's choice available: the pixel
term (`pixel_weight`; Larsen: 0), the KL weight, per-network learning rates, and a decoder
without batch norm (`decoder_batchnorm=False`).

L_GAN^dec is the non-saturating form of -L_GAN (Goodfellow et al. 2014) that the DCGAN in this
project also uses. The encoder never sees L_GAN and the discriminator never sees L_llike
(Larsen et al. found both restrictions help). L_llike is reported without its constant
F/2 log(2 pi), which changes no gradient; `feature_nll(..., include_constant=True)` adds it.

Building blocks are reused, not copied: the decoder is the DCGAN generator
(`helpers.dcgan.build_generator`, tanh output in [-1, 1]), the discriminator is the DCGAN
discriminator with its l-th LeakyReLU block exposed as a second output, the encoder is the VAE's
convolutional Gaussian encoder (`helpers.vae.build_encoder`), the KL is the VAE's closed form.

All randomness of training is a function of (seed, epoch, step): batches, reparameterisation
and prior noise from `batches_with_noise(..., seed, epoch, ...)` (helpers.data), so a run
resumed at epoch e computes exactly what an uninterrupted run computes.

    start = vae.load(start_vae_config(config))   # when config.start_from_vae (the caller loads)
    model = build(config, start_vae=start)       # helpers.training's interface
    run = train(model, dataset)      # helpers.training.train; resumes if it can
    record = model.export(run)       # test-set losses and latent codes from dataset's test split
    model = load(config)             # model.sample(n, seed), model.encode(x), model.decode(z)

The model is thin on purpose: it supplies its networks, its step and its history keys; the
epoch loop, checkpoints and exports' plumbing are the ones every model here uses.
"""

from __future__ import annotations

import dataclasses
import math
import os

import keras
import numpy as np
import tensorflow as tf

from helpers import dcgan, vae
from helpers.config import VAEConfig, VAEGANConfig
from helpers.data import IMAGE_TENSOR_SHAPE, Dataset, batches_with_noise, to_uint8_images
from helpers.fused import Conv2DTranspose
from helpers.results import result_name
from helpers.runs import load_weights
from helpers.training import TrainedModel, TrainingRun, configure_precision, seed_everything
from helpers.vaegan_diagnosis import (
    DIAGNOSIS_KEYS,
    GRADIENT_TERMS,
    diagnose,
    diagnosis_scalars,
    evaluate_test_set,
)

MODEL = "vaegan"
CONTROL = "control"  # the result name of the VAE-GAN's control (adversarial=False)
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
    "llike_feature",  # 1/2 ||Dis_l(x) - Dis_l(x~)||^2 per image (before feature_weight)
    "llike_pixel",  # 1/2 ||x - x~||^2 per image, pixels in [-1, 1] (before pixel_weight)
    "d_trained",  # fraction of steps that updated D (1 unless balance="margin")
    "g_trained",  # fraction of steps whose decoder loss had its GAN term
)
# What a warm-up epoch (config.warmup_epochs) measures; the other history keys are NaN then
WARMUP_KEYS = ("encoder_loss", "decoder_loss", "prior", "llike", "llike_pixel", "d_trained",
               "g_trained")  # fmt: skip
WARMUP_ADAM = {"learning_rate": 1e-3, "beta_1": 0.9}  # Keras' Adam defaults (the VAE's optimizer)
PARTS = ("encoder", "decoder", "discriminator")
# Seed streams of the fixed noise, above every stream the training noise uses.
EPOCH_SAMPLE_STREAM = dcgan.EPOCH_SAMPLE_STREAM
EXPORT_SAMPLE_STREAM = dcgan.EXPORT_SAMPLE_STREAM


# --- networks --------------------------------------------------------------------------------


def build_encoder(config: VAEGANConfig) -> keras.Model:
    """Enc: images [N, 28, 28, 1] in [-1, 1] -> (z_mean, z_log_var), each float32 [N, latent].

    The VAE's convolutional encoder (stride-2 3x3 ReLU convolutions of `encoder_widths`, then
    two dense heads for the mean and log-variance of the Gaussian q(z|x)).
    """
    return vae.conv_encoder(config.encoder_widths, config.latent_dim)


def build_decoder(config: VAEGANConfig) -> keras.Model:
    """Dec = Gen: z [N, latent] -> images float32 [N, 28, 28, 1] in [-1, 1] (DCGAN generator).

    With `decoder_batchnorm=False`: the same layers (dense 7x7xw0, the DCGAN's transposed
    convolutions of helpers.fused, tanh) with biases and ReLU and no batch norm, He-normal
    weights (N(0, 0.02) without batch norm would shrink the signal layer by layer). Without
    batch norm a decoded image depends on its own code only, the same in training and inference
    mode, and the batch mixing posterior and prior codes no longer shares statistics between
    them.
    """
    if config.decoder_batchnorm:
        return dcgan.build_generator(config)
    config = config.resolved()
    widths, k, seed, policy = (
        config.generator_widths,
        config.kernel_size,
        config.seed,
        config.precision,
    )
    he = lambda index: keras.initializers.HeNormal(seed=seed * dcgan.LAYER_SEEDS + index)  # noqa: E731
    side = dcgan.BASE_SIZE
    z = keras.Input((config.latent_dim,), name="z")
    x = keras.layers.Dense(
        side * side * widths[0], kernel_initializer=he(0), dtype=policy, name="project"
    )(z)
    x = keras.layers.Reshape((side, side, widths[0]), dtype=policy, name="reshape")(x)
    x = keras.layers.ReLU(dtype=policy, name="project_relu")(x)
    outputs = [*widths[1:], 1]
    for index, width in enumerate(outputs):
        last = index == len(outputs) - 1
        stride = 2 if index >= len(outputs) - 2 else 1
        x = Conv2DTranspose(
            width, k, strides=stride, padding="same",
            kernel_initializer=he(10 + 2 * index), dtype=policy,
            name="output" if last else f"deconv{index + 1}",
        )(x)  # fmt: skip
        if not last:
            x = keras.layers.ReLU(dtype=policy, name=f"deconv{index + 1}_relu")(x)
    images = keras.layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, images, name="generator")


def feature_layer_name(config: VAEGANConfig) -> str:
    """The DCGAN discriminator layer whose output is Dis_l: block l's LeakyReLU activations."""
    return f"conv{config.feature_layer}_lrelu"


def build_discriminator(config: VAEGANConfig) -> keras.Model:
    """Dis: images [N, 28, 28, 1] -> (logit [N, 1] float32, Dis_l features [N, h, w, c]).

    The DCGAN discriminator with the activations of its `feature_layer`-th strided convolution
    block as a second output (same layers, same weights: one model, two heads); without batch
    norm when `discriminator_batchnorm=False`.
    """
    plain = dcgan.build_discriminator(config, batchnorm=config.discriminator_batchnorm)
    features = plain.get_layer(feature_layer_name(config)).output
    return keras.Model(plain.input, [plain.output, features], name="discriminator")


def start_vae_config(config: VAEGANConfig) -> VAEConfig:
    """The config of the trained VAE a `start_from_vae` VAE-GAN starts from (notebook 03's of
    the same profile, data set, latent size and seed), its networks built in the VAE-GAN's
    precision (the trained weights are float32 either way). The caller loads that VAE
    (`helpers.vae.load`) and passes it to `build`."""
    return dataclasses.replace(config.start_vae_config(), precision=config.precision)


def networks_from_vae(model) -> tuple[keras.Model, keras.Model]:
    """(encoder, decoder) of a VAE-GAN started from a trained VAE (anything with the VAE's
    `encoder` and `decoder`, e.g. `helpers.vae.VAEModel`), sharing its layers and so its
    weights.

    The encoder reads the VAE-GAN's images in [-1, 1] as the VAE's in [0, 1], (x + 1) / 2; the
    decoder turns the VAE's Bernoulli logits l into tanh(l / 2) = 2 sigmoid(l) - 1, the VAE's
    mean image in the tanh range. Before any GAN step the pair computes exactly the VAE.
    Codes and images leave the pair in float32 whatever the VAE's dtype policy, as they leave
    the DCGAN's generator (the losses and the discriminator's input are float32).
    """
    images = keras.Input(IMAGE_TENSOR_SHAPE, name="image")
    z_mean, z_log_var = model.encoder(keras.layers.Rescaling(0.5, offset=0.5)(images))
    codes = [keras.layers.Activation("linear", dtype="float32")(t) for t in (z_mean, z_log_var)]
    encoder = keras.Model(images, codes, name="encoder")
    z = keras.Input((model.encoder.outputs[0].shape[-1],), name="z")
    halved = keras.layers.Rescaling(0.5)(model.decoder(z))
    decoder = keras.Model(
        z, keras.layers.Activation("tanh", dtype="float32")(halved), name="decoder"
    )
    return encoder, decoder


def bundle_networks(encoder, decoder, discriminator) -> keras.Model:
    """One functional model holding all three networks: what `vaegan.weights.h5` stores."""
    images = keras.Input(IMAGE_TENSOR_SHAPE, name="images")
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


def pixel_nll(images, reconstructions):
    """1/2 ||x - x~||^2 per image [N], summed over pixels (in the tanh range [-1, 1])."""
    x = tf.cast(tf.reshape(images, (tf.shape(images)[0], -1)), tf.float32)
    x_tilde = tf.cast(tf.reshape(reconstructions, (tf.shape(reconstructions)[0], -1)), tf.float32)
    return 0.5 * tf.reduce_sum(tf.square(x - x_tilde), axis=-1)


def balance_flags(config: VAEGANConfig, real_logits, fake_logits):
    """(d_on, g_on) float32 scalars, 1 = train, of the margin rule (Larsen et al.'s code).

    From D's batch-mean cross-entropies c_real = -log D(x) and c_fake = -log(1 - D(fake)) over
    the fakes (reconstructions and prior samples): D wins by the margin when either is below
    equilibrium - margin (d_on = 0: its update is skipped); D loses by it when either is above
    equilibrium + margin (g_on = 0: the decoder's GAN term is dropped); if both would be 0,
    both are 1. With balance="off" both are always 1.
    """
    if config.balance == "off":
        return tf.constant(1.0), tf.constant(1.0)
    c_real = tf.reduce_mean(tf.nn.softplus(-tf.cast(real_logits, tf.float32)))
    c_fake = tf.reduce_mean(tf.nn.softplus(tf.cast(fake_logits, tf.float32)))
    low = config.equilibrium - config.margin
    high = config.equilibrium + config.margin
    d_on = tf.logical_not(tf.logical_or(c_real < low, c_fake < low))
    g_on = tf.logical_not(tf.logical_or(c_real > high, c_fake > high))
    neither = tf.logical_not(tf.logical_or(d_on, g_on))
    d_on, g_on = tf.logical_or(d_on, neither), tf.logical_or(g_on, neither)
    return tf.cast(d_on, tf.float32), tf.cast(g_on, tf.float32)


# --- the model -------------------------------------------------------------------------------


class VAEGAN(TrainedModel):
    """Encoder, decoder, discriminator, three optimizers and the `tf.function` training step."""

    family = MODEL

    def __init__(self, config: VAEGANConfig, start_vae=None):
        """`start_vae`: the trained VAE whose encoder and decoder a `start_from_vae` config
        fine-tunes (shared, not copied); unused otherwise."""
        self.config = config = config.resolved()
        self.name = result_name(
            MODEL if config.adversarial else CONTROL, config.latent_dim, config.seed
        )
        self.data = None
        self.images = None  # float32 [N, 28, 28, 1] in [-1, 1]: what `train_epoch` trains on
        # float32 [n, 28, 28, 1] in [-1, 1] (test images): diagnosed after every epoch if given
        self.diagnosis_images = None
        configure_precision(config.precision)  # the VAE encoder follows the global policy
        if config.start_from_vae:
            if start_vae is None:
                raise ValueError(
                    "start_from_vae: pass the trained VAE to start from, e.g. "
                    "build(config, start_vae=helpers.vae.load(start_vae_config(config))) "
                    "(notebook 03 exports it)"
                )
            self.encoder, self.decoder = networks_from_vae(start_vae)
        else:
            self.encoder = build_encoder(config)
            self.decoder = build_decoder(config)
        self.discriminator = build_discriminator(config)
        self.networks = bundle_networks(self.encoder, self.decoder, self.discriminator)
        self.optimizers = {
            part: dcgan.build_optimizer(
                dataclasses.replace(config, learning_rate=config.learning_rate_of(part))
            )
            for part in PARTS
        }
        for part in PARTS:
            self.optimizers[part].build(self.part(part).trainable_variables)
        # the warm-up's own Adam state (config.warmup_epochs): the VAE-GAN's optimizers start
        # fresh when the GAN's losses take over
        self.warmup_optimizers = {
            part: keras.optimizers.Adam(**WARMUP_ADAM) for part in ("encoder", "decoder")
        }
        if config.warmup_epochs:
            for part, optimizer in self.warmup_optimizers.items():
                optimizer.build(self.part(part).trainable_variables)
        # the NaN guard of the shared loop checks every term the epoch trained (train_epoch)
        self.guarded_keys = HISTORY_KEYS
        self._train_step = tf.function(self._train_step_python)
        self._warmup_step = tf.function(self._warmup_step_python)
        self._gradient_norms = tf.function(self.decoder_gradient_norms)

    def part(self, name: str) -> keras.Model:
        """The network called `name` (one of PARTS); ValueError for any other name."""
        parts = {
            "encoder": self.encoder,
            "decoder": self.decoder,
            "discriminator": self.discriminator,
        }
        if name not in parts:
            raise ValueError(f"unknown VAE-GAN part {name!r}; valid parts: {', '.join(PARTS)}")
        return parts[name]

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def history_keys(self) -> tuple[str, ...]:
        """The losses, and the diagnosis scalars when test images are diagnosed every epoch."""
        return HISTORY_KEYS + (DIAGNOSIS_KEYS if self.diagnosis_images is not None else ())

    @property
    def variables(self) -> dict[str, list]:
        """Everything a checkpoint must hold: weights, BN statistics, the optimizers' state."""
        out = {part: list(self.part(part).weights) for part in PARTS}
        out.update({f"{part}_optimizer": list(self.optimizers[part].variables) for part in PARTS})
        if self.config.warmup_epochs:
            out.update(
                {f"{part}_warmup_optimizer": list(optimizer.variables)
                 for part, optimizer in self.warmup_optimizers.items()}
            )  # fmt: skip
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
        config = self.config
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
        llike_feature = tf.reduce_mean(feature_nll(features[:batch], features[batch : 2 * batch]))
        llike_pixel = tf.reduce_mean(pixel_nll(images, decoded[:batch]))
        prior = tf.reduce_mean(vae.kl_to_standard_normal(z_mean, z_log_var))
        d_on, g_on = balance_flags(config, real_logits, logits[batch:])
        feature_weight = config.feature_weight
        if not config.adversarial:  # the control: nothing that involves D
            d_on = g_on = tf.constant(0.0)
            feature_weight = 0.0
        terms = {
            "prior": prior,
            "llike": feature_weight * llike_feature + config.pixel_weight * llike_pixel,
            "llike_feature": llike_feature,
            "llike_pixel": llike_pixel,
            "d_loss": tf.reduce_mean(
                discriminator_loss(real_logits, reconstruction_logits, prior_logits)
            ),
            "g_reconstruction": tf.reduce_mean(dcgan.generator_loss(reconstruction_logits)),
            "g_prior": tf.reduce_mean(dcgan.generator_loss(prior_logits)),
            "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
            "d_reconstruction": tf.reduce_mean(tf.sigmoid(reconstruction_logits)),
            "d_fake": tf.reduce_mean(tf.sigmoid(prior_logits)),
            "d_trained": d_on,
            "g_trained": g_on,
        }
        terms["g_loss"] = terms["g_reconstruction"] + terms["g_prior"]
        terms["encoder_loss"] = config.kl_weight * prior + terms["llike"]
        terms["decoder_loss"] = config.gamma * terms["llike"] + g_on * terms["g_loss"]
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
        for part in ("encoder", "decoder"):  # all from the same forward pass, applied together
            self.optimizers[part].apply(grads[part], self.part(part).trainable_variables)

        def update_discriminator():
            self.optimizers["discriminator"].apply(
                grads["discriminator"], self.discriminator.trainable_variables
            )
            return tf.constant(True)

        # skipped, Adam's moments and step count included, while the balance rule rests D
        tf.cond(terms["d_trained"] > 0.5, update_discriminator, lambda: tf.constant(False))
        return tf.stack([terms[key] for key in HISTORY_KEYS])

    def _warmup_step_python(self, images, noise):
        """One warm-up step: encoder <- kl_weight * L_prior + pixel term, decoder <- pixel term
        (a VAE with a Gaussian pixel likelihood); D is not called. With
        config.warmup_prior_codes the decoder sees the prior codes too (its batch-norm
        statistics then mix both kinds of code, as later); they add nothing to the loss."""
        config = self.config
        batch = tf.shape(images)[0]
        with tf.GradientTape(persistent=True) as tape:
            z_mean, z_log_var = self.encoder(images, training=True)
            z = z_mean + tf.exp(0.5 * z_log_var) * noise[0]
            codes = tf.concat([z, noise[1]], axis=0) if config.warmup_prior_codes else z
            decoded = self.decoder(codes, training=True)
            pixel = tf.reduce_mean(pixel_nll(images, decoded[:batch]))
            prior = tf.reduce_mean(vae.kl_to_standard_normal(z_mean, z_log_var))
            decoder_loss = config.pixel_weight * pixel
            encoder_loss = config.kl_weight * prior + decoder_loss
        for part, loss in (("encoder", encoder_loss), ("decoder", decoder_loss)):
            variables = self.part(part).trainable_variables
            self.warmup_optimizers[part].apply(tape.gradient(loss, variables), variables)
        del tape
        values = {"encoder_loss": encoder_loss, "decoder_loss": decoder_loss, "prior": prior,
                  "llike": decoder_loss, "llike_pixel": pixel,
                  "d_trained": tf.constant(0.0), "g_trained": tf.constant(0.0)}  # fmt: skip
        nan = tf.constant(float("nan"))
        return tf.stack([values.get(key, nan) for key in HISTORY_KEYS])

    def decoder_gradient_norms(self, images, eps, z_prior) -> dict:
        """Global norm at the decoder's weights of each term of its loss, weighted as in it
        (gamma * feature_weight * feature, gamma * pixel_weight * pixel, -log D(x~),
        -log D(x_p)), for one training-mode batch. Batch-norm statistics are left unchanged."""
        config = self.config
        with tf.GradientTape(persistent=True) as tape:
            terms = self.loss_terms(images, eps, z_prior, training=True)
            objectives = {
                "feature": config.gamma * config.feature_weight * terms["llike_feature"],
                "pixel": config.gamma * config.pixel_weight * terms["llike_pixel"],
                "gan_reconstruction": terms["g_reconstruction"],
                "gan_prior": terms["g_prior"],
            }
        weights = self.decoder.trainable_variables
        norms = {}
        for name in GRADIENT_TERMS:
            grads = tape.gradient(objectives[name], weights)
            grads = [
                tf.zeros_like(w) if g is None else g for g, w in zip(grads, weights, strict=True)
            ]
            norms[name] = tf.linalg.global_norm(grads)
        del tape
        return norms

    # --- the interface of helpers.training.GenerativeModel ----------------------------------

    def use_data(self, data: Dataset) -> None:
        """Train on the training split's first `train_size` images in [-1, 1]; diagnose the
        first `config.diagnose_images` validation images after every epoch."""
        self.data = data
        self.images, _ = prepare_images(self.config, data)
        count = self.config.diagnose_images
        x_valid = dcgan.validation_images(self.config, data)
        self.diagnosis_images = x_valid[:count] if count else None

    @property
    def images_per_epoch(self) -> int:
        return len(self.images) // self.config.batch_size * self.config.batch_size

    def train_epoch(self, epoch: int) -> dict[str, float]:
        """One epoch over `self.images`: batches and noise a function of (seed, epoch, step).
        Epochs up to config.warmup_epochs are warm-up epochs (WARMUP_KEYS measured, the rest
        NaN)."""
        steps = len(self.images) // self.config.batch_size
        warmup = epoch <= self.config.warmup_epochs
        self.guarded_keys = WARMUP_KEYS if warmup else HISTORY_KEYS
        step = self._warmup_step if warmup else self._train_step
        return self.run_steps(training_batches(self.config, self.images, epoch), steps, step)

    def epoch_samples(self) -> np.ndarray:
        """uint8 [epoch_samples, 28, 28]: Dec(z_p) of the same prior codes after every epoch."""
        return self.generate(
            dcgan.fixed_noise(self.config, self.config.epoch_samples, EPOCH_SAMPLE_STREAM)
        )

    def validate_epoch(self, epoch: int) -> dict[str, float]:
        """The per-epoch diagnosis (DIAGNOSIS_KEYS) of `diagnosis_images`; {} without them."""
        if self.diagnosis_images is None:
            return {}
        return diagnosis_scalars(diagnose(self, self.diagnosis_images))

    def progress_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        return {"prior": metrics["prior"], "llike": metrics["llike"],
                "D loss": metrics["d_loss"], "D(x)": metrics["d_real"],
                "D(x~)": metrics["d_reconstruction"], "D(x_p)": metrics["d_fake"]}  # fmt: skip

    def run_steps(self, dataset: tf.data.Dataset, steps: int, step=None) -> dict[str, float]:
        """One pass over `dataset` of (images, noise [2, B, latent]) with `step` (default: the
        training step); batch-averaged metrics."""
        step = self._train_step if step is None else step
        totals = np.zeros(len(HISTORY_KEYS), np.float64)
        for images, noise in dataset.take(steps):
            totals += step(images, noise).numpy()
        return dict(zip(HISTORY_KEYS, (totals / steps).tolist(), strict=True))

    # --- inference (batch norm uses its moving statistics) -----------------------------------

    def encode_means(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Posterior means E_q[z|x] float32 [N, latent] for images float32 in [-1, 1]."""
        return vae.encode_means(self, images, batch_size)

    def encode(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Posterior means E_q[z|x] float32 [N, latent] for images float32 in [-1, 1]."""
        return self.encode_means(images, batch_size)

    def decode(self, z, batch_size: int = 1000) -> np.ndarray:
        """Dec(z): float32 [N, 28, 28, 1] in [-1, 1]."""
        z = np.asarray(z, np.float32)
        parts = [
            np.asarray(self.decoder(z[i : i + batch_size], training=False))
            for i in range(0, len(z), batch_size)
        ]
        return np.concatenate(parts).astype(np.float32)

    def generate(self, codes, batch_size: int = 1000) -> np.ndarray:
        """Images Dec(z) of codes float32 [N, latent] as uint8 [N, 28, 28]."""
        return to_uint8_images(self.decode(codes, batch_size), value_range=(-1.0, 1.0))

    def reconstruct(self, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Dec(E_q[z|x]): the reconstruction through the posterior mean, uint8 [N, 28, 28]."""
        return self.generate(self.encode_means(images, batch_size), batch_size)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """`n` images Dec(z_p), z_p ~ N(0, I) drawn from `seed`: uint8 [n, 28, 28]. With the
        config's seed and export_samples, these are the exported samples."""
        noise = tf.random.stateless_normal([n, self.latent_dim], seed=[seed, EXPORT_SAMPLE_STREAM])
        return self.generate(noise)

    def exported_arrays(self, run: TrainingRun) -> dict:
        """vaegan_samples.npz, vaegan_epoch_samples.npz, vaegan_latent.npz,
        vaegan_reconstructions.npz (Dec(E[z|x]) of every test digit, uint8, with their labels)
        and vaegan.weights.h5 (`vaegan_z16...` at another latent size than the paper's 2)."""
        config = self.config
        _, test_images = prepare_images(config, run.data)
        means = self.encode(test_images)
        return {
            "samples": self.sample(config.export_samples, config.seed),
            "weights": self.networks,
            "epoch_samples": run.epoch_samples,
            "latent": means,
            "reconstructions": to_uint8_images(self.decode(means), value_range=(-1.0, 1.0)),
            "labels": np.asarray(run.data.y_test, dtype=np.uint8),
        }

    def export_metrics(self, run: TrainingRun) -> dict:
        """The test-set losses, the diagnosis and the feature layer's size."""
        config = self.config
        _, test_images = prepare_images(config, run.data)
        layer_shape = self.discriminator.outputs[1].shape[1:]
        feature_count = int(np.prod(layer_shape))
        return {
            "test": evaluate_test_set(self, test_images),
            "diagnosis": diagnose(self, test_images[: max(config.diagnose_images, 1000)]),
            "feature_layer": {
                "name": feature_layer_name(config),
                "shape": [int(d) for d in layer_shape],
                "features": feature_count,
                "llike_constant_nats": 0.5 * feature_count * LOG_2PI,
            },
            "samples": {
                "count": int(config.export_samples),
                "kind": "Dec(z_p), z_p ~ N(0, I), tanh range",
            },
        }


def build(config: VAEGANConfig, start_vae=None) -> VAEGAN:
    """The VAE-GAN of `config`, seeded, in the precision this machine resolves `config`'s to,
    ready for `helpers.training.train`. `start_vae`: the trained VAE a `start_from_vae` config
    starts from (load it with `helpers.vae.load(start_vae_config(config))`)."""
    config = config.resolved()
    seed_everything(config.seed)
    return VAEGAN(config, start_vae)


def load(config: VAEGANConfig, path: str | os.PathLike | None = None) -> VAEGAN:
    """The exported VAE-GAN of `config` (default: runs/<profile>/results/vaegan.weights.h5).
    A `start_from_vae` VAE-GAN is built around an untrained VAE of its start config, whose
    weights the exported file then overwrites with the fine-tuned ones."""
    start = vae.build(start_vae_config(config)) if config.start_from_vae else None
    model = build(config, start_vae=start)
    load_weights(model.networks, config.profile, model.name, path)
    return model


# --- training --------------------------------------------------------------------------------


def training_batches(config: VAEGANConfig, images: np.ndarray, epoch: int) -> tf.data.Dataset:
    """(images, noise [2, B, latent]) batches of `epoch`: noise[0] reparameterises q(z|x),
    noise[1] are prior codes z_p. Order from (seed, epoch), noise from (seed, epoch, step)."""
    shape = [2, config.batch_size, config.latent_dim]
    return batches_with_noise(images, config.batch_size, config.seed, epoch, shape)


def control_config(config: VAEGANConfig) -> VAEGANConfig:
    """The VAE-GAN's control: the same config (start, optimiser, learning rates, budget, seed)
    trained without the terms that involve the discriminator (`adversarial=False`)."""
    return dataclasses.replace(config, adversarial=False)


def prepare_images(config: VAEGANConfig, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """(training images, x_test) as float32 [N, 28, 28, 1] in [-1, 1] (the decoder's tanh
    range), as for the DCGAN."""
    return dcgan.prepare_images(config, data)


__all__ = [
    "CONTROL",
    "HISTORY_KEYS",
    "PARTS",
    "VAEGAN",
    "balance_flags",
    "build",
    "build_decoder",
    "build_discriminator",
    "build_encoder",
    "control_config",
    "bundle_networks",
    "decoder_gan_loss",
    "discriminator_loss",
    "feature_layer_name",
    "feature_nll",
    "load",
    "pixel_nll",
    "prepare_images",
    "start_vae_config",
    "training_batches",
]
