"""The shared training loop (helpers.training.train) on a tiny NumPy "model": resume, damaged
checkpoints, the NaN guard, checkpoints of another config or beyond the requested epochs,
progress under CI. No TensorFlow needed: the loop only sees the GenerativeModel interface."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.config import make_config
from helpers.runs import Checkpointer
from helpers.training import (
    EpochProgress,
    NonFiniteLossError,
    layer_rows,
    running_under_ci,
    train,
    train_loop,
    train_seeds,
)


class Variable:
    """The part of a Keras/TF variable the checkpointer uses: numpy(), assign(), shape."""

    def __init__(self, value):
        self.value = np.asarray(value, np.float64)

    @property
    def shape(self):
        return self.value.shape

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        self.value = np.asarray(value, np.float64).copy()


class Toy:
    """A 'model' whose epoch draws noise from (seed, epoch), like the real ones."""

    name = "toy"
    history_keys = ("loss", "weight_norm")
    guarded_keys = ("loss",)
    images_per_epoch = 8

    def __init__(self, config, poison_epoch: int | None = None):
        self.config = config
        self.data = None
        self.validated: list[int] = []
        self.weights = Variable(np.ones(4))
        self.momentum = Variable(np.zeros(4))
        self.poison_epoch = poison_epoch

    @property
    def variables(self):
        return {"weights": [self.weights], "optimizer": [self.momentum]}

    def train_epoch(self, epoch):
        noise = np.random.default_rng([self.config.seed, epoch]).standard_normal(4)
        self.momentum.assign(0.5 * self.momentum.value + noise)
        self.weights.assign(0.9 * self.weights.value + 0.1 * self.momentum.value)
        loss = float(np.sum(self.weights.value**2))
        if epoch == self.poison_epoch:
            loss = float("nan")
        return {"loss": loss, "weight_norm": float(np.linalg.norm(self.weights.value))}

    def epoch_samples(self):
        return np.full((3, 28, 28), int(abs(self.weights.value[0]) * 100) % 256, np.uint8)

    def progress_metrics(self, metrics):
        return {"loss": metrics["loss"]}

    def use_data(self, data):
        self.data = data

    def validate_epoch(self, epoch):
        self.validated.append(epoch)
        return {}


def toy_config(**overrides):
    values = dict(epochs=4, snapshot_epochs=(1, 4))
    values.update(overrides)
    return make_config("dcgan", "smoke", **values)  # any config: the loop reads common fields


def train_toy(config, **kwargs):
    return train_loop(Toy(config), progress=False, **kwargs)


class Interrupt(Exception):
    pass


def stop_at(stop_epoch):
    def hook(epoch, metrics):
        if epoch == stop_epoch:
            raise Interrupt

    return hook


def test_interrupted_run_resumes_to_the_numbers_of_an_uninterrupted_one(project_root):
    straight = train_toy(toy_config())
    config = toy_config(seed=0, learning_rate=2e-3)  # same math, another checkpoint directory
    with pytest.raises(Interrupt):
        train_toy(config, on_epoch_end=stop_at(2))
    resumed = train_toy(config)
    assert resumed.resumed_from == 2 and straight.resumed_from == 0
    assert resumed.history == straight.history
    np.testing.assert_array_equal(resumed.epoch_samples, straight.epoch_samples)
    assert len(resumed.epoch_seconds) == 4
    assert (
        sorted(resumed.snapshots) == [1, 4]
        and resumed.final["loss"] == straight.history["loss"][-1]
    )


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "state_json", "missing_npz"])
def test_damaged_latest_checkpoint_falls_back_to_the_previous_one(project_root, damage):
    straight = train_toy(toy_config())
    config = toy_config(learning_rate=2e-3)
    with pytest.raises(Interrupt):
        train_toy(config, on_epoch_end=stop_at(3))
    directory = Checkpointer("smoke", "toy", config).directory
    latest = directory / "state-0003.npz"
    if damage == "truncate":  # a full disk: the file ends early
        latest.write_bytes(latest.read_bytes()[: len(latest.read_bytes()) // 2])
    elif damage == "corrupt":  # flipped bytes in the middle of the compressed arrays
        raw = bytearray(latest.read_bytes())
        middle = len(raw) // 2
        raw[middle : middle + 16] = bytes(16)
        latest.write_bytes(bytes(raw))
    elif damage == "state_json":
        (directory / "state-0003.json").write_text('{"epoch": 3, "hist')
    else:
        latest.unlink()
    with pytest.warns(RuntimeWarning, match="state-0003.*older checkpoint"):
        resumed = train_toy(config)
    assert resumed.resumed_from == 2  # the newest checkpoint that reads back whole
    assert resumed.history == straight.history  # the same final numbers, exactly
    np.testing.assert_array_equal(resumed.epoch_samples, straight.epoch_samples)


def test_all_checkpoints_damaged_trains_from_scratch(project_root):
    straight = train_toy(toy_config(epochs=2, snapshot_epochs=(1,)))
    config = toy_config(epochs=2, snapshot_epochs=(1,), learning_rate=2e-3)
    train_toy(config)
    for path in Checkpointer("smoke", "toy", config).directory.glob("state-*.npz"):
        path.write_bytes(b"not a zip file")
    with pytest.warns(RuntimeWarning):
        again = train_toy(config)
    assert again.resumed_from == 0 and again.history == straight.history


def test_a_checkpoint_of_another_architecture_is_refused_not_skipped(project_root):
    config = toy_config(epochs=1, snapshot_epochs=(1,))
    train_toy(config)

    class Wider(Toy):
        def __init__(self, config):
            super().__init__(config)
            self.weights = Variable(np.ones(5))

    with pytest.raises(RuntimeError, match="architecture changed"):
        train_loop(Wider(config), progress=False)


def test_a_checkpoint_beyond_the_requested_epochs_is_refused(project_root):
    train_toy(toy_config(epochs=3, snapshot_epochs=(1,)))
    shorter = toy_config(epochs=2, snapshot_epochs=(1,))
    with pytest.raises(RuntimeError, match="epoch 3, past epochs=2"):
        train_toy(shorter)
    restarted = train_toy(shorter, resume=False)  # starts over instead
    assert restarted.resumed_from == 0 and len(restarted.history["loss"]) == 2


def test_checkpoints_of_another_config_are_refused(project_root):
    config = toy_config(epochs=1, snapshot_epochs=(1,))
    checkpointer = Checkpointer("smoke", "toy", config)
    other = toy_config(epochs=1, snapshot_epochs=(1,), seed=1)
    # a hand-copied directory (or a hash collision): the saved config disagrees
    (checkpointer.directory / "config.json").write_text(
        (checkpointer.directory / "config.json").read_text().replace('"seed": 0', '"seed": 1')
    )
    with pytest.raises(RuntimeError, match=r"another config.*seed"):
        Checkpointer("smoke", "toy", config)
    assert Checkpointer("smoke", "toy", other).directory != checkpointer.directory


def test_nan_loss_stops_before_the_bad_epoch_is_saved(project_root):
    config = toy_config()
    with pytest.raises(NonFiniteLossError, match="epoch 3"):
        train_loop(Toy(config, poison_epoch=3), progress=False)
    checkpointer = Checkpointer("smoke", "toy", config)
    assert checkpointer.latest_epoch == 2
    assert not (checkpointer.directory / "state-0003.npz").exists()


def test_train_gives_the_model_its_data_and_validates_every_epoch(project_root):
    toy = Toy(toy_config(epochs=3, snapshot_epochs=(1, 3)))
    data = object()
    run = train(toy, data, progress=False)
    assert toy.data is data and run.data is data and run.model is toy
    assert toy.validated == [1, 2, 3]
    assert len(run.validation_seconds) == len(run.epoch_seconds) == 3
    assert run.wall_time_seconds >= sum(run.epoch_seconds)
    assert run.images_per_second == pytest.approx(8 * 3 / sum(run.epoch_seconds))


class ExportingToy(Toy):
    """A Toy whose export returns what it was trained with (train_seeds exports each seed)."""

    def export(self, run, evaluation=None):
        return {"seed": self.config.seed, "weights": self.weights.numpy(), "scores": evaluation}


def test_train_seeds_trains_and_exports_every_other_seed_on_its_own(project_root):
    config = toy_config(epochs=2, snapshot_epochs=(2,))
    built = []

    def build(seeded):
        built.append(seeded.seed)
        return ExportingToy(seeded)

    records = train_seeds(config, (1, 2), build, object(), lambda m: {"seen": m.config.seed})
    assert built == [1, 2] and sorted(records) == [1, 2]
    assert [records[s]["seed"] for s in (1, 2)] == [1, 2]
    assert records[2]["scores"] == {"seen": 2}
    # each seed draws its own noise, so the trained weights differ
    assert not np.allclose(records[1]["weights"], records[2]["weights"])
    again = train_seeds(config, (1, 2), build, object())  # resumed from each seed's checkpoint
    np.testing.assert_array_equal(again[2]["weights"], records[2]["weights"])


def test_progress_is_quiet_under_ci(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    assert running_under_ci()
    meter = EpochProgress(2)
    meter.update(1, {"loss": 1.0})
    meter.close()
    assert capsys.readouterr().err == ""
    for value in ("", "0", "false"):
        monkeypatch.setenv("CI", value)
        assert not running_under_ci()
    meter = EpochProgress(2, label="toy")
    meter.update(1, {"loss": 1.25})
    meter.close()
    shown = capsys.readouterr().err
    assert "toy" in shown and "1/2" in shown and "loss=1.2500" in shown


def test_progress_is_text_on_stderr_when_asked_even_in_a_kernel(monkeypatch):
    import tqdm
    import tqdm.auto

    from helpers.training import PROGRESS_ENV

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(PROGRESS_ENV, "text")
    monkeypatch.setattr(tqdm.auto, "tqdm", None)  # what a kernel would pick: never used
    meter = EpochProgress(3, label="toy")
    assert type(meter.bar) is tqdm.tqdm
    meter.close()


def test_layer_rows_give_each_layer_its_output_shape_and_parameters():
    import keras

    inputs = keras.Input((6, 6, 2))
    x = keras.layers.Conv2D(3, 3, strides=2, padding="same")(inputs)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(4)(x))
    assert layer_rows(model) == [
        ("Input", "6×6×2", 0),
        ("Conv2D", "3×3×3", 3 * 3 * 2 * 3 + 3),  # kernel + bias
        ("Flatten", "27", 0),
        ("Dense", "4", 27 * 4 + 4),
    ]
    sequential = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    assert layer_rows(sequential) == [("Input", "5", 0), ("Dense", "2", 12)]
