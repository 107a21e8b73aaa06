"""Results on disk and how they read: a model's results files (JSON, samples, per-epoch
samples) as the comparison notebook reads them, sample-file checks, training cost, and the
Markdown tables the notebooks and the README print. NumPy only: no model is built here."""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

IMAGE_SHAPE = (28, 28)


# --- reading the results of the other notebooks --------------------------------------------

RESULT_NOTEBOOKS = {"dcgan": "02_dcgan", "vae": "03_vae", "vaegan": "04_vaegan"}
MODEL_LABELS = {"real": "real (held-out)", "dcgan": "DCGAN", "vae": "VAE", "vaegan": "VAE-GAN"}


PAPER_LATENT_DIM = 2  # the paper's VAE: its results keep the plain model name


def result_name(model: str, latent_dim: int | None = None) -> str:
    """The name of a model's results files: `vae`, `vaegan` at the paper's latent dimension,
    `vae_z16`, `vaegan_z16` at another (so both latent sizes can be compared side by side)."""
    if latent_dim is None or latent_dim == PAPER_LATENT_DIM or model == "dcgan":
        return model
    return f"{model}_z{latent_dim}"


def model_label(name: str) -> str:
    """'VAE', 'VAE-GAN (z=16)', ... for a result name."""
    base, _, latent = name.partition("_z")
    label = MODEL_LABELS.get(base, base)
    return f"{label} (z={latent})" if latent else label


def read_encoder_results(profile: str, name: str) -> dict | None:
    """`latent` (means, labels) and `reconstructions` (images, labels) of an encoder model's
    exports (`<name>_latent.npz`, `<name>_reconstructions.npz`), or None when either is missing."""
    from helpers.runs import results_dir

    folder = results_dir(profile)
    paths = {kind: folder / f"{name}_{kind}.npz" for kind in ("latent", "reconstructions")}
    if not all(path.is_file() for path in paths.values()):
        return None
    return {kind: _read_arrays(path) for kind, path in paths.items()}


def _read_arrays(path) -> dict[str, np.ndarray]:
    """Every array of an exported .npz file, loaded (no pickles)."""
    with np.load(path, allow_pickle=False) as saved:
        return {key: np.asarray(saved[key]) for key in saved.files}


def exported_reconstructions(profile: str, names: dict[str, str]) -> dict[str, np.ndarray]:
    """Title -> test-set reconstructions uint8 [N, 28, 28] of each encoder model of `names`
    (result name -> title) whose exports are there; the others are left out."""
    out = {}
    for name, title in names.items():
        exported = read_encoder_results(profile, name)
        if exported is not None:
            out[title] = exported["reconstructions"]["images"]
    return out


def read_latent(
    profile: str, name: str, dataset: str | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """(posterior means float [N, L], labels [N]) of the test set from `<name>_latent.npz`
    under `profile`, or None when it is missing or, with `dataset`, when `<name>.json` is
    missing or says the model was trained on another data set."""
    from helpers.runs import read_json, results_dir

    folder = results_dir(profile)
    path = folder / f"{name}_latent.npz"
    if not path.is_file():
        return None
    if dataset is not None:
        record = folder / f"{name}.json"
        if not record.is_file() or read_json(record).get("config", {}).get("dataset") != dataset:
            return None
    arrays = _read_arrays(path)
    return arrays["means"], arrays["labels"]


def read_latents(
    profile: str, names: dict[str, str], dataset: str | None = None
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Title -> (means, labels) of `read_latent` for each (title -> result name) of `names`
    whose latent file is there (and, with `dataset`, was made on it); the others left out."""
    found = {title: read_latent(profile, name, dataset) for title, name in names.items()}
    return {title: latent for title, latent in found.items() if latent is not None}


def read_exported_samples(profile: str, name: str) -> np.ndarray | None:
    """uint8 [N, 28, 28] samples of `<name>_samples.npz` under `profile` (`read_samples`), or
    None when the file is missing."""
    from helpers.runs import results_dir

    path = results_dir(profile) / f"{name}_samples.npz"
    return read_samples(path) if path.is_file() else None


class MissingResultError(FileNotFoundError):
    """A model's results are not in runs/<profile>/results/: the message names the notebook."""


def read_model_results(profile: str, model: str) -> dict:
    """A model's results under `profile`: `record` (its JSON), `samples` uint8 [N, 28, 28],
    and, when the model wrote them, `epoch_images` uint8 [E, n, 28, 28] with `epochs` int [E].

    Raises MissingResultError naming the notebook that writes them when a file is missing,
    SampleFileError when a samples file is unreadable.
    """
    from helpers.runs import read_json, results_dir

    folder = results_dir(profile)
    needed = [folder / f"{model}.json", folder / f"{model}_samples.npz"]
    missing = [path.name for path in needed if not path.is_file()]
    if missing:
        notebook = RESULT_NOTEBOOKS.get(model.partition("_z")[0], model)
        raise MissingResultError(
            f"{', '.join(missing)} missing in {folder}: run notebooks/{notebook}.ipynb with "
            f'profile = "{profile}" first (`make report PROFILE={profile}` runs every notebook '
            "in order)"
        )
    result = {"record": read_json(needed[0]), "samples": read_samples(needed[1])}
    epoch_file = folder / f"{model}_epoch_samples.npz"
    if epoch_file.is_file():
        with np.load(epoch_file, allow_pickle=False) as saved:
            result["epoch_images"] = np.asarray(saved["images"])
            result["epochs"] = np.asarray(saved["epochs"]).astype(int)
    return result


def training_cost(record: dict) -> dict:
    """Epochs, wall time, seconds per epoch, images per second and total parameters of a
    results record (parameters may be a dict of part -> count: its "total" when it has one,
    else the sum of the parts)."""
    epoch_seconds = list(record.get("epoch_seconds", []))
    parameters = record.get("parameters", 0)
    if isinstance(parameters, dict):
        parts = {part: int(count) for part, count in parameters.items() if part != "total"}
        parameters = parameters.get("total", sum(parts.values()))
    return {
        "epochs": len(epoch_seconds),
        "wall_time_seconds": float(record.get("wall_time_seconds", sum(epoch_seconds))),
        "seconds_per_epoch": float(np.mean(epoch_seconds)) if epoch_seconds else float("nan"),
        "images_per_second": float(record.get("images_per_second", float("nan"))),
        "parameters": int(parameters),
    }


def markdown_table(rows: dict[str, dict], columns: list[tuple[str, str, str]]) -> str:
    """A Markdown table: one row per entry of `rows` (label -> values), one column per
    (key, header, format spec); a missing value shows as "–"."""
    lines = [
        "| | " + " | ".join(header for _, header, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for label, values in rows.items():
        cells = [
            format(values[key], spec) if values.get(key) is not None else "–"
            for key, _, spec in columns
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- the VAE-GAN ablation (benchmarks/ablate_vaegan.py --publish) ---------------------------

ABLATION_COLUMNS = [
    ("fid", "FID ↓", ".1f"),
    ("classes", "classes", "d"),
    ("coverage", "coverage ↑", ".3f"),
    ("sharpness_vs_real", "sharpness / real", ".2f"),
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
    return _read_kept_record(profile, ablation_name(latent_dim))


def _read_kept_record(profile: str, name: str) -> dict | None:
    """runs/<profile>/results/<name>.json, else results/<profile>/<name>.json, else None: a
    record made by a separate command (publishing.KEPT_RECORDS), which a fresh clone has only
    as published."""
    from helpers.runs import published_results_dir, read_json, results_dir

    for folder in (results_dir(profile), published_results_dir(profile)):
        if (folder / f"{name}.json").is_file():
            return read_json(folder / f"{name}.json")
    return None


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


# --- input checks --------------------------------------------------------------------------


class SampleFileError(ValueError):
    """A samples file that is missing, unreadable, or does not hold uint8 28×28 images."""


def check_images(images, name: str = "images") -> np.ndarray:
    """uint8 [N, 28, 28] (a trailing channel of 1 is dropped), or ValueError saying what's wrong."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape [N, 28, 28], got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(
            f"{name} must be uint8 pixels 0..255, got dtype {images.dtype}; convert model "
            "outputs with helpers.data.to_uint8_images(x, value_range)"
        )
    return images


def read_samples(path: str | os.PathLike) -> np.ndarray:
    """uint8 [N, 28, 28] images from an `.npz`: its `images` array, or its only array."""
    path = Path(path)
    if not path.is_file():
        raise SampleFileError(f"{path}: no such file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise SampleFileError(f"{path}: a single .npy array, not an .npz archive")
        with loaded as npz:
            names = list(npz.files)
            if "images" in names:
                images = npz["images"]
            elif len(names) == 1:
                images = npz[names[0]]
            else:
                raise SampleFileError(
                    f"{path}: no array named 'images' and {len(names)} arrays {names}; "
                    "save the samples as np.savez(path, images=samples)"
                )
    except SampleFileError:
        raise
    except ValueError as error:
        raise SampleFileError(f"{path}: not a readable .npz of plain arrays ({error})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise SampleFileError(
            f"{path}: truncated or not an .npz file ({type(error).__name__}: {error})"
        ) from None
    try:
        images = check_images(images, f"{path}: the samples")
    except ValueError as error:
        raise SampleFileError(str(error)) from None
    if len(images) <= 3:
        raise SampleFileError(f"{path}: holds {len(images)} images; need more than 3 to score")
    return images


# --- the DCGAN step profile (benchmarks/profile_dcgan_step.py --publish) ---------------------

STEP_PROFILE_NAME = "dcgan_step_profile"


def read_step_profile(profile: str) -> dict | None:
    """The published DCGAN step profile for `profile` (this run's, else results/<profile>/)."""
    return _read_kept_record(profile, STEP_PROFILE_NAME)


def step_profile_table(record: dict, key: str = "parts") -> str:
    """The step profile's op milliseconds per step and shares, by part of the step (`parts`)
    or by op kind (`kinds`), one column pair per precision, as a Markdown table."""
    precisions = record["precisions"]
    order = record[f"{key}_order"]
    rows: dict[str, dict] = {}
    columns = []
    for precision, result in precisions.items():
        total = sum(result[key].values())
        columns += [
            (f"{precision} ms", f"{precision} ms", ".1f"),
            (f"{precision} %", "share", ".0%"),
        ]
        for label in [*order, "all ops"]:
            ms = total if label == "all ops" else result[key].get(label, 0.0)
            rows.setdefault(label, {}).update({f"{precision} ms": ms, f"{precision} %": ms / total})
    return markdown_table(rows, columns)


def step_profile_summary(record: dict) -> str:
    """One sentence: wall milliseconds per step in each precision and their ratio."""
    walls = {p: r["wall_many_per_call"] for p, r in record["precisions"].items()}
    text = ", ".join(f"{p} {ms:.1f} ms" for p, ms in walls.items())
    first, *rest = walls
    ratios = "; ".join(f"{p} is {walls[first] / walls[p]:.2f}× {first}" for p in rest)
    return f"Wall time per training step of {record['batch_size']} images: {text} ({ratios})."
