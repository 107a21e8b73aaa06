"""What every model's test checks of the common interface (helpers.training.GenerativeModel):
samples by seed, and an export that writes the record it returns."""

from __future__ import annotations

import numpy as np

from helpers.data import IMAGE_SHAPE
from helpers.record import ResultsRecord, read_record
from helpers.runs import results_dir


def assert_samples_by_seed(model, count: int = 6) -> None:
    """`model.sample(count, seed)`: uint8 [count, 28, 28], equal for equal seeds, not for
    different ones."""
    first, again, other = model.sample(count, 5), model.sample(count, 5), model.sample(count, 6)
    assert first.shape == (count, *IMAGE_SHAPE) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def assert_exports_its_record(model, run, kinds: set[str]) -> ResultsRecord:
    """`model.export(run)` returns the ResultsRecord it wrote as <name>.json, naming files of
    `kinds` that exist, whose samples are the config seed's; returns the record."""
    record = model.export(run)
    assert isinstance(record, ResultsRecord)
    folder = results_dir(model.config.profile)
    assert record == read_record(folder / f"{model.name}.json")
    assert set(record.files) == kinds
    assert all((folder / name).is_file() for name in record.files.values())
    config = model.config
    with np.load(folder / record.files["samples"]) as saved:  # the seed's samples, exactly
        np.testing.assert_array_equal(
            saved["images"], model.sample(config.export_samples, config.seed)
        )
    return record
