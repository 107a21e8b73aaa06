"""Sample files and sample arrays: the checks every scorer runs before it reads a model's
images (uint8 [N, 28, 28])."""

from __future__ import annotations

import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from helpers.data import IMAGE_SHAPE


class SampleFileError(ValueError):
    """A samples file that is missing, unreadable, or does not hold uint8 28×28 images."""


def check_images(images, name: str = "images") -> np.ndarray:
    """uint8 [N, 28, 28] (a trailing channel of 1 is dropped), or ValueError saying what's wrong."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise ValueError(f"{name} must have shape [N, 28, 28], got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(
            f"{name} must be uint8 pixels 0..255, got dtype {images.dtype}; convert model "
            "outputs with helpers.data.to_uint8_images(x, value_range)"
        )
    return images


def read_samples(path: str | os.PathLike) -> np.ndarray:
    """uint8 [N, 28, 28] images from an `.npz`: its `images` array, or its only array."""
    path = Path(path)
    if not path.is_file():
        raise SampleFileError(f"{path}: no such file")
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise SampleFileError(f"{path}: a single .npy array, not an .npz archive")
        with loaded as npz:
            names = list(npz.files)
            if "images" in names:
                images = npz["images"]
            elif len(names) == 1:
                images = npz[names[0]]
            else:
                raise SampleFileError(
                    f"{path}: no array named 'images' and {len(names)} arrays {names}; "
                    "save the samples as np.savez(path, images=samples)"
                )
    except SampleFileError:
        raise
    except ValueError as error:
        raise SampleFileError(f"{path}: not a readable .npz of plain arrays ({error})") from None
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
        raise SampleFileError(
            f"{path}: truncated or not an .npz file ({type(error).__name__}: {error})"
        ) from None
    try:
        images = check_images(images, f"{path}: the samples")
    except ValueError as error:
        raise SampleFileError(str(error)) from None
    if len(images) <= 3:
        raise SampleFileError(f"{path}: holds {len(images)} images; need more than 3 to score")
    return images
