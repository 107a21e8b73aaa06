"""Each metric asserts a property that would fail if it were computed wrongly; synthetic data
where the property is feature-agnostic, a slice of MNIST and a tiny classifier where it is not."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg
from scipy.ndimage import gaussian_filter

from helpers import metrics

from .conftest import MNIST_SUBSET

ROOT = Path(__file__).resolve().parents[1]


def blur(images: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    """Gaussian blur of uint8 [N, 28, 28] within each image."""
    blurred = gaussian_filter(images.astype(np.float64), sigma=(0, sigma, sigma))
    return np.clip(np.rint(blurred), 0, 255).astype(np.uint8)


# --- distances on synthetic features --------------------------------------------------------


def test_frechet_distance_matches_closed_forms():
    # Commuting (diagonal) covariances: |Δμ|² + Σ (√a − √b)² = 5 + 1 + 1 + 0.
    value = metrics.frechet_distance_from_moments(
        [0, 0, 0], np.diag([1, 4, 9]), [1, 2, 0], np.diag([4, 1, 9])
    )
    assert value == pytest.approx(7.0, abs=1e-9)
    # General SPD matrices: the textbook formula with scipy's matrix square root.
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    cov_a, cov_b = a @ a.T + np.eye(5), b @ b.T + 0.1 * np.eye(5)
    mean_a, mean_b = rng.normal(size=5), rng.normal(size=5)
    expected = np.sum((mean_a - mean_b) ** 2) + np.trace(
        cov_a + cov_b - 2 * scipy.linalg.sqrtm(cov_a @ cov_b).real
    )
    got = metrics.frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b)
    assert got == pytest.approx(expected, rel=1e-8)


def test_fid_of_a_set_with_itself_is_zero_and_grows_with_a_shift():
    x = np.random.default_rng(1).normal(size=(500, 16))
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    shifted = metrics.frechet_distance(x, x + 1.0)
    assert shifted == pytest.approx(16.0, rel=1e-6)  # |Δμ|² = 16, covariances equal


def test_polynomial_mmd2_matches_its_definition():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(7, 3)), rng.normal(size=(5, 3)) + 0.3

    def k(x, y):
        return (x @ y / 3 + 1) ** 3

    within_a = sum(k(a[i], a[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    within_b = sum(k(b[i], b[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    between = sum(k(x, y) for x in a for y in b) / 35
    expected = within_a + within_b - 2 * between
    assert metrics.polynomial_mmd2(a, b) == pytest.approx(expected, rel=1e-10)


def test_kid_is_zero_within_its_error_for_one_distribution_and_not_for_two():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(1500, 8)), rng.normal(size=(1500, 8))
    kid, error = metrics.kernel_inception_distance(a, b, subsets=20, subset_size=500)
    assert error > 0 and abs(kid) < 3 * error
    kid_shifted, error_shifted = metrics.kernel_inception_distance(
        a, b + 0.5, subsets=20, subset_size=500
    )
    assert kid_shifted > 10 * error_shifted


def test_inception_score_spans_one_to_ten():
    confident_uniform = np.eye(10)[np.arange(1000) % 10]
    assert metrics.inception_score(confident_uniform)[0] == pytest.approx(10.0, rel=1e-6)
    one_class = np.eye(10)[np.zeros(1000, dtype=int)]
    assert metrics.inception_score(one_class)[0] == pytest.approx(1.0, rel=1e-6)
    undecided = np.full((1000, 10), 0.1)
    assert metrics.inception_score(undecided)[0] == pytest.approx(1.0, rel=1e-6)


def test_precision_and_recall_match_a_hand_computed_example():
    """1-D, k = 1. Real 0..6: every ball has squared radius 1. Fake 0.5, 2.9, 10, 10.5: balls
    of squared radius 2.4^2 = 5.76 (0.5 and 2.9) and 0.5^2 = 0.25 (10 and 10.5).
    Precision: 0.5 and 2.9 lie in real balls, 10 and 10.5 do not -> 2/4. Recall: real 0..5 lie
    within 2.4 of 0.5 or 2.9; 6 is 3.1 from 2.9 and 4 from 10 -> 6/7."""
    real = np.arange(7, dtype=np.float64)[:, None]
    fake = np.array([[0.5], [2.9], [10.0], [10.5]])
    precision, recall = metrics.precision_recall(real, fake, k=1)
    assert precision == pytest.approx(0.5) and recall == pytest.approx(6 / 7)
    assert metrics.precision_recall(fake, real, k=1) == pytest.approx((6 / 7, 0.5))  # swapped


def test_precision_recall_separate_quality_from_diversity():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(1000, 2))
    collapsed = rng.normal(size=(1000, 2)) * 0.3  # inside the real manifold, but only its core
    off = rng.normal(size=(1000, 2)) + 6.0  # away from it
    p_collapsed, r_collapsed = metrics.precision_recall(real, collapsed)
    p_off, r_off = metrics.precision_recall(real, off)
    assert p_collapsed > 0.95 and r_collapsed < 0.5
    assert p_off < 0.05 and r_off < 0.05


def test_knn_radii_count_the_kth_other_point():
    points = np.array([[0.0], [1.0], [3.0], [6.0], [10.0]])
    np.testing.assert_allclose(metrics.knn_radii(points, k=1), [1, 1, 4, 9, 16])
    np.testing.assert_allclose(metrics.knn_radii(points, k=3), [36, 25, 9, 25, 81])


# --- class statistics and image statistics ---------------------------------------------------


def test_class_coverage_flags_missing_classes():
    uniform = metrics.class_coverage(np.arange(1000) % 10)
    assert uniform["classes_covered"] == 10 and uniform["kl_to_uniform"] == pytest.approx(0)
    half = metrics.class_coverage(np.arange(1000) % 5)
    assert half["rare_classes"] == [5, 6, 7, 8, 9] and half["classes_covered"] == 5
    assert half["kl_to_uniform"] == pytest.approx(np.log(2))


def test_ambiguous_pairs():
    p = np.full((4, 10), 0.0)
    p[0, [9, 4]] = [0.6, 0.4]  # a 9 that looks like a 4
    p[1, [4, 9]] = [0.5, 0.5]
    p[2, [7, 1]] = [0.95, 0.05]  # runner-up below 0.1: not ambiguous
    p[3, 3] = 1.0
    pairs = metrics.ambiguous_pairs(p)
    assert metrics.pair_ambiguity(pairs, 4, 9) == pytest.approx(0.5)
    assert metrics.pair_ambiguity(pairs, 1, 7) == 0.0 and pairs.sum() == pytest.approx(0.5)


def test_blurring_lowers_sharpness():
    rng = np.random.default_rng(6)
    strokes = np.zeros((20, 28, 28), dtype=np.uint8)
    for image in strokes:
        row, col = rng.integers(4, 20, size=2)
        image[row : row + 6, col : col + 2] = 255
    assert metrics.sharpness(blur(strokes, 1.0)) < 0.5 * metrics.sharpness(strokes)
    assert metrics.sharpness(np.zeros((3, 28, 28), np.uint8)) == 0.0


def test_grey_pixel_share_counts_neither_ink_nor_paper():
    strokes = np.zeros((4, 28, 28), np.uint8)
    strokes[:, 8:20, 12:16] = 255
    assert metrics.grey_pixel_share(strokes) == 0.0  # crisp: only ink and paper
    assert metrics.grey_pixel_share(np.full((2, 28, 28), 128, np.uint8)) == 1.0
    assert metrics.grey_pixel_share(blur(strokes, 1.5)) > 0.1  # blur turns edges grey


def test_faint_pixel_share_matches_hand_counts():
    images = np.zeros((2, 28, 28), np.uint8)  # 1,568 pixels of paper
    images[0, 0, :10] = 13  # 13/255 = 0.051: faint
    images[0, 1, :10] = 76  # 0.298: faint
    images[0, 2, :10] = 12  # 0.047: too light
    images[1, 0, :10] = 77  # 0.302: too dark to be faint
    images[1, 1, :5] = 40  # 0.157: faint
    images[1, 2:10, 10:20] = 255  # ink
    assert metrics.FAINT_RANGE == (0.05, 0.3)
    assert metrics.faint_pixel_share(images) == pytest.approx(25 / 1568)
    assert metrics.faint_pixel_share(images[:1]) == pytest.approx(20 / 784)
    # other bounds: only the 76s and 77s lie in [0.29, 0.31]
    assert metrics.faint_pixel_share(images, low=0.29, high=0.31) == pytest.approx(20 / 1568)
    assert metrics.faint_pixel_share(np.full((3, 28, 28), 40, np.uint8)) == 1.0
    assert metrics.faint_pixel_share(np.full((3, 28, 28), 255, np.uint8)) == 0.0
    with pytest.raises(ValueError, match="uint8"):
        metrics.faint_pixel_share(images.astype(np.float32) / 255)


def test_faint_pixel_share_bounds_are_inclusive():
    images = np.zeros((1, 28, 28), np.uint8)
    images[0, 0, :3] = 51  # exactly 0.2 of full ink
    images[0, 1, :4] = 102  # exactly 0.4
    images[0, 2, :5] = [50, 103, 52, 101, 255]  # one grey level outside, one inside each bound
    assert metrics.faint_pixel_share(images, low=0.2, high=0.4) == pytest.approx(9 / 784)
    assert metrics.faint_pixel_share(images, low=0.2, high=0.2) == pytest.approx(3 / 784)
    assert metrics.faint_pixel_share(images, low=0.4, high=0.4) == pytest.approx(4 / 784)


def test_a_blurred_stroke_has_more_faint_pixels_than_a_crisp_one():
    strokes = np.zeros((4, 28, 28), np.uint8)
    strokes[:, 8:20, 12:16] = 255
    crisp = metrics.faint_pixel_share(strokes)
    assert crisp == 0.0  # only ink and paper
    blurred = metrics.faint_pixel_share(blur(strokes, 1.5))
    assert blurred > 0.02 and blurred > metrics.faint_pixel_share(blur(strokes, 0.5))


def test_latent_knn_accuracy_separates_clusters_from_noise():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 10, size=2000)
    centres = rng.normal(scale=10.0, size=(10, 2))
    clustered = centres[labels] + rng.normal(scale=0.1, size=(2000, 2))
    assert metrics.latent_knn_accuracy(clustered, labels) == 1.0
    shuffled = rng.permutation(labels)  # codes that say nothing about the class
    assert abs(metrics.latent_knn_accuracy(clustered, shuffled) - 0.1) < 0.05
    with pytest.raises(ValueError, match="k must lie"):
        metrics.latent_knn_accuracy(clustered[:6], labels[:6], k=5)
    with pytest.raises(ValueError, match="codes"):
        metrics.latent_knn_accuracy(clustered, labels[:10])


def test_nearest_training_distance_finds_copies():
    rng = np.random.default_rng(7)
    train = rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8)
    samples = np.concatenate([train[[3, 17]], rng.integers(0, 256, (2, 28, 28), np.uint8)])
    nearest = metrics.nearest_training_distance(samples, train, batch=3)
    assert nearest[0] == 0.0 and nearest[1] == 0.0  # exact, not within rounding of a dot product
    brute = [min(np.linalg.norm(s / 255.0 - t / 255.0) for t in train) for s in samples[2:]]
    np.testing.assert_allclose(nearest[2:], brute, rtol=1e-4)


def test_nearest_training_distance_resolves_one_grey_level():
    # Bright digit-like images: |a|^2 ~ 1e7, where a float32 |a|^2 + |b|^2 - 2ab cannot tell a
    # copy (0) from an image one grey level away (1/255).
    rng = np.random.default_rng(3)
    train = np.where(rng.random((300, 28, 28)) < 0.3, 250, 0).astype(np.uint8)
    nudged = train[[5, 9]].copy()
    nudged[:, 14, 14] ^= 1  # one pixel one grey level off
    samples = np.concatenate([train[[5, 9]], nudged])
    nearest = metrics.nearest_training_distance(samples, train)
    np.testing.assert_array_equal(nearest, np.float32([0, 0, 1 / 255, 1 / 255]))


# --- when to stop ----------------------------------------------------------------------------


def test_stopping_epoch_on_synthetic_curves():
    epochs = np.arange(1, 21)
    decaying = 5 + 100 * np.exp(-epochs / 3.0)
    found = metrics.stopping_epoch(epochs, decaying, noise=0.5, sigmas=2.0)
    # remaining gain 100 (e^{-e/3} − e^{-20/3}) <= 1 first at e = 14
    expected = int(epochs[100 * (np.exp(-epochs / 3) - np.exp(-20 / 3)) <= 1.0][0])
    assert found["best_epoch"] == 20 and found["within_noise_epoch"] == expected == 14
    assert found["plateaued"]
    # still falling fast at the end: only the last epoch passes, and that is no plateau
    steep = metrics.stopping_epoch(epochs[:6], decaying[:6], noise=0.5)
    assert steep["within_noise_epoch"] == 6 and not steep["plateaued"]
    # a late real improvement (larger than the noise) moves the answer past it
    late_dip = decaying.copy()
    late_dip[17:] -= 10
    assert metrics.stopping_epoch(epochs, late_dip, noise=0.5)["within_noise_epoch"] == 18
    # a noisy plateau: best epoch anywhere, but stopping early costs nothing
    flat = 20 + np.random.default_rng(8).normal(0, 0.3, size=20)
    result = metrics.stopping_epoch(epochs, flat, noise=0.5)
    assert result["within_noise_epoch"] == 1 and result["best_epoch"] == 1 + np.argmin(flat)
    # getting worse after a minimum: the minimum is where the gain ends
    u_shape = (epochs - 8.0) ** 2
    assert metrics.stopping_epoch(epochs, u_shape, noise=0.1)["within_noise_epoch"] == 8
    with pytest.raises(ValueError):
        metrics.stopping_epoch(epochs, decaying[:-1], noise=1)


def test_fid_noise_shrinks_with_sample_size():
    rng = np.random.default_rng(9)
    reference = rng.normal(size=(2000, 4))
    small = metrics.fid_noise(reference, rng.normal(size=(100, 4)), repeats=30)
    large = metrics.fid_noise(reference, rng.normal(size=(1600, 4)), repeats=30)
    assert 0 < large < small / 2


# --- the command line ----------------------------------------------------------------------


def test_cli_reports_a_bad_file_without_a_traceback(tmp_path):
    path = tmp_path / "wrong.npz"
    np.savez(path, images=np.zeros((5, 28, 28), np.float64))
    for argument, message in ((tmp_path / "missing.npz", "no such file"), (path, "uint8")):
        done = subprocess.run(
            [sys.executable, "-m", "helpers.metrics", str(argument)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2 and message in done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""


# --- real digits and a tiny classifier -------------------------------------------------------


@pytest.mark.slow
def test_fid_ranks_real_far_below_noise_and_blur(tiny_classifier, mnist):
    _, classifier = tiny_classifier
    test, train = mnist.x_test[:1000], mnist.x_train[:1000]
    noise = np.random.default_rng(10).integers(0, 256, size=test.shape, dtype=np.uint8)
    reference = classifier.features(test)
    real = metrics.frechet_distance(reference, classifier.features(train))
    noisy = metrics.frechet_distance(reference, classifier.features(noise))
    blurred = metrics.frechet_distance(reference, classifier.features(blur(train, 1.5)))
    assert real < noisy / 10 and real < blurred / 3


@pytest.mark.slow
def test_digits_0_to_4_keep_precision_but_lose_recall_and_coverage(tiny_classifier, mnist):
    _, classifier = tiny_classifier
    reference = classifier.features(mnist.x_train[:2000])
    reference_low = mnist.y_train[:2000] < 5
    test_features, test_probabilities = classifier.outputs(mnist.x_test[:3000])
    low = mnist.y_test[:3000] < 5
    full_p, full_r = metrics.precision_recall(reference, test_features[:1000])
    half_p, half_r = metrics.precision_recall(reference, test_features[low][:1000])
    assert half_p > full_p - 0.05  # the 0-4 digits are as realistic as all digits
    assert half_r < full_r - 0.1  # but part of the real manifold is missing
    # ... the real 5-9 part: k-NN balls are generous (a known bias of the method), yet real
    # 5-9 digits fall inside the 0-4 manifold far less often than real 0-4 digits do
    half = test_features[low][:1000]
    inside = metrics.squared_distances(reference, half) <= metrics.knn_radii(half)[None, :]
    inside = inside.any(axis=1)
    assert inside[~reference_low].mean() < inside[reference_low].mean() - 0.15
    predicted = test_probabilities.argmax(axis=1)
    coverage = metrics.class_coverage(predicted[low])
    everything = metrics.class_coverage(predicted)
    # half the classes: KL to uniform is log 2 = 0.69 for a perfect classifier, ~0 for all digits
    assert coverage["kl_to_uniform"] > everything["kl_to_uniform"] + 0.3
    assert sum(coverage["shares"][:5]) > 0.8 > sum(everything["shares"][:5])


@pytest.mark.slow
def test_cli_prints_every_metric_as_json(tiny_classifier, mnist, tmp_path, monkeypatch, capsys):
    root, classifier = tiny_classifier
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(root))
    monkeypatch.setenv("VAE_VS_GAN_DATA", str(MNIST_SUBSET))  # the CLI loads its reference
    path = tmp_path / "samples.npz"
    np.savez(path, images=mnist.x_train[:300])
    assert metrics.main([str(path), "--profile", "smoke", "--max-samples", "1000"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["classifier_test_accuracy"] == classifier.accuracy
    scores = report["metrics"]
    assert scores["n_samples"] == 300
    for key in ("fid", "kid", "kid_std", "inception_score", "precision", "recall", "sharpness"):
        assert np.isfinite(scores[key]), key
    # the Scorer's faint-pixel share is that of the scored images themselves
    assert scores["faint_share"] == pytest.approx(metrics.faint_pixel_share(mnist.x_train[:300]))
    assert 0 < scores["faint_share"] < 0.1  # real digits: mostly paper and ink
    assert scores["nearest_train_median"] == 0.0  # the samples are training images: copies
    assert scores["copy_share"] == 1.0


# --- the reference split, more metrics, encoder scores ---------------------------------------


def test_reference_split_interleaves_the_test_set():
    from helpers.data import Dataset

    x_test = np.arange(10, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    data = Dataset("mnist", x_test, np.zeros(10, np.uint8), x_test, np.zeros(10, np.uint8), "-")
    reference, held_out = metrics.reference_split(data, "test")
    assert reference[:, 0, 0].tolist() == [0, 2, 4, 6, 8]
    assert held_out[:, 0, 0].tolist() == [1, 3, 5, 7, 9]
    assert len(metrics.reference_split(data, "train", size=4)[0]) == 4


def test_density_and_coverage_resist_an_outlier_that_fools_precision():
    rng = np.random.default_rng(11)
    real = rng.normal(size=(500, 2))
    real[0] = [12.0, 0.0]  # one outlier: its 5-NN ball reaches far
    same = rng.normal(size=(500, 2))
    density, coverage = metrics.density_coverage(real, same)
    assert 0.7 < density < 1.3 and coverage > 0.9
    collapsed = np.array([8.0, 0.0]) + 0.01 * rng.normal(size=(500, 2))  # inside that ball only
    precision, _ = metrics.precision_recall(real, collapsed)
    density, coverage = metrics.density_coverage(real, collapsed)
    assert precision == 1.0  # precision is fooled by the outlier's ball
    assert density < 0.5 and coverage < 0.02  # density and coverage are not


def test_mean_and_standard_error():
    mean, error = metrics.mean_and_standard_error([1.0, 3.0, 5.0, 7.0])
    assert mean == 4.0 and error == pytest.approx(np.sqrt(5.0) / 2.0)  # std sqrt(5), n = 4
    with pytest.raises(ValueError, match="non-empty 1-D"):
        metrics.mean_and_standard_error([])


def test_label_kept_share_counts_reconstructions_classified_as_their_original():
    assert metrics.label_kept_share(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 0])) == 0.5
    with pytest.raises(ValueError, match="as many predictions as labels"):
        metrics.label_kept_share(np.array([1]), np.array([1, 2]))


def test_encoder_scores_reads_codes_and_reconstructions():
    class FixedClassifier:  # labels an image by its mean brightness decile
        def predict(self, images):
            return (np.asarray(images, np.float64).mean(axis=(1, 2)) / 25.6).astype(int)

    rng = np.random.default_rng(0)
    labels = np.tile(np.arange(10), 40)
    codes = labels[:, None] * 10.0 + rng.normal(size=(400, 3))  # ten tight, far-apart clusters
    images = np.repeat((labels * 25.6 + 12).astype(np.uint8)[:, None, None], 28, 1).repeat(28, 2)
    wrong = labels.copy()
    wrong[:100] = (wrong[:100] + 1) % 10  # a quarter of the reconstructions lose their class
    scores = metrics.encoder_scores(
        FixedClassifier(),
        {"means": codes, "labels": labels},
        {"images": images, "labels": wrong},
    )
    assert scores["latent_knn"] == 1.0 and scores["latent_dim"] == 3
    assert scores["label_kept"] == 0.75 and scores["n_reconstructions"] == 400
    assert scores["label_kept_stderr"] == pytest.approx((0.75 * 0.25 / 400) ** 0.5)
