"""Scoring generated digits without a likelihood: a small classifier's features and the metrics
built on them — the evaluation the paper says a GAN lacks.

The feature space is the penultimate layer of a small CNN trained on the same data set (for
28×28 digits it plays the part Inception-v3 plays for ImageNet photos): helpers.classifier
builds, trains and caches it. Reading results files and printing tables is helpers.results.

    classifier = load_classifier("cpu", "mnist")            # helpers.classifier; cached
    scorer = Scorer(classifier, reference_images, train_images=data.x_train)
    scorer.score(samples)                                   # dict of every metric below

    frechet_distance            FID                              Heusel et al. 2017
    kernel_inception_distance   KID, unbiased MMD², cubic kernel Bińkowski et al. 2018
    inception_score             IS with our classifier           Salimans et al. 2016
    precision_recall            improved precision & recall      Kynkäänniemi et al. 2019
    density_coverage            density & coverage (robust P&R)  Naeem et al. 2020
    class_coverage              predicted-class histogram        (mode-collapse check)
    sharpness                   variance of the Laplacian        Pech-Pacheco et al. 2000
    grey_pixel_share            share of neither-ink-nor-paper   (blur, in pixels)
    latent_knn_accuracy         class separation of a latent     (k-NN probe of an encoder)
    nearest_training_distance   memorisation check               Theis et al. 2016, sec. 3.2
    ambiguous_pairs             digits a sample mixes up         (the paper's 9-4, 7-1)
    stopping_epoch              when to stop a GAN               (this project)

Command line, for any `.npz` of uint8 28×28 samples:
`python -m helpers.metrics SAMPLES.npz [--dataset mnist] [--profile cpu] [--reference test]`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from helpers.classifier import Classifier, load_classifier
from helpers.data import IMAGE_SHAPE, NUM_CLASSES
from helpers.samples import SampleFileError, check_images, read_samples

DENSITY_K = 5  # Naeem et al. 2020


# --- distances between feature distributions -----------------------------------------------


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets [N, F] (FID when the
    features are a classifier's; Heusel et al. 2017, "GANs trained by a two time-scale update
    rule converge to a local Nash equilibrium").

    ||μ_a − μ_b||² + tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^{1/2}). Biased upwards at small N: compare
    only values computed from equally many samples.
    """
    a, b = _as_features(features_a, "features_a"), _as_features(features_b, "features_b")
    return frechet_distance_from_moments(
        a.mean(axis=0), np.cov(a, rowvar=False), b.mean(axis=0), np.cov(b, rowvar=False)
    )


def frechet_distance_from_moments(mean_a, cov_a, mean_b, cov_b) -> float:
    """||μ_a − μ_b||² + tr Σ_a + tr Σ_b − 2 tr (Σ_a Σ_b)^{1/2} (Heusel et al. 2017).

    tr (Σ_a Σ_b)^{1/2} = Σ √λ_i of the symmetric PSD matrix Σ_a^{1/2} Σ_b Σ_a^{1/2} (same
    eigenvalues), computed with `eigh` — no complex round-off as with a general matrix sqrt.
    """
    mean_a, mean_b = np.asarray(mean_a, np.float64), np.asarray(mean_b, np.float64)
    cov_a = np.atleast_2d(np.asarray(cov_a, np.float64))
    cov_b = np.atleast_2d(np.asarray(cov_b, np.float64))
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    eigenvalues = np.linalg.eigvalsh((middle + middle.T) / 2)
    trace_root = np.sqrt(np.clip(eigenvalues, 0, None)).sum()
    value = np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(value, 0.0))


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def polynomial_mmd2(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """Unbiased MMD² with the cubic kernel k(x, y) = (x·y / d + 1)³ (Bińkowski et al. 2018).

    (Σ_{i≠j} k(a_i, a_j)) / (m(m−1)) + (Σ_{i≠j} k(b_i, b_j)) / (n(n−1)) − 2 mean k(a_i, b_j);
    its expectation is 0 when both sets come from one distribution (it can be negative).
    """
    a, b = _as_features(features_a, "features_a"), _as_features(features_b, "features_b")
    dimension = a.shape[1]

    def kernel(x, y):
        base = x @ y.T / dimension + 1
        return base * base * base  # faster than ** 3

    k_aa, k_bb, k_ab = kernel(a, a), kernel(b, b), kernel(a, b)
    m, n = len(a), len(b)
    within_a = (k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2 * k_ab.mean())


def kernel_inception_distance(
    features_a: np.ndarray,
    features_b: np.ndarray,
    subsets: int = 50,
    subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """KID (Bińkowski et al. 2018, "Demystifying MMD GANs"): mean and standard deviation of the
    unbiased cubic-kernel MMD² over `subsets` random subsets of `subset_size` from each set.

    The standard deviation is the standard error of one estimate at that subset size (the
    error bar the paper reports); KID is unbiased, so two samples of one distribution give
    0 within it, at any sample size. Subsets hold at most half of each set, so they differ.
    """
    a, b = _as_features(features_a, "features_a"), _as_features(features_b, "features_b")
    size = min(subset_size, len(a) // 2, len(b) // 2)  # subsets must differ to give an error bar
    rng = np.random.default_rng(seed)
    values = [
        polynomial_mmd2(
            a[rng.choice(len(a), size, replace=False)], b[rng.choice(len(b), size, replace=False)]
        )
        for _ in range(subsets)
    ]
    return float(np.mean(values)), float(np.std(values, ddof=1)) if subsets > 1 else 0.0


def inception_score(probabilities: np.ndarray, splits: int = 10) -> tuple[float, float]:
    """Inception-Score analogue with our classifier (Salimans et al. 2016, "Improved techniques
    for training GANs"): exp E_x KL(p(y|x) ‖ p(y)), mean and std over `splits` chunks.

    Ranges from 1 (every sample gives the same prediction) to 10 (confident predictions, all
    classes equally often); high means recognisable and varied.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or len(p) == 0:
        raise ValueError(f"probabilities must be [N, classes] with N > 0, got shape {p.shape}")
    scores = []
    for chunk in np.array_split(p, min(splits, len(p))):
        marginal = chunk.mean(axis=0, keepdims=True)
        kl = np.sum(chunk * (np.log(chunk + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


# --- improved precision and recall ---------------------------------------------------------


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances [len(a), len(b)] (float64, never negative)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.maximum(d2, 0)


def knn_radii(features: np.ndarray, k: int = 3, batch: int = 1000) -> np.ndarray:
    """Squared distance from each point to its k-th nearest other point in the same set."""
    x = _as_features(features, "features")
    if len(x) <= k:
        raise ValueError(f"need more than k={k} points for k-NN radii, got {len(x)}")
    radii = np.empty(len(x))
    for start in range(0, len(x), batch):
        d2 = squared_distances(x[start : start + batch], x)
        radii[start : start + batch] = np.partition(d2, k, axis=1)[:, k]  # index 0: the point
    return radii


def manifold_coverage(
    queries: np.ndarray, support: np.ndarray, support_radii: np.ndarray, batch: int = 1000
) -> float:
    """Share of `queries` inside at least one ball (support point, its k-NN radius)."""
    inside = np.zeros(len(queries), dtype=bool)
    for start in range(0, len(queries), batch):
        d2 = squared_distances(queries[start : start + batch], support)
        inside[start : start + batch] = (d2 <= support_radii[None, :]).any(axis=1)
    return float(inside.mean())


def precision_recall(
    real_features: np.ndarray, fake_features: np.ndarray, k: int = 3, real_radii=None
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall
    metric for assessing generative models"), k-NN manifolds with k = 3.

    Each set's manifold is the union of balls around its points reaching their k-th nearest
    neighbour. Precision = share of fake samples inside the real manifold (quality); recall =
    share of real samples inside the fake manifold (diversity). `real_radii` may be passed
    precomputed (`knn_radii(real, k)`).
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    if real_radii is None:
        real_radii = knn_radii(real, k)
    precision = manifold_coverage(fake, real, real_radii)
    recall = manifold_coverage(real, fake, knn_radii(fake, k))
    return precision, recall


def density_coverage(
    real_features: np.ndarray, fake_features: np.ndarray, k: int = 5, real_radii=None
) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020, "Reliable fidelity and diversity metrics for
    generative models"), k = 5 as there; built only on real k-NN balls, so robust to outliers.

    Density = mean number of real balls holding a fake sample, divided by k (≈ 1 for samples
    distributed like the real data; small when samples sit in a few outlier balls, where
    precision would still count them as realistic). Coverage = share of real points whose ball
    holds at least one fake sample (diversity, in [0, 1]).
    """
    real = _as_features(real_features, "real_features")
    fake = _as_features(fake_features, "fake_features")
    if real_radii is None:
        real_radii = knn_radii(real, k)
    inside_count = np.zeros(len(fake))
    covered = np.zeros(len(real), dtype=bool)
    for start in range(0, len(real), 1000):
        inside = (
            squared_distances(real[start : start + 1000], fake)
            <= real_radii[start : start + 1000, None]
        )
        inside_count += inside.sum(axis=0)
        covered[start : start + 1000] = inside.any(axis=1)
    return float(inside_count.mean() / k), float(covered.mean())


# --- class statistics ----------------------------------------------------------------------


def class_coverage(predicted: np.ndarray, num_classes: int = NUM_CLASSES, min_share=0.5) -> dict:
    """Which classes a sample set contains (a mode-collapse check): the histogram of predicted
    classes, its KL divergence to the uniform distribution (0 = all classes equally often,
    log 10 ≈ 2.30 = one class only), and the classes whose share is below `min_share` × 1/K.
    """
    predicted = np.asarray(predicted).astype(int).ravel()
    counts = np.bincount(predicted, minlength=num_classes)[:num_classes]
    shares = counts / max(len(predicted), 1)
    present = shares > 0
    kl = float(np.sum(shares[present] * np.log(shares[present] * num_classes)))
    rare = [int(c) for c in np.flatnonzero(shares < min_share / num_classes)]
    return {
        "shares": shares.tolist(),
        "kl_to_uniform": kl,
        "rare_classes": rare,
        "classes_covered": num_classes - len(rare),
    }


def ambiguous_pairs(probabilities: np.ndarray, min_runner_up: float = 0.1) -> np.ndarray:
    """How often the classifier hesitates between two digits: share float [K, K] of all samples
    whose most probable class is i and runner-up is j with p(j | x) ≥ `min_runner_up`.

    Generated digits have no label, so instead of a confusion matrix this measures the paper's
    observation that some samples look like two digits at once (its 9 vs 4 and 7 vs 1).
    """
    p = np.asarray(probabilities, dtype=np.float64)
    order = np.argsort(-p, axis=1)
    first, second = order[:, 0], order[:, 1]
    ambiguous = p[np.arange(len(p)), second] >= min_runner_up
    matrix = np.zeros((p.shape[1], p.shape[1]))
    np.add.at(matrix, (first[ambiguous], second[ambiguous]), 1)
    return matrix / max(len(p), 1)


def pair_ambiguity(pairs_matrix: np.ndarray, a: int, b: int) -> float:
    """Share of samples hesitating between digits a and b (either order) from `ambiguous_pairs`."""
    return float(pairs_matrix[a, b] + pairs_matrix[b, a])


# --- image statistics ----------------------------------------------------------------------


def mean_and_standard_error(values) -> tuple[float, float]:
    """(mean, standard error of the mean) of `values` [N]: std / sqrt(N), population std."""
    values = np.asarray(values, np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}")
    return float(values.mean()), float(values.std() / np.sqrt(len(values)))


def laplacian_variance(images: np.ndarray) -> np.ndarray:
    """Per-image variance of the 4-neighbour Laplacian of uint8 [N, 28, 28] images in [0, 1]
    scale (Pech-Pacheco et al. 2000, "Diatom autofocusing in brightfield microscopy"):
    high for crisp strokes, low for blurry ones."""
    x = check_images(images, "images").astype(np.float64) / 255.0
    laplacian = (
        x[:, :-2, 1:-1] + x[:, 2:, 1:-1] + x[:, 1:-1, :-2] + x[:, 1:-1, 2:] - 4 * x[:, 1:-1, 1:-1]
    )
    return laplacian.reshape(len(x), -1).var(axis=1)


def sharpness(images: np.ndarray) -> float:
    """Mean variance of the Laplacian over a set of uint8 [N, 28, 28] images (Pech-Pacheco et
    al. 2000) — a number for the paper's "VAE samples are blurrier"."""
    return float(laplacian_variance(images).mean())


def grey_pixel_share(images: np.ndarray) -> float:
    """Share of pixels strictly between 10 % and 90 % intensity in uint8 [N, 28, 28] images:
    near 0 for crisp strokes on paper (real digits ≈ 0.09), high for blurred ones."""
    images = check_images(images, "images")
    return float(((images > 25) & (images < 230)).mean())


FAINT_RANGE = (0.05, 0.3)  # "faint" pixels: grey speckle around strokes, not ink, not paper


def faint_pixel_share(
    images: np.ndarray, low: float = FAINT_RANGE[0], high=FAINT_RANGE[1]
) -> float:
    """Share of pixels of uint8 [N, 28, 28] images whose intensity lies in [low, high] of full
    ink (0.05-0.3): the faint grey that speckle and blur leave beside the strokes, where real
    digits have little (a variance-of-Laplacian sharpness rises with speckle; this does not
    fall with it)."""
    images = check_images(images, "images")
    scaled = images.astype(np.float32) / 255.0
    return float(((scaled >= low) & (scaled <= high)).mean())


def latent_knn_accuracy(codes: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """How well a latent space separates the classes: the accuracy of classifying the second
    half of `codes` float [N, d] by majority vote of the labels of their k nearest codes in the
    first half (a probe of an encoder's organisation; 0.1 = chance for ten classes)."""
    codes = np.asarray(codes, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if codes.ndim != 2 or len(codes) != len(labels):
        raise ValueError(f"need codes [N, d] and labels [N], got {codes.shape} and {labels.shape}")
    half = len(codes) // 2
    if not 0 < k <= half:
        raise ValueError(f"k must lie in 1..{half} (half of {len(codes)} codes), got {k}")
    reference, queries = codes[:half], codes[half:]
    distances = (  # squared Euclidean, expanded: no [queries, reference, d] array
        (queries**2).sum(1)[:, None] + (reference**2).sum(1)[None, :] - 2 * queries @ reference.T
    )
    nearest = labels[:half][np.argpartition(distances, k - 1, axis=1)[:, :k]]
    classes = int(labels.max()) + 1
    votes = np.array([np.bincount(row, minlength=classes).argmax() for row in nearest])
    return float((votes == labels[half:]).mean())


def label_kept_share(predicted: np.ndarray, labels: np.ndarray) -> float:
    """Share of reconstructions Dec(E[z|x]) whose predicted class is the label of x: how much
    of the class an encoder's code keeps (1 = every digit comes back as itself)."""
    predicted, labels = np.asarray(predicted).ravel(), np.asarray(labels).ravel()
    if len(predicted) != len(labels) or not len(labels):
        raise ValueError(f"need as many predictions as labels, got {len(predicted)}, {len(labels)}")
    return float(np.mean(predicted == labels))


def encoder_scores(classifier, latent: dict, reconstructions: dict, probe: int = 4000) -> dict:
    """`latent_knn` (5-NN accuracy on the first `probe` test codes), `label_kept` (share of
    the exported reconstructions the classifier labels as their originals) and its binomial
    standard error `label_kept_stderr`, sqrt(p (1 - p) / n), for one model.

    `latent` holds `means` [N, d] and `labels` [N]; `reconstructions` `images` uint8 [M, 28, 28]
    and `labels` [M] (the files <name>_latent.npz and <name>_reconstructions.npz)."""
    scored = slice(0, probe)
    predicted = classifier.predict(reconstructions["images"])
    kept, count = label_kept_share(predicted, reconstructions["labels"]), len(predicted)
    return {
        "latent_knn": latent_knn_accuracy(latent["means"][scored], latent["labels"][scored]),
        "label_kept": kept,
        "label_kept_stderr": math.sqrt(kept * (1.0 - kept) / count),
        "latent_dim": int(np.asarray(latent["means"]).shape[1]),
        "n_reconstructions": int(count),
    }


def nearest_training_distance(
    samples: np.ndarray, train_images: np.ndarray, batch: int = 256
) -> np.ndarray:
    """Euclidean pixel distance (images in [0, 1], so at most 28) from each sample to its nearest
    training image, float32 [N] — a memorisation check (Theis et al. 2016, "A note on the
    evaluation of generative models", sec. 3.2): a model that copies training images puts its
    samples much nearer to them than held-out real images are."""
    pixels = check_images(samples, "samples").reshape(len(samples), -1)
    train_pixels = check_images(train_images, "train_images").reshape(len(train_images), -1)
    train = train_pixels.astype(np.float32)
    train_norms = (train * train).sum(1)
    # The float32 expansion |a|^2 + |b|^2 - 2ab only ranks the candidates: its cancellation
    # error (~1e-5 of 255^2) would turn an exact copy into a distance of ~0.004. The distance
    # itself is recomputed exactly, in integers, to the few best-ranked training images.
    candidates = min(8, len(train))
    nearest = np.empty(len(pixels), dtype=np.float32)
    for start in range(0, len(pixels), batch):
        chunk = pixels[start : start + batch].astype(np.float32)
        d2 = (chunk * chunk).sum(1)[:, None] + train_norms[None, :] - 2 * chunk @ train.T
        best = np.argpartition(d2, candidates - 1, axis=1)[:, :candidates]
        diff = pixels[start : start + batch, None, :].astype(np.int32) - train_pixels[best]
        exact = (diff * diff).sum(axis=2).min(axis=1)
        nearest[start : start + batch] = np.sqrt(exact) / 255
    return nearest


# --- scoring a sample set against a reference -----------------------------------------------


def reference_split(data, reference: str = "test", size: int = 5000, seed: int = 0):
    """(reference images, held-out real images) of a Dataset.

    "test": the even-indexed half of the test set is the reference every sample set is scored
    against; the odd-indexed half is held out as real samples scored the same way (the "real"
    row of the comparison, and the baseline of the memorisation check). Interleaved, not first
    and second half: MNIST's test set has its two writer populations in its two halves, which
    would make the real row differ from the reference. "train": `size` seeded training images
    are the reference; the held-out half is the same.
    """
    held_out = data.x_test[1::2]
    if reference == "test":
        return data.x_test[0::2], held_out
    if reference == "train":
        keep = np.random.default_rng(seed).permutation(len(data.x_train))[:size]
        return data.x_train[np.sort(keep)], held_out
    raise ValueError(f"unknown reference {reference!r}; valid values: test, train")


class Scorer:
    """Scores sample sets against one reference set, computing the reference's features once.

    `score(images)` returns every metric as a flat JSON-ready dict. At most `max_samples`
    images of a set are scored (the first ones), and `n_samples` says how many were: FID,
    precision and recall depend on it, so compare rows scored on equally many samples.
    With `train_images` the memorisation check runs too; its baseline is `held_out` (real
    images the models never saw): `copy_share` = share of samples nearer to a training image
    than 99 % of held-out real images are (≈ 0.01 for real data by construction), measured on
    the first `memorisation_samples` samples (a search through 60,000 training images each).
    """

    def __init__(
        self,
        classifier: Classifier,
        reference_images: np.ndarray,
        train_images: np.ndarray | None = None,
        held_out: np.ndarray | None = None,
        max_samples: int = 5000,
        k: int = 3,
        kid_subsets: int = 25,
        memorisation_baseline: int = 2000,
        memorisation_samples: int = 1000,
        seed: int = 0,
    ):
        self.classifier = classifier
        self.max_samples = max_samples
        self.k = k
        self.kid_subsets = kid_subsets
        self.seed = seed
        self.reference = check_images(reference_images, "reference_images")[:max_samples]
        self.reference_features, self.reference_probabilities = classifier.outputs(self.reference)
        self.reference_radii = knn_radii(self.reference_features, k)
        self.density_radii = knn_radii(self.reference_features, DENSITY_K)
        self.memorisation_samples = memorisation_samples
        self.train_images = train_images
        self.copy_threshold = None
        if train_images is not None and held_out is not None:
            baseline = nearest_training_distance(held_out[:memorisation_baseline], train_images)
            self.copy_threshold = float(np.percentile(baseline, 1))

    def score(self, images: np.ndarray, details: dict | None = None) -> dict:
        """Every metric of uint8 [N, 28, 28] `images` against the reference, as a dict.

        A `details` dict, when given, receives the per-sample arrays behind the numbers
        (features, probabilities, ambiguous-pair matrix, nearest training distances).
        """
        images = check_images(images, "images")[: self.max_samples]
        if len(images) <= self.k:
            raise ValueError(f"need more than {self.k} images to score, got {len(images)}")
        features, probabilities = self.classifier.outputs(images)
        return self.score_outputs(images, features, probabilities, details)

    def score_outputs(self, images, features, probabilities, details: dict | None = None) -> dict:
        """As `score`, from features and probabilities already computed for `images`."""
        kid, kid_std = kernel_inception_distance(
            self.reference_features, features, subsets=self.kid_subsets, seed=self.seed
        )
        score_mean, score_std = inception_score(probabilities)
        precision, recall = precision_recall(
            self.reference_features, features, self.k, real_radii=self.reference_radii
        )
        density, real_coverage = density_coverage(
            self.reference_features, features, DENSITY_K, real_radii=self.density_radii
        )
        coverage = class_coverage(probabilities.argmax(axis=1))
        pairs = ambiguous_pairs(probabilities)
        result = {
            "n_samples": len(images),
            "fid": frechet_distance(self.reference_features, features),
            "kid": kid,
            "kid_std": kid_std,
            "inception_score": score_mean,
            "inception_score_std": score_std,
            "precision": precision,
            "recall": recall,
            "density": density,
            "coverage": real_coverage,
            "classes_covered": coverage["classes_covered"],
            "rare_classes": coverage["rare_classes"],
            "kl_to_uniform": coverage["kl_to_uniform"],
            "class_shares": coverage["shares"],
            "mean_confidence": float(probabilities.max(axis=1).mean()),
            "ambiguous_4_9": pair_ambiguity(pairs, 4, 9),
            "ambiguous_1_7": pair_ambiguity(pairs, 1, 7),
            "ambiguous_any": float(pairs.sum()),
            "sharpness": sharpness(images),
            "faint_share": faint_pixel_share(images),
        }
        nearest = None
        if self.train_images is not None:
            nearest = nearest_training_distance(
                images[: self.memorisation_samples], self.train_images
            )
            result["nearest_train_median"] = float(np.median(nearest))
            if self.copy_threshold is not None:
                result["copy_share"] = float(np.mean(nearest < self.copy_threshold))
        if details is not None:
            details.update(
                features=features, probabilities=probabilities, pairs=pairs, nearest=nearest
            )
        return result


# --- when to stop a GAN --------------------------------------------------------------------


def fid_per_epoch(
    classifier: Classifier, epoch_images: np.ndarray, reference_features: np.ndarray
) -> np.ndarray:
    """FID float64 [E] of each epoch's fixed-noise samples uint8 [E, n, 28, 28] (from
    `<model>_epoch_samples.npz`) against `reference_features`."""
    epoch_images = np.asarray(epoch_images)
    if epoch_images.ndim != 4 or epoch_images.shape[2:] != IMAGE_SHAPE:
        raise ValueError(f"epoch images must be [E, n, 28, 28], got shape {epoch_images.shape}")
    return np.array(
        [frechet_distance(reference_features, classifier.features(x)) for x in epoch_images]
    )


def fid_noise(
    reference_features: np.ndarray, sample_features: np.ndarray, repeats: int = 20, seed: int = 0
) -> float:
    """Standard deviation of FID from sampling alone: FID of `repeats` bootstrap resamples
    (with replacement, same size) of the samples against the reference (Efron's bootstrap).

    Two FIDs of one model at this sample size differ by about √2 times this much by chance.
    """
    samples = _as_features(sample_features, "sample_features")
    rng = np.random.default_rng(seed)
    values = [
        frechet_distance(reference_features, samples[rng.integers(0, len(samples), len(samples))])
        for _ in range(repeats)
    ]
    return float(np.std(values, ddof=1))


def stopping_epoch(epochs, fids, noise: float, sigmas: float = 2.0) -> dict:
    """When to stop training a GAN, from its FID after every epoch.

    best_epoch: the epoch of the lowest FID. within_noise_epoch: the first epoch e after which
    the remaining gain, FID(e) − min over later epochs, is at most `sigmas` × `noise` (noise =
    the FID's sampling std, see `fid_noise`): training past it improves FID by no more than
    chance would. This answers the paper's "when to stop" with a number (this project's rule).
    plateaued: False when only the last epoch passes (it always does, trivially): the FID was
    still falling by more than the noise, so the run ended before the GAN was done.
    """
    epochs = np.asarray(epochs).astype(int)
    fids = np.asarray(fids, dtype=np.float64)
    if epochs.shape != fids.shape or fids.ndim != 1 or len(fids) == 0:
        raise ValueError(f"epochs {epochs.shape} and fids {fids.shape} must be equal-length 1-D")
    if not np.all(np.isfinite(fids)):
        raise ValueError("fids must be finite")
    tolerance = sigmas * float(noise)
    best_after = np.minimum.accumulate(fids[::-1])[::-1]  # min over epochs >= e
    remaining_gain = fids - best_after
    first = int(np.flatnonzero(remaining_gain <= tolerance)[0])  # the last epoch always passes
    best = int(np.argmin(fids))
    return {
        "best_epoch": int(epochs[best]),
        "best_fid": float(fids[best]),
        "within_noise_epoch": int(epochs[first]),
        "within_noise_fid": float(fids[first]),
        "tolerance": tolerance,
        "remaining_gain": remaining_gain.tolist(),
        "plateaued": first < len(fids) - 1,
    }


def _as_features(features, name: str) -> np.ndarray:
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"{name} must be [N, F] with N >= 2, got shape {x.shape}")
    return x


# --- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """`python -m helpers.metrics SAMPLES.npz ...`: print every metric as JSON on stdout."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.metrics",
        description="Score uint8 28x28 samples (.npz, key 'images') against real data.",
    )
    parser.add_argument("samples", help=".npz holding uint8 [N, 28, 28] images")
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion_mnist"))
    parser.add_argument("--profile", default="cpu", choices=("smoke", "cpu", "paper"))
    parser.add_argument("--reference", default="test", choices=("test", "train"))
    parser.add_argument("--max-samples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        images = read_samples(args.samples)  # before TensorFlow loads: errors come at once
    except SampleFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    from helpers.data import DataError, load_dataset

    try:
        data = load_dataset(args.dataset)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    classifier = load_classifier(args.profile, args.dataset, data=data)
    reference, held_out = reference_split(data, args.reference, args.max_samples, args.seed)
    scorer = Scorer(
        classifier,
        reference,
        train_images=data.x_train,
        held_out=held_out,
        max_samples=args.max_samples,
        seed=args.seed,
    )
    report = {
        "samples": str(args.samples),
        "dataset": args.dataset,
        "profile": args.profile,
        "reference": f"{args.reference} ({len(scorer.reference)} images)",
        "classifier_test_accuracy": classifier.accuracy,
        "metrics": scorer.score(images),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
