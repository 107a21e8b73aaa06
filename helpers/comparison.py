"""The comparison of notebook 05 as functions: read every model's results for every training
seed, score them in two feature spaces (the project's classifier, and principal components of
the pixels), FID per epoch and when to stop on the validation split, what the encoders keep,
the training cost, and the one typed record (`ComparisonRecord`, `comparison.json`) that the
verdicts and the published README read.

    results = read_results(profile, dataset)                  # name -> seed 0's record, samples
    samples = sample_rows(results, held_out, max_samples)     # "real" first, equally many
    scores, details = score_rows(scorer, samples)             # seed 0, with per-sample details
    by_seed = read_seed_results(profile, dataset, results, seeds)
    rows = seed_values(score_seeds(scorer.score, by_seed, count, scores), SEED_METRICS)
    stopping = seed_stopping(classifier, by_seed, validation_features, validation_held_out)
    print(spread_table(rows, labels, SEED_METRIC_COLUMNS))   # mean ± sd over seeds
    write_comparison(record, results_dir(profile))

NumPy and the project's classifier only: no generative model is built here.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import metrics
from helpers.results import (
    MissingResultError,
    read_encoder_results,
    read_model_results,
    seed_name,
)
from helpers.seeds import summarise

COMPARISON_NAME = "comparison"
REQUIRED = ("dcgan", "vae")  # the paper's two models: the comparison needs both
# the future work, its control without the discriminator, the second latent size
OPTIONAL = ("vaegan", "control", "vae_z16", "vaegan_z16", "control_z16")
ENCODER_MODELS = ("vae", "vae_z16", "vaegan", "vaegan_z16", "control", "control_z16")
REAL = "real"  # the row of held-out real digits

# The metrics kept per seed for every row (`seed_values`), and the table of their mean ± sd over
# seeds: (key, header, format, scale)
SEED_METRICS = (
    "fid",
    "kid",
    "inception_score",
    "precision",
    "recall",
    "density",
    "coverage",
    "classes_covered",
    "kl_to_uniform",
    "sharpness",
    "faint_share",
    "nearest_train_median",
    "copy_share",
    "ambiguous_4_9",
    "ambiguous_1_7",
    "ambiguous_any",
)
SEED_METRIC_COLUMNS = [
    ("fid", "FID ↓", ".2f", 1.0),
    ("kid", "KID×10³ ↓", ".2f", 1e3),
    ("inception_score", "IS ↑", ".2f", 1.0),
    ("precision", "precision ↑", ".3f", 1.0),
    ("recall", "recall ↑", ".3f", 1.0),
    ("coverage", "coverage ↑", ".3f", 1.0),
    ("classes_covered", "classes", ".1f", 1.0),
    ("sharpness", "sharpness", ".4f", 1.0),
    ("faint_share", "faint pixels %", ".1f", 100.0),
    ("copy_share", "copies %", ".1f", 100.0),
    ("ambiguous_4_9", "4↔9 %", ".1f", 100.0),
    ("ambiguous_1_7", "1↔7 %", ".1f", 100.0),
]
PIXEL_COLUMNS = [
    ("fid", "FID ↓", ".1f", 1.0),
    ("precision", "precision ↑", ".3f", 1.0),
    ("recall", "recall ↑", ".3f", 1.0),
    ("coverage", "coverage ↑", ".3f", 1.0),
]
ENCODER_SEED_COLUMNS = [
    ("latent_knn", "5-NN on the codes ↑ %", ".1f", 100.0),
    ("label_kept", "reconstructions keep their label ↑ %", ".1f", 100.0),
]
COST_SEED_COLUMNS = [
    ("wall_time_seconds", "wall time (s)", ".0f", 1.0),
    ("seconds_per_epoch", "s / epoch", ".2f", 1.0),
    ("images_per_second", "images / s", ",.0f", 1.0),
]


@dataclass(frozen=True)
class ComparisonRecord:
    """Everything notebook 05 measured, as `comparison.json` holds it.

    `rows`: row name ("real", "dcgan", ...) -> the Scorer's metrics; `fid_per_epoch`: model ->
    its FID curve and stopping record (`fid_curve`); `encoders`: model -> `encoder_scores`;
    `training_cost`: model -> `ResultsRecord.cost()`; `verdicts`: the conclusions, one dict
    per claim of the paper.
    """

    profile: str
    dataset: str
    samples_per_row: int
    reference: str  # what the rows are scored against
    classifier: dict  # test_accuracy, parameters, fingerprint
    rows: dict[str, dict]
    fid_per_epoch: dict[str, dict] = field(default_factory=dict)
    encoders: dict[str, dict] = field(default_factory=dict)
    training_cost: dict[str, dict] = field(default_factory=dict)
    verdicts: list[dict] = field(default_factory=list)
    # Over the training seeds (`rows`, `fid_per_epoch`, `encoders`, `training_cost` above are
    # the named seed's, 0): the seeds, then per row or model each measure's values in seed order
    seeds: list[int] = field(default_factory=list)
    seed_rows: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seed_pixel: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seed_stopping: dict[str, list[dict]] = field(default_factory=dict)
    seed_encoders: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seed_costs: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    seed_likelihood: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    pixel_reference: str = ""  # what the second feature space is

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> ComparisonRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(
            f.name
            for f in dataclasses.fields(cls)
            if f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
            and f.name not in values
        )
        if missing:
            raise ValueError(f"comparison record without {', '.join(missing)}")
        return cls(**{k: v for k, v in values.items() if k in names})


def comparison_record(
    profile: str,
    dataset: str,
    scorer,
    classifier,
    scores: dict[str, dict],
    curves: dict[str, dict],
    encoders: dict[str, dict],
    costs: dict[str, dict],
) -> ComparisonRecord:
    """The record of one comparison: the rows `score_rows` scored with `scorer` (its reference
    set: the even-indexed test images), the curves, encoder rows and costs; no verdicts yet."""
    return ComparisonRecord(
        profile=profile,
        dataset=dataset,
        samples_per_row=int(scores[REAL]["n_samples"]),
        reference=f"{len(scorer.reference)} even-indexed test images; real row: odd-indexed ones",
        classifier={
            k: classifier.record[k] for k in ("test_accuracy", "parameters", "fingerprint")
        },
        rows=scores,
        fid_per_epoch=curves,
        encoders=encoders,
        training_cost=costs,
    )


def write_comparison(record: ComparisonRecord, folder: str | os.PathLike) -> Path:
    """`<folder>/comparison.json`, written atomically."""
    from helpers.runs import atomic_write_json

    return atomic_write_json(Path(folder) / f"{COMPARISON_NAME}.json", record.to_dict())


def read_comparison(path: str | os.PathLike) -> ComparisonRecord:
    """The comparison record in `path` (`comparison.json`)."""
    from helpers.runs import read_json

    return ComparisonRecord.from_dict(read_json(path))


# --- reading and scoring ------------------------------------------------------------------------


def read_results(
    profile: str, dataset: str, required=REQUIRED, optional=OPTIONAL
) -> dict[str, dict]:
    """name -> `read_model_results` of every required model (MissingResultError names the
    notebook to run) and of every optional one that is there. ValueError if one was trained on
    another data set than `dataset`."""
    results = {name: read_model_results(profile, name) for name in required}
    for name in optional:
        try:
            results[name] = read_model_results(profile, name)
        except MissingResultError:
            continue
    for name, result in results.items():
        trained_on = result["record"].config.get("dataset")
        if trained_on != dataset:
            raise ValueError(f"{name} was trained on {trained_on}, not {dataset}: set dataset")
    return results


def sample_rows(
    results: dict[str, dict], held_out: np.ndarray, max_samples: int
) -> dict[str, np.ndarray]:
    """Row name -> uint8 [count, 28, 28]: held-out real digits first, then each model's
    samples, all cut to one count (FID depends on it): at most `max_samples`."""
    count = min(max_samples, len(held_out), *(len(r["samples"]) for r in results.values()))
    return {REAL: held_out[:count], **{m: r["samples"][:count] for m, r in results.items()}}


def score_rows(scorer, samples: dict[str, np.ndarray]) -> tuple[dict[str, dict], dict]:
    """(scores, details): row name -> `scorer.score(images)`, and row name -> its per-sample
    arrays (for the confusion and coverage figures)."""
    scores, details = {}, {}
    for name, images in samples.items():
        details[name] = {}
        scores[name] = scorer.score(images, details=details[name])
    return scores, details


def fid_curve(
    classifier,
    epoch_images: np.ndarray,
    epochs: np.ndarray,
    reference_features: np.ndarray,
    held_out: np.ndarray,
    seed: int = 0,
) -> dict:
    """The FID after every epoch of uint8 [E, n, 28, 28] fixed-noise samples against
    `reference_features`, its bootstrap noise at the best epoch, the FID of n held-out real
    digits (the floor), and the stopping record of `metrics.stopping_epoch`."""
    fids = metrics.fid_per_epoch(classifier, epoch_images, reference_features)
    best_features = classifier.features(epoch_images[int(np.argmin(fids))])
    noise = metrics.fid_noise(reference_features, best_features, seed=seed)
    real_features = classifier.features(held_out[: epoch_images.shape[1]])
    floor = metrics.frechet_distance(reference_features, real_features)
    stop = metrics.stopping_epoch(epochs, fids, noise)
    return {"epochs": epochs, "fid": fids, "noise": noise, "real_fid": floor, **stop}


def encoder_rows(classifier, profile: str, names=ENCODER_MODELS) -> dict[str, dict]:
    """model -> `metrics.encoder_scores` of each encoder model whose latent codes and
    reconstructions were exported under `profile`."""
    rows = {}
    for name in names:
        exported = read_encoder_results(profile, name)
        if exported is not None:
            rows[name] = metrics.encoder_scores(
                classifier, exported["latent"], exported["reconstructions"]
            )
    return rows


def training_costs(results: dict[str, dict]) -> dict[str, dict]:
    """model -> the training-cost row of its results record (`ResultsRecord.cost`)."""
    return {name: result["record"].cost() for name, result in results.items()}


# --- over seeds -------------------------------------------------------------------------------


def validation_reference(data, validation_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(reference, held-out) halves of the validation split (even- and odd-indexed images):
    what FID per epoch and the stopping rule are measured on, so that no training choice
    looks at the test images that score the tables."""
    from helpers.data import validation_split

    images, _ = validation_split(data, validation_size)
    return images[0::2], images[1::2]


def read_seed_results(
    profile: str, dataset: str, results: dict[str, dict], seeds
) -> dict[str, dict[int, dict]]:
    """name -> seed -> `read_model_results` of that seed's run, for every model of `results`
    (its seed-0 results) and every one of `seeds` (seed 0 is `results` itself).

    Every model must have every seed, so that each verdict compares models on the same seeds:
    a missing one raises MissingResultError naming the notebook to run.
    """
    by_seed = {}
    for name, result in results.items():
        found = {0: result}
        for seed in seeds:
            if seed == 0:
                continue
            other = read_model_results(profile, seed_name(name, seed))
            trained_on = other["record"].config.get("dataset")
            if trained_on != dataset:
                raise ValueError(f"{name} seed {seed} was trained on {trained_on}, not {dataset}")
            found[seed] = other
        by_seed[name] = found
    return by_seed


def score_seeds(
    score, by_seed: dict[str, dict[int, dict]], count: int, known: dict[str, dict] | None = None
) -> dict[str, dict[int, dict]]:
    """name -> seed -> `score(samples)` of the first `count` samples of every seed's run;
    `known` (name -> scores) supplies seed 0's scores already computed."""
    scored = {}
    for name, runs in by_seed.items():
        scored[name] = {}
        for seed, result in sorted(runs.items()):
            if seed == 0 and known is not None and name in known:
                scored[name][seed] = known[name]
            else:
                scored[name][seed] = score(result["samples"][:count])
    return scored


def seed_values(scored: dict[str, dict[int, dict]], keys) -> dict[str, dict[str, list[float]]]:
    """name -> key -> [value per seed, in seed order] of each key every seed has."""
    values = {}
    for name, by_seed in scored.items():
        seeds = sorted(by_seed)
        values[name] = {
            key: [float(by_seed[s][key]) for s in seeds]
            for key in keys
            if all(by_seed[s].get(key) is not None for s in seeds)
        }
    return values


def seed_stopping(
    classifier,
    by_seed: dict[str, dict[int, dict]],
    reference_features: np.ndarray,
    held_out: np.ndarray,
    seed: int = 0,
) -> dict[str, list[dict]]:
    """model -> [`fid_curve` of each seed, in seed order] of every model with per-epoch
    samples, against `reference_features` (the validation split's)."""
    curves = {}
    for name, runs in by_seed.items():
        if all("epoch_images" in r for r in runs.values()):
            curves[name] = [
                _json_curve(
                    fid_curve(
                        classifier,
                        r["epoch_images"],
                        r["epochs"],
                        reference_features,
                        held_out,
                        seed,
                    )
                )
                for _, r in sorted(runs.items())
            ]
    return curves


def _json_curve(curve: dict) -> dict:
    return {
        k: (np.asarray(v).tolist() if isinstance(v, np.ndarray) else v) for k, v in curve.items()
    }


def seed_encoders(classifier, profile: str, by_seed, names=ENCODER_MODELS) -> dict:
    """model -> `latent_knn` and `label_kept` -> [value per seed] of each encoder model."""
    scored = {}
    for name in names:
        if name not in by_seed:
            continue
        scored[name] = {}
        for seed in sorted(by_seed[name]):
            exported = read_encoder_results(profile, seed_name(name, seed))
            if exported is not None:
                scored[name][seed] = metrics.encoder_scores(
                    classifier, exported["latent"], exported["reconstructions"]
                )
    return seed_values({n: s for n, s in scored.items() if s}, ("latent_knn", "label_kept"))


def seed_costs(by_seed: dict[str, dict[int, dict]]) -> dict[str, dict[str, list[float]]]:
    """model -> cost field -> [value per seed] (`ResultsRecord.cost`)."""
    costs = {
        name: {seed: r["record"].cost() for seed, r in runs.items()}
        for name, runs in by_seed.items()
    }
    return seed_values(
        costs, ("epochs", "wall_time_seconds", "seconds_per_epoch", "images_per_second")
    )


def seed_likelihood(by_seed: dict[str, dict[int, dict]]) -> dict[str, dict[str, list[float]]]:
    """VAE model -> `test_elbo` and `iwae` (nats per image) -> [value per seed]."""
    values = {}
    for name, runs in by_seed.items():
        found = {}
        for seed, result in runs.items():
            scores = result["record"].metrics
            found[seed] = {
                "test_elbo": (scores.get("test_elbo") or {}).get("nats_per_image"),
                "iwae": (scores.get("iwae") or {}).get("log_px"),
            }
        kept = seed_values({name: found}, ("test_elbo", "iwae"))[name]
        if kept:
            values[name] = kept
    return values


def spread_rows(
    values: dict[str, dict[str, list[float]]], labels: dict[str, str], columns
) -> dict[str, dict[str, str]]:
    """label -> key -> "mean ± sd" over seeds (`helpers.seeds.Spread.text`) for a table of
    `columns` (key, header, format, scale), with "n" the number of seeds."""
    rows = {}
    for name, by_key in values.items():
        row = {}
        for key, _, fmt, scale in columns:
            if key in by_key:
                row[key] = summarise(by_key[key]).text(fmt, scale)
                row["n"] = str(len(by_key[key]))
        rows[labels.get(name, name)] = row
    return rows


def spread_table(values, labels, columns) -> str:
    """The Markdown table of `spread_rows`: mean ± sd over seeds, and the number of seeds."""
    from helpers.tables import markdown_table

    text_columns = [(key, header, "") for key, header, _, _ in columns] + [("n", "seeds", "")]
    return markdown_table(spread_rows(values, labels, columns), text_columns)


__all__ = [
    "COST_SEED_COLUMNS",
    "ENCODER_SEED_COLUMNS",
    "PIXEL_COLUMNS",
    "SEED_METRICS",
    "SEED_METRIC_COLUMNS",
    "read_seed_results",
    "score_seeds",
    "seed_costs",
    "seed_encoders",
    "seed_likelihood",
    "seed_stopping",
    "seed_values",
    "spread_rows",
    "spread_table",
    "validation_reference",
    "ComparisonRecord",
    "comparison_record",
    "encoder_rows",
    "fid_curve",
    "read_comparison",
    "read_results",
    "sample_rows",
    "score_rows",
    "training_costs",
    "write_comparison",
]
