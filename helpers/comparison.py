"""The comparison of notebook 05 as functions: read every model's results, score them in one
feature space, FID per epoch and when to stop, what the encoders keep, the training cost,
and the one typed record (`ComparisonRecord`, `comparison.json`) that the verdicts and the
published README read.

    results = read_results(profile, dataset)                 # name -> record, samples, ...
    samples = sample_rows(results, held_out, max_samples)    # "real" first, equally many
    scores, details = score_rows(scorer, samples)
    curves = fid_curves(classifier, results, scorer.reference_features, held_out, seed)
    encoders = encoder_rows(classifier, profile)
    record = ComparisonRecord(profile=..., rows=scores, fid_per_epoch=curves, ...)
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
from helpers.results import MissingResultError, read_encoder_results, read_model_results

COMPARISON_NAME = "comparison"
REQUIRED = ("dcgan", "vae")  # the paper's two models: the comparison needs both
OPTIONAL = ("vaegan", "vae_z16", "vaegan_z16")  # the future work, the second latent size
ENCODER_MODELS = ("vae", "vae_z16", "vaegan", "vaegan_z16")
REAL = "real"  # the row of held-out real digits

# The metrics table: (key, header, format); KID and IS show their standard deviation
METRIC_COLUMNS = [
    ("fid", "FID ↓", ".2f"),
    ("kid_text", "KID×10³ ↓", ""),
    ("is_text", "IS ↑", ""),
    ("precision", "precision ↑", ".3f"),
    ("recall", "recall ↑", ".3f"),
    ("density", "density", ".3f"),
    ("coverage", "coverage ↑", ".3f"),
    ("classes_covered", "classes", "d"),
    ("kl_to_uniform", "KL to uniform ↓", ".3f"),
    ("sharpness", "sharpness", ".4f"),
    ("nearest_train_median", "nearest train", ".2f"),
    ("copy_share", "copies", ".1%"),
    ("ambiguous_4_9", "4↔9", ".1%"),
    ("ambiguous_1_7", "1↔7", ".1%"),
]
ENCODER_COLUMNS = [
    ("latent_dim", "latent dimension", "d"),
    ("latent_knn", "5-NN on the codes ↑", ".1%"),
    ("label_kept", "reconstructions keep their label ↑", ".1%"),
]
COST_COLUMNS = [
    ("epochs", "epochs", "d"),
    ("wall_time_seconds", "wall time (s)", ".1f"),
    ("seconds_per_epoch", "s / epoch", ".2f"),
    ("images_per_second", "images / s", ",.0f"),
    ("parameters", "parameters", ",d"),
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


def metric_table_rows(scores: dict[str, dict], labels: dict[str, str]) -> dict[str, dict]:
    """The metrics table's rows: label -> scores with KID (×10³) and IS as "mean ± sd"."""
    rows = {}
    for name, score in scores.items():
        rows[labels[name]] = {
            **score,
            "kid_text": f"{1e3 * score['kid']:.2f} ± {1e3 * score['kid_std']:.2f}",
            "is_text": f"{score['inception_score']:.2f} ± {score['inception_score_std']:.2f}",
        }
    return rows


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


def fid_curves(
    classifier,
    results: dict[str, dict],
    reference_features: np.ndarray,
    held_out: np.ndarray,
    seed: int = 0,
) -> dict[str, dict]:
    """model -> `fid_curve` for every model of `results` that exported per-epoch samples."""
    return {
        name: fid_curve(
            classifier,
            result["epoch_images"],
            result["epochs"],
            reference_features,
            held_out,
            seed,
        )
        for name, result in results.items()
        if "epoch_images" in result
    }


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


__all__ = [
    "COST_COLUMNS",
    "ENCODER_COLUMNS",
    "METRIC_COLUMNS",
    "ComparisonRecord",
    "comparison_record",
    "encoder_rows",
    "fid_curve",
    "fid_curves",
    "metric_table_rows",
    "read_comparison",
    "read_results",
    "sample_rows",
    "score_rows",
    "training_costs",
    "write_comparison",
]
