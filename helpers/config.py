"""Profiles (`smoke`, `cpu`, `paper`) as plain dataclasses, one per model, validated on creation.

A notebook asks for its model's configuration under a profile and may override any field:

    config = make_config("dcgan", profile, dataset=dataset, epochs=epochs)  # None keeps the default

`paper` holds the paper's exact hyper-parameters (Adam 0.001, batch 100, 200 GAN / 50 VAE
epochs); `cpu` is sized for a 2-core CPU (smaller networks or fewer images where the paper's
would take hours); `smoke` runs in seconds for tests/nbval.

A config is plain data and the same on every machine. Its one hardware-dependent choice,
`precision="auto"`, stays "auto" here; `TrainConfig.resolved()` turns it into the dtype policy
of the machine that builds the model, and the model's results record that policy.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Self

from helpers.data import DATASETS, IMAGE_SIZE

PROFILES = ("smoke", "cpu", "paper")
# The profile a notebook runs under when its parameters cell says `profile = None` (opened in
# Jupyter or Colab): this variable if set (the Makefile sets smoke for nbval and the tests),
# else the paper's settings on a GPU and the cpu profile on a CPU.
PROFILE_ENV = "VAE_VS_GAN_PROFILE"
# Training seeds per profile: every model is trained once per seed 0 .. n-1 and every verdict
# is decided over them (helpers.seeds). $VAE_VS_GAN_SEEDS (`make report SEEDS=1`) overrides it.
PROFILE_SEEDS = {"smoke": 2, "cpu": 3, "paper": 3}
SEEDS_ENV = "VAE_VS_GAN_SEEDS"
# Images held out of the end of the training set: the validation split on which training
# choices (epochs, when to stop, the VAE-GAN's budget) are made; the test set scores the tables
VALIDATION_SIZE = 10_000
# "auto": the policy native on the machine that builds the model (TrainConfig.resolved)
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16", "auto")
# Hex digits of a config's SHA-256 kept as its fingerprint: short checkpoint directory names,
# and a collision between a project's few configs is still out of reach
FINGERPRINT_LENGTH = 10


class ConfigError(ValueError):
    """A profile, dataset or hyper-parameter that cannot be used, with the valid choices."""


@dataclass(frozen=True)
class TrainConfig:
    """Fields every model shares. `train_size=None` means the whole training set."""

    profile: str = "smoke"
    dataset: str = "mnist"
    seed: int = 0
    epochs: int = 1
    batch_size: int = 100
    learning_rate: float = 1e-3  # paper: Adam, 0.001 for both models
    train_size: int | None = None  # of the training split (the images before the validation)
    validation_size: int = VALIDATION_SIZE  # held out of the end of the training set
    precision: str = "float32"
    snapshot_epochs: tuple[int, ...] = ()  # epochs whose fixed-noise samples are kept as figures
    export_samples: int = 10_000  # samples written to <model>_samples.npz

    def __post_init__(self) -> None:
        _check_choice("profile", self.profile, PROFILES)
        _check_choice("dataset", self.dataset, DATASETS)
        _check_choice("precision", self.precision, PRECISIONS)
        _check_positive_int("epochs", self.epochs)
        _check_positive_int("batch_size", self.batch_size)
        _check_positive_int("export_samples", self.export_samples)
        _check_positive_int("validation_size", self.validation_size)
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not (isinstance(self.learning_rate, (int, float)) and self.learning_rate > 0):
            raise ConfigError(
                f"learning_rate must be a positive number, got {self.learning_rate!r}"
            )
        if self.train_size is not None:
            _check_positive_int("train_size", self.train_size)
            if self.train_size < self.batch_size:
                raise ConfigError(
                    f"train_size ({self.train_size}) is smaller than batch_size "
                    f"({self.batch_size}): not one full batch per epoch"
                )
        bad = [e for e in self.snapshot_epochs if not (1 <= e <= self.epochs)]
        if bad:
            raise ConfigError(
                f"snapshot_epochs {bad} lie outside 1..epochs={self.epochs};"
                " choose epochs inside the run"
            )

    def resolved(self) -> Self:
        """This config with `precision="auto"` replaced by the dtype policy native on this
        machine (`helpers.precision.resolve_precision`); `self` when precision is explicit.

        The choice depends on the hardware (CPU flags, GPUs, $ONEDNN_MAX_CPU_ISA), so it is made
        when a model is built, not when the config is: the model builds from `resolved()` and
        its results record the policy it computed in.
        """
        if self.precision != "auto":
            return self
        from helpers.precision import resolve_precision

        return dataclasses.replace(self, precision=resolve_precision(self.precision))

    def to_dict(self) -> dict:
        """JSON-ready dict (tuples become lists) of every field."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def fingerprint(self) -> str:
        """Short hash of every field that changes what training computes (not export sizes).

        Checkpoints live in a directory named after it, so a run with another config never
        silently resumes from them. `precision="auto"` hashes as "auto": the fingerprint of
        `resolved()` tells a float32 run from a bfloat16 one.
        """
        text = json.dumps(self.training_fields(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]

    # Fields that change neither the trained weights nor the run that resumes them: more
    # epochs, other exports or another scoring resume the same checkpoints
    UNTRAINED_FIELDS: ClassVar[tuple[str, ...]] = ("snapshot_epochs", "export_samples", "epochs")

    def training_fields(self) -> dict:
        """`to_dict()` without UNTRAINED_FIELDS: what names (fingerprint) and guards
        (helpers.runs.Checkpointer) a run's checkpoints."""
        fields = self.to_dict()
        for name in self.UNTRAINED_FIELDS:
            fields.pop(name, None)
        return fields


@dataclass(frozen=True)
class AdversarialConfig(TrainConfig):
    """Fields of the DCGAN's generator/discriminator pair and its Adam, shared (not copied) by
    every model built from them: the DCGAN, and the VAE-GAN whose decoder is that generator."""

    # G: dense to 7x7xw0 -> 7x7xw1 -> 14x14xw2 -> 28x28x1 (the last two layers upsample)
    generator_widths: tuple[int, ...] = (256, 128, 64)
    discriminator_widths: tuple[int, ...] = (64, 128)  # 28x28 -> 14x14x64 -> 7x7x128 -> logit
    kernel_size: int = 5
    beta_1: float = 0.5  # paper silent; Radford et al.: 0.9 oscillates, 0.5 is stable
    leaky_slope: float = 0.2
    epoch_samples: int = 1000  # fixed-noise samples kept every epoch for the FID-per-epoch curve

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_widths("generator_widths", self.generator_widths)
        if len(self.generator_widths) < 2:
            raise ConfigError(
                "generator_widths needs at least two widths (7x7 projection, then 14x14), "
                f"got {self.generator_widths!r}"
            )
        _check_widths("discriminator_widths", self.discriminator_widths)
        _check_positive_int("kernel_size", self.kernel_size)
        _check_positive_int("epoch_samples", self.epoch_samples)
        if not 0 <= self.beta_1 < 1:
            raise ConfigError(f"beta_1 must lie in [0, 1), got {self.beta_1!r}")


@dataclass(frozen=True)
class DCGANConfig(AdversarialConfig):
    """DCGAN (Radford et al. 2015) as the paper trains it. Widths are the channel counts."""

    latent_dim: int = 100
    # decay of an exponential moving average of G's weights (and batch-norm statistics), the
    # generator that samples; bias-corrected as Adam's moments, so it follows G from step 1.
    # 0: off, sampling uses G itself (the paper). Averaging G (Yazici et al. 2019, "The unusual
    # effectiveness of averaging in GAN training") changes neither the model nor its losses
    generator_average: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive_int("latent_dim", self.latent_dim)
        value = self.generator_average
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ConfigError(f"generator_average must lie in [0, 1), got {value!r}")


@dataclass(frozen=True)
class VAEConfig(TrainConfig):
    """VAE with a Gaussian encoder and Bernoulli decoder, as the paper trains it."""

    latent_dim: int = 2  # paper: 2
    # dense | conv; dense trains faster on a CPU (`python benchmarks/bench_vae.py --architectures`)
    architecture: str = "dense"
    hidden_units: tuple[int, ...] = (512, 256)  # dense encoder; the decoder mirrors it
    conv_filters: tuple[int, ...] = (32, 64)  # conv encoder (3x3, stride 2); decoder mirrors it
    binarization: str = "threshold"  # threshold (x > 127) | stochastic (sampled once from seed)
    iwae_k: int = 1000  # importance samples for the log p(x) bound (evaluation only)
    iwae_test_size: int | None = None  # test images scored by the IWAE bound (None = all)
    # the IWAE fields change the scoring, not the training
    UNTRAINED_FIELDS: ClassVar[tuple[str, ...]] = (
        *TrainConfig.UNTRAINED_FIELDS,
        "iwae_k",
        "iwae_test_size",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive_int("latent_dim", self.latent_dim)
        _check_choice("architecture", self.architecture, ("dense", "conv"))
        _check_choice("binarization", self.binarization, ("threshold", "stochastic"))
        _check_widths("hidden_units", self.hidden_units)
        _check_widths("conv_filters", self.conv_filters)
        if self.architecture == "conv" and IMAGE_SIZE % 2 ** len(self.conv_filters):
            raise ConfigError(
                f"conv_filters {self.conv_filters!r}: each entry halves the 28x28 side, so at "
                "most 2 entries fit (28 -> 14 -> 7)"
            )
        _check_positive_int("iwae_k", self.iwae_k)
        if self.iwae_test_size is not None:
            _check_positive_int("iwae_test_size", self.iwae_test_size)


@dataclass(frozen=True)
class VAEGANConfig(AdversarialConfig):
    """VAE-GAN (Larsen et al. 2016): VAE decoder = GAN generator, similarity in D's features."""

    latent_dim: int = 2  # 2 compares with the paper's VAE; larger (e.g. 16) for sharper samples
    encoder_widths: tuple[int, ...] = (64, 128)  # the VAE's conv encoder, 28 -> 14 -> 7
    gamma: float = 1e-2  # weight of the reconstruction L_llike vs the GAN term in the decoder loss
    feature_layer: int = 2  # l: D's conv block (1-based) whose activations measure similarity
    # L_llike = feature_weight * 1/2 ||Dis_l(x) - Dis_l(x~)||^2 + pixel_weight * 1/2 ||x - x~||^2
    # per image, pixels in [-1, 1]. Larsen et al.: feature term only (pixel_weight 0); a pixel
    # term anchors the reconstruction while D's features are still random early in training
    feature_weight: float = 1.0
    pixel_weight: float = 0.0
    kl_weight: float = 1.0  # L_prior = kl_weight * KL(q(z|x) || N(0, I)), summed over z
    # per-network Adam learning rates; None = learning_rate (Larsen et al.: one rate for all)
    encoder_learning_rate: float | None = None
    decoder_learning_rate: float | None = None
    discriminator_learning_rate: float | None = None
    decoder_batchnorm: bool = True  # False: the DCGAN generator's layers without batch norm
    # False: D's layers without batch norm. With it, D's features Dis_l(x) - the similarity
    # metric - depend on the batch that real images, reconstructions and prior samples share
    discriminator_batchnorm: bool = True
    # The first warmup_epochs epochs train the encoder and decoder as a plain VAE (L_prior +
    # the pixel term, Adam 1e-3; D idle, no feature or GAN term); the VAE-GAN's losses take
    # over after them. 0 = Larsen et al. (all three networks from the first step)
    warmup_epochs: int = 0
    # True: warm-up batches decode prior codes beside the posterior ones (the decoder's batch
    # norm then sees both, as in the GAN epochs). False: posterior codes only, half the decoder's
    # cost; the prior decode adds nothing to the warm-up's loss, only batch-norm statistics
    warmup_prior_codes: bool = True
    # True: the encoder and decoder are notebook 03's trained VAE of the same profile, data set
    # and latent size (its dense networks and weights, helpers.vaegan.networks_from_vae), and
    # every epoch trains the VAE-GAN's losses on it: the VAE-GAN is then that VAE fine-tuned
    # by the GAN. The fields of UNUSED_FROM_VAE are then unused
    start_from_vae: bool = False
    # balance "margin" (Larsen et al.'s released code): with D's batch cross-entropies on real
    # and on fake images, D's update is skipped while either is below equilibrium - margin
    # (D wins), the decoder's GAN term is dropped while either is above equilibrium + margin
    # (D loses); when both would stop, both train. "off": every step trains all three.
    balance: str = "off"
    equilibrium: float = 0.68
    margin: float = 0.35
    # False: the control of the VAE-GAN, the same training without the terms that involve the
    # discriminator: no GAN terms, and no feature term (Dis_l is D's, and an untrained D's
    # features would be a random projection, not a learned similarity); D is never updated.
    # What the VAE-GAN gains over its control is what the discriminator adds
    adversarial: bool = True
    # test images whose diagnosis (helpers.vaegan_diagnosis.diagnose: posterior vs prior, D's
    # accuracy, decoder gradient norm per loss term) is recorded after every epoch; 0 = none
    diagnose_images: int = 500

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_positive_int("latent_dim", self.latent_dim)
        _check_widths("encoder_widths", self.encoder_widths)
        if not (isinstance(self.gamma, (int, float)) and self.gamma > 0):
            raise ConfigError(f"gamma must be a positive number, got {self.gamma!r}")
        for name in ("feature_weight", "pixel_weight", "kl_weight"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"{name} must be a non-negative number, got {value!r}")
        if self.feature_weight == 0 and self.pixel_weight == 0:
            raise ConfigError(
                "feature_weight and pixel_weight are both 0: the reconstruction loss would be "
                "empty; make at least one positive"
            )
        for part in ("encoder", "decoder", "discriminator"):
            value = getattr(self, f"{part}_learning_rate")
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
            ):
                raise ConfigError(
                    f"{part}_learning_rate must be a positive number or None (= learning_rate),"
                    f" got {value!r}"
                )
        for name in (
            "decoder_batchnorm",
            "discriminator_batchnorm",
            "warmup_prior_codes",
            "start_from_vae",
            "adversarial",
        ):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if not self.adversarial and self.pixel_weight == 0:
            raise ConfigError(
                "adversarial=False (the control) trains on the pixel term alone: pixel_weight "
                "must be positive"
            )
        _check_choice("balance", self.balance, ("off", "margin"))
        for name in ("equilibrium", "margin"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}")
        if self.margin >= self.equilibrium:
            raise ConfigError(
                f"margin ({self.margin}) must be below equilibrium ({self.equilibrium}): "
                "D's update would never be skipped"
            )
        if (
            not isinstance(self.diagnose_images, int)
            or isinstance(self.diagnose_images, bool)
            or self.diagnose_images < 0
        ):
            raise ConfigError(
                f"diagnose_images must be a non-negative integer, got {self.diagnose_images!r}"
            )
        if (
            not isinstance(self.warmup_epochs, int)
            or isinstance(self.warmup_epochs, bool)
            or not 0 <= self.warmup_epochs < self.epochs
        ):
            raise ConfigError(
                f"warmup_epochs must be an integer from 0 to epochs - 1 = {self.epochs - 1} "
                f"(at least one epoch must train the GAN), got {self.warmup_epochs!r}"
            )
        if self.start_from_vae and self.warmup_epochs:
            raise ConfigError(
                "start_from_vae starts from a trained VAE: warmup_epochs must be 0 (a warm-up "
                f"would train it as a VAE again), got {self.warmup_epochs!r}"
            )
        if self.warmup_epochs and self.pixel_weight == 0:
            raise ConfigError(
                "warmup_epochs > 0 needs pixel_weight > 0: the warm-up trains on the pixel "
                "term alone (D's features are untrained then)"
            )
        _check_positive_int("feature_layer", self.feature_layer)
        if self.feature_layer > len(self.discriminator_widths):
            raise ConfigError(
                f"feature_layer {self.feature_layer} is beyond the discriminator's "
                f"{len(self.discriminator_widths)} conv blocks; choose 1.."
                f"{len(self.discriminator_widths)}"
            )

    def fingerprint(self) -> str:
        """TrainConfig's fingerprint; with start_from_vae also the profile's VAE config's, so a
        changed VAE (of the profile, not one overridden in a notebook) trains a new VAE-GAN."""
        own = super().fingerprint()
        if not self.start_from_vae:
            return own
        start = self.start_vae_config()
        text = f"{own} {start.fingerprint()} {start.epochs}"  # a VAE's fingerprint omits epochs
        return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]

    def start_vae_config(self) -> VAEConfig:
        """The VAE that `start_from_vae` starts from: notebook 03's of the same profile, data
        set, latent size and seed."""
        return make_config(
            "vae", self.profile, dataset=self.dataset, latent_dim=self.latent_dim, seed=self.seed
        )

    def learning_rate_of(self, part: str) -> float:
        """Adam's learning rate for `part` (encoder, decoder, discriminator)."""
        value = getattr(self, f"{part}_learning_rate")
        return self.learning_rate if value is None else value


# VAEGANConfig fields that a VAE-GAN started from notebook 03's VAE (start_from_vae) does not
# use: its encoder and decoder are the VAE's, and it has no warm-up
UNUSED_FROM_VAE = ("encoder_widths", "generator_widths", "decoder_batchnorm", "warmup_epochs")


@dataclass(frozen=True)
class ClassifierConfig(TrainConfig):
    """The small CNN whose features the metrics use (trained once per data set, cached)."""

    filters: tuple[int, ...] = (32, 64)  # 3x3 conv + max-pool per entry
    feature_units: int = 128  # the penultimate layer: the feature space of FID, KID, P&R
    dropout: float = 0.5  # between the features and the logits

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_widths("filters", self.filters)
        _check_positive_int("feature_units", self.feature_units)
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout!r}")

    def fingerprint(self) -> str:
        """Hash of every field that changes the trained weights, epochs included: a cached
        classifier is never resumed, so one trained for another number of epochs is another."""
        fields = self.to_dict()
        for name in ("snapshot_epochs", "export_samples"):
            fields.pop(name, None)
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:FINGERPRINT_LENGTH]


MODELS: dict[str, type[TrainConfig]] = {
    "dcgan": DCGANConfig,
    "vae": VAEConfig,
    "vaegan": VAEGANConfig,
    "classifier": ClassifierConfig,
}

# Profile tables: only the fields that differ from the dataclass defaults.
# paper = the paper's settings exactly (Adam 0.001, batch 100, 200 GAN / 50 VAE epochs).
PROFILE_FIELDS: dict[str, dict[str, dict]] = {
    "dcgan": {
        "paper": dict(epochs=200, snapshot_epochs=(1, 55, 100, 200), precision="auto"),
        # cpu: G and D at half the paper's widths, 30,000 images per epoch, samples from a moving
        # average of G (decay 0.999, about the last 3 epochs). precision auto: the policy native
        # on the machine that trains it (helpers.precision: mixed bfloat16 on a CPU with
        # AVX512-BF16 or AMX, float32 on an AVX2-only one). 36 epochs, three seeds: the stopping
        # rule (helpers.metrics.stopping_epoch) on a 48-epoch run found the gain left after epoch
        # 35 within the noise of its 1,000-sample FID; each seed's curve on the validation split
        # (notebook 05) says where its own run stops
        "cpu": dict(
            epochs=36,
            train_size=30000,
            generator_widths=(128, 64, 32),
            discriminator_widths=(32, 64),
            snapshot_epochs=(1, 10, 18, 36),
            precision="auto",
            generator_average=0.999,
        ),
        "smoke": dict(
            epochs=2,
            batch_size=64,
            train_size=512,
            generator_widths=(16, 8, 4),
            discriminator_widths=(4, 8),
            snapshot_epochs=(1, 1, 2, 2),
            export_samples=500,
            epoch_samples=200,
        ),
    },
    "vae": {
        "paper": dict(epochs=50, snapshot_epochs=(1, 2, 5, 10, 20, 50)),
        # cpu: the paper's model and settings, 20 epochs (the validation loss falls by about
        # 1 % more over epochs 20-30), IWAE on 2,000 test images, so that three seeds of
        # notebook 03 take minutes on 2 cores (`make report` records each notebook's time in
        # runs/<profile>/results/report_timings.json)
        "cpu": dict(epochs=20, snapshot_epochs=(1, 2, 5, 10, 20), iwae_test_size=2000),
        "smoke": dict(
            epochs=2,
            batch_size=64,
            train_size=512,
            hidden_units=(64, 32),
            snapshot_epochs=(1, 2),
            iwae_k=50,
            iwae_test_size=200,
            export_samples=500,
        ),
    },
    "vaegan": {
        # The recipe of both real profiles: the VAE of notebook 03 of the same latent size (its
        # dense encoder and decoder, trained) fine-tuned by Larsen et al.'s three losses with
        # gamma 0.1 (the decoder's reconstruction term and its GAN terms then pull with
        # gradients of the same order), a pixel term beside the feature term, a discriminator
        # without batch norm, one Adam rate 3e-4 for all. The VAE-GAN then differs from the VAE
        # it is compared with only by the GAN's losses: the same encoder, decoder, training
        # images and budget, plus the GAN epochs. Two GAN epochs of 24,000 images at latent 2
        # (four at latent 16: LATENT_FIELDS), chosen on the validation split: at latent 2 a
        # third raises the FID and can lose a class (`python benchmarks/vaegan_from_vae.py
        # --latent 2 --epochs 3` prints FID, classes and coverage after each GAN epoch);
        # `make ablation` sets the recipe against one change at a time, e.g. its own networks
        # behind a VAE warm-up
        "paper": dict(
            epochs=2,
            train_size=24000,
            latent_dim=2,
            snapshot_epochs=(1, 2),
            precision="auto",
            start_from_vae=True,
            gamma=0.1,
            pixel_weight=1.0,
            discriminator_batchnorm=False,
            learning_rate=3e-4,
        ),
        # cpu: the paper profile's recipe with D at half the paper's widths. precision auto:
        # mixed bfloat16 where native, whose step is faster than float32's there (`python
        # benchmarks/bench_vaegan.py` times both side by side)
        "cpu": dict(
            epochs=2,
            train_size=24000,
            discriminator_widths=(32, 64),
            snapshot_epochs=(1, 2),
            precision="auto",
            learning_rate=3e-4,
            start_from_vae=True,
            gamma=0.1,
            pixel_weight=1.0,
            kl_weight=1.0,
            discriminator_batchnorm=False,
        ),
        "smoke": dict(
            epochs=2,
            batch_size=64,
            train_size=512,
            generator_widths=(16, 8, 4),
            discriminator_widths=(4, 8),
            encoder_widths=(4, 8),
            snapshot_epochs=(1, 2),
            export_samples=500,
            epoch_samples=200,
            diagnose_images=64,
            warmup_epochs=1,
            pixel_weight=1.0,
            discriminator_batchnorm=False,
        ),
    },
    "classifier": {
        # Adam with cosine decay from 2e-3: a few epochs reach 99 % test accuracy on MNIST (the
        # classifier's record keeps its test_accuracy)
        "paper": dict(epochs=6, batch_size=128, learning_rate=2e-3),
        "cpu": dict(epochs=4, batch_size=128, learning_rate=2e-3),
        "smoke": dict(
            epochs=3,
            batch_size=64,
            learning_rate=3e-3,
            train_size=4096,
            filters=(16, 32),
            feature_units=64,
            dropout=0.2,
        ),
    },
}


def resolve_seeds(
    profile: str, seeds: int | None = None, environ: Mapping[str, str] | None = None
) -> tuple[int, ...]:
    """The training seeds (0, 1, ..., n-1) of a run: `seeds` when given, else $VAE_VS_GAN_SEEDS,
    else the profile's PROFILE_SEEDS. Seed 0 is the named seed: its samples are the ones shown.

    Raises ConfigError for a count that is not a positive integer.
    """
    _check_choice("profile", profile, PROFILES)
    source = "seeds"
    if seeds is None:
        environ = os.environ if environ is None else environ
        text = environ.get(SEEDS_ENV, "").strip()
        if text:
            source = f"${SEEDS_ENV}"
            try:
                seeds = int(text)
            except ValueError:
                raise ConfigError(
                    f"{SEEDS_ENV}={text!r} is not a number of seeds; give a positive integer"
                ) from None
        else:
            seeds = PROFILE_SEEDS[profile]
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds <= 0:
        raise ConfigError(f"{source} must be a positive integer (a count of seeds), got {seeds!r}")
    return tuple(range(seeds))


# Fields a profile sets for one latent size only, over PROFILE_FIELDS (not applied when the
# epochs are overridden: the caller then sets the budget). The VAE-GAN at latent 16 trains four
# GAN epochs, at latent 2 two: chosen on the validation split (`python
# benchmarks/ablate_vaegan.py --latent 16 --set epochs=4`). At latent 16 the third and fourth
# GAN epochs bring the faint-pixel share within 1.5x the real digits' (0.042-0.043 against the
# limit 0.047, seeds 0-2) and the FID no higher (15.9 against 17.7 on seed 0); at latent 2 they
# raise the FID and lose a class
LATENT_FIELDS: dict[str, dict[str, dict[int, dict]]] = {
    "vaegan": {
        "paper": {16: dict(epochs=4, snapshot_epochs=(1, 2, 4))},
        "cpu": {16: dict(epochs=4, snapshot_epochs=(1, 2, 4))},
    },
}


def profile_fields(model: str, profile: str, latent_dim: int | None = None) -> dict:
    """The fields `profile` sets for `model` (a copy of PROFILE_FIELDS[model][profile], with
    LATENT_FIELDS for `latent_dim` over them): the same on every machine."""
    fields = dict(PROFILE_FIELDS[model][profile])
    latent = fields.get("latent_dim") if latent_dim is None else latent_dim
    fields.update(LATENT_FIELDS.get(model, {}).get(profile, {}).get(latent, {}))
    return fields


def make_config(model: str, profile: str, **overrides) -> TrainConfig:
    """The config of `model` under `profile`, with `overrides` applied (None keeps the default).

    Raises ConfigError naming the valid choices for an unknown model, profile, dataset or field,
    and for impossible values (non-positive epochs or batch size, ...).
    """
    _check_choice("model", model, tuple(MODELS))
    _check_choice("profile", profile, PROFILES)
    cls = MODELS[model]
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(
            f"unknown {model} config field(s) {unknown}; valid fields: {', '.join(sorted(names))}"
        )
    if overrides.get("epochs") is None:
        values = profile_fields(model, profile, overrides.get("latent_dim"))
    else:
        values = dict(PROFILE_FIELDS[model][profile])
    values.update({k: _as_tuple(v) for k, v in overrides.items() if v is not None})
    values["profile"] = profile
    return cls(**values)


def resolve_profile(
    profile: str | None,
    environ: Mapping[str, str] | None = None,
    gpu_available: Callable[[], bool] | None = None,
) -> tuple[str, str]:
    """(profile, why): `profile` itself when given, else $VAE_VS_GAN_PROFILE, else "paper" on
    a GPU and "cpu" on a CPU. Raises ConfigError for an unknown name from either source."""
    if profile is not None:
        _check_choice("profile", profile, PROFILES)
        return profile, "set in the parameters cell"
    environ = os.environ if environ is None else environ
    chosen = environ.get(PROFILE_ENV, "").strip()
    if chosen:
        if chosen not in PROFILES:
            raise ConfigError(
                f"{PROFILE_ENV}={chosen!r} is not a profile; valid values: {', '.join(PROFILES)}"
            )
        return chosen, f"from ${PROFILE_ENV}"
    if (gpu_available or _gpu_available)():
        return "paper", "a GPU is present: the paper's settings"
    return "cpu", "no GPU: the 2-core CPU profile"


def _gpu_available() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def config_from_dict(model: str, values: dict) -> TrainConfig:
    """Rebuild a config saved with `to_dict()` (lists become tuples again)."""
    _check_choice("model", model, tuple(MODELS))
    return MODELS[model](**{k: _as_tuple(v) for k, v in values.items()})


def _as_tuple(value):
    return tuple(value) if isinstance(value, list) else value


def _check_choice(name: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ConfigError(f"unknown {name} {value!r}; valid values: {', '.join(map(str, choices))}")


def _check_positive_int(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def _check_widths(name: str, value) -> None:
    positive = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value or ())
    if not (isinstance(value, tuple) and value and positive):
        raise ConfigError(f"{name} must be a non-empty tuple of positive integers, got {value!r}")


__all__ = [
    "AdversarialConfig",
    "ClassifierConfig",
    "ConfigError",
    "DATASETS",
    "DCGANConfig",
    "MODELS",
    "PROFILES",
    "TrainConfig",
    "VAEConfig",
    "VAEGANConfig",
    "LATENT_FIELDS",
    "config_from_dict",
    "make_config",
    "profile_fields",
    "resolve_profile",
    "resolve_seeds",
]
