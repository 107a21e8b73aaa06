"""The results record: what every trained model's export writes, defined once.

One typed structure (`ResultsRecord`, with its `Timings`), one writer (`write_record`) and one
reader (`read_record`): the notebooks, the comparison, the verdicts, the figures and the
publishing step all read a model's results through `read_record`, never a JSON dict.

    runs/<profile>/results/<name>.json     the record of result `name` (`dcgan`, `vae_z16`, ...)

Timings mean the same for every model: `epoch_seconds` are the training steps of each epoch,
`wall_time_seconds` is the whole of every epoch (training, validation or diagnosis, the
per-epoch samples and the checkpoint), `images_per_second` is training images over training
seconds, `export_seconds` the export after training.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

RECORD_VERSION = 2  # the layout below; a reader refuses other layouts with a clear message


class RecordError(ValueError):
    """A results file that is not a record of this layout (or not a results record at all)."""


@dataclass(frozen=True)
class Timings:
    """Where a run's time went, in seconds (see the module docstring for the definitions)."""

    epoch_seconds: list[float]
    validation_seconds: list[float]
    wall_time_seconds: float
    images_per_second: float
    export_seconds: float

    @property
    def epochs(self) -> int:
        return len(self.epoch_seconds)

    @property
    def train_seconds(self) -> float:
        return float(sum(self.epoch_seconds))


@dataclass(frozen=True)
class ResultsRecord:
    """A trained model's results: what ran (config, seed, environment), what it measured on
    the way (history, timings) and after (metrics), and the files exported beside it.

    `environment` holds the versions, commit, device and the precision the hardware decided
    (`helpers.runs.environment_record`); `files` maps a kind (samples, weights, ...) to a file
    name in the record's folder; `metrics` holds the model's own evaluation numbers (test
    likelihood bounds, test-set losses, diagnosis, ...).
    """

    name: str  # the result name: dcgan, vae, vae_z16, vaegan, vaegan_z16
    model: str  # the model family: dcgan, vae, vaegan
    config: dict
    seed: int
    environment: dict
    history: dict[str, list[float]]
    final: dict[str, float]
    parameters: dict[str, int]
    images_per_epoch: int
    resumed_from_epoch: int
    timings: Timings
    files: dict[str, str] = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)

    @property
    def total_parameters(self) -> int:
        """Every trainable network's parameters together."""
        parts = {k: int(v) for k, v in self.parameters.items() if k != "total"}
        return int(self.parameters.get("total", sum(parts.values())))

    def cost(self) -> dict:
        """Epochs, wall time, seconds per epoch, images per second and total parameters: the
        training-cost row of the comparison."""
        epochs = self.timings.epoch_seconds
        return {
            "epochs": len(epochs),
            "wall_time_seconds": float(self.timings.wall_time_seconds),
            "seconds_per_epoch": float(sum(epochs) / len(epochs)) if epochs else float("nan"),
            "images_per_second": float(self.timings.images_per_second),
            "parameters": self.total_parameters,
        }

    def to_dict(self) -> dict:
        return {"record_version": RECORD_VERSION, **dataclasses.asdict(self)}

    @classmethod
    def from_dict(cls, values: dict, source: str = "record") -> ResultsRecord:
        version = values.get("record_version") if isinstance(values, dict) else None
        if version != RECORD_VERSION:
            raise RecordError(
                f"{source}: not a results record of layout {RECORD_VERSION} (found "
                f"{version!r}); rerun the notebook that writes it"
            )
        names = {f.name for f in dataclasses.fields(cls)}
        missing = sorted(names - set(values))
        if missing:
            raise RecordError(f"{source}: results record without {', '.join(missing)}")
        fields = {k: v for k, v in values.items() if k in names}
        return cls(**{**fields, "timings": Timings(**fields["timings"])})


def build_record(run, *, name: str, model: str, parameters: dict, files: dict[str, Path],
                 export_seconds: float, metrics: dict | None = None) -> ResultsRecord:  # fmt: skip
    """The record of a finished `helpers.training.TrainingRun` (its config, history and times)
    with the model's parameter counts, exported files and evaluation `metrics`."""
    from helpers.runs import environment_record

    config = run.config
    return ResultsRecord(
        name=name,
        model=model,
        config=config.to_dict(),
        seed=int(config.seed),
        environment=plain_json(environment_record(seed=config.seed, precision=config.precision)),
        history={k: [float(v) for v in values] for k, values in run.history.items()},
        final={k: float(v) for k, v in run.final.items()},
        parameters={k: int(v) for k, v in parameters.items()},
        images_per_epoch=int(run.images_per_epoch),
        resumed_from_epoch=int(run.resumed_from),
        timings=Timings(
            epoch_seconds=[float(s) for s in run.epoch_seconds],
            validation_seconds=[float(s) for s in run.validation_seconds],
            wall_time_seconds=float(run.wall_time_seconds),
            images_per_second=float(run.images_per_second),
            export_seconds=float(export_seconds),
        ),
        files={kind: Path(path).name for kind, path in files.items()},
        metrics=plain_json(dict(metrics or {})),
    )


def plain_json(value):
    """`value` as JSON reads it back (NumPy scalars and arrays become numbers and lists,
    tuples lists), so a record equals the record read from its file."""
    import json

    from helpers.runs import _json_default

    return json.loads(json.dumps(value, default=_json_default))


def write_record(record: ResultsRecord, folder: str | os.PathLike) -> Path:
    """`<folder>/<record.name>.json`, written atomically."""
    from helpers.runs import atomic_write_json

    return atomic_write_json(Path(folder) / f"{record.name}.json", record.to_dict())


def read_record(path: str | os.PathLike) -> ResultsRecord:
    """The record in `path`; FileNotFoundError if it is missing, RecordError if it is not a
    record of this layout."""
    from helpers.runs import read_json

    path = Path(path)
    try:
        values = read_json(path)
    except ValueError as error:
        raise RecordError(f"{path}: not readable JSON ({error})") from None
    return ResultsRecord.from_dict(values, source=str(path))


__all__ = [
    "RECORD_VERSION",
    "RecordError",
    "ResultsRecord",
    "Timings",
    "build_record",
    "read_record",
    "write_record",
]
