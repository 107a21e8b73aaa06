"""The pixel-PCA feature space (helpers.pixel_space): each test asserts a property that would
fail if the projection or the scoring were wrong. Synthetic strokes only, no TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import metrics
from helpers.pixel_space import PixelPCA, PixelScorer, pixel_scores

N = 600  # images per synthetic set
COMPONENTS = 20


def strokes(n: int, seed: int, shift: float = 0.0, noise: float = 0.0) -> np.ndarray:
    """uint8 [n, 28, 28]: one blurred bar per image at a random place, angle, length and width
    (a low-dimensional image manifold, like digits), moved down by `shift` pixels, with
    Gaussian pixel noise of standard deviation `noise` (in 0..255 units)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:28, 0:28].astype(np.float64)
    cy = (14 + shift + rng.normal(0, 2.5, n))[:, None, None]
    cx = (14 + rng.normal(0, 2.5, n))[:, None, None]
    angle = rng.uniform(0, np.pi, n)[:, None, None]
    length = rng.uniform(4, 9, n)[:, None, None]
    width = rng.uniform(1.2, 2.2, n)[:, None, None]
    dy, dx = yy[None] - cy, xx[None] - cx
    along = np.clip(np.abs(dy * np.sin(angle) + dx * np.cos(angle)) - length, 0, None)
    across = -dy * np.cos(angle) + dx * np.sin(angle)
    ink = 255 * np.exp(-(along**2 + across**2) / (2 * width**2))
    ink += rng.normal(0, noise, ink.shape) if noise else 0
    return np.clip(np.rint(ink), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return strokes(N, seed=0)


@pytest.fixture(scope="module")
def space(reference) -> PixelPCA:
    return PixelPCA(reference, components=COMPONENTS)


@pytest.fixture(scope="module")
def reference_features(space, reference) -> np.ndarray:
    return space.features(reference)


# --- the projection ---------------------------------------------------------------------------


def test_features_have_the_requested_shape(space):
    features = space.features(strokes(7, seed=1))
    assert features.shape == (7, COMPONENTS) and features.dtype == np.float64
    assert space.basis.shape == (COMPONENTS, 784) and space.mean.shape == (784,)
    assert PixelPCA(strokes(30, seed=2), components=3).features(strokes(5, 3)).shape == (5, 3)


def test_reference_features_are_centred_uncorrelated_with_decreasing_variance(
    space, reference_features
):
    assert np.abs(reference_features.mean(axis=0)).max() < 1e-10
    covariance = np.cov(reference_features, rowvar=False)
    variances = np.diag(covariance)
    assert np.all(np.diff(variances) < 0), variances  # strictly decreasing
    np.testing.assert_allclose(variances, space.explained_variance, rtol=1e-10)
    off_diagonal = covariance - np.diag(variances)
    assert np.abs(off_diagonal).max() < 1e-10 * variances[0]
    np.testing.assert_allclose(space.basis @ space.basis.T, np.eye(COMPONENTS), atol=1e-10)


def test_all_components_reconstruct_the_reference_pixels_scaled_to_unit_range():
    images = strokes(50, seed=4)
    full = PixelPCA(images, components=50)  # min(N, 784) components span the centred data
    rebuilt = full.features(images) @ full.basis + full.mean
    np.testing.assert_allclose(rebuilt, images.reshape(50, 784) / 255.0, atol=1e-10)
    # total variance is the pixels' own in [0, 1] units: not 0..255, not uncentred
    pixels = images.reshape(50, 784) / 255.0
    assert full.explained_variance.sum() == pytest.approx(pixels.var(axis=0, ddof=1).sum())


def test_fits_are_deterministic_with_fixed_component_signs(space, reference):
    again = PixelPCA(reference.copy(), components=COMPONENTS)
    probe = strokes(40, seed=5)
    assert np.array_equal(space.features(probe), again.features(probe))
    largest = space.basis[np.arange(COMPONENTS), np.abs(space.basis).argmax(axis=1)]
    assert np.all(largest > 0)
    # the same images in another order: the same components, signs included
    shuffled = PixelPCA(reference[np.random.default_rng(6).permutation(N)], COMPONENTS)
    np.testing.assert_allclose(shuffled.features(probe), space.features(probe), atol=1e-8)


# --- the metrics ------------------------------------------------------------------------------


def test_fid_is_zero_against_itself_and_grows_with_the_perturbation(
    space, reference, reference_features
):
    def fid(images):
        return pixel_scores(space, reference_features, images)["fid"]

    assert fid(reference) == pytest.approx(0.0, abs=1e-9)
    same, slight = fid(strokes(N, seed=1)), fid(strokes(N, seed=1, noise=3))
    noisier, shifted = fid(strokes(N, seed=1, noise=40)), fid(strokes(N, seed=1, shift=3))
    assert same < slight < noisier, (same, slight, noisier)
    assert slight < shifted and 5 * same < shifted, (same, slight, shifted)


def test_precision_recall_near_one_for_a_second_sample_and_recall_drops_on_collapse(
    space, reference_features
):
    second = pixel_scores(space, reference_features, strokes(N, seed=1))
    assert second["precision"] > 0.9 and second["recall"] > 0.9, second
    assert second["coverage"] > 0.9 and 0.8 < second["density"] < 1.2, second
    collapsed = np.repeat(strokes(5, seed=1), N // 5, axis=0)  # 5 images, each 120 times
    scores = pixel_scores(space, reference_features, collapsed)
    assert scores["recall"] < 0.1 and scores["coverage"] < 0.2, scores
    assert scores["precision"] > 0.8, scores  # each image is still a plausible stroke


def test_pixel_scores_are_the_metrics_functions_with_the_scorers_k(space, reference_features):
    images = strokes(200, seed=7)
    scores = pixel_scores(space, reference_features, images)
    assert list(scores) == ["fid", "precision", "recall", "density", "coverage"]
    assert all(type(value) is float for value in scores.values()), scores
    features = space.features(images)
    precision, recall = metrics.precision_recall(reference_features, features, 3)
    density, coverage = metrics.density_coverage(reference_features, features, metrics.DENSITY_K)
    assert scores == {
        "fid": metrics.frechet_distance(reference_features, features),
        "precision": precision,
        "recall": recall,
        "density": density,
        "coverage": coverage,
    }
    assert pixel_scores(space, reference_features, images, k=10)["recall"] > scores["recall"]


def test_pixel_scorer_scores_as_pixel_scores_on_the_first_max_samples(reference):
    scorer = PixelScorer(reference, components=COMPONENTS, max_samples=400)
    assert len(scorer.reference) == 400 and scorer.reference_features.shape == (400, COMPONENTS)
    assert np.array_equal(scorer.space.mean, PixelPCA(reference[:400], COMPONENTS).mean)
    images = strokes(500, seed=8)
    scores = scorer.score(images)
    assert scores == scorer.score(images[:400])
    assert scores == pixel_scores(scorer.space, scorer.reference_features, images[:400])
    assert PixelScorer(reference, components=COMPONENTS, k=5).k == 5


# --- invalid input --------------------------------------------------------------------------


@pytest.mark.parametrize("components", [0, -1, 31, 2.5, True])
def test_invalid_components_raise(components):
    with pytest.raises(ValueError, match="components must be"):
        PixelPCA(strokes(30, seed=9), components=components)


def test_more_components_than_pixels_raise():
    with pytest.raises(ValueError, match=r"components must be between 1 and .* = 784"):
        PixelPCA(strokes(790, seed=10), components=785)


@pytest.mark.parametrize(
    "images",
    [
        np.zeros((4, 28, 27), np.uint8),
        np.zeros((28, 28), np.uint8),
        np.zeros((4, 784), np.uint8),
        np.zeros((4, 28, 28), np.float32),  # model outputs, not uint8 pixels
    ],
)
def test_wrong_images_raise(space, reference_features, images):
    with pytest.raises(ValueError, match=r"images must|must be uint8"):
        space.features(images)
    with pytest.raises(ValueError, match=r"images must|must be uint8"):
        pixel_scores(space, reference_features, images)
    with pytest.raises(ValueError, match=r"reference_images must|must be uint8"):
        PixelPCA(images, components=1)


def test_mismatched_reference_features_and_too_few_images_raise(space, reference_features):
    with pytest.raises(ValueError, match=r"reference_features must be \[N, 20\]"):
        pixel_scores(space, reference_features[:, :5], strokes(10, seed=11))
    with pytest.raises(ValueError, match="need more than 3 images"):
        pixel_scores(space, reference_features, strokes(3, seed=11))
    with pytest.raises(ValueError, match="need more than 3 images"):
        PixelScorer(strokes(50, seed=12), components=5).score(strokes(2, seed=11))
