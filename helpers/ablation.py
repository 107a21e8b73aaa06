"""The VAE-GAN ablation (`benchmarks/ablate_vaegan.py --publish`, `make ablation`): its
record on disk, whether it still describes the recipe, and its table and sentences."""

from __future__ import annotations

from helpers.results import read_kept_record, result_name
from helpers.tables import markdown_table

ABLATION_COLUMNS = [
    ("fid", "FID ↓", ".1f"),
    ("classes", "classes", "d"),
    ("coverage", "coverage ↑", ".3f"),
    ("sharpness_vs_real", "sharpness / real", ".2f"),
    ("faint_share", "faint pixels", ".1%"),
    ("label_kept", "recon. label kept ↑", ".1%"),
    ("train_seconds", "train s", ".0f"),
]
# fields the ablation sets itself (it skips the per-epoch diagnosis): not part of the recipe
ABLATION_OWN_FIELDS = ("diagnose_images",)


def ablation_name(latent_dim: int) -> str:
    """`vaegan_ablation` at the paper's latent size, `vaegan_z16_ablation` at 16, ..."""
    return f"{result_name('vaegan', latent_dim)}_ablation"


def read_ablation(profile: str, latent_dim: int) -> dict | None:
    """The ablation record of the VAE-GAN at `latent_dim`: this run's (runs/<profile>/results/,
    written by `make ablation`), else the published one (results/<profile>/, as a fresh clone
    has it), else None. Whether it still describes the recipe: `ablation_stale_fields`."""
    return read_kept_record(profile, ablation_name(latent_dim))


def ablation_stale_fields(record: dict, config) -> list[str]:
    """Fields of `config` (a VAEGANConfig) whose value differs from the recipe the ablation
    record was made with: empty when the table describes this run's recipe."""
    # a field the record lacks (added to the config after it was made) had its default then
    made_with = {**type(config)().to_dict(), **record.get("config", {})}
    current = config.to_dict()
    return sorted(
        name
        for name in set(made_with) | set(current)
        if name not in ABLATION_OWN_FIELDS and made_with.get(name) != current.get(name)
    )


def ablation_table(record: dict) -> str:
    """The ablation's rows (the recipe first, then one change each, the VAE row last) as a
    Markdown table; the first column says what changed."""
    rows = {}
    for name, row in record["variants"].items():
        label = "**the recipe**" if name == "recipe" else f"{name}: {row['change']}"
        train = row.get("train_seconds")
        rows[label] = dict(row, train_seconds=None if train is None or train != train else train)
    return markdown_table(rows, ABLATION_COLUMNS)


def ablation_effects(record: dict) -> list[str]:
    """One sentence per variant: how FID, classes, coverage and kept labels moved against the
    recipe row (signed differences, from the record's numbers)."""
    variants = record["variants"]
    base = variants["recipe"]
    sentences = []
    for name, row in variants.items():
        if name == "recipe":
            continue
        sentences.append(
            f"{row['change']}: FID {row['fid']:.1f} ({row['fid'] - base['fid']:+.1f}), "
            f"{row['classes']} classes ({row['classes'] - base['classes']:+d}), coverage "
            f"{row['coverage']:.3f} ({row['coverage'] - base['coverage']:+.3f}), label kept "
            f"{row['label_kept']:.1%} ({100 * (row['label_kept'] - base['label_kept']):+.1f} "
            "points)."
        )
    return sentences
