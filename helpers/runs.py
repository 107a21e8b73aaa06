"""Where a run keeps its files, how they are written (atomically), what they record about the
environment, and the checkpoints that let training resume after an interruption.

Layout (all under the git-ignored `runs/`):

    runs/<profile>/results/<model>.json         its ResultsRecord (helpers.record)
    runs/<profile>/results/<model>_samples.npz  uint8 [N, 28, 28] samples
    runs/<profile>/figures/<NN>_<what>.png      figures of this run
    runs/<profile>/checkpoints/<model>-<fingerprint>/   resumable training state
    runs/<profile>/notebooks/*.ipynb            executed notebooks (make report)

`make report` publishes `figures/` and `results/<profile>/` of non-smoke runs into the repository;
smoke runs never leave `runs/smoke/`.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import os
import platform
import subprocess
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT_ENV = "VAE_VS_GAN_ROOT"
_PROJECT_NAME = 'name = "vae-vs-gan"'


def project_root() -> Path:
    """The repository root: $VAE_VS_GAN_ROOT, else the nearest parent of the working directory
    whose pyproject.toml is this project's, else the working directory (e.g. on Colab)."""
    if os.environ.get(ROOT_ENV):
        return Path(os.environ[ROOT_ENV]).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _PROJECT_NAME in pyproject.read_text(errors="ignore"):
            return candidate
    return here


def run_dir(profile: str) -> Path:
    """runs/<profile>/, created if missing."""
    path = project_root() / "runs" / profile
    path.mkdir(parents=True, exist_ok=True)
    return path


def results_dir(profile: str) -> Path:
    """runs/<profile>/results/, created if missing."""
    path = run_dir(profile) / "results"
    path.mkdir(parents=True, exist_ok=True)
    return path


def published_results_dir(profile: str) -> Path:
    """results/<profile>/: the JSON results of the last published run (committed; not created
    here, a fresh clone may lack it)."""
    return project_root() / "results" / profile


def figures_dir(profile: str) -> Path:
    """runs/<profile>/figures/, created if missing."""
    path = run_dir(profile) / "figures"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- atomic writes ---------------------------------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write `data` to a temporary file beside `path`, fsync, then rename over `path`.

    A crash at any moment leaves either the old file or the new one, never half of one. The
    file gets the mode a plain `open` would give it (0666 less the umask), not the private
    0600 of a temporary file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, _default_file_mode())
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _default_file_mode() -> int:
    """0666 less the process's umask: the mode `open(path, "w")` creates files with."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_json(path: str | os.PathLike, obj) -> Path:
    """JSON (indented, NumPy scalars and arrays converted) written atomically."""
    text = json.dumps(obj, indent=2, default=_json_default, allow_nan=True)
    return atomic_write_bytes(path, (text + "\n").encode())


def atomic_write_npz(path: str | os.PathLike, **arrays) -> Path:
    """Compressed `.npz` written atomically (no pickled objects: plain arrays only)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: np.asarray(v) for k, v in arrays.items()})
    return atomic_write_bytes(path, buffer.getvalue())


def save_weights(model, path: str | os.PathLike) -> Path:
    """`model.save_weights` (a Keras model) into a temporary file beside `path`, then renamed
    over it: an interruption never leaves a half-written weights file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".weights.h5")
    os.close(handle)
    try:
        model.save_weights(temporary, overwrite=True)
        os.chmod(temporary, _default_file_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_model_files(
    folder: str | os.PathLike,
    name: str,
    *,
    samples: np.ndarray,
    weights,
    epoch_samples: np.ndarray | None = None,
    latent: np.ndarray | None = None,
    reconstructions: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    walk: np.ndarray | None = None,
    plane: np.ndarray | None = None,
    plane_range: tuple[float, float] = (-1.0, 1.0),
) -> dict[str, Path]:
    """A model's exported files in `folder`, kind -> path, each written atomically:
    `<name>_samples.npz` (uint8 [N, 28, 28]), `<name>.weights.h5` (the Keras model `weights`),
    and where given `<name>_epoch_samples.npz` (uint8 [E, n, 28, 28] with their epochs 1..E),
    `<name>_latent.npz` (posterior means [M, L] of the test images, with their `labels`) and
    `<name>_reconstructions.npz` (uint8 [M, 28, 28] decoded from those means, with `labels`),
    and the latent-space explorer's `<name>_walk.npz` (uint8 [T, 28, 28] along a loop) and
    `<name>_plane.npz` (uint8 [G, G, 28, 28] decodes on a G x G grid over a 2-D latent from
    `plane_range` = (low, high) to high on both axes, with `low` and `high`)."""
    folder = Path(folder)
    files = {"samples": atomic_write_npz(folder / f"{name}_samples.npz", images=samples)}
    if epoch_samples is not None:
        epochs = np.arange(1, len(epoch_samples) + 1, dtype=np.int32)
        files["epoch_samples"] = atomic_write_npz(
            folder / f"{name}_epoch_samples.npz", images=epoch_samples, epochs=epochs
        )
    if latent is not None:
        files["latent"] = atomic_write_npz(
            folder / f"{name}_latent.npz", means=latent, labels=labels
        )
    if reconstructions is not None:
        files["reconstructions"] = atomic_write_npz(
            folder / f"{name}_reconstructions.npz", images=reconstructions, labels=labels
        )
    if walk is not None:
        files["walk"] = atomic_write_npz(folder / f"{name}_walk.npz", images=walk)
    if plane is not None:
        low, high = plane_range
        files["plane"] = atomic_write_npz(
            folder / f"{name}_plane.npz", images=plane, low=np.float32(low), high=np.float32(high)
        )
    files["weights"] = save_weights(weights, folder / f"{name}.weights.h5")
    return files


def load_weights(network, profile: str, name: str, path: str | os.PathLike | None = None):
    """Load `path` (default: runs/<profile>/results/<name>.weights.h5, what a model's export
    wrote) into the Keras `network`; FileNotFoundError naming the file when it is missing."""
    path = Path(path) if path is not None else results_dir(profile) / f"{name}.weights.h5"
    if not path.is_file():
        from helpers.results import RESULT_NOTEBOOKS

        notebook = RESULT_NOTEBOOKS.get(name.partition("_z")[0], name)
        raise FileNotFoundError(
            f"{path} is missing: run notebooks/{notebook}.ipynb with profile = {profile!r} "
            f"first, which exports {name!r} (`make report PROFILE={profile}` runs every "
            "notebook in order)"
        )
    network.load_weights(path)
    return network


def read_json(path: str | os.PathLike) -> dict:
    return json.loads(Path(path).read_text())


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


# --- environment record ----------------------------------------------------------------------


def cpu_model(cpuinfo: str | None = None) -> str | None:
    """The processor's model name from /proc/cpuinfo (None where there is none), e.g. "AMD EPYC":
    timings and bfloat16 speed depend on it."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="ignore")
        except OSError:
            return None
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name" and value.strip():
            return value.strip()
    return None


# The CPU flags that decide TensorFlow's speed here: the vector width (avx2, avx512f) and
# whether bfloat16 is native (avx512_bf16, amx_bf16) or emulated (see helpers.precision).
SPEED_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def cpu_features(cpuinfo: str | None = None) -> list[str]:
    """Which of SPEED_FLAGS the processor has, in that order (read from /proc/cpuinfo if
    `cpuinfo` is None): the model name alone does not tell an AVX2-only EPYC from one with
    AVX512-BF16, and their timings differ by 2x or more."""
    from helpers.precision import cpu_flags

    flags = cpu_flags(cpuinfo)
    return [flag for flag in SPEED_FLAGS if flag in flags]


def environment_record(seed: int | None = None, precision: str | None = None) -> dict:
    """Versions, device, precision, seed and git commit: carried by every results file."""
    record = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "seed": seed,
        "precision": precision,
        "git_commit": git_commit(),
        "time_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model(),
        "cpu_features": cpu_features(),
    }
    from helpers.precision import onednn_isa_cap

    if onednn_isa_cap():  # oneDNN held below what the CPU has
        record["onednn_max_cpu_isa"] = onednn_isa_cap()
    try:
        import keras
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        record.update(
            tensorflow=tf.__version__,
            keras=keras.__version__,
            device=f"{len(gpus)} GPU" if gpus else "CPU",
            devices=[d.name for d in tf.config.list_logical_devices()],
            mixed_precision_policy=keras.mixed_precision.global_policy().name,
        )
    except ImportError:  # pragma: no cover - TensorFlow is a hard dependency
        pass
    return record


# What a published report run writes into the repository: changes there are outputs, not code,
# and do not make the tree "dirty" for the commit a result records.
PUBLISHED_PATHS = ("README.md", "figures", "results", "report")


def git_commit() -> str | None:
    """The checked-out commit (with `+dirty` when tracked files other than the published
    outputs, PUBLISHED_PATHS, have changes), or None outside git."""
    try:
        root = project_root()
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if commit.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "."]
            + [f":(exclude){path}" for path in PUBLISHED_PATHS],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def write_kept_record(profile: str, name: str, payload: dict, config=None) -> Path:
    """runs/<profile>/results/<name>.json for a record made by a separate command (the VAE-GAN
    ablation, the DCGAN step profile), not a model's results record: `payload`, the config
    and the environment."""
    record = dict(payload)
    if config is not None:
        record.setdefault("config", config.to_dict())
        record.setdefault("seed", config.seed)
    record.setdefault(
        "environment",
        environment_record(
            seed=getattr(config, "seed", None), precision=getattr(config, "precision", None)
        ),
    )
    return atomic_write_json(results_dir(profile) / f"{name}.json", record)


# --- checkpoints -----------------------------------------------------------------------------


class CheckpointDamagedError(RuntimeError):
    """A checkpoint file that is missing, truncated or corrupt (the loader skips it)."""


class Checkpointer:
    """Resumable training state of one model under one config.

    State = named lists of variables (model weights, optimizer slots, RNG state variables) plus
    a JSON-able dict (epoch, history, ...). Each `save` writes `state-<epoch>.npz` and
    `state-<epoch>.json` atomically, then points `latest.json` at them, so an interruption at any
    instant leaves the previous checkpoint intact. The directory is named after the config's
    fingerprint: a run with a different config never resumes from these files.
    """

    def __init__(self, profile: str, model: str, config, keep: int = 2):
        self.config = config
        self.directory = run_dir(profile) / "checkpoints" / f"{model}-{config.fingerprint()}"
        self.directory.mkdir(parents=True, exist_ok=True)
        self.keep = keep
        config_file = self.directory / "config.json"
        if config_file.exists():
            saved = read_json(config_file)
            current = config.training_fields()
            mismatched = sorted(k for k in current if saved.get(k) != current[k])
            if mismatched:  # a hash collision or a hand-edited directory: refuse, never mix
                raise RuntimeError(
                    f"checkpoint directory {self.directory} belongs to another config "
                    f"(fields {mismatched} differ); delete it to start over"
                )
        else:
            atomic_write_json(config_file, config.to_dict())

    @property
    def latest_epoch(self) -> int:
        """The last finished epoch that was saved (0 when there is none)."""
        latest = self.directory / "latest.json"
        return int(read_json(latest)["epoch"]) if latest.exists() else 0

    def save(self, epoch: int, variables: dict[str, list], state: dict) -> None:
        """Save the variables' values and `state` as the checkpoint of finished `epoch`."""
        arrays = {
            f"{name}/{index:04d}": np.asarray(variable.numpy())
            for name, group in variables.items()
            for index, variable in enumerate(group)
        }
        atomic_write_npz(self.directory / f"state-{epoch:04d}.npz", **arrays)
        atomic_write_json(self.directory / f"state-{epoch:04d}.json", {"epoch": epoch, **state})
        atomic_write_json(self.directory / "latest.json", {"epoch": epoch})
        self._prune()

    def restore(self, variables: dict[str, list]) -> dict | None:
        """Assign the newest complete checkpoint to `variables` and return its state (None if
        there is none).

        Every file is read back whole and checked (zip CRCs, array shapes) before any variable
        is assigned. A damaged checkpoint (truncated, corrupt, half-written) is skipped with a
        warning naming the file, and the next older one is tried. Every variable must already
        exist (build models and optimizers first).
        """
        for epoch in self.saved_epochs()[::-1]:
            try:
                state, arrays = self._read(epoch)
            except CheckpointDamagedError as error:
                warnings.warn(
                    f"{error}; falling back to an older checkpoint", RuntimeWarning, stacklevel=2
                )
                continue
            values = self._match(arrays, variables)
            for group, group_values in zip(variables.values(), values, strict=True):
                for variable, value in zip(group, group_values, strict=True):
                    variable.assign(value)
            return state
        return None

    def saved_epochs(self) -> list[int]:
        """Epochs with a checkpoint file on disk (complete or not), oldest first."""
        epochs = {int(p.name.split("-")[1].split(".")[0]) for p in self.directory.glob("state-*")}
        return sorted(epochs)

    def clear(self) -> None:
        """Delete every checkpoint of this config (the per-epoch samples are overwritten)."""
        for old in [*self.directory.glob("state-*"), self.directory / "latest.json"]:
            old.unlink(missing_ok=True)

    def _read(self, epoch: int) -> tuple[dict, dict[str, np.ndarray]]:
        """The state and every array of `epoch`'s checkpoint, or CheckpointDamagedError."""
        arrays_path = self.directory / f"state-{epoch:04d}.npz"
        state_path = self.directory / f"state-{epoch:04d}.json"
        for path in (arrays_path, state_path):
            if not path.exists():
                raise CheckpointDamagedError(f"checkpoint {path} is missing (a half-written save)")
        try:
            state = read_json(state_path)
            if int(state["epoch"]) != epoch:
                raise ValueError(f"it records epoch {state['epoch']}")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CheckpointDamagedError(f"checkpoint {state_path} is damaged ({error})") from error
        try:
            with np.load(arrays_path, allow_pickle=False) as saved:
                arrays = {key: saved[key] for key in saved.files}  # reads and CRC-checks all
        except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            raise CheckpointDamagedError(
                f"checkpoint {arrays_path} is damaged ({type(error).__name__}: {error})"
            ) from error
        return state, arrays

    def _match(self, arrays: dict[str, np.ndarray], variables: dict[str, list]) -> list:
        """The stored values in the order of `variables`; RuntimeError if the model changed."""
        out = []
        for name, group in variables.items():
            stored = sorted(k for k in arrays if k.startswith(f"{name}/"))
            if len(stored) != len(group):
                raise RuntimeError(
                    f"checkpoint {self.directory} has {len(stored)} variables for {name!r}, "
                    f"the model has {len(group)}: the architecture changed; delete the "
                    "directory to start over"
                )
            for key, variable in zip(stored, group, strict=True):
                shape = getattr(variable, "shape", None)
                if shape is not None and tuple(arrays[key].shape) != tuple(shape):
                    raise RuntimeError(
                        f"checkpoint {self.directory}: {key} has shape {arrays[key].shape}, the "
                        f"model's variable {tuple(variable.shape)}: the architecture changed; "
                        "delete the directory to start over"
                    )
            out.append([arrays[key] for key in stored])
        return out

    def _prune(self) -> None:
        epochs = sorted(int(p.stem.split("-")[1]) for p in self.directory.glob("state-*.json"))
        for old in epochs[: -self.keep]:
            for suffix in (".npz", ".json"):
                (self.directory / f"state-{old:04d}{suffix}").unlink(missing_ok=True)
