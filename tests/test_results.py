"""Results on disk: a model's results files, sample files, training cost, Markdown tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from helpers import results
from helpers.runs import atomic_write_json, atomic_write_npz, results_dir


def test_read_model_results_names_the_notebook_and_reads_what_is_there(project_root):
    with pytest.raises(results.MissingResultError, match="notebooks/03_vae.ipynb"):
        results.read_model_results("smoke", "vae")
    folder = results_dir("smoke")
    images = np.arange(5 * 28 * 28, dtype=np.uint32).reshape(5, 28, 28).astype(np.uint8)
    atomic_write_json(folder / "dcgan.json", {"history": {"d_loss": [1.0]}})
    atomic_write_npz(folder / "dcgan_samples.npz", images=images)
    atomic_write_npz(
        folder / "dcgan_epoch_samples.npz", images=images[None, :4], epochs=np.int32([1])
    )
    read = results.read_model_results("smoke", "dcgan")
    assert read["record"]["history"]["d_loss"] == [1.0]
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
    atomic_write_json(folder / "vae.json", {"config": {"dataset": "fashion_mnist"}})
    assert results.read_latent("smoke", "vae", dataset="mnist") is None
    assert results.read_latent("smoke", "vae", dataset="fashion_mnist") is not None


def test_read_latents_keep_the_models_that_have_them_in_order(project_root):
    folder = results_dir("smoke")
    for name, dataset in (("vaegan_z16", "mnist"), ("vae", "mnist"), ("vae_z16", "fashion_mnist")):
        atomic_write_npz(folder / f"{name}_latent.npz", means=np.zeros((4, 2)), labels=np.arange(4))
        atomic_write_json(folder / f"{name}.json", {"config": {"dataset": dataset}})
    names = {"VAE-GAN": "vaegan_z16", "missing": "dcgan", "VAE": "vae", "other": "vae_z16"}
    assert list(results.read_latents("smoke", names, dataset="mnist")) == ["VAE-GAN", "VAE"]
    assert list(results.read_latents("smoke", names)) == ["VAE-GAN", "VAE", "other"]


def test_read_exported_samples_returns_the_images_or_none(project_root):
    assert results.read_exported_samples("smoke", "vae") is None
    images = np.full((5, 28, 28), 7, np.uint8)
    atomic_write_npz(results_dir("smoke") / "vae_samples.npz", images=images)
    np.testing.assert_array_equal(results.read_exported_samples("smoke", "vae"), images)


def test_training_cost_totals_the_parts():
    record = {"epoch_seconds": [2.0, 4.0], "images_per_second": 100.0,
              "parameters": {"generator": 10, "discriminator": 5}}  # fmt: skip
    cost = results.training_cost(record)
    assert cost == {"epochs": 2, "wall_time_seconds": 6.0, "seconds_per_epoch": 3.0,
                    "images_per_second": 100.0, "parameters": 15}  # fmt: skip
    assert results.training_cost({"parameters": {"a": 1, "total": 7}})["parameters"] == 7


def test_markdown_table_formats_and_marks_missing_values():
    table = results.markdown_table(
        {"DCGAN": {"fid": 12.345, "recall": None}, "VAE": {"fid": 3.0}},
        [("fid", "FID", ".1f"), ("recall", "recall", ".2f")],
    )
    assert table.splitlines() == [
        "| | FID | recall |",
        "|---|---:|---:|",
        "| DCGAN | 12.3 | – |",
        "| VAE | 3.0 | – |",
    ]


def test_result_names_keep_the_papers_latent_plain_and_mark_another():
    from helpers.results import model_label, result_name

    assert result_name("vae", 2) == "vae" and result_name("vaegan", None) == "vaegan"
    assert result_name("vae", 16) == "vae_z16" and result_name("vaegan", 16) == "vaegan_z16"
    assert result_name("dcgan", 100) == "dcgan"  # the GAN's noise is not a latent code here
    assert model_label("vaegan_z16") == "VAE-GAN (z=16)" and model_label("vae") == "VAE"


def _ablation_record(config, **recipe):
    base = {"change": "the profile's recipe", "fid": 24.0, "classes": 9, "coverage": 0.5}
    base.update(sharpness_vs_real=1.1, label_kept=0.966, train_seconds=270.0, **recipe)
    variant = dict(base, change="no warm-up", fid=80.5, classes=6, coverage=0.2, label_kept=0.5)
    vae_row = dict(base, change="the VAE (reference)", fid=27.5, train_seconds=float("nan"))
    return {
        "config": config.to_dict(),
        "variants": {"recipe": base, "no-warmup": variant, "vae": vae_row},
    }


def test_ablation_is_read_from_the_results_folder_under_its_latent_name(project_root):
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    assert results.ablation_name(2) == "vaegan_ablation"
    assert results.ablation_name(16) == "vaegan_z16_ablation"
    assert results.read_ablation("smoke", 16) is None
    atomic_write_json(results_dir("smoke") / "vaegan_z16_ablation.json", _ablation_record(config))
    assert results.read_ablation("smoke", 16)["variants"]["recipe"]["fid"] == 24.0
    assert results.read_ablation("smoke", 2) is None


def test_ablation_falls_back_to_the_published_record_and_prefers_the_runs_own(project_root):
    """A fresh clone has only results/<profile>/ (runs/ is not committed): the notebook must
    find the published table there, and a new `make ablation` record must win over it."""
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    published, own = _ablation_record(config), _ablation_record(config)
    published["variants"]["recipe"]["fid"] = 31.0
    atomic_write_json(project_root / "results" / "cpu" / "vaegan_z16_ablation.json", published)
    assert results.read_ablation("cpu", 16)["variants"]["recipe"]["fid"] == 31.0
    assert results.read_ablation("cpu", 2) is None
    atomic_write_json(results_dir("cpu") / "vaegan_z16_ablation.json", own)
    assert results.read_ablation("cpu", 16)["variants"]["recipe"]["fid"] == 24.0


def test_ablation_names_the_fields_where_the_recipe_has_changed_since():
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    # diagnose_images is the ablation's own field, not part of the recipe
    record = _ablation_record(dataclasses.replace(config, diagnose_images=0))
    assert results.ablation_stale_fields(record, config) == []
    record = _ablation_record(dataclasses.replace(config, gamma=0.5, epochs=3))
    assert results.ablation_stale_fields(record, config) == ["epochs", "gamma"]


def test_ablation_made_before_a_field_existed_is_stale_only_if_the_field_left_its_default():
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16, diagnose_images=0)
    record = _ablation_record(config)
    del record["config"]["start_from_vae"]  # as written before the field was added
    assert results.ablation_stale_fields(record, config) == []
    started = dataclasses.replace(config, start_from_vae=True, warmup_epochs=0)
    assert "start_from_vae" in results.ablation_stale_fields(record, started)


def test_ablation_table_and_effects_are_read_against_the_recipe_row():
    from helpers.config import make_config

    record = _ablation_record(make_config("vaegan", "smoke"))
    table = results.ablation_table(record).splitlines()
    assert table[2].startswith("| **the recipe** | 24.0 | 9 | 0.500 | 1.10 | 96.6% | 270 |")
    assert table[3].startswith("| no-warmup: no warm-up | 80.5 | 6 | 0.200 |")
    assert table[4].endswith("| 96.6% | – |")  # the VAE was not trained by the ablation
    effects = results.ablation_effects(record)
    assert effects[0] == (
        "no warm-up: FID 80.5 (+56.5), 6 classes (-3), coverage 0.200 (-0.300), "
        "label kept 50.0% (-46.6 points)."
    )
    assert effects[1].startswith("the VAE (reference): FID 27.5 (+3.5), 9 classes (+0)")


def test_read_samples_accepts_images_key_or_single_array(tmp_path):
    images = np.zeros((5, 28, 28), np.uint8)
    np.savez(tmp_path / "a.npz", images=images, other=np.ones(3))
    np.savez(tmp_path / "b.npz", samples=images[..., None])
    assert results.read_samples(tmp_path / "a.npz").shape == (5, 28, 28)
    assert results.read_samples(tmp_path / "b.npz").shape == (5, 28, 28)


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
    with pytest.raises(results.SampleFileError, match=message):
        results.read_samples(path)


def test_missing_results_name_the_notebook_to_run(project_root):
    with pytest.raises(results.MissingResultError, match="notebooks/02_dcgan.ipynb"):
        results.read_model_results("smoke", "dcgan")
    with pytest.raises(results.MissingResultError, match="notebooks/04_vaegan.ipynb"):
        results.read_model_results("smoke", "vaegan")


def test_read_model_results_and_training_cost(project_root):
    from helpers.runs import atomic_write_npz, results_dir, write_results

    folder = results_dir("smoke")
    record = {"epoch_seconds": [2.0, 4.0], "wall_time_seconds": 7.5, "images_per_second": 100.0}
    write_results("smoke", "dcgan", {**record, "parameters": {"generator": 10, "critic": 5}})
    atomic_write_npz(folder / "dcgan_samples.npz", images=np.zeros((8, 28, 28), np.uint8))
    epoch_images = np.zeros((2, 4, 28, 28), np.uint8)
    atomic_write_npz(folder / "dcgan_epoch_samples.npz", images=epoch_images, epochs=[1, 2])
    result = results.read_model_results("smoke", "dcgan")
    assert result["samples"].shape == (8, 28, 28) and result["epoch_images"].shape == (2, 4, 28, 28)
    assert result["epochs"].tolist() == [1, 2]
    cost = results.training_cost(result["record"])
    assert cost == {
        "epochs": 2,
        "wall_time_seconds": 7.5,
        "seconds_per_epoch": 3.0,
        "images_per_second": 100.0,
        "parameters": 15,
    }
    # the VAE and VAE-GAN records carry their own total beside the parts: never counted twice
    with_total = {**record, "parameters": {"encoder": 10, "decoder": 5, "total": 15}}
    assert results.training_cost(with_total)["parameters"] == 15


def _step_profile_record():
    def result(scale):
        return {
            "parts": {
                "G forward": 60.0 / scale,
                "Adam updates": 12.0,
                "casts": 0.0 if scale == 1 else 10.0,
            },
            "kinds": {"convolution / matmul": 50.0 / scale, "Adam": 12.0},
            "wall_many_per_call": 170.0 / scale,
        }

    return {
        "batch_size": 100,
        "steps": 20,
        "parts_order": ["G forward", "casts", "Adam updates"],
        "kinds_order": ["convolution / matmul", "Adam"],
        "precisions": {"float32": result(1), "mixed_bfloat16": result(2)},
    }


def test_step_profile_table_has_a_row_per_part_and_the_shares_of_each_precision():
    table = results.step_profile_table(_step_profile_record(), "parts").splitlines()
    assert table[0].count("float32 ms") == 1 and table[0].count("mixed_bfloat16 ms") == 1
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    rows = {label: values for label, *values in cells}
    assert list(rows) == ["G forward", "casts", "Adam updates", "all ops"]  # the record's order
    assert rows["G forward"][:2] == ["60.0", "83%"]  # 60 of 72 op-ms in float32
    assert rows["casts"][2:4] == ["10.0", "19%"]  # 10 of 52 in bfloat16
    assert rows["all ops"][0] == "72.0" and rows["all ops"][2] == "52.0"
    kinds = results.step_profile_table(_step_profile_record(), "kinds").splitlines()
    assert len(kinds) == 2 + 3  # header, rule, two kinds and the total


def test_step_profile_summary_gives_each_wall_time_and_the_speed_ratio():
    text = results.step_profile_summary(_step_profile_record())
    assert "float32 170.0 ms" in text and "mixed_bfloat16 85.0 ms" in text
    assert "mixed_bfloat16 is 2.00× float32" in text


def test_step_profile_is_read_from_the_run_else_from_the_published_results(project_root):
    assert results.read_step_profile("cpu") is None
    published, own = _step_profile_record(), _step_profile_record()
    published["steps"] = 40
    atomic_write_json(project_root / "results" / "cpu" / "dcgan_step_profile.json", published)
    assert results.read_step_profile("cpu")["steps"] == 40
    atomic_write_json(results_dir("cpu") / "dcgan_step_profile.json", own)
    assert results.read_step_profile("cpu")["steps"] == 20
