"""Shared fixtures: tiny generated data sets, a private runs/ root per test, real digits and
the smoke-profile classifier trained on them."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def tiny_arrays(n_train: int = 12, n_test: int = 6, seed: int = 0) -> dict:
    """A valid Keras-format data set, uint8, with every label 0..9 present in train."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        "y_train": (np.arange(n_train) % 10).astype(np.uint8),
        "x_test": rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        "y_test": (np.arange(n_test) % 10).astype(np.uint8),
    }


def idx_bytes(array: np.ndarray) -> bytes:
    """LeCun's IDX encoding of a uint8 array."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def write_idx_dir(directory, arrays: dict, compress: bool = True):
    from helpers.data import IDX_FILES

    directory.mkdir(parents=True, exist_ok=True)
    for key, stem in IDX_FILES.items():
        data = idx_bytes(arrays[key])
        if compress:
            with gzip.open(directory / f"{stem}.gz", "wb") as handle:
                handle.write(data)
        else:
            (directory / stem).write_bytes(data)
    return directory


# The unit tests' data sets hold a few dozen to a thousand training images: under the smoke
# profile their models hold out this many as the validation split (the profile's own 10,000 is
# for the real MNIST that nbval trains on)
TEST_VALIDATION_SIZE = 8


@pytest.fixture(scope="session", autouse=True)
def small_validation_split():
    """Every smoke config of the unit tests holds out TEST_VALIDATION_SIZE training images."""
    from helpers.config import PROFILE_FIELDS

    with pytest.MonkeyPatch.context() as patch:
        for profiles in PROFILE_FIELDS.values():
            smoke = {**profiles["smoke"], "validation_size": TEST_VALIDATION_SIZE}
            patch.setitem(profiles, "smoke", smoke)
        yield


@pytest.fixture
def project_root(tmp_path, monkeypatch):
    """Point helpers.runs at an empty project root so tests never touch the real runs/."""
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    return tmp_path


MNIST_SUBSET = Path(__file__).parent / "data" / "mnist_subset.npz"  # see tests/data/README.md


@pytest.fixture(scope="module")
def mnist():
    """1,200 real MNIST digits committed with the tests: these tests never skip."""
    from helpers.data import load_dataset

    return load_dataset("mnist", path=MNIST_SUBSET)


@pytest.fixture(scope="module")
def tiny_classifier(mnist, tmp_path_factory):
    """The smoke-profile classifier (seconds), cached in a private project root."""
    from helpers.classifier import load_classifier

    root = tmp_path_factory.mktemp("project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VAE_VS_GAN_ROOT", str(root))
        classifier = load_classifier("smoke", "mnist", data=mnist)
    return root, classifier
