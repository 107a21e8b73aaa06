"""Sample files (helpers.samples): what reads, and what each bad file says."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import samples
from helpers.runs import atomic_write_npz


def test_read_samples_accepts_images_key_or_single_array(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28)).astype(np.uint8)
    decoy = np.full((5, 28, 28), 7, np.uint8)  # another array beside "images" is not read
    np.savez(tmp_path / "a.npz", other=decoy, images=images)
    np.savez(tmp_path / "b.npz", samples=images[..., None])  # a trailing channel is dropped
    np.testing.assert_array_equal(samples.read_samples(tmp_path / "a.npz"), images)
    np.testing.assert_array_equal(samples.read_samples(tmp_path / "b.npz"), images)
    assert samples.read_samples(tmp_path / "b.npz").dtype == np.uint8


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        (b"not a zip file at all", "not a readable .npz"),
        ((np.savez, 50, 300), "truncated"),
        ((atomic_write_npz, 10, 50), "truncated"),  # compressed, as the notebooks write them
        (dict(images=np.zeros((5, 28, 28), np.float32)), "uint8"),
        (dict(images=np.zeros((5, 32, 32), np.uint8)), "shape"),
        (dict(a=np.zeros(3), b=np.zeros(3)), "no array named 'images'"),
        (dict(images=np.zeros((2, 28, 28), np.uint8)), "need more than 3"),
    ],
)
def test_read_samples_errors_say_what_is_wrong(tmp_path, content, message):
    path = tmp_path / "samples.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, tuple):  # a valid file of `count` images cut after `kept` bytes
        write, count, kept = content
        write(path, images=np.zeros((count, 28, 28), np.uint8))
        path.write_bytes(path.read_bytes()[:kept])
    elif isinstance(content, dict):
        np.savez(path, **content)
    with pytest.raises(samples.SampleFileError, match=message):
        samples.read_samples(path)
