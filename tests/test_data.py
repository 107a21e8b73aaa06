import gzip
import os

import numpy as np
import pytest

from helpers import data
from helpers.data import DataError, load_dataset
from tests.conftest import idx_bytes, tiny_arrays, write_idx_dir

REAL_DATA = os.environ.get(data.DATA_ENV)  # read before the fixture below clears it
# MNIST's test set per class 0..9 and its first training labels; Fashion-MNIST's mean pixel
MNIST_TEST_CLASS_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9]
FASHION_MNIST_MEAN = 0.2860  # of x_train / 255
FASHION_MNIST_TRAIN_PER_CLASS = 6000


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv(data.DATA_ENV, raising=False)


def test_reads_valid_npz(tmp_path):
    arrays = tiny_arrays()
    np.savez(tmp_path / "mnist.npz", **arrays)
    for location in (tmp_path / "mnist.npz", tmp_path):  # the file, or its directory
        loaded = load_dataset("mnist", location)
        assert loaded.x_train.shape == (12, 28, 28) and loaded.x_train.dtype == np.uint8
        np.testing.assert_array_equal(loaded.x_test, arrays["x_test"])
        np.testing.assert_array_equal(loaded.y_train, arrays["y_train"])


@pytest.mark.parametrize("compress", [True, False])
def test_reads_idx_directory(tmp_path, compress):
    arrays = tiny_arrays()
    write_idx_dir(tmp_path / "fashion-mnist", arrays, compress=compress)
    loaded = load_dataset("fashion_mnist", tmp_path)
    np.testing.assert_array_equal(loaded.x_train, arrays["x_train"])
    np.testing.assert_array_equal(loaded.y_test, arrays["y_test"])
    assert loaded.source.endswith("fashion-mnist")


def test_environment_variable_is_used(tmp_path, monkeypatch):
    np.savez(tmp_path / "mnist.npz", **tiny_arrays())
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    assert load_dataset("mnist").source == str(tmp_path / "mnist.npz")


def test_explicit_path_beats_environment(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    np.savez(tmp_path / "a" / "mnist.npz", **tiny_arrays(seed=1))
    np.savez(tmp_path / "b" / "mnist.npz", **tiny_arrays(seed=2))
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "a"))
    assert "b" in load_dataset("mnist", tmp_path / "b").source


def _expect(pattern, name, location):
    with pytest.raises(DataError, match=pattern) as caught:
        load_dataset(name, location)
    message = str(caught.value)
    assert data.DATA_ENV in message  # says how to point the loader at good data
    return message


def test_missing_file(tmp_path):
    message = _expect("no such file", "mnist", tmp_path / "nope.npz")
    assert "nope.npz" in message


def test_directory_without_data(tmp_path):
    _expect("no mnist data found", "mnist", tmp_path)


def test_truncated_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, **tiny_arrays())
    path.write_bytes(path.read_bytes()[:300])
    assert "mnist.npz" in _expect("truncated or not a .npz", "mnist", path)


def test_not_an_npz(tmp_path):
    path = tmp_path / "mnist.npz"
    path.write_text("hello")
    _expect("truncated or not a .npz", "mnist", path)


def test_pickled_npz_refused(tmp_path):
    arrays = tiny_arrays()
    arrays["y_train"] = np.array([object()] * 12, dtype=object)
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    _expect("pickled", "mnist", path)


def test_missing_key(tmp_path):
    arrays = tiny_arrays()
    del arrays["y_test"]
    np.savez(tmp_path / "mnist.npz", **arrays)
    _expect(r"missing arrays \['y_test'\]", "mnist", tmp_path / "mnist.npz")


@pytest.mark.parametrize(
    "key, value, pattern",
    [
        ("x_train", np.zeros((12, 28, 27), np.uint8), r"shape \(12, 28, 27\)"),
        ("x_train", np.zeros((12, 784), np.uint8), r"expected \(N, 28, 28\)"),
        ("x_test", np.zeros((6, 28, 28), np.float32), "dtype float32"),
        ("y_train", np.full(12, 10, np.uint8), "labels 10..10"),
        ("y_test", np.full(6, -1, np.int64), r"labels -1..-1"),
        ("y_train", np.zeros(11, np.uint8), "12 images but y_train 11 labels"),
        ("y_test", np.zeros((6, 1), np.uint8), "expected \\(N,\\)"),
    ],
)
def test_bad_content(tmp_path, key, value, pattern):
    arrays = tiny_arrays()
    arrays[key] = value
    np.savez(tmp_path / "mnist.npz", **arrays)
    _expect(pattern, "mnist", tmp_path / "mnist.npz")


def test_truncated_idx(tmp_path):
    directory = write_idx_dir(tmp_path / "fashion-mnist", tiny_arrays(), compress=False)
    target = directory / "train-images-idx3-ubyte"
    target.write_bytes(target.read_bytes()[:-100])
    assert "train-images-idx3-ubyte" in _expect("truncated or padded", "fashion_mnist", tmp_path)


def test_truncated_gzip_idx(tmp_path):
    directory = write_idx_dir(tmp_path / "fashion-mnist", tiny_arrays(), compress=True)
    target = directory / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(target.read_bytes()[:-12])
    _expect("t10k-labels", "fashion_mnist", tmp_path)


def test_idx_bad_magic(tmp_path):
    directory = write_idx_dir(tmp_path / "fashion-mnist", tiny_arrays(), compress=False)
    (directory / "train-labels-idx1-ubyte").write_bytes(b"\x12\x34" + b"\x00" * 20)
    _expect("bad magic", "fashion_mnist", tmp_path)


def test_idx_missing_one_file(tmp_path):
    directory = write_idx_dir(tmp_path / "fashion-mnist", tiny_arrays(), compress=True)
    (directory / "t10k-images-idx3-ubyte.gz").unlink()
    _expect("t10k-images-idx3-ubyte", "fashion_mnist", tmp_path)


def test_idx_wrong_shape(tmp_path):
    arrays = tiny_arrays()
    directory = write_idx_dir(tmp_path / "fashion-mnist", arrays, compress=True)
    with gzip.open(directory / "train-images-idx3-ubyte.gz", "wb") as handle:
        handle.write(idx_bytes(np.zeros((12, 32, 32), np.uint8)))
    _expect(r"shape \(12, 32, 32\)", "fashion_mnist", tmp_path)


def test_unknown_dataset():
    with pytest.raises(DataError, match="valid values: mnist, fashion_mnist"):
        load_dataset("cifar10", "/nonexistent")


def test_offline_without_path_names_the_variable(monkeypatch):
    import keras

    def offline():
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DataError, match=f"Set {data.DATA_ENV}"):
        load_dataset("mnist")


def test_preprocessing_ranges():
    images = np.array([[[0, 127, 128, 255] * 7] * 28], dtype=np.uint8)
    gan = data.to_gan_range(images)
    assert gan.shape == (1, 28, 28, 1) and gan.dtype == np.float32
    assert gan.min() == -1.0 and gan.max() == 1.0
    unit = data.to_unit_range(images)
    assert unit.min() == 0.0 and unit.max() == 1.0
    binary = data.binarize(images)
    assert set(np.unique(binary)) == {0.0, 1.0}
    np.testing.assert_array_equal(binary[0, 0, :4, 0], [0, 0, 1, 1])
    np.testing.assert_array_equal(data.to_uint8_images(gan), images)


def test_stochastic_binarisation_is_seeded_and_unbiased():
    images = np.full((50, 28, 28), 64, dtype=np.uint8)
    first = data.binarize(images, "stochastic", seed=3)
    np.testing.assert_array_equal(first, data.binarize(images, "stochastic", seed=3))
    assert not np.array_equal(first, data.binarize(images, "stochastic", seed=4))
    assert abs(first.mean() - 64 / 255) < 0.01


def test_batches_depend_only_on_seed_and_epoch():
    images = np.arange(40, dtype=np.float32).reshape(40, 1)

    def order(seed, epoch):
        return np.concatenate([b.numpy() for b in data.make_batches(images, 8, seed, epoch)])

    first = order(0, 3)
    np.testing.assert_array_equal(first, order(0, 3))
    assert not np.array_equal(first, order(0, 4))
    assert sorted(first.ravel()) == list(range(40))  # a permutation: every image once


def test_batches_drop_the_incomplete_last_batch():
    batches = list(data.make_batches(np.zeros((10, 2), np.float32), 4, seed=0))
    assert [b.shape[0] for b in batches] == [4, 4]


@pytest.mark.skipif(not REAL_DATA, reason=f"{data.DATA_ENV} not set")
def test_real_mnist_and_fashion_mnist():
    """The real data sets: the published class counts, first labels and mean pixel."""
    mnist = load_dataset("mnist", REAL_DATA)
    assert mnist.x_train.shape == (60000, 28, 28) and mnist.x_test.shape == (10000, 28, 28)
    assert list(np.bincount(mnist.y_test)) == MNIST_TEST_CLASS_COUNTS
    assert list(mnist.y_train[:5]) == MNIST_FIRST_TRAIN_LABELS
    fashion = load_dataset("fashion_mnist", REAL_DATA)
    assert list(np.bincount(fashion.y_train)) == [FASHION_MNIST_TRAIN_PER_CLASS] * 10
    assert abs(fashion.x_train.mean() / 255 - FASHION_MNIST_MEAN) < 1e-3


def test_the_validation_split_is_the_end_of_the_training_set_and_nothing_else():
    arrays = tiny_arrays(n_train=30)
    dataset = data.Dataset(name="mnist", source="test", **arrays)
    x_train, y_train = data.training_split(dataset, 10)
    x_valid, y_valid = data.validation_split(dataset, 10)
    assert len(x_train) == 20 and len(x_valid) == 10
    np.testing.assert_array_equal(np.concatenate([x_train, x_valid]), arrays["x_train"])
    np.testing.assert_array_equal(np.concatenate([y_train, y_valid]), arrays["y_train"])
    for bad in (0, 30, 31):
        with pytest.raises(ValueError, match="validation_size"):
            data.training_split(dataset, bad)
