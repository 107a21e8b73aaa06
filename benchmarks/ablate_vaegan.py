"""What each choice of the VAE-GAN recipe does: the `cpu` recipe, then one change at a time.

Each variant trains the VAE-GAN of the profile (default `cpu`, latent 16) with one or more
fields changed, in memory (no checkpoints, nothing written under runs/), and is scored with the
project's classifier (cached under runs/<profile>/classifier/, trained there if missing):
on the validation split (the end of the training set, held out of training; the test set is
left to score the report's tables): FID of 2,000 prior samples against 2,000 even-indexed
validation digits (biased upwards against the 5,000-sample FIDs of the comparison: compare rows
of this table only), classes present, coverage (Naeem et al.), sharpness against the real
digits', and the share of 1,000 odd-indexed validation digits whose reconstruction Dec(E[z|x])
keeps its label.

    .venv/bin/python benchmarks/ablate_vaegan.py                 # ~6 minutes on 2 cores
    .venv/bin/python benchmarks/ablate_vaegan.py --latent 2 --variants recipe own-networks
    .venv/bin/python benchmarks/ablate_vaegan.py --json ablation.json
    .venv/bin/python benchmarks/ablate_vaegan.py --variants recipe --set epochs=9 --set gamma=0.3
    .venv/bin/python benchmarks/ablate_vaegan.py --variants recipe --vae   # + the VAE's row
    make ablation            # every variant + the VAE row, published for notebook 04 (--publish)

`--publish` writes the table as runs/<profile>/results/vaegan_z<latent>_ablation.json (with the
recipe's config, the seed, the versions and the git commit, like every results file), which
notebook 04 prints and `make report` publishes to results/<profile>/.

`--vae` adds the VAE of the same latent size as a reference row, scored the same way: the one
that notebook 03 exported under runs/<profile>/results/ (run it, or `make report`, first).

Every variant uses the same seed, so two runs on one machine print the same numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from helpers import dcgan, metrics, vae, vaegan  # noqa: E402
from helpers.ablation import ablation_name  # noqa: E402
from helpers.classifier import load_classifier  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import load_dataset, validation_split  # noqa: E402
from helpers.runs import atomic_write_json, write_kept_record  # noqa: E402

# name: (what changes, config overrides), the overrides read from the recipe's config
VARIANTS = (
    "recipe", "control", "no-feature", "own-networks", "no-warmup", "short-warmup", "no-pixel",
    "weak-pixel", "half-gan-epochs", "d-batchnorm", "gamma-1",
)  # fmt: skip
WEAK_PIXEL = 0.3  # the pixel weight of the "weak-pixel" variant, against the recipe's
SHORT_WARMUP = 4  # warm-up epochs of the "short-warmup" variant of a recipe with a warm-up
# The VAE-GAN with networks of its own, set against a recipe that starts from notebook 03's VAE:
# a convolutional encoder and a DCGAN-like decoder, trained first as a plain VAE for 10 epochs
# (decoding posterior codes only), then the recipe's GAN epochs
OWN_NETWORKS = dict(
    start_from_vae=False,
    warmup_epochs=10,
    warmup_prior_codes=False,
    encoder_widths=(32, 64),
    generator_widths=(64, 32, 16),
)


def variants_of(recipe) -> dict[str, tuple[str, dict]]:
    """The ablation's variants of `recipe` (a VAEGANConfig), each one change away from it.

    A recipe that starts from notebook 03's VAE is set against the VAE-GAN with its own
    networks (OWN_NETWORKS: trained from scratch behind a warm-up, the same GAN epochs after
    it); a recipe with its own networks against other warm-ups. The warm-up variants keep the
    recipe's GAN epochs (epochs - warmup_epochs) and change only the warm-up before them."""
    gan_epochs = recipe.epochs - recipe.warmup_epochs

    def warmup(epochs: int) -> dict:
        total = epochs + gan_epochs
        return {"warmup_epochs": epochs, "epochs": total,
                "snapshot_epochs": tuple(sorted({1, max(epochs, 1), total}))}  # fmt: skip

    own = OWN_NETWORKS["warmup_epochs"]
    variants = {
        "recipe": ("the profile's recipe", {}),
        "control": ("the control: no term that involves D (no GAN terms, no feature term)",
                    {"adversarial": False}),
        "no-feature": ("no feature term: the pixel term and the GAN terms",
                       {"feature_weight": 0.0}),
        "own-networks": (f"own conv networks from scratch, a {own}-epoch warm-up as a VAE "
                         f"first (not notebook 03's VAE)", {**OWN_NETWORKS, **warmup(own)}),
        "no-warmup": (f"no warm-up: the same {gan_epochs} GAN epochs from the first step",
                      warmup(0)),
        "short-warmup": (f"{SHORT_WARMUP} warm-up epochs instead of {recipe.warmup_epochs}",
                         warmup(SHORT_WARMUP)),
        "no-pixel": ("no pixel term: the feature term alone (Larsen et al.)",
                     {"pixel_weight": 0.0}),
        "weak-pixel": (f"pixel term weight {WEAK_PIXEL:g} instead of {recipe.pixel_weight:g}",
                       {"pixel_weight": WEAK_PIXEL}),
        "half-gan-epochs": (f"{gan_epochs // 2} GAN epochs instead of {gan_epochs}",
                            {"epochs": recipe.epochs - gan_epochs + gan_epochs // 2,
                             "snapshot_epochs": (1,)}),
        "d-batchnorm": ("batch norm in D (Larsen et al., DCGAN)",
                        {"discriminator_batchnorm": True}),
        "gamma-1": (f"γ = 1 instead of {recipe.gamma:g}", {"gamma": 1.0}),
    }  # fmt: skip
    if not recipe.start_from_vae:
        variants.pop("own-networks")
    if not recipe.warmup_epochs or recipe.warmup_epochs == SHORT_WARMUP:
        variants.pop("short-warmup")
    if not recipe.warmup_epochs:
        variants.pop("no-warmup")
    if not recipe.pixel_weight or recipe.warmup_epochs:  # a warm-up trains on the pixel term
        variants.pop("no-pixel")
    if not recipe.pixel_weight or recipe.pixel_weight == WEAK_PIXEL:
        variants.pop("weak-pixel")
    if gan_epochs < 2:
        variants.pop("half-gan-epochs")
    if not recipe.pixel_weight or not recipe.feature_weight:
        variants.pop("control")  # the control trains on the pixel term alone
        variants.pop("no-feature")
    if recipe.discriminator_batchnorm:
        variants.pop("d-batchnorm")
    if recipe.gamma == 1.0:
        variants.pop("gamma-1")
    return variants


SAMPLES = 2000
RECONSTRUCTED = 1000


def score_images(samples, reconstructions, labels, classifier, reference_features, reference_radii):
    """The table's measures of uint8 prior samples and of reconstructions of labelled digits."""
    features, probabilities = classifier.outputs(samples)
    _, coverage = metrics.density_coverage(reference_features, features, real_radii=reference_radii)
    return {
        "fid": metrics.frechet_distance(features, reference_features),
        "classes": metrics.class_coverage(probabilities.argmax(1))["classes_covered"],
        "coverage": float(coverage),
        "sharpness": metrics.sharpness(samples),
        "faint_share": metrics.faint_pixel_share(samples),
        "label_kept": metrics.label_kept_share(classifier.predict(reconstructions), labels),
    }


def validation_half(config, data, prepare):
    """(images as the model takes them, labels) of the odd-indexed validation images: the half
    that is not the reference (the test set is left to score the report's tables)."""
    _, y_valid = validation_split(data, config.validation_size)
    return prepare(config, data)[1::2], y_valid[1::2]


def score_variant(config, data, classifier, reference_features, reference_radii) -> dict:
    start = vae.load(vaegan.start_vae_config(config)) if config.start_from_vae else None
    model = vaegan.build(config, start_vae=start)  # seeded
    model.use_data(data)
    scored, labels = validation_half(config, data, dcgan.validation_images)
    began = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        model.train_epoch(epoch)
    seconds = time.perf_counter() - began
    z = np.random.default_rng(config.seed + 1).standard_normal((SAMPLES, config.latent_dim))
    row = score_images(
        model.generate(z.astype(np.float32)),
        model.reconstruct(scored[:RECONSTRUCTED]),
        labels[:RECONSTRUCTED],
        classifier,
        reference_features,
        reference_radii,
    )
    return {**row, "train_seconds": seconds}


def score_vae(profile: str, latent: int, data, classifier, reference_features, reference_radii):
    """The exported VAE of this latent size, scored as `score_variant` scores a VAE-GAN."""
    config = make_config("vae", profile, latent_dim=latent)
    model = vae.load(config)  # FileNotFoundError names the missing weights file
    scored, labels = validation_half(config, data, vae.validation_images)
    row = score_images(
        vae.prior_samples(model, SAMPLES, config.seed + 1),
        vae.decode_uint8(model, vae.encode_means(model, scored[:RECONSTRUCTED])),
        labels[:RECONSTRUCTED],
        classifier,
        reference_features,
        reference_radii,
    )
    return {**row, "train_seconds": float("nan")}


def _parse_override(item: str) -> tuple[str, object]:
    """`FIELD=VALUE` -> (field, value), the value read as JSON where it parses (numbers, true)."""
    field, sep, text = item.partition("=")
    if not sep or not field:
        raise SystemExit(f"--set expects FIELD=VALUE, got {item!r}")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    return field, tuple(value) if isinstance(value, list) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--latent", type=int, default=16)
    parser.add_argument("--variants", nargs="*", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--json", type=Path, help="also write the rows to this JSON file")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="add a variant 'custom' with these config fields changed (repeatable)",
    )
    parser.add_argument(
        "--vae", action="store_true", help="add the exported VAE of the same latent size as a row"
    )
    parser.add_argument(
        "--publish",
        action="store_true",
        help="write the rows to runs/<profile>/results/ for notebook 04 (needs the recipe row)",
    )
    args = parser.parse_args(argv)
    if args.publish and "recipe" not in args.variants:
        parser.error("--publish needs the 'recipe' variant: every row is read against it")
    recipe = make_config("vaegan", args.profile, latent_dim=args.latent, diagnose_images=0)
    variants = {
        name: variant for name, variant in variants_of(recipe).items() if name in args.variants
    }
    if args.set:
        overrides = dict(_parse_override(item) for item in args.set)
        variants["custom"] = (", ".join(args.set), overrides)

    data = load_dataset("mnist")
    classifier = load_classifier(args.profile, data=data)
    reference = validation_split(data, recipe.validation_size)[0][0::2][:SAMPLES]
    reference_features, _ = classifier.outputs(reference)
    reference_radii = metrics.knn_radii(reference_features, metrics.DENSITY_K)
    real_sharpness = metrics.sharpness(reference)
    rows = {}
    print(f"VAE-GAN ablation: profile {args.profile}, latent {args.latent}; real digits' "
          f"sharpness {real_sharpness:.3f}", flush=True)  # fmt: skip
    real_faint = metrics.faint_pixel_share(reference)
    print(f"real digits' faint-pixel share {real_faint:.3f}", flush=True)
    header = f"{'variant':<12} {'FID':>7} {'classes':>7} {'coverage':>8} {'sharp/real':>10} " \
             f"{'faint':>6} {'label kept':>10} {'train s':>8}  change"  # fmt: skip
    print(header, flush=True)
    if args.vae:
        variants["vae"] = ("the VAE of notebook 03 (reference)", None)
    for name, (description, overrides) in variants.items():
        if overrides is None:
            row = score_vae(
                args.profile, args.latent, data, classifier, reference_features, reference_radii
            )
        else:
            config = make_config(
                "vaegan", args.profile, latent_dim=args.latent, diagnose_images=0, **overrides
            )
            row = score_variant(config, data, classifier, reference_features, reference_radii)
        row["sharpness_vs_real"] = row["sharpness"] / real_sharpness
        rows[name] = {"change": description, "overrides": overrides, **row}
        print(f"{name:<12} {row['fid']:7.1f} {row['classes']:7d} {row['coverage']:8.3f} "
              f"{row['sharpness_vs_real']:10.2f} {row['faint_share']:6.3f} "
              f"{row['label_kept']:10.1%} "
              f"{row['train_seconds']:8.0f}  {description}", flush=True)  # fmt: skip
    record = {"profile": args.profile, "latent_dim": args.latent, "samples": SAMPLES,
              "real_sharpness": real_sharpness, "real_faint_share": real_faint,
              "scored_on": "validation", "variants": rows}  # fmt: skip
    if args.json:
        atomic_write_json(args.json, record)
    if args.publish:
        # the record's config says the precision the variants computed in, not "auto"
        path = write_kept_record(
            args.profile, ablation_name(args.latent), record, recipe.resolved()
        )
        print(f"published {path}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
