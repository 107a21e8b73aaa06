"""Notebook 05's comparison as functions (helpers.comparison), on tiny synthetic results and
the smoke classifier: reading, equal sample counts, the FID curve and its stopping record, the
encoder rows, the costs, and the record written once and read back; then the same over
training seeds (`<name>_seed<k>` results): per-seed reading, scoring, values, stopping records,
encoders, costs and likelihoods, and their mean ± sd tables."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers import comparison, metrics
from helpers.data import Dataset
from helpers.results import MissingResultError
from helpers.runs import atomic_write_npz, results_dir
from tests.records import results_record, write_results_record


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
    by_seed = comparison.read_seed_results("smoke", "mnist", results, (0,))
    stopping = comparison.seed_stopping(classifier, by_seed, scorer.reference_features, held_out)
    assert list(stopping) == ["dcgan"]  # the only model with per-epoch samples
    curves = {name: per_seed[0] for name, per_seed in stopping.items()}
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


# --- over seeds -------------------------------------------------------------------------------


def _filled(count, value):
    """`count` images whose every pixel is `value`: which run a sample came from, at a glance."""
    return np.full((count, 28, 28), value, dtype=np.uint8)


class _PooledPixels:
    """A stand-in for the classifier, without Keras: the features of an image are the means of
    its 16 blocks of 7×7 pixels; its predicted class is its top-left pixel modulo 10."""

    def features(self, images):
        images = np.asarray(images, dtype=np.float64) / 255.0
        return images.reshape(len(images), 4, 7, 4, 7).mean(axis=(2, 4)).reshape(len(images), 16)

    def predict(self, images):
        return np.asarray(images)[:, 0, 0].astype(int) % 10


def test_validation_reference_halves_the_last_training_images():
    x_train = np.stack([_filled(1, i)[0] for i in range(12)])
    data = Dataset(
        name="mnist",
        x_train=x_train,
        y_train=(np.arange(12) % 10).astype(np.uint8),
        x_test=_filled(4, 200),
        y_test=np.arange(4, dtype=np.uint8),
        source="test",
    )
    reference, held_out = comparison.validation_reference(data, 4)  # images 8, 9, 10, 11
    assert reference[:, 0, 0].tolist() == [8, 10]  # even-indexed
    assert held_out[:, 0, 0].tolist() == [9, 11]  # odd-indexed
    reference, held_out = comparison.validation_reference(data, 5)  # images 7 .. 11
    assert reference[:, 0, 0].tolist() == [7, 9, 11] and held_out[:, 0, 0].tolist() == [8, 10]
    with pytest.raises(ValueError, match="validation_size"):
        comparison.validation_reference(data, 12)  # nothing left to train on


def test_read_seed_results_finds_each_seeds_run_and_refuses_a_missing_one(project_root):
    folder = results_dir("smoke")
    _write_model(folder, "dcgan", _filled(4, 0))
    _write_model(folder, "dcgan_seed2", _filled(4, 2), model="dcgan")  # no seed 1
    _write_model(folder, "vae", _filled(4, 10))
    _write_model(folder, "vae_seed1", _filled(4, 11), model="vae")
    _write_model(folder, "vae_seed2", _filled(4, 12), model="vae")
    _write_model(folder, "vaegan_seed1", _filled(4, 21), model="vaegan")  # no seed 0
    results = comparison.read_results("smoke", "mnist")
    assert list(results) == ["dcgan", "vae"]

    with pytest.raises(MissingResultError, match=r"dcgan_seed1.*02_dcgan.*SEEDS=2"):
        comparison.read_seed_results("smoke", "mnist", results, (0, 1, 2))  # no dcgan_seed1
    _write_model(folder, "dcgan_seed1", _filled(4, 1), model="dcgan")
    by_seed = comparison.read_seed_results("smoke", "mnist", results, (0, 1, 2))
    assert list(by_seed) == ["dcgan", "vae"]  # only the models of `results`
    assert sorted(by_seed["dcgan"]) == [0, 1, 2]
    assert sorted(by_seed["vae"]) == [0, 1, 2]
    assert by_seed["vae"][0] is results["vae"]  # seed 0 is the results already read
    assert by_seed["vae"][2]["record"].name == "vae_seed2"
    assert {seed: int(run["samples"][0, 0, 0]) for seed, run in by_seed["vae"].items()} == {
        0: 10,
        1: 11,
        2: 12,
    }
    # only the seeds asked for
    assert sorted(comparison.read_seed_results("smoke", "mnist", results, (0, 1))["vae"]) == [0, 1]
    assert comparison.read_seed_results("smoke", "mnist", results, (0,)) == {
        "dcgan": {0: results["dcgan"]},
        "vae": {0: results["vae"]},
    }
    _write_model(folder, "vae_seed1", _filled(4, 11), dataset="fashion_mnist", model="vae")
    with pytest.raises(ValueError, match="vae seed 1 was trained on fashion_mnist"):
        comparison.read_seed_results("smoke", "mnist", results, (0, 1, 2))


def test_score_seeds_scores_every_seed_but_reuses_the_known_seed_0():
    by_seed = {
        "dcgan": {1: {"samples": _filled(6, 1)}, 0: {"samples": _filled(6, 0)}},
        "vae": {0: {"samples": _filled(6, 10)}, 1: {"samples": _filled(5, 11)}},
    }
    scored_values = []

    def score(samples):
        scored_values.append(int(samples[0, 0, 0]))
        return {"count": len(samples), "value": int(samples[0, 0, 0])}

    known = {"dcgan": {"count": 6, "value": "computed before"}}
    scored = comparison.score_seeds(score, by_seed, count=4, known=known)
    assert scored["dcgan"][0] is known["dcgan"]  # not scored again
    assert sorted(scored_values) == [1, 10, 11]  # dcgan seed 1, both seeds of the VAE
    assert list(scored["dcgan"]) == [0, 1]  # in seed order
    assert scored["dcgan"][1] == {"count": 4, "value": 1}  # the first `count` samples
    assert scored["vae"] == {0: {"count": 4, "value": 10}, 1: {"count": 4, "value": 11}}
    scored_values.clear()
    comparison.score_seeds(score, by_seed, count=4)
    assert sorted(scored_values) == [0, 1, 10, 11]  # without `known`, seed 0 too


def test_seed_values_lists_each_key_in_seed_order_when_every_seed_has_it():
    scored = {
        "vae": {2: {"fid": 30, "kid": 0.3}, 0: {"fid": 10, "kid": 0.1}, 1: {"fid": 20}},
        "real": {0: {"fid": 1.5, "kid": None}},
    }
    values = comparison.seed_values(scored, ("fid", "kid", "coverage"))
    assert values == {"vae": {"fid": [10.0, 20.0, 30.0]}, "real": {"fid": [1.5]}}
    assert all(isinstance(v, float) for v in values["vae"]["fid"])


def test_seed_stopping_gives_each_seeds_stopping_record_in_seed_order(mnist):
    classifier = _PooledPixels()
    reference, held_out = comparison.validation_reference(mnist, 200)
    digits, noise = mnist.x_test[:40], _noise(40, 5)
    epochs = np.arange(1, 5)
    by_seed = {
        # seed 1 is a digit from the first epoch on, seed 0 only from epoch 3
        "dcgan": {
            1: {"epoch_images": np.stack([digits] * 4), "epochs": epochs},
            0: {"epoch_images": np.stack([noise, noise, digits, digits]), "epochs": epochs},
        },
        "vae": {0: {"samples": digits}},  # no per-epoch samples
        "vaegan": {  # one seed without them: the model is left out
            0: {"epoch_images": np.stack([digits] * 4), "epochs": epochs},
            1: {"samples": digits},
        },
    }
    curves = comparison.seed_stopping(classifier, by_seed, classifier.features(reference), held_out)
    assert list(curves) == ["dcgan"]
    first, second = curves["dcgan"]
    assert first["within_noise_epoch"] == 3 and second["within_noise_epoch"] == 1
    assert first["fid"][0] > first["fid"][2] and first["fid"][2] == pytest.approx(first["fid"][3])
    assert len(set(second["fid"])) == 1  # the same samples after every epoch
    assert first["epochs"] == [1, 2, 3, 4] and isinstance(first["fid"], list)
    assert first["real_fid"] == pytest.approx(second["real_fid"])  # one validation split
    assert first["tolerance"] == pytest.approx(2 * first["noise"])
    json.dumps(curves)  # JSON-ready: what comparison.json holds


def test_seed_encoders_score_each_seeds_exported_codes_and_reconstructions(project_root):
    folder = results_dir("smoke")
    labels = np.arange(100) % 10
    clusters = np.stack([10.0 * labels, np.zeros(100)], axis=1)
    shifted = clusters.copy()  # the second half's codes sit in the next digit's cluster
    shifted[50:, 0] = 10.0 * ((labels[50:] + 1) % 10)
    kept = np.zeros((10, 28, 28), dtype=np.uint8)
    kept[:, 0, 0] = np.arange(10)  # the stand-in classifier reads the top-left pixel
    half_kept = kept.copy()
    half_kept[5:, 0, 0] = (np.arange(5, 10) + 1) % 10
    for name, means, images in (("vae", clusters, kept), ("vae_seed1", shifted, half_kept)):
        atomic_write_npz(folder / f"{name}_latent.npz", means=means, labels=labels)
        atomic_write_npz(
            folder / f"{name}_reconstructions.npz", images=images, labels=np.arange(10)
        )
    atomic_write_npz(folder / "dcgan_latent.npz", means=clusters, labels=labels)  # not an encoder
    atomic_write_npz(folder / "dcgan_reconstructions.npz", images=kept, labels=np.arange(10))
    by_seed = {"dcgan": {0: {}}, "vae": {1: {}, 0: {}}, "vaegan": {0: {}}}  # no VAE-GAN exports
    values = comparison.seed_encoders(_PooledPixels(), "smoke", by_seed)
    # 5-NN: every neighbour of a code in its own cluster (seed 0), in the next one (seed 1)
    assert values == {"vae": {"latent_knn": [1.0, 0.0], "label_kept": [1.0, 0.5]}}


def test_seed_costs_and_likelihoods_come_from_each_seeds_record():
    def run(name, **record):
        return {"record": results_record(name, **record)}

    by_seed = {
        "dcgan": {
            1: run(
                "dcgan_seed1",
                timings={
                    "epoch_seconds": [1.0, 1.0, 1.0],
                    "wall_time_seconds": 3.0,
                    "images_per_second": 300.0,
                },
            ),
            0: run("dcgan"),  # epochs 2 and 4 s, 7.5 s in all, 100 images/s
        },
        "vae": {
            0: run(
                "vae",
                metrics={"test_elbo": {"nats_per_image": -134.0}, "iwae": {"log_px": -131.0}},
            ),
            1: run(
                "vae_seed1",
                metrics={"test_elbo": {"nats_per_image": -136.0}, "iwae": {"log_px": -133.0}},
            ),
        },
        "vae_z16": {  # seed 1 has no IWAE bound: only the ELBO is kept
            0: run(
                "vae_z16",
                metrics={"test_elbo": {"nats_per_image": -100.0}, "iwae": {"log_px": -98.0}},
            ),
            1: run("vae_z16_seed1", metrics={"test_elbo": {"nats_per_image": -102.0}}),
        },
    }
    costs = comparison.seed_costs(by_seed)
    assert costs["dcgan"] == {
        "epochs": [2.0, 3.0],
        "wall_time_seconds": [7.5, 3.0],
        "seconds_per_epoch": [3.0, 1.0],
        "images_per_second": [100.0, 300.0],
    }
    assert set(costs) == {"dcgan", "vae", "vae_z16"}
    assert "parameters" not in costs["vae"]
    likelihood = comparison.seed_likelihood(by_seed)
    assert likelihood == {
        "vae": {"test_elbo": [-134.0, -136.0], "iwae": [-131.0, -133.0]},
        "vae_z16": {"test_elbo": [-100.0, -102.0]},
    }  # the DCGAN has no likelihood bound


def test_spread_table_shows_mean_plus_minus_sd_and_the_number_of_seeds():
    values = {
        "vae": {"fid": [1.0, 2.0, 3.0], "kid": [0.001, 0.002, 0.003]},
        "dcgan": {"fid": [5.0]},
    }
    rows = comparison.spread_rows(values, {"vae": "VAE"}, comparison.SEED_METRIC_COLUMNS)
    # KID ×10³: mean 2, sd 1 as for the FID
    assert rows["VAE"] == {"fid": "2.00 ± 1.00", "kid": "2.00 ± 1.00", "n": "3"}
    assert rows["dcgan"] == {"fid": "5.00", "n": "1"}  # unlabelled: its name; one seed: no ±
    table = comparison.spread_table(values, {"vae": "VAE"}, comparison.SEED_METRIC_COLUMNS)
    header, rule, vae, dcgan = table.splitlines()
    assert header.startswith("| | FID ↓ | KID×10³ ↓ |") and header.endswith("| seeds |")
    assert rule.count("---:") == len(comparison.SEED_METRIC_COLUMNS) + 1
    assert vae.startswith("| VAE | 2.00 ± 1.00 | 2.00 ± 1.00 | – |") and vae.endswith("| 3 |")
    assert dcgan.startswith("| dcgan | 5.00 | – |") and dcgan.endswith("| 1 |")
    encoders = {"vae": {"latent_knn": [0.8, 0.9], "label_kept": [0.7, 0.7]}}
    table = comparison.spread_table(encoders, {}, comparison.ENCODER_SEED_COLUMNS)
    assert "| vae | 85.0 ± 7.1 | 70.0 ± 0.0 | 2 |" in table  # shown in %


def test_a_comparison_record_with_seeds_round_trips_through_its_file(tmp_path):
    curve = {
        "epochs": [1, 2, 3],
        "fid": [30.0, 20.0, 19.5],
        "within_noise_epoch": 2,
        "tolerance": 1.0,
        "real_fid": 2.0,
        "plateaued": True,
    }
    record = comparison.ComparisonRecord(
        profile="smoke",
        dataset="mnist",
        samples_per_row=60,
        reference="test images",
        classifier={"test_accuracy": 0.9},
        rows={"real": {"fid": 1.0}, "vae": {"fid": 70.0}},
        seeds=[0, 1, 2],
        seed_rows={"real": {"fid": [1.0]}, "vae": {"fid": [70.0, 72.5, 68.25]}},
        seed_pixel={"vae": {"fid": [900.0, 910.0, 905.0]}},
        seed_stopping={"dcgan": [curve, {**curve, "within_noise_epoch": 3}, curve]},
        seed_encoders={"vae": {"latent_knn": [0.8, 0.81, 0.79], "label_kept": [0.7, 0.7, 0.72]}},
        seed_costs={"vae": {"wall_time_seconds": [150.0, 151.0, 149.0]}},
        seed_likelihood={"vae": {"test_elbo": [-134.0, -135.0, -136.0]}},
        pixel_reference="the first 20 principal components",
    )
    read = comparison.read_comparison(comparison.write_comparison(record, tmp_path))
    assert read == record and read.to_dict() == record.to_dict()
    assert read.seed_stopping["dcgan"][1]["within_noise_epoch"] == 3
    # a file from before the seeds reads with none
    old = {k: v for k, v in record.to_dict().items() if not k.startswith(("seed", "pixel"))}
    (tmp_path / "old").mkdir()
    from helpers.runs import atomic_write_json

    atomic_write_json(tmp_path / "old" / "comparison.json", old)
    before = comparison.read_comparison(tmp_path / "old" / "comparison.json")
    assert before.seeds == [] and before.seed_rows == {} and before.pixel_reference == ""
    assert before.rows == record.rows
