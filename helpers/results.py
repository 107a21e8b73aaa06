"""The results store as its readers see it: the names of a model's results, and its record
(`helpers.record.ResultsRecord`), samples, per-epoch samples, latent codes and
reconstructions as the comparison and the report read them. NumPy only: no model is built
here."""

from __future__ import annotations

import numpy as np

from helpers.record import read_record

RESULT_NOTEBOOKS = {
    "dcgan": "02_dcgan",
    "vae": "03_vae",
    "vaegan": "04_vaegan",
    "control": "04_vaegan",
}
MODEL_LABELS = {
    "real": "real (held-out)",
    "dcgan": "DCGAN",
    "vae": "VAE",
    "vaegan": "VAE-GAN",
    "control": "control (no D)",  # the VAE-GAN's training without the discriminator's terms
}


PAPER_LATENT_DIM = 2  # the paper's VAE: its results keep the plain model name


SEED_MARK = "_seed"  # vae_z16_seed2: the VAE of latent 16 trained with seed 2


def result_name(model: str, latent_dim: int | None = None, seed: int = 0) -> str:
    """The name of a model's results files: `vae`, `vaegan` at the paper's latent dimension,
    `vae_z16`, `vaegan_z16` at another (so both latent sizes can be compared side by side);
    trained with a seed other than 0 (the named seed, whose samples are shown), `_seed<k>` is
    appended: `dcgan_seed1`, `vae_z16_seed2`."""
    name = model
    if latent_dim is not None and latent_dim != PAPER_LATENT_DIM and model != "dcgan":
        name = f"{model}_z{latent_dim}"
    return seed_name(name, seed)


def seed_name(name: str, seed: int) -> str:
    """The result name of seed `seed` of the model whose seed-0 results are `name`."""
    return name if seed == 0 else f"{name}{SEED_MARK}{seed}"


def split_seed(name: str) -> tuple[str, int]:
    """(the seed-0 result name, seed) of a result name: `vae_z16_seed2` -> (`vae_z16`, 2)."""
    base, mark, seed = name.rpartition(SEED_MARK)
    if mark and seed.isdigit():
        return base, int(seed)
    return name, 0


def model_label(name: str) -> str:
    """'VAE', 'VAE-GAN (z=16)', 'DCGAN (seed 1)', ... for a result name."""
    name, seed = split_seed(name)
    base, _, latent = name.partition("_z")
    label = MODEL_LABELS.get(base, base)
    label = f"{label} (z={latent})" if latent else label
    return f"{label} (seed {seed})" if seed else label


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
    from helpers.runs import results_dir

    folder = results_dir(profile)
    path = folder / f"{name}_latent.npz"
    if not path.is_file():
        return None
    if dataset is not None:
        record = folder / f"{name}.json"
        if not record.is_file() or read_record(record).config.get("dataset") != dataset:
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
    from helpers.samples import read_samples

    path = results_dir(profile) / f"{name}_samples.npz"
    return read_samples(path) if path.is_file() else None


# The latent-space explorer of the report (helpers.explorer): the models whose 2-D latent plane
# it shows, and those whose walk through prior codes it plays
PLANE_MODELS = ("vae", "vaegan")
WALK_MODELS = ("dcgan", "vae_z16", "vaegan_z16")


def read_explorer(profile: str, dataset: str | None = None) -> tuple[dict, dict]:
    """(planes, walks) as `helpers.explorer.explorer_html` takes them, from the exports under
    `profile` (models missing there, or, with `dataset`, trained on another, are left out):
    planes, label -> grid uint8 [G, G, 28, 28], low, high and the test set's posterior means
    and labels; walks, label -> uint8 [T, 28, 28] frames along a loop of prior codes."""
    from helpers.runs import results_dir

    folder = results_dir(profile)
    planes = {}
    for name in PLANE_MODELS:
        latent = read_latent(profile, name, dataset)
        path = folder / f"{name}_plane.npz"
        if latent is None or not path.is_file():
            continue
        plane = _read_arrays(path)
        planes[model_label(name)] = {
            "grid": plane["images"],
            "low": float(plane["low"]),
            "high": float(plane["high"]),
            "means": latent[0],
            "labels": latent[1],
        }
    walks = {}
    for name in WALK_MODELS:
        path = folder / f"{name}_walk.npz"
        if path.is_file() and (dataset is None or _trained_on(folder, name) == dataset):
            walks[model_label(name)] = _read_arrays(path)["images"]
    return planes, walks


def _trained_on(folder, name: str) -> str | None:
    record = folder / f"{name}.json"
    return read_record(record).config.get("dataset") if record.is_file() else None


class MissingResultError(FileNotFoundError):
    """A model's results are not in runs/<profile>/results/: the message names the notebook."""


def _missing(profile: str, name: str, files: list[str], folder) -> MissingResultError:
    base, seed = split_seed(name)
    notebook = RESULT_NOTEBOOKS.get(base.partition("_z")[0], name)
    seeds = f" and at least {seed + 1} seeds (`SEEDS={seed + 1}`)" if seed else ""
    return MissingResultError(
        f"{', '.join(files)} missing in {folder}: run notebooks/{notebook}.ipynb with "
        f'profile = "{profile}"{seeds} first (`make report PROFILE={profile}` runs every '
        "notebook in order)"
    )


def read_model_results(profile: str, model: str) -> dict:
    """A model's results under `profile`: `record` (its ResultsRecord), `samples` uint8
    [N, 28, 28],
    and, when the model wrote them, `epoch_images` uint8 [E, n, 28, 28] with `epochs` int [E].

    Raises MissingResultError naming the notebook that writes them when a file is missing,
    SampleFileError when a samples file is unreadable.
    """
    from helpers.runs import results_dir
    from helpers.samples import read_samples

    folder = results_dir(profile)
    needed = [folder / f"{model}.json", folder / f"{model}_samples.npz"]
    missing = [path.name for path in needed if not path.is_file()]
    if missing:
        raise _missing(profile, model, missing, folder)
    result = {"record": read_record(needed[0]), "samples": read_samples(needed[1])}
    epoch_file = folder / f"{model}_epoch_samples.npz"
    if epoch_file.is_file():
        with np.load(epoch_file, allow_pickle=False) as saved:
            result["epoch_images"] = np.asarray(saved["images"])
            result["epochs"] = np.asarray(saved["epochs"]).astype(int)
    return result


def read_kept_record(profile: str, name: str) -> dict | None:
    """runs/<profile>/results/<name>.json, else results/<profile>/<name>.json, else None: a
    record made by a separate command (the ablation, the step profile: publishing's
    KEPT_RECORDS), which a fresh clone has only as published."""
    from helpers.runs import published_results_dir, read_json, results_dir

    for folder in (results_dir(profile), published_results_dir(profile)):
        if (folder / f"{name}.json").is_file():
            return read_json(folder / f"{name}.json")
    return None
