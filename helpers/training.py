"""What every model's training shares: seeding, precision, the progress bar, the NaN guard,
the one interface of a trained model (`GenerativeModel`), the one resumable epoch loop
(`train`) with what it returns (`TrainingRun`), and the layer table of a built network
(`layer_rows`, drawn as Figures 1 and 2).

A model supplies its networks and its epoch step; the loop does the rest, the same way for
every model: resume from the newest complete checkpoint, train, guard against NaN, keep
fixed-noise samples, checkpoint, show progress.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from helpers.record import ResultsRecord


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


# "text": the progress bar is a line on stderr even in a Jupyter kernel (`make report` sets it:
# papermill shows the kernel's stderr on the terminal, and no terminal shows a widget)
PROGRESS_ENV = "VAE_VS_GAN_PROGRESS"


class EpochProgress:
    """One progress bar per run (`tqdm.auto`: a widget in Jupyter and Colab, a line on stderr
    in a terminal or with $VAE_VS_GAN_PROGRESS=text) with the epoch, the chosen losses and the
    time left; off under CI."""

    def __init__(self, total_epochs: int, first_epoch: int = 1, label: str = "training"):
        if os.environ.get(PROGRESS_ENV) == "text":
            from tqdm import tqdm
        else:
            from tqdm.auto import tqdm

        self.bar = tqdm(
            total=total_epochs,
            initial=first_epoch - 1,
            desc=label,
            unit="epoch",
            file=sys.stderr,
            disable=running_under_ci(),
            dynamic_ncols=True,
        )

    def update(self, epoch: int, metrics: dict[str, float]) -> None:
        self.bar.set_postfix({k: f"{v:.4f}" for k, v in metrics.items()}, refresh=False)
        self.bar.update(epoch - self.bar.n)

    def close(self) -> None:
        self.bar.close()


# --- the one resumable training loop ---------------------------------------------------------


class GenerativeModel(Protocol):
    """What every trained model here (DCGAN, VAE, VAE-GAN) offers, and what the shared loop
    calls. Built from its config by its module's `build`, trained by `train` below.

    `use_data(data)` takes the training (and validation) images from a `helpers.data.Dataset`;
    `train_epoch(epoch)` trains one epoch (batches and noise a function of seed and epoch) and
    returns its mean metrics; `validate_epoch(epoch)` returns metrics measured after the epoch,
    timed apart from training ({} when the model has none); `epoch_samples()` returns uint8
    [n, 28, 28] images from fixed noise, kept after every epoch; `progress_metrics(metrics)`
    picks what the progress bar shows; `sample(n, seed)` draws uint8 [n, 28, 28] images;
    `generate(codes)` decodes latent codes into uint8 [N, 28, 28] images; `export(run,
    evaluation)` writes the trained model's files and its `ResultsRecord`.
    """

    name: str  # the result name: dcgan, vae, vae_z16, vaegan, vaegan_z16
    config: object
    data: object  # the Dataset given to use_data (None before)
    history_keys: tuple[str, ...]
    guarded_keys: tuple[str, ...]  # the losses the NaN guard checks
    images_per_epoch: int

    @property
    def variables(self) -> dict[str, list]: ...

    def use_data(self, data) -> None: ...

    def train_epoch(self, epoch: int) -> dict[str, float]: ...

    def validate_epoch(self, epoch: int) -> dict[str, float]: ...

    def epoch_samples(self) -> np.ndarray: ...

    def progress_metrics(self, metrics: dict[str, float]) -> dict[str, float]: ...

    def parameters(self) -> dict[str, int]: ...

    def sample(self, n: int, seed: int) -> np.ndarray: ...

    def generate(self, codes: np.ndarray, batch_size: int = 1000) -> np.ndarray: ...

    def export(self, run: TrainingRun, evaluation: dict | None = None) -> ResultsRecord: ...


# The seed stream of the prior codes the explorer's walk loops through
WALK_STREAM = 30


class TrainedModel:
    """The export every model shares: its files (`exported_arrays`, and the latent-space
    explorer's `explorer_arrays`) and its results record, built and written once here. A model
    class supplies `name`, `family` (dcgan, vae, vaegan), `config`, `latent_dim`,
    `parameters()`, `generate(codes)` and the two hooks."""

    name: str
    family: str
    latent_dim: int

    def generate(self, codes: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """uint8 [N, 28, 28]: the images the model makes of latent codes float32 [N, latent]."""
        raise NotImplementedError

    def explorer_arrays(self) -> dict:
        """What the latent-space explorer of the report shows of this model (helpers.explorer):
        `walk`, the images along a closed spherical loop through prior codes, and for a 2-D
        latent `plane`, the decodes on the explorer's grid, uint8 [G, G, 28, 28]."""
        from helpers import explorer

        rng = np.random.default_rng([self.config.seed, WALK_STREAM])
        anchors = rng.standard_normal((explorer.WALK_ANCHORS, self.latent_dim))
        codes = explorer.slerp_loop(anchors.astype(np.float32), explorer.WALK_STEPS)
        arrays = {"walk": self.generate(codes)}
        if self.latent_dim == 2:
            size = explorer.DEFAULT_GRID_SIZE
            low, high = explorer.DEFAULT_LOW, explorer.DEFAULT_HIGH
            grid = self.generate(explorer.plane_grid(size, low, high))
            arrays["plane"] = grid.reshape(size, size, *grid.shape[1:])
            arrays["plane_range"] = (low, high)
        return arrays

    def exported_arrays(self, run: TrainingRun) -> dict:
        """The keyword arguments of `helpers.runs.write_model_files`: samples, weights, and
        what else this model exports."""
        raise NotImplementedError

    def export_metrics(self, run: TrainingRun) -> dict:
        """Numbers the model measures at export (test-set losses, ...): the record's metrics."""
        return {}

    def export(self, run: TrainingRun, evaluation: dict | None = None) -> ResultsRecord:
        """Write this model's files and its `helpers.record.ResultsRecord` (`<name>.json`)
        into runs/<profile>/results/; `evaluation` joins the record's metrics. Returns it."""
        from helpers.record import build_record, write_record
        from helpers.runs import results_dir, write_model_files

        started = time.perf_counter()
        folder = results_dir(self.config.profile)
        arrays = self.exported_arrays(run)
        if self.config.seed == 0:  # the explorer shows the named seed's models
            arrays.update(self.explorer_arrays())
        files = write_model_files(folder, self.name, **arrays)
        record = build_record(
            run,
            name=self.name,
            model=self.family,
            parameters=self.parameters(),
            files=files,
            export_seconds=time.perf_counter() - started,
            metrics={**self.export_metrics(run), **(evaluation or {})},
        )
        write_record(record, folder)
        return record


@dataclass
class TrainingRun:
    """What `train` returns: the trained model and what was measured on the way."""

    config: object
    model: GenerativeModel
    history: dict[str, list[float]]
    epoch_seconds: list[float]  # training only, per epoch
    validation_seconds: list[float]  # per epoch (0 for a model without a validation pass)
    wall_time_seconds: float  # every epoch whole: training, validation, samples, checkpoint
    epoch_samples: np.ndarray  # uint8 [E, n, 28, 28]: fixed-noise samples after each epoch
    resumed_from: int  # the epoch the run started after (0: from scratch)
    images_per_epoch: int
    data: object = None  # the Dataset trained on (its test split feeds the export)

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


def train(
    model: GenerativeModel,
    data,
    *,
    resume: bool = True,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> TrainingRun:
    """Train `model` on `data` (a `helpers.data.Dataset`) with the shared loop: from its newest
    complete checkpoint (or from scratch) to config.epochs. The same call for every model."""
    model.use_data(data)
    return train_loop(model, resume=resume, progress=progress, on_epoch_end=on_epoch_end)


def train_seeds(
    config,
    seeds,
    build: Callable[[object], GenerativeModel],
    data,
    evaluate: Callable[[GenerativeModel], dict] | None = None,
) -> dict[int, ResultsRecord]:
    """Train and export the model of `config` once for every seed of `seeds` (e.g. every seed
    but 0, whose run a notebook trains and shows itself): seed -> its ResultsRecord.

    `build(config)` makes the model of a config (e.g. `dcgan.build`); `evaluate(model)` gives
    the scores its record keeps beside the shared ones. Each seed resumes from its own
    checkpoints (the seed is part of the config's fingerprint), so an interrupted run of many
    seeds loses at most one epoch.
    """
    import dataclasses

    records = {}
    for seed in seeds:
        model = build(dataclasses.replace(config, seed=seed))
        run = train(model, data)
        records[seed] = model.export(run, None if evaluate is None else evaluate(model))
    return records


def train_loop(
    model: GenerativeModel,
    *,
    resume: bool = True,
    progress: bool = True,
    on_epoch_end: Callable[[int, dict], None] | None = None,
) -> TrainingRun:
    """Train `model` (its data already given) from its newest complete checkpoint, or from
    scratch, to config.epochs.

    After every epoch: the NaN guard (raises before anything of the bad epoch is saved, so the
    last good checkpoint stays), the fixed-noise samples, then a checkpoint; then progress and
    `on_epoch_end(epoch, metrics)` (tests use it to interrupt). `resume=False` deletes this
    config's checkpoints first. The checkpoint directory is named after the config's
    fingerprint, which leaves out the fields that change only the evaluation.
    """
    from helpers.runs import Checkpointer, atomic_write_npz

    config = model.config
    checkpointer = Checkpointer(config.profile, model.name, config)
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
    if progress and start:
        print(f"[{model.name}] resumed from the checkpoint of epoch {start}", file=sys.stderr)
    meter = EpochProgress(config.epochs, start + 1, label=model.name) if progress else None
    try:
        for epoch in range(start + 1, config.epochs + 1):
            began = time.perf_counter()
            metrics = model.train_epoch(epoch)
            trained = time.perf_counter()
            metrics.update(model.validate_epoch(epoch))
            validation_seconds.append(time.perf_counter() - trained)
            check_finite(epoch, {key: metrics[key] for key in model.guarded_keys})
            atomic_write_npz(samples_dir / f"epoch-{epoch:04d}.npz", images=model.epoch_samples())
            for key in model.history_keys:
                history[key].append(metrics[key])
            epoch_seconds.append(trained - began)
            wall_time += time.perf_counter() - began
            saving = time.perf_counter()
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
            # the checkpoint's own saving time joins the total it holds from the next one on
            wall_time += time.perf_counter() - saving
            if meter:
                meter.update(epoch, model.progress_metrics(metrics))
            if on_epoch_end:
                on_epoch_end(epoch, metrics)
    finally:
        if meter:
            meter.close()
    return TrainingRun(
        config=config,
        model=model,
        history=history,
        epoch_seconds=epoch_seconds,
        validation_seconds=validation_seconds,
        wall_time_seconds=wall_time,
        epoch_samples=load_epoch_samples(samples_dir, config.epochs),
        resumed_from=start,
        images_per_epoch=model.images_per_epoch,
        data=model.data,
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
