"""The classifier whose features every metric of helpers.metrics is computed in: a small CNN
trained on the same data set (for 28×28 digits it plays the part Inception-v3 plays for
ImageNet photos), trained once per data set and profile and cached under
`runs/<profile>/classifier/<dataset>-<fingerprint>/`.

    classifier = load_classifier("cpu", "mnist")   # trains on first use, then loads
    classifier.features(images)                    # penultimate layer, float64 [N, F]
    classifier.probabilities(images)               # p(class | image), float64 [N, 10]
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.data import IMAGE_SHAPE, NUM_CLASSES
from helpers.samples import check_images


def build_classifier(config):
    """The CNN of a ClassifierConfig: image [N, 28, 28, 1] in [0, 1] -> (features, logits).

    Conv(3×3)-ReLU-MaxPool per entry of `config.filters`, then a dense ReLU layer named
    "features" (the feature space of every metric here), dropout, and 10 logits. All layers
    compute in float32 whatever the global precision policy, so features never depend on it.
    """
    import keras

    layers = keras.layers
    inputs = keras.Input((*IMAGE_SHAPE, 1), name="image")
    hidden = inputs
    for index, width in enumerate(config.filters):
        hidden = layers.Conv2D(width, 3, activation="relu", dtype="float32", name=f"conv{index}")(
            hidden
        )
        hidden = layers.MaxPooling2D(dtype="float32", name=f"pool{index}")(hidden)
    hidden = layers.Flatten(dtype="float32")(hidden)
    features = layers.Dense(
        config.feature_units, activation="relu", dtype="float32", name="features"
    )(hidden)
    dropped = layers.Dropout(config.dropout, dtype="float32")(features)
    logits = layers.Dense(NUM_CLASSES, dtype="float32", name="logits")(dropped)
    return keras.Model(inputs, [features, logits], name="classifier")


@dataclass
class Classifier:
    """A trained classifier with its record (test accuracy, training time, config, ...)."""

    model: object  # keras.Model: image -> (features, logits)
    config: object  # ClassifierConfig
    record: dict
    directory: Path

    @property
    def accuracy(self) -> float:
        """Test-set accuracy in [0, 1], measured when it was trained."""
        return float(self.record["test_accuracy"])

    def outputs(self, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
        """uint8 [N, 28, 28] -> (features float64 [N, F], class probabilities float64 [N, 10])."""
        from helpers.data import to_unit_range

        images = check_images(images, "images")
        features, logits = [], []
        for start in range(0, len(images), batch_size):
            batch = to_unit_range(images[start : start + batch_size])
            f, z = self.model(batch, training=False)
            features.append(np.asarray(f, dtype=np.float64))
            logits.append(np.asarray(z, dtype=np.float64))
        if not features:
            return np.zeros((0, self.config.feature_units)), np.zeros((0, NUM_CLASSES))
        logits = np.concatenate(logits)
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return np.concatenate(features), probabilities

    def features(self, images: np.ndarray) -> np.ndarray:
        """uint8 [N, 28, 28] -> penultimate-layer features float64 [N, F]."""
        return self.outputs(images)[0]

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """uint8 [N, 28, 28] -> p(class | image) float64 [N, 10]."""
        return self.outputs(images)[1]

    def predict(self, images: np.ndarray) -> np.ndarray:
        """uint8 [N, 28, 28] -> most probable class int [N]."""
        return self.probabilities(images).argmax(axis=1)


def classifier_directory(config) -> Path:
    """runs/<profile>/classifier/<dataset>-<fingerprint>/ (not created)."""
    from helpers.runs import run_dir

    return run_dir(config.profile) / "classifier" / f"{config.dataset}-{config.fingerprint()}"


def load_classifier(
    profile: str = "cpu", dataset: str = "mnist", data=None, retrain: bool = False, **overrides
) -> Classifier:
    """The classifier of `dataset` under `profile`: loaded from its cache, else trained and cached.

    `data` is the loaded Dataset (loaded with `load_dataset(dataset)` when needed); `overrides`
    change ClassifierConfig fields (e.g. epochs=3) and thereby the cache directory. Weights and
    record are written atomically; the record (JSON) is written last, so a half-written cache is
    never mistaken for a finished one. A cache that cannot be read is retrained with a warning.
    """
    from helpers.config import make_config
    from helpers.runs import read_json
    from helpers.training import seed_everything

    config = make_config("classifier", profile, dataset=dataset, **overrides)
    directory = classifier_directory(config)
    weights, record_file = directory / "classifier.weights.h5", directory / "classifier.json"
    # Seeded before the build (initial weights) with deterministic ops (training): the same
    # profile trains the same classifier on every run, so the metrics it defines repeat too.
    seed_everything(config.seed)
    model = build_classifier(config)
    if record_file.exists() and weights.exists() and not retrain:
        try:
            record = read_json(record_file)
            if record.get("config") != config.to_dict():
                raise ValueError("the cached record belongs to another config")
            model.load_weights(weights)
            return Classifier(model, config, {**record, "cached": True}, directory)
        except (OSError, ValueError, KeyError) as error:  # corrupt or foreign cache
            warnings.warn(
                f"classifier cache {directory} unusable ({type(error).__name__}: {error}); "
                "retraining over it",
                RuntimeWarning,
                stacklevel=2,
            )
            seed_everything(config.seed)
            model = build_classifier(config)
    if data is None:
        from helpers.data import load_dataset

        data = load_dataset(dataset)
    record = train_classifier(model, config, data)
    _save_classifier(model, record, directory)
    return Classifier(model, config, {**record, "cached": False}, directory)


def train_classifier(model, config, data) -> dict:
    """Train `model` (from build_classifier) on `data` per `config`; return its record.

    Adam with a cosine-decaying learning rate (reaches 99 % on MNIST in a few epochs); batches
    from `make_batches(seed, epoch)`; `train_size` takes a seeded subset of the training set.
    Seeds Keras' global RNG with `config.seed` (dropout). Progress goes to stderr.
    """
    import keras

    from helpers.data import make_batches, to_unit_range, training_split
    from helpers.runs import environment_record
    from helpers.training import EpochProgress

    keras.utils.set_random_seed(config.seed)
    x_train, y_train = training_split(data, config.validation_size)
    if config.train_size is not None and config.train_size < len(x_train):
        keep = np.random.default_rng(config.seed).permutation(len(x_train))[: config.train_size]
        x_train, y_train = x_train[np.sort(keep)], y_train[np.sort(keep)]
    x_train, y_train = to_unit_range(x_train), y_train.astype(np.int32)
    steps = config.epochs * (len(x_train) // config.batch_size)
    logits_only = keras.Model(model.inputs, model.outputs[1])
    logits_only.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(config.learning_rate, steps)
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    progress = EpochProgress(config.epochs, label=f"classifier {config.dataset}")
    epoch_seconds, history = [], {"loss": [], "accuracy": []}
    for epoch in range(1, config.epochs + 1):
        started = time.perf_counter()
        batches = make_batches(x_train, config.batch_size, config.seed, epoch, labels=y_train)
        result = logits_only.fit(batches, epochs=1, verbose=0, shuffle=False).history
        epoch_seconds.append(time.perf_counter() - started)
        for key in history:
            history[key].append(float(result[key][-1]))
        progress.update(epoch, {k: v[-1] for k, v in history.items()})
    classifier = Classifier(model, config, {}, Path("."))
    predicted = classifier.predict(data.x_test)
    return {
        "dataset": config.dataset,
        "config": config.to_dict(),
        "fingerprint": config.fingerprint(),
        "test_accuracy": float(np.mean(predicted == data.y_test)),
        "test_confusion": confusion_matrix(data.y_test, predicted).tolist(),
        "train_images": len(x_train),
        "history": history,
        "epoch_seconds": epoch_seconds,
        "wall_time_seconds": float(sum(epoch_seconds)),
        "parameters": int(model.count_params()),
        "environment": environment_record(seed=config.seed, precision="float32"),
    }


def _save_classifier(model, record: dict, directory: Path) -> None:
    from helpers.runs import atomic_write_json, save_weights

    save_weights(model, directory / "classifier.weights.h5")
    atomic_write_json(directory / "classifier.json", record)  # last: marks the cache complete


def confusion_matrix(labels, predicted, num_classes: int = NUM_CLASSES) -> np.ndarray:
    """Counts int [K, K]: row = true label, column = predicted class."""
    labels, predicted = np.asarray(labels).astype(int), np.asarray(predicted).astype(int)
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix
