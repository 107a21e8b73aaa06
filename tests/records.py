"""Tiny results records for tests: a `ResultsRecord` with every field set, any overridden."""

from __future__ import annotations

from helpers.record import ResultsRecord, Timings, write_record


def results_record(name: str = "dcgan", model: str | None = None, **overrides) -> ResultsRecord:
    """A record of result `name` (its family `model`, by default the name's base) with small
    made-up numbers; keyword arguments replace fields, `timings` may be a dict of Timings'."""
    timings = {
        "epoch_seconds": [2.0, 4.0],
        "validation_seconds": [0.5, 0.5],
        "wall_time_seconds": 7.5,
        "images_per_second": 100.0,
        "export_seconds": 1.0,
        **overrides.pop("timings", {}),
    }
    values = {
        "name": name,
        "model": model or name.partition("_z")[0],
        "config": {"dataset": "mnist", "seed": 0},
        "seed": 0,
        "environment": {"seed": 0, "precision": "float32"},
        "history": {"loss": [2.0, 1.0]},
        "final": {"loss": 1.0},
        "parameters": {"generator": 10, "discriminator": 5},
        "images_per_epoch": 200,
        "resumed_from_epoch": 0,
        "timings": Timings(**timings),
        "files": {},
        "metrics": {},
        **overrides,
    }
    return ResultsRecord(**values)


def write_results_record(folder, name: str = "dcgan", **overrides) -> ResultsRecord:
    """`results_record(name, **overrides)` written into `folder` as <name>.json."""
    record = results_record(name, **overrides)
    write_record(record, folder)
    return record
