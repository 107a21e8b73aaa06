"""The feature classifier: trained once per profile and data set, then loaded from its cache;
the same classifier on every retraining; a damaged cache is retrained, a bug is not hidden."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from helpers import classifier as classifiers
from helpers.config import make_config


def test_confusion_matrix_counts_true_labels_by_prediction():
    matrix = classifiers.confusion_matrix([0, 1, 1, 9], [0, 1, 7, 4])
    assert matrix.sum() == 4 and matrix[1, 7] == 1 and matrix[9, 4] == 1 and matrix[1, 1] == 1


@pytest.mark.slow
def test_classifier_is_trained_once_then_loaded(tiny_classifier, mnist, monkeypatch):
    root, trained = tiny_classifier
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(root))
    assert not trained.record["cached"] and trained.accuracy > 0.5
    assert (trained.directory / "classifier.json").is_file()
    assert trained.directory.parent == root / "runs" / "smoke" / "classifier"
    loaded = classifiers.load_classifier("smoke", "mnist", data=mnist)
    assert loaded.record["cached"] and loaded.accuracy == trained.accuracy
    images = mnist.x_test[:50]
    np.testing.assert_allclose(loaded.features(images), trained.features(images), atol=1e-6)
    # more epochs train other weights: another cache entry, never the same directory
    assert make_config("classifier", "smoke", epochs=5).fingerprint() != (
        trained.config.fingerprint()
    )


@pytest.mark.slow
def test_retraining_gives_the_same_classifier(tiny_classifier, mnist, monkeypatch):
    # Whatever the process did with its random generators before, a profile's classifier is
    # trained from the same initial weights with deterministic ops: the metrics repeat run to run.
    root, first = tiny_classifier
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(root))
    np.random.default_rng().random(3)
    keras.random.normal((2,))  # advance Keras' global generator, as earlier notebook cells may
    again = classifiers.load_classifier("smoke", "mnist", data=mnist, retrain=True)
    assert not again.record["cached"]
    assert again.record["history"] == first.record["history"]
    for mine, theirs in zip(again.model.get_weights(), first.model.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["weights", "record"])
def test_a_corrupt_classifier_cache_is_retrained_with_a_warning(
    tiny_classifier, mnist, tmp_path, monkeypatch, damage
):
    _, first = tiny_classifier
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    classifiers.load_classifier("smoke", "mnist", data=mnist)  # a private cache to damage
    directory = classifiers.classifier_directory(first.config)
    if damage == "weights":  # a truncated HDF5 file
        weights = directory / "classifier.weights.h5"
        weights.write_bytes(weights.read_bytes()[:200])
    else:
        (directory / "classifier.json").write_text('{"config": ')
    with pytest.warns(RuntimeWarning, match="classifier cache .* unusable"):
        again = classifiers.load_classifier("smoke", "mnist", data=mnist)
    assert not again.record["cached"]
    assert again.record["history"] == first.record["history"]  # retrained: the same classifier
    assert classifiers.load_classifier("smoke", "mnist", data=mnist).record["cached"]  # repaired


def test_an_unexpected_error_while_loading_the_cache_is_not_swallowed(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    config = make_config("classifier", "smoke")
    directory = classifiers.classifier_directory(config)
    directory.mkdir(parents=True)
    (directory / "classifier.weights.h5").write_bytes(b"x")
    (directory / "classifier.json").write_text('{"config": ' + json.dumps(config.to_dict()) + "}")

    def broken(*args, **kwargs):
        raise MemoryError("a bug, not a damaged file")

    monkeypatch.setattr(keras.Model, "load_weights", broken)
    with pytest.raises(MemoryError):
        classifiers.load_classifier("smoke", "mnist", data=None)
