"""The results record (helpers.record): one type, one writer, one reader, one definition of
the timings for every model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.config import make_config
from helpers.record import (
    RECORD_VERSION,
    RecordError,
    ResultsRecord,
    build_record,
    read_record,
    write_record,
)
from helpers.training import TrainingRun
from tests.records import results_record


def test_a_written_record_reads_back_equal(tmp_path):
    record = results_record("vae_z16", metrics={"test_elbo": {"nats_per_image": -100.5}})
    path = write_record(record, tmp_path)
    assert path == tmp_path / "vae_z16.json"
    assert read_record(path) == record
    assert json.loads(path.read_text())["record_version"] == RECORD_VERSION


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("record_version"), "not a results record"),
        (lambda d: d.update(record_version=RECORD_VERSION + 1), "not a results record"),
        (lambda d: d.pop("timings"), "without timings"),
    ],
)
def test_a_file_of_another_layout_is_refused_with_its_name(tmp_path, change, message):
    values = results_record().to_dict()
    change(values)
    path = tmp_path / "dcgan.json"
    path.write_text(json.dumps(values))
    with pytest.raises(RecordError, match=message):
        read_record(path)
    path.write_text("{not json")
    with pytest.raises(RecordError, match="dcgan.json"):
        read_record(path)


def test_cost_counts_the_parts_once_and_uses_the_records_timings():
    record = results_record(parameters={"generator": 10, "discriminator": 5})
    assert record.cost() == {
        "epochs": 2,
        "wall_time_seconds": 7.5,
        "seconds_per_epoch": 3.0,
        "images_per_second": 100.0,
        "parameters": 15,
    }
    with_total = results_record(parameters={"encoder": 10, "decoder": 5, "total": 15})
    assert with_total.cost()["parameters"] == 15 and with_total.total_parameters == 15


def test_build_record_takes_every_model_timings_from_the_run(project_root):
    config = make_config("dcgan", "smoke", epochs=2, snapshot_epochs=(1, 2))
    run = TrainingRun(
        config=config,
        model=None,
        history={"d_loss": [np.float32(1.5), np.float64(1.25)]},
        epoch_seconds=[2.0, 6.0],
        validation_seconds=[0.5, 0.5],
        wall_time_seconds=10.0,
        epoch_samples=np.zeros((2, 3, 28, 28), np.uint8),
        resumed_from=1,
        images_per_epoch=400,
    )
    record = build_record(
        run,
        name="dcgan",
        model="dcgan",
        parameters={"generator": np.int64(3)},
        files={"samples": project_root / "runs" / "dcgan_samples.npz"},
        export_seconds=1.5,
        metrics={"replicas": 1},
    )
    assert isinstance(record, ResultsRecord)
    assert record.timings.wall_time_seconds == 10.0  # the loop's measure, for every model
    assert record.timings.images_per_second == pytest.approx(400 * 2 / 8.0)
    assert record.timings.train_seconds == 8.0 and record.timings.epochs == 2
    assert record.final == {"d_loss": 1.25} and record.resumed_from_epoch == 1
    assert record.files == {"samples": "dcgan_samples.npz"}  # names, not machine paths
    assert record.config == config.to_dict() and record.seed == config.seed
    assert record.environment["precision"] == config.precision
    assert record.environment["seed"] == config.seed
    json.dumps(record.to_dict())  # JSON-ready: NumPy scalars converted
