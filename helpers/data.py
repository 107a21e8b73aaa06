"""Loading MNIST / Fashion-MNIST from Keras-format `.npz` or IDX files, with checks, and
the preprocessing each model needs.

Where the data comes from, in order:
1. the `path` argument (a `.npz` file, or a directory),
2. the environment variable `VAE_VS_GAN_DATA` (a `.npz` file, or a directory),
3. Keras' own download (`keras.datasets.<name>.load_data()`), for machines that are online.

A directory may hold `mnist.npz` / `fashion_mnist.npz`, a sub-directory `mnist/`,
`fashion-mnist/` or `fashion_mnist/` with the four IDX files, or the four IDX files themselves
(`train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`,
`t10k-labels-idx1-ubyte[.gz]`). Every problem with a file is raised as `DataError`, which names
the file, says what is wrong and how to point the loader at good data.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_ENV = "VAE_VS_GAN_DATA"
DATASETS = ("mnist", "fashion_mnist")
IMAGE_SIZE = 28
IMAGE_SHAPE = (IMAGE_SIZE, IMAGE_SIZE)  # one image as stored: uint8 [28, 28]
IMAGE_TENSOR_SHAPE = (*IMAGE_SHAPE, 1)  # one image as the networks take it: [28, 28, 1]
PIXELS = IMAGE_SIZE * IMAGE_SIZE
NUM_CLASSES = 10
# The training noise of step s of epoch e is drawn from stream e * NOISE_STREAMS_PER_EPOCH + s
# (batches_with_noise): an epoch has fewer steps than this, so no two steps share a stream
NOISE_STREAMS_PER_EPOCH = 100_000
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_NPZ_NAMES = {"mnist": ("mnist.npz",), "fashion_mnist": ("fashion_mnist.npz", "fashion-mnist.npz")}
_SUBDIRS = {"mnist": ("mnist",), "fashion_mnist": ("fashion-mnist", "fashion_mnist")}
_HOW_TO_FIX = (
    f"Point the loader at good data: load_dataset(name, path=...) or set {DATA_ENV} to a .npz "
    "file or to a directory holding mnist.npz and/or fashion-mnist/ with the four IDX files."
)


class DataError(RuntimeError):
    """A data file that is missing, truncated, of the wrong format or content."""


@dataclass(frozen=True)
class Dataset:
    """uint8 images [N, 28, 28] in 0..255, uint8 labels [N] in 0..9, and where they came from."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def training_split(data: Dataset, validation_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of the training set without its last `validation_size` images: what
    every model trains on. ValueError when nothing would be left to train on."""
    keep = _training_count(data, validation_size)
    return data.x_train[:keep], data.y_train[:keep]


def validation_split(data: Dataset, validation_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of the last `validation_size` training images: held out of training,
    they decide every training choice (epochs, when to stop); the test set scores the tables."""
    keep = _training_count(data, validation_size)
    return data.x_train[keep:], data.y_train[keep:]


def _training_count(data: Dataset, validation_size: int) -> int:
    keep = len(data.x_train) - validation_size
    if validation_size < 1 or keep < 1:
        raise ValueError(
            f"validation_size {validation_size} must lie in 1..{len(data.x_train) - 1} for the "
            f"{len(data.x_train)} training images of {data.name}"
        )
    return keep


def load_dataset(name: str = "mnist", path: str | os.PathLike | None = None) -> Dataset:
    """Load `name` ("mnist" | "fashion_mnist") from `path`, else $VAE_VS_GAN_DATA, else Keras."""
    if name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; valid values: {', '.join(DATASETS)}")
    if path is None and os.environ.get(DATA_ENV):
        path = os.environ[DATA_ENV]
    if path is None:
        arrays, source = _download_with_keras(name), f"keras.datasets.{name}"
    else:
        arrays, source = _read_location(name, Path(path))
    arrays = validate_arrays(arrays, source)
    return Dataset(name=name, source=source, **arrays)


def _read_location(name: str, path: Path) -> tuple[dict, str]:
    if not path.exists():
        raise DataError(f"{path}: no such file or directory. {_HOW_TO_FIX}")
    if path.is_file():
        return read_npz(path), str(path)
    for npz_name in _NPZ_NAMES[name]:
        if (path / npz_name).is_file():
            return read_npz(path / npz_name), str(path / npz_name)
    for directory in [path / sub for sub in _SUBDIRS[name]] + [path]:
        if _find_idx(directory, "x_train") is not None:
            return read_idx_directory(directory), str(directory)
    expected = " or ".join(
        [*_NPZ_NAMES[name], *(f"{sub}/" for sub in _SUBDIRS[name]), "the four IDX files"]
    )
    raise DataError(f"{path}: no {name} data found there (looked for {expected}). {_HOW_TO_FIX}")


def read_npz(path: Path) -> dict:
    """The four arrays of a Keras-format `.npz`; pickled content is refused (allow_pickle=False)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error}). {_HOW_TO_FIX}") from None
    if magic != b"PK\x03\x04":
        raise DataError(
            f"{path}: truncated or not a .npz (zip) file (it does not start with a zip header). "
            f"{_HOW_TO_FIX}"
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [key for key in NPZ_KEYS if key not in npz.files]
            if missing:
                raise DataError(
                    f"{path}: not a Keras-format dataset file: missing arrays {missing} "
                    f"(found {sorted(npz.files)}). {_HOW_TO_FIX}"
                )
            return {key: npz[key] for key in NPZ_KEYS}
    except DataError:
        raise
    except ValueError as error:
        if "pickle" in str(error).lower():
            raise DataError(
                f"{path}: holds pickled Python objects, which are refused because loading them "
                f"can run arbitrary code; a dataset file holds plain uint8 arrays. {_HOW_TO_FIX}"
            ) from None
        raise DataError(f"{path}: not a readable .npz file ({error}). {_HOW_TO_FIX}") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise DataError(
            f"{path}: truncated or not a .npz (zip) file ({type(error).__name__}: {error}). "
            f"{_HOW_TO_FIX}"
        ) from None


def read_idx_directory(directory: Path) -> dict:
    """The four IDX files (raw or `.gz`) of a directory, as arrays."""
    arrays = {}
    for key in IDX_FILES:
        found = _find_idx(Path(directory), key)
        if found is None:
            raise DataError(
                f"{directory}: IDX file {IDX_FILES[key]}[.gz] is missing. {_HOW_TO_FIX}"
            )
        arrays[key] = read_idx(found)
    return arrays


def _find_idx(directory: Path, key: str) -> Path | None:
    for suffix in ("", ".gz"):
        candidate = directory / (IDX_FILES[key] + suffix)
        if candidate.is_file():
            return candidate
    return None


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (LeCun's format: magic 0x0000 08 NDIM, big-endian sizes, raw uint8)."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                raw = handle.read()
        else:
            raw = path.read_bytes()
    except (EOFError, OSError, zlib.error) as error:
        raise DataError(
            f"{path}: truncated or corrupt gzip file ({type(error).__name__}: {error}). "
            f"{_HOW_TO_FIX}"
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number). {_HOW_TO_FIX}")
    if raw[2] != 0x08:
        raise DataError(
            f"{path}: IDX element type 0x{raw[2]:02x} is not unsigned bytes (0x08). {_HOW_TO_FIX}"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header. {_HOW_TO_FIX}")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64))
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: truncated or padded IDX file: header says shape {shape} = {expected} bytes, "
            f"file holds {len(raw) - header}. {_HOW_TO_FIX}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def validate_arrays(arrays: dict, source: str) -> dict:
    """Check shapes (N, 28, 28), dtypes, value and label ranges and matching lengths."""
    out = {}
    for split in ("train", "test"):
        x, y = np.asarray(arrays[f"x_{split}"]), np.asarray(arrays[f"y_{split}"])
        if x.ndim != 3 or x.shape[1:] != IMAGE_SHAPE:
            raise DataError(
                f"{source}: x_{split} has shape {x.shape}, expected (N, 28, 28). {_HOW_TO_FIX}"
            )
        if x.dtype != np.uint8:
            raise DataError(
                f"{source}: x_{split} has dtype {x.dtype}, expected uint8 pixels 0..255. "
                f"{_HOW_TO_FIX}"
            )
        if y.ndim != 1:
            raise DataError(
                f"{source}: y_{split} has shape {y.shape}, expected (N,). {_HOW_TO_FIX}"
            )
        if not np.issubdtype(y.dtype, np.integer):
            raise DataError(
                f"{source}: y_{split} has dtype {y.dtype}, expected integer labels. {_HOW_TO_FIX}"
            )
        if len(x) != len(y):
            raise DataError(
                f"{source}: x_{split} holds {len(x)} images but y_{split} {len(y)} labels. "
                f"{_HOW_TO_FIX}"
            )
        if len(x) == 0:
            raise DataError(f"{source}: the {split} split is empty. {_HOW_TO_FIX}")
        if y.min() < 0 or y.max() >= NUM_CLASSES:
            raise DataError(
                f"{source}: y_{split} holds labels {int(y.min())}..{int(y.max())}, expected 0..9. "
                f"{_HOW_TO_FIX}"
            )
        out[f"x_{split}"], out[f"y_{split}"] = x, y.astype(np.uint8)
    return out


def _download_with_keras(name: str) -> dict:
    try:
        import keras

        loader = getattr(keras.datasets, name)
        (x_train, y_train), (x_test, y_test) = loader.load_data()
    except Exception as error:  # any network or cache failure: say what to set instead
        raise DataError(
            f"no data path given and {DATA_ENV} is not set, and Keras could not download "
            f"{name} ({type(error).__name__}: {error}). Set {DATA_ENV} to the directory holding "
            f"the data (e.g. export {DATA_ENV}=/path/to/data) or pass path=... ."
        ) from None
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


# --- preprocessing ---------------------------------------------------------------------------


def to_gan_range(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> float32 [N, 28, 28, 1] in [-1, 1] (the tanh range of the DCGAN)."""
    return (images.astype(np.float32) / 127.5 - 1.0)[..., None]


def to_unit_range(images: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> float32 [N, 28, 28, 1] in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def binarize(images: np.ndarray, method: str = "threshold", seed: int = 0) -> np.ndarray:
    """uint8 [N, 28, 28] -> float32 [N, 28, 28, 1] in {0, 1} for the Bernoulli VAE.

    `threshold`: pixel > 127 (deterministic, the same data on every run).
    `stochastic`: pixel ~ Bernoulli(intensity / 255), sampled once from `seed` (static
    stochastic binarisation, Salakhutdinov & Murray 2008). Either way the Bernoulli likelihood
    is a proper likelihood of the data, which it is not for grey values in (0, 1).
    """
    if method == "threshold":
        return (images > 127).astype(np.float32)[..., None]
    if method == "stochastic":
        rng = np.random.default_rng(seed)
        return (rng.random(images.shape) < images / 255.0).astype(np.float32)[..., None]
    raise ValueError(f"unknown binarisation {method!r}; valid values: threshold, stochastic")


def to_uint8_images(images: np.ndarray, value_range=(-1.0, 1.0)) -> np.ndarray:
    """Model outputs in `value_range`, shape [N, 28, 28(, 1)] -> uint8 [N, 28, 28] for export."""
    low, high = value_range
    scaled = (np.asarray(images, dtype=np.float32).reshape(-1, *IMAGE_SHAPE) - low) / (high - low)
    return np.clip(np.rint(scaled * 255.0), 0, 255).astype(np.uint8)


def make_batches(images, batch_size: int, seed: int, epoch: int = 0, labels=None, shuffle=True):
    """An in-memory `tf.data` pipeline over `images` (and `labels`), shuffled by (seed, epoch).

    The order depends only on (seed, epoch), so a run resumed at epoch e sees the same batches
    as one that never stopped. Incomplete last batches are dropped (fixed shapes: one trace).
    """
    import tensorflow as tf

    count = len(images)
    if count < batch_size:
        raise ValueError(f"{count} images are fewer than one batch of {batch_size}")
    order = np.arange(count)
    if shuffle:
        order = np.random.default_rng([seed, epoch]).permutation(count)
    tensors = tf.constant(images)
    label_tensor = None if labels is None else tf.constant(labels)

    def gather(indices):
        if label_tensor is None:
            return tf.gather(tensors, indices)
        return tf.gather(tensors, indices), tf.gather(label_tensor, indices)

    return (
        tf.data.Dataset.from_tensor_slices(order)
        .batch(batch_size, drop_remainder=True)
        .map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def batches_with_noise(images, batch_size: int, seed: int, epoch: int, noise_shape):
    """(images, noise) batches of `epoch`: the order of `make_batches(images, batch_size, seed,
    epoch)`, and for step s the noise `stateless_normal(noise_shape, seed=[seed, epoch *
    NOISE_STREAMS_PER_EPOCH + s])`. Any epoch can be recomputed exactly after a restart."""
    import tensorflow as tf

    steps = len(images) // batch_size
    if steps >= NOISE_STREAMS_PER_EPOCH:
        raise ValueError(
            f"{steps} steps per epoch: at most {NOISE_STREAMS_PER_EPOCH - 1} keep every step's "
            "noise stream apart; use a larger batch_size"
        )
    shape = list(noise_shape)

    def noise(step):
        return tf.random.stateless_normal(
            shape,
            seed=tf.stack([tf.constant(seed, tf.int64), epoch * NOISE_STREAMS_PER_EPOCH + step]),
        )

    noises = tf.data.Dataset.range(steps).map(noise)
    return tf.data.Dataset.zip(make_batches(images, batch_size, seed, epoch), noises)
