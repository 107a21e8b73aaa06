"""The results store as its readers see it (helpers.results): a model's record, samples,
per-epoch samples, latent codes and reconstructions, and the names of its files."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import results
from helpers.record import RecordError
from helpers.runs import atomic_write_json, atomic_write_npz, results_dir
from tests.records import write_results_record


def test_read_model_results_names_the_notebook_and_reads_what_is_there(project_root):
    with pytest.raises(results.MissingResultError, match="notebooks/03_vae.ipynb"):
        results.read_model_results("smoke", "vae")
    folder = results_dir("smoke")
    images = np.arange(5 * 28 * 28, dtype=np.uint32).reshape(5, 28, 28).astype(np.uint8)
    write_results_record(folder, "dcgan", history={"d_loss": [1.0]})
    atomic_write_npz(folder / "dcgan_samples.npz", images=images)
    atomic_write_npz(
        folder / "dcgan_epoch_samples.npz", images=images[None, :4], epochs=np.int32([1])
    )
    read = results.read_model_results("smoke", "dcgan")
    assert read["record"].history["d_loss"] == [1.0] and read["record"].name == "dcgan"
    np.testing.assert_array_equal(read["samples"], images)
    assert read["epoch_images"].shape == (1, 4, 28, 28) and read["epochs"].tolist() == [1]


def test_exported_reconstructions_keep_the_models_that_have_them(project_root):
    folder = results_dir("smoke")
    images = np.full((3, 28, 28), 9, np.uint8)
    atomic_write_npz(folder / "vae_z16_latent.npz", means=np.zeros((3, 16)), labels=np.arange(3))
    atomic_write_npz(folder / "vae_z16_reconstructions.npz", images=images, labels=np.arange(3))
    atomic_write_npz(folder / "vaegan_z16_latent.npz", means=np.zeros((3, 16)))  # no images
    found = results.exported_reconstructions(
        "smoke", {"vaegan_z16": "VAE-GAN, latent 16", "vae_z16": "VAE, latent 16"}
    )
    assert list(found) == ["VAE, latent 16"]
    np.testing.assert_array_equal(found["VAE, latent 16"], images)
    assert results.exported_reconstructions("smoke", {}) == {}


def test_read_latent_returns_the_arrays_or_none(project_root):
    folder = results_dir("smoke")
    means, labels = np.arange(12.0).reshape(6, 2), np.arange(6) % 3
    atomic_write_npz(folder / "vae_latent.npz", means=means, labels=labels)
    read = results.read_latent("smoke", "vae")
    np.testing.assert_array_equal(read[0], means)
    np.testing.assert_array_equal(read[1], labels)
    assert results.read_latent("smoke", "vaegan") is None  # no file
    # with a data set, the model's record must be there and name it
    assert results.read_latent("smoke", "vae", dataset="mnist") is None
    write_results_record(folder, "vae", config={"dataset": "fashion_mnist"})
    assert results.read_latent("smoke", "vae", dataset="mnist") is None
    assert results.read_latent("smoke", "vae", dataset="fashion_mnist") is not None


def test_read_latents_keep_the_models_that_have_them_in_order(project_root):
    folder = results_dir("smoke")
    for name, dataset in (("vaegan_z16", "mnist"), ("vae", "mnist"), ("vae_z16", "fashion_mnist")):
        atomic_write_npz(folder / f"{name}_latent.npz", means=np.zeros((4, 2)), labels=np.arange(4))
        write_results_record(folder, name, config={"dataset": dataset})
    names = {"VAE-GAN": "vaegan_z16", "missing": "dcgan", "VAE": "vae", "other": "vae_z16"}
    assert list(results.read_latents("smoke", names, dataset="mnist")) == ["VAE-GAN", "VAE"]
    assert list(results.read_latents("smoke", names)) == ["VAE-GAN", "VAE", "other"]


def test_read_exported_samples_returns_the_images_or_none(project_root):
    assert results.read_exported_samples("smoke", "vae") is None
    images = np.full((5, 28, 28), 7, np.uint8)
    atomic_write_npz(results_dir("smoke") / "vae_samples.npz", images=images)
    np.testing.assert_array_equal(results.read_exported_samples("smoke", "vae"), images)


def test_result_names_keep_the_papers_latent_plain_and_mark_another():
    from helpers.results import model_label, result_name

    assert result_name("vae", 2) == "vae" and result_name("vaegan", None) == "vaegan"
    assert result_name("vae", 16) == "vae_z16" and result_name("vaegan", 16) == "vaegan_z16"
    assert result_name("dcgan", 100) == "dcgan"  # the GAN's noise is not a latent code here
    assert model_label("vaegan_z16") == "VAE-GAN (z=16)" and model_label("vae") == "VAE"


def test_missing_results_name_the_notebook_to_run(project_root):
    with pytest.raises(results.MissingResultError, match="notebooks/02_dcgan.ipynb"):
        results.read_model_results("smoke", "dcgan")
    with pytest.raises(results.MissingResultError, match="notebooks/04_vaegan.ipynb"):
        results.read_model_results("smoke", "vaegan")


def test_read_model_results_refuses_a_json_that_is_not_a_results_record(project_root):
    folder = results_dir("smoke")
    atomic_write_npz(folder / "vae_samples.npz", images=np.zeros((5, 28, 28), np.uint8))
    atomic_write_json(folder / "vae.json", {"history": {"loss": [1.0]}})  # not a record
    with pytest.raises(RecordError, match="not a results record"):
        results.read_model_results("smoke", "vae")
    written = write_results_record(folder, "vae", parameters={"encoder": 3, "total": 3})
    assert results.read_model_results("smoke", "vae")["record"] == written


def test_read_explorer_gathers_the_planes_and_walks_that_were_exported(project_root):
    folder = results_dir("smoke")
    grid = np.arange(3 * 3 * 28 * 28).reshape(3, 3, 28, 28).astype(np.uint8)
    means, labels = np.linspace(-1, 1, 8).reshape(4, 2), np.arange(4)
    for name, dataset in (("vae", "mnist"), ("vaegan", "fashion_mnist")):
        atomic_write_npz(folder / f"{name}_plane.npz", images=grid, low=-2.0, high=2.0)
        atomic_write_npz(folder / f"{name}_latent.npz", means=means, labels=labels)
        write_results_record(folder, name, config={"dataset": dataset})
    frames = np.full((5, 28, 28), 3, np.uint8)
    atomic_write_npz(folder / "vae_z16_walk.npz", images=frames)
    write_results_record(folder, "vae_z16", config={"dataset": "mnist"})
    planes, walks = results.read_explorer("smoke")
    assert list(planes) == ["VAE", "VAE-GAN"] and list(walks) == ["VAE (z=16)"]
    np.testing.assert_array_equal(planes["VAE"]["grid"], grid)
    assert (planes["VAE"]["low"], planes["VAE"]["high"]) == (-2.0, 2.0)
    np.testing.assert_array_equal(planes["VAE"]["means"], means)
    np.testing.assert_array_equal(walks["VAE (z=16)"], frames)
    planes, walks = results.read_explorer("smoke", dataset="mnist")  # the VAE-GAN's is another
    assert list(planes) == ["VAE"] and list(walks) == ["VAE (z=16)"]


def test_seed_names_round_trip_and_label_the_seed():
    assert results.result_name("dcgan", seed=2) == "dcgan_seed2"
    assert results.result_name("vae", 16, seed=1) == "vae_z16_seed1"
    assert results.result_name("vae", 2, seed=0) == "vae"  # seed 0: the plain name
    for name in ("dcgan", "vae_z16", "vaegan"):
        for seed in (0, 1, 12):
            assert results.split_seed(results.seed_name(name, seed)) == (name, seed)
    assert results.model_label("vaegan_z16_seed2") == "VAE-GAN (z=16) (seed 2)"
    assert results.model_label("vae_z16") == "VAE (z=16)"
