"""What every model's training shares: seeding, precision, progress on stderr, the NaN guard,
the one resumable epoch loop (`train_loop`) with its run record (`TrainingRun`), and the
layer table of a built network (`layer_rows`, drawn as Figures 1 and 2).

A model supplies its networks and its epoch step (the `Trainee` protocol); the loop does the
rest, the same way for every model: resume from the newest complete checkpoint, train, guard
against NaN, keep fixed-noise samples, checkpoint, report progress.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or exploding loss; the last good checkpoint is kept."""


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow; with `deterministic`, make TF ops deterministic.

    On a fixed thread count this gives bit-identical losses run to run (measured on CPU).
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


def configure_precision(precision: str) -> str:
    """Set Keras' global dtype policy (float32 | mixed_bfloat16 | mixed_float16); returns it.

    Mixed bfloat16 computes convolutions in bfloat16 (8-bit mantissa) with float32 weights and
    float32 loss: on CPUs with AVX-512 BF16 it halves the arithmetic cost.
    """
    import keras

    keras.mixed_precision.set_global_policy(precision)
    return keras.mixed_precision.global_policy().name


def device_summary() -> str:
    """One line: TF version, devices, precision policy — for the setup cell of a notebook."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    device = f"{len(gpus)} GPU(s): {[g.name for g in gpus]}" if gpus else "CPU only"
    return (
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {device}; "
        f"precision policy {keras.mixed_precision.global_policy().name}"
    )


def check_finite(epoch: int, losses: dict[str, float], limit: float = 1e6) -> None:
    """Raise NonFiniteLossError if any loss is NaN, infinite or beyond `limit` in size."""
    bad = {k: v for k, v in losses.items() if not math.isfinite(v) or abs(v) > limit}
    if bad:
        raise NonFiniteLossError(
            f"epoch {epoch}: loss {bad} is not finite or exceeds {limit:g}; training stopped. "
            "The last good checkpoint is kept: lower the learning rate or use float32, "
            "then rerun to resume from it."
        )


def running_under_ci() -> bool:
    """True when $CI is set to anything but empty, "0" or "false" (GitHub, GitLab, ... set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class EpochProgress:
    """Per-epoch progress with ETA on stderr (outside nbval-compared stdout), quiet under CI."""

    def __init__(self, total_epochs: int, first_epoch: int = 1, label: str = "training"):
        self.total = total_epochs
        self.first = first_epoch
        self.label = label
        self.started = time.perf_counter()
        self.quiet = running_under_ci()

    def update(self, epoch: int, metrics: dict[str, float]) -> None:
        if self.quiet:
            return
        done = epoch - self.first + 1
        elapsed = time.perf_counter() - self.started
        remaining = elapsed / max(done, 1) * (self.total - epoch)
        shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        print(
            f"[{self.label}] epoch {epoch}/{self.total}  {shown}  "
            f"elapsed {_clock(elapsed)}  eta {_clock(remaining)}",
            file=sys.stderr,
            flush=True,
        )


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# --- the one resumable training loop ---------------------------------------------------------


class Trainee(Protocol):
    """What a model gives the shared loop: its name, its networks' state, its epoch step.

    `train_epoch(epoch)` trains one epoch (batches and noise a function of seed and epoch) and
    returns its mean metrics; `validate_epoch(epoch)`, if the model has one, returns validation
    metrics (timed apart from training); `epoch_samples()` returns uint8 [n, 28, 28] images from
    fixed noise, kept after every epoch; `progress_metrics(metrics)` picks what the progress line
    shows.
    """

    name: str
    config: object
    history_keys: tuple[str, ...]
    guarded_keys: tuple[str, ...]  # the losses the NaN guard checks
    images_per_epoch: int

    @property
    def variables(self) -> dict[str, list]: ...

    def train_epoch(self, epoch: int) -> dict[str, float]: ...

    def epoch_samples(self) -> np.ndarray: ...

    def progress_metrics(self, metrics: dict[str, float]) -> dict[str, float]: ...


@dataclass
class TrainingRun:
    """What every model's `train` returns: the trained model and what was measured on the way."""

    config: object
    model: object
    history: dict[str, list[float]]
    epoch_seconds: list[float]  # training only, per epoch
    validation_seconds: list[float]  # per epoch; empty for models without a validation pass
    wall_time_seconds: float
    epoch_samples: np.ndarray  # uint8 [E, n, 28, 28]: fixed-noise samples after each epoch
    resumed_from: int  # the epoch the run started after (0: from scratch)
    images_per_epoch: int
    data: object = None  # the Dataset trained on (its test split feeds export_results)
    extra: dict = field(default_factory=dict)

    @property
    def epochs(self) -> np.ndarray:
        return np.arange(1, len(self.epoch_seconds) + 1)

    @property
    def images_per_second(self) -> float:
        """Training throughput over all epochs (the first includes tracing the step)."""
        return self.images_per_epoch * len(self.epoch_seconds) / max(sum(self.epoch_seconds), 1e-9)

    def snapshot(self, epoch: int, count: int = 100) -> np.ndarray:
        """uint8 [count, 28, 28]: the first `count` fixed-noise samples kept after `epoch`."""
        return self.epoch_samples[epoch - 1, :count]

    @property
    def snapshots(self) -> dict[int, np.ndarray]:
        """The config's snapshot epochs -> all their fixed-noise samples, uint8 [n, 28, 28]."""
        return {epoch: self.epoch_samples[epoch - 1] for epoch in self.config.snapshot_epochs}

    @property
    def final(self) -> dict[str, float]:
        """The last epoch's value of every history key."""
        return {key: values[-1] for key, values in self.history.items()}


def train_loop(
    model: Trainee,
    *,
    resume: bool = True,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
    checkpoint_config=None,
    data=None,
    trained_model=None,
) -> TrainingRun:
    """Train `model` from its newest complete checkpoint (or from scratch) to config.epochs.

    After every epoch: the NaN guard (raises before anything of the bad epoch is saved, so the
    last good checkpoint stays), the fixed-noise samples, then a checkpoint; then progress on
    stderr and `on_epoch_end(epoch, metrics)` (tests use it to interrupt). `resume=False`
    deletes this config's checkpoints first. `checkpoint_config` (default: the model's config)
    names the checkpoint directory; `trained_model` (default: `model`) is what the run's
    `model` holds, for a trainee that wraps the model it trains (the VAE's Keras model).
    """
    from helpers.runs import Checkpointer, atomic_write_npz

    config = model.config
    checkpointer = Checkpointer(config.profile, model.name, checkpoint_config or config)
    if not resume:  # start over: old, later epochs must not outlive (or prune) the new ones
        checkpointer.clear()
    samples_dir = checkpointer.directory / "epoch_samples"
    state = checkpointer.restore(model.variables) or {}
    start = int(state.get("epoch", 0))
    if start > config.epochs:
        raise RuntimeError(
            f"the checkpoint in {checkpointer.directory} is at epoch {start}, past "
            f"epochs={config.epochs}; ask for at least {start} epochs, or pass resume=False "
            "(or delete it) to train from scratch"
        )
    history = {key: list(state.get("history", {}).get(key, [])) for key in model.history_keys}
    epoch_seconds = list(state.get("epoch_seconds", []))
    validation_seconds = list(state.get("validation_seconds", []))
    wall_time = float(state.get("wall_time_seconds", 0.0))
    validate = getattr(model, "validate_epoch", None)
    if progress and start:
        print(f"[{model.name}] resumed from the checkpoint of epoch {start}", file=sys.stderr)
    meter = EpochProgress(config.epochs, start + 1, label=model.name) if progress else None
    for epoch in range(start + 1, config.epochs + 1):
        began = time.perf_counter()
        metrics = model.train_epoch(epoch)
        trained = time.perf_counter()
        if validate is not None:
            metrics.update(validate(epoch))
            validation_seconds.append(time.perf_counter() - trained)
        check_finite(epoch, {key: metrics[key] for key in model.guarded_keys})
        atomic_write_npz(samples_dir / f"epoch-{epoch:04d}.npz", images=model.epoch_samples())
        for key in model.history_keys:
            history[key].append(metrics[key])
        epoch_seconds.append(trained - began)
        wall_time += time.perf_counter() - began
        checkpointer.save(
            epoch,
            model.variables,
            {
                "history": history,
                "epoch_seconds": epoch_seconds,
                "validation_seconds": validation_seconds,
                "wall_time_seconds": wall_time,
                # every random draw is a function of (seed, epoch, step) or of checkpointed
                # generator state: this is the RNG state
                "rng": {"seed": config.seed, "next_epoch": epoch + 1},
            },
        )
        if meter:
            meter.update(epoch, model.progress_metrics(metrics))
        if on_epoch_end:
            on_epoch_end(epoch, metrics)
    return TrainingRun(
        config=config,
        model=model if trained_model is None else trained_model,
        history=history,
        epoch_seconds=epoch_seconds,
        validation_seconds=validation_seconds,
        wall_time_seconds=wall_time,
        epoch_samples=load_epoch_samples(samples_dir, config.epochs),
        resumed_from=start,
        images_per_epoch=model.images_per_epoch,
        data=data,
    )


def load_epoch_samples(directory: Path, epochs: int) -> np.ndarray:
    """uint8 [epochs, n, 28, 28]: the per-epoch samples the loop wrote into `directory`."""
    arrays = []
    for epoch in range(1, epochs + 1):
        path = directory / f"epoch-{epoch:04d}.npz"
        if not path.exists():
            raise FileNotFoundError(
                f"{path} is missing: the per-epoch samples of this checkpoint were deleted; "
                "delete the checkpoint directory (or pass resume=False) to train again"
            )
        with np.load(path) as saved:
            arrays.append(saved["images"])
    return np.stack(arrays)


def layer_rows(model) -> list[tuple[str, str, int]]:
    """(layer type, output shape without the batch axis as "7×7×128", parameters) for each
    layer of a built functional/Sequential Keras model, the input first."""
    rows = []
    inputs = getattr(model, "inputs", None) or []
    for tensor in inputs:
        rows.append(("Input", _shape_text(tensor.shape), 0))
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            shape = _shape_text(layer.output.shape)
        except (AttributeError, ValueError):
            shape = "?"
        rows.append((type(layer).__name__, shape, int(layer.count_params())))
    return rows


def _shape_text(shape) -> str:
    return "×".join(str(d) for d in tuple(shape)[1:])
