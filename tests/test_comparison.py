"""Notebook 05's comparison as functions (helpers.comparison), on tiny synthetic results and
the smoke classifier: reading, equal sample counts, the FID curve and its stopping record, the
encoder rows, the costs, and the record written once and read back."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import comparison, metrics
from helpers.results import MissingResultError
from helpers.runs import atomic_write_npz, results_dir
from tests.records import write_results_record


def _write_model(folder, name, images, epoch_images=None, dataset="mnist", **record):
    written = write_results_record(folder, name, config={"dataset": dataset}, **record)
    atomic_write_npz(folder / f"{name}_samples.npz", images=images)
    if epoch_images is not None:
        epochs = np.arange(1, len(epoch_images) + 1, dtype=np.int32)
        atomic_write_npz(folder / f"{name}_epoch_samples.npz", images=epoch_images, epochs=epochs)
    return written


def _noise(count, seed):
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28)).astype(np.uint8)


def test_read_results_needs_the_papers_models_and_takes_the_others_present(project_root):
    folder = results_dir("smoke")
    _write_model(folder, "dcgan", _noise(6, 0))
    with pytest.raises(MissingResultError, match="03_vae"):
        comparison.read_results("smoke", "mnist")
    _write_model(folder, "vae", _noise(8, 1))
    _write_model(folder, "vae_z16", _noise(5, 2))
    results = comparison.read_results("smoke", "mnist")
    assert list(results) == ["dcgan", "vae", "vae_z16"]
    assert results["vae"]["record"].name == "vae"
    rows = comparison.sample_rows(results, _noise(7, 3), max_samples=100)
    assert list(rows) == ["real", "dcgan", "vae", "vae_z16"]
    assert {len(images) for images in rows.values()} == {5}  # the smallest set decides
    assert len(comparison.sample_rows(results, _noise(7, 3), max_samples=4)["vae"]) == 4
    _write_model(folder, "vae_z16", _noise(5, 2), dataset="fashion_mnist")
    with pytest.raises(ValueError, match="vae_z16 was trained on fashion_mnist"):
        comparison.read_results("smoke", "mnist")


def test_the_comparison_scores_curves_encoders_and_costs_and_writes_one_record(
    project_root, mnist, tiny_classifier
):
    _, classifier = tiny_classifier
    reference, held_out = metrics.reference_split(mnist, "test", size=200)
    digits, noise = mnist.x_test[1::2][:60], _noise(60, 4)
    folder = results_dir("smoke")
    # the "GAN" starts as noise and ends as real digits; the "VAE" stays noise
    epochs = np.stack([noise, noise, digits[:60], digits[:60]])
    gan = _write_model(folder, "dcgan", digits, epochs, parameters={"g": 3, "d": 4})
    _write_model(folder, "vae", noise, parameters={"encoder": 1, "decoder": 1, "total": 2})
    results = comparison.read_results("smoke", "mnist")
    samples = comparison.sample_rows(results, held_out, max_samples=60)
    scorer = metrics.Scorer(classifier, reference, max_samples=60, kid_subsets=5)
    scores, details = comparison.score_rows(scorer, samples)
    assert list(scores) == ["real", "dcgan", "vae"] and set(details) == set(scores)
    assert scores["dcgan"]["fid"] < scores["vae"]["fid"]  # digits are nearer the data
    table = comparison.metric_table_rows(scores, {n: n.upper() for n in scores})
    kid = scores["vae"]["kid"]
    assert table["VAE"]["kid_text"].startswith(f"{1e3 * kid:.2f} ± ")

    curves = comparison.fid_curves(classifier, results, scorer.reference_features, held_out)
    assert list(curves) == ["dcgan"]  # the only model with per-epoch samples
    curve = curves["dcgan"]
    assert list(curve["epochs"]) == [1, 2, 3, 4]
    assert curve["fid"][2] < curve["fid"][0] and curve["best_epoch"] in (3, 4)
    assert curve["noise"] > 0 and curve["real_fid"] < curve["fid"][0]

    labels = mnist.y_test[1::2][:60]
    atomic_write_npz(folder / "vae_latent.npz", means=np.eye(60, 2), labels=labels)
    atomic_write_npz(folder / "vae_reconstructions.npz", images=digits, labels=labels)
    encoders = comparison.encoder_rows(classifier, "smoke")
    assert list(encoders) == ["vae"]  # the others exported no codes
    predicted = classifier.predict(digits)
    assert encoders["vae"]["label_kept"] == pytest.approx(np.mean(predicted == labels))
    assert encoders["vae"]["latent_dim"] == 2

    costs = comparison.training_costs(results)
    assert costs["dcgan"] == gan.cost() and costs["dcgan"]["parameters"] == 7
    assert costs["vae"]["parameters"] == 2

    record = comparison.comparison_record(
        "smoke", "mnist", scorer, classifier, scores, curves, encoders, costs
    )
    assert record.samples_per_row == 60 and record.verdicts == []
    assert record.classifier["test_accuracy"] == classifier.record["test_accuracy"]
    path = comparison.write_comparison(record, folder)
    read = comparison.read_comparison(path)
    assert read.rows["dcgan"]["fid"] == scores["dcgan"]["fid"]
    assert read.fid_per_epoch["dcgan"]["fid"] == [float(f) for f in curve["fid"]]
    assert read.encoders == encoders and read.training_cost == costs


def test_a_comparison_file_without_its_rows_is_refused(tmp_path):
    from helpers.runs import atomic_write_json

    atomic_write_json(tmp_path / "comparison.json", {"profile": "cpu", "dataset": "mnist"})
    with pytest.raises(ValueError, match="without .*rows"):
        comparison.read_comparison(tmp_path / "comparison.json")
