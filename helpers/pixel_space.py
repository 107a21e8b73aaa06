"""A second feature space for the sample-quality metrics: the principal components of the
pixels, a space no classifier learned.

helpers.metrics computes FID, precision/recall and density/coverage in the features of a small
digit classifier; a ranking of models that rests on them could be an artefact of what that
classifier happens to attend to. Here the same metrics (the very functions of helpers.metrics)
are computed on the projections of the images onto the leading principal components of the
reference images' pixels (scaled to [0, 1]). A ranking both spaces agree on is not an artefact
of the classifier. Values are on another scale than the classifier's (FID here is in squared
pixel intensities): compare rankings across spaces, never numbers.

    reference, held_out = reference_split(data)       # helpers.metrics: the same reference
    scorer = PixelScorer(reference)                   # PCA fitted once, on the reference
    scorer.score(samples)                             # {"fid", "precision", "recall", ...}
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.data import IMAGE_SHAPE
from helpers.metrics import (
    DENSITY_K,
    density_coverage,
    frechet_distance,
    knn_radii,
    precision_recall,
)
from helpers.samples import check_images

__all__ = ["PixelPCA", "PixelScorer", "pixel_scores"]

PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]  # 784
PRECISION_RECALL_K = 3  # metrics.Scorer's default k (Kynkäänniemi et al. 2019)
MAX_SAMPLES = 5000  # metrics.Scorer's default cap on the images of a set


def _pixels(images, name: str) -> np.ndarray:
    """float64 [N, 784] in [0, 1] of uint8 [N, 28, 28] images (ValueError otherwise)."""
    images = check_images(images, name)
    return images.reshape(len(images), PIXELS).astype(np.float64) / 255.0


class PixelPCA:
    """Principal components of reference images' pixels (scaled to [0, 1], float64).

    `basis` [components, 784] holds the components in order of decreasing variance, each with
    its largest-|value| entry positive (so a fit is reproducible); `mean` [784] is the mean
    reference image; `explained_variance` [components] the variance along each component.
    """

    def __init__(self, reference_images: np.ndarray, components: int = 50):
        x = _pixels(reference_images, "reference_images")
        limit = min(len(x), PIXELS)
        if isinstance(components, bool) or not isinstance(components, numbers.Integral):
            raise ValueError(f"components must be an integer, got {components!r}")
        if not 1 <= components <= limit:
            raise ValueError(
                f"components must be between 1 and min(reference images, {PIXELS}) = {limit}, "
                f"got {components}"
            )
        self.components = int(components)
        self.mean = x.mean(axis=0)
        _, singular, vt = np.linalg.svd(x - self.mean, full_matrices=False)
        basis = vt[: self.components]
        largest = np.abs(basis).argmax(axis=1)
        signs = np.where(basis[np.arange(len(basis)), largest] < 0, -1.0, 1.0)
        self.basis = basis * signs[:, None]
        self.explained_variance = singular[: self.components] ** 2 / max(len(x) - 1, 1)

    def features(self, images: np.ndarray) -> np.ndarray:
        """float64 [N, components]: uint8 [N, 28, 28] `images` projected onto the components."""
        return (_pixels(images, "images") - self.mean) @ self.basis.T


def _scores(
    reference_features: np.ndarray,
    features: np.ndarray,
    k: int,
    reference_radii: np.ndarray | None = None,
    density_radii: np.ndarray | None = None,
) -> dict:
    """The five metrics, with the k conventions of metrics.Scorer.score_outputs."""
    precision, recall = precision_recall(
        reference_features, features, k, real_radii=reference_radii
    )
    density, coverage = density_coverage(
        reference_features, features, DENSITY_K, real_radii=density_radii
    )
    return {
        "fid": float(frechet_distance(reference_features, features)),
        "precision": float(precision),
        "recall": float(recall),
        "density": float(density),
        "coverage": float(coverage),
    }


def _checked_features(space: PixelPCA, reference_features, images, k: int) -> np.ndarray:
    reference_features = np.asarray(reference_features)
    if reference_features.ndim != 2 or reference_features.shape[1] != space.components:
        raise ValueError(
            f"reference_features must be [N, {space.components}] (this space's components), "
            f"got shape {reference_features.shape}"
        )
    images = check_images(images, "images")
    if len(images) <= k:
        raise ValueError(f"need more than {k} images to score, got {len(images)}")
    return space.features(images)


def pixel_scores(
    space: PixelPCA,
    reference_features: np.ndarray,
    images: np.ndarray,
    k: int = PRECISION_RECALL_K,
) -> dict:
    """FID, precision, recall, density and coverage (python floats) of uint8 [N, 28, 28]
    `images` against `reference_features` (= `space.features(reference images)`).

    As metrics.Scorer: precision and recall on k-NN balls with `k`, density and coverage with
    metrics.DENSITY_K = 5 (Naeem et al. 2020). Every image is scored: pass equally many per set.
    """
    features = _checked_features(space, reference_features, images, k)
    return _scores(np.asarray(reference_features, np.float64), features, k)


class PixelScorer:
    """Scores sample sets in pixel-PCA space against one reference set, fitted once.

    As metrics.Scorer: the reference and every scored set are cut to their first `max_samples`
    images (FID, precision and recall depend on the sample size), the PCA is fitted on that
    reference, and its features and k-NN radii are computed once.
    """

    def __init__(
        self,
        reference_images: np.ndarray,
        components: int = 50,
        k: int = PRECISION_RECALL_K,
        max_samples: int = MAX_SAMPLES,
    ):
        self.k = k
        self.max_samples = max_samples
        self.reference = check_images(reference_images, "reference_images")[:max_samples]
        self.space = PixelPCA(self.reference, components)
        self.reference_features = self.space.features(self.reference)
        self.reference_radii = knn_radii(self.reference_features, k)
        self.density_radii = knn_radii(self.reference_features, DENSITY_K)

    def score(self, images: np.ndarray) -> dict:
        """As `pixel_scores`, on the first `max_samples` of uint8 [N, 28, 28] `images`."""
        images = check_images(images, "images")[: self.max_samples]
        features = _checked_features(self.space, self.reference_features, images, self.k)
        return _scores(
            self.reference_features, features, self.k, self.reference_radii, self.density_radii
        )
