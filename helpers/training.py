"""What every training loop here shares: seeding, precision, progress on stderr, the NaN guard."""

from __future__ import annotations

import math
import sys
import time


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


class EpochProgress:
    """Per-epoch progress with ETA on stderr (outside nbval-compared stdout), quiet under CI."""

    def __init__(self, total_epochs: int, first_epoch: int = 1, label: str = "training"):
        self.total = total_epochs
        self.first = first_epoch
        self.label = label
        self.started = time.perf_counter()

    def update(self, epoch: int, metrics: dict[str, float]) -> None:
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
