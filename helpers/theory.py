"""Numerical checks of the theory in section 3 of the paper (GAN value function, optimal
discriminator, C(G) and the JSD, the non-saturating loss, ELBO, Gaussian KL, reparameterisation,
Bernoulli likelihood). NumPy/SciPy only, so the theory notebook runs without TensorFlow.

Every quantity is computed from its *definition* (an integral, an expectation, an argmax) and,
separately, from the closed form the derivation arrives at; the notebook compares the two.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special, stats

LOG_4 = math.log(4.0)
LOG_2 = math.log(2.0)


# --- checks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One numerical check: a name, pass/fail, and a deterministic one-line description."""

    name: str
    passed: bool
    detail: str

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


class CheckLog:
    """The checks of one notebook, in order: `record` prints and keeps them, `rng` gives each
    check its own reproducible random stream (so the order of cells does not matter), and
    `markdown_table` lists them for the closing summary."""

    def __init__(self, seed: int):
        self.seed = seed
        self.checks: list[Check] = []

    def record(self, *new_checks: Check) -> None:
        self.checks.extend(new_checks)
        print("\n".join(str(check) for check in new_checks))

    def rng(self, check_number: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, check_number])

    @property
    def passed(self) -> int:
        return sum(check.passed for check in self.checks)

    def markdown_table(self) -> list[str]:
        """Markdown lines: one row per check (number, name, verdict and detail), escaped."""
        lines = ["| # | check | result |", "|---|---|---|"]
        for number, check in enumerate(self.checks, start=1):
            verdict = "PASS" if check.passed else "**FAIL**"
            lines.append(
                f"| {number} | {markdown_escape(check.name)} | "
                f"{verdict}: {markdown_escape(check.detail)} |"
            )
        return lines


def markdown_escape(text: str) -> str:
    """Escape what Markdown would read as a table border or emphasis (| and *)."""
    return text.replace("|", r"\|").replace("*", r"\*")


def latex_scientific(value: float) -> str:
    """1.2e-05 -> LaTeX `1.2 \\times 10^{-5}` (one decimal)."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def format_rounded(value: float, decimals: int) -> str:
    """`value` with `decimals` decimals, never "-0.000": a quantity that is zero up to rounding
    prints the same on every machine (nbval compares these outputs)."""
    # + 0.0 turns a rounded -0.0 into 0.0.
    return f"{round(float(value), decimals) + 0.0:.{decimals}f}"


def close_check(
    name: str, value: float, reference: float, tolerance: float, decimals: int = 6
) -> Check:
    """Pass when |value − reference| ≤ tolerance; the detail shows both rounded to `decimals`."""
    passed = bool(abs(float(value) - float(reference)) <= tolerance)
    detail = (
        f"{format_rounded(value, decimals)} vs {format_rounded(reference, decimals)} "
        f"(|difference| ≤ {tolerance:g}: {passed})"
    )
    return Check(name, passed, detail)


def monte_carlo_check(
    name: str,
    estimate: float,
    standard_error: float,
    reference: float,
    sigmas: float = 4.0,
    decimals: int = 4,
) -> Check:
    """Pass when a Monte-Carlo estimate lies within `sigmas` standard errors of the reference."""
    z = abs(float(estimate) - float(reference)) / float(standard_error)
    passed = bool(z <= sigmas)
    detail = (
        f"{format_rounded(estimate, decimals)} ± {format_rounded(standard_error, decimals)} vs "
        f"{format_rounded(reference, decimals)} (within {sigmas:g} standard errors: {passed})"
    )
    return Check(name, passed, detail)


# --- 1-D densities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GaussianMixture1D:
    """A 1-D mixture Σ_k w_k N(mean_k, std_k²): the toy p_data and p_g of the GAN checks."""

    weights: tuple[float, ...]
    means: tuple[float, ...]
    stds: tuple[float, ...]

    def __post_init__(self):
        if not (len(self.weights) == len(self.means) == len(self.stds)):
            raise ValueError("weights, means and stds must have the same length")
        if abs(sum(self.weights) - 1.0) > 1e-12 or min(self.weights) < 0:
            raise ValueError(f"mixture weights must be non-negative and sum to 1: {self.weights}")
        if min(self.stds) <= 0:
            raise ValueError(f"standard deviations must be positive: {self.stds}")

    @classmethod
    def normal(cls, mean: float = 0.0, std: float = 1.0) -> GaussianMixture1D:
        return cls((1.0,), (float(mean),), (float(std),))

    def logpdf(self, x) -> np.ndarray:
        # Written out rather than scipy.stats: quadrature calls this once per point.
        x = np.asarray(x, dtype=np.float64)[..., None]
        means, stds = np.asarray(self.means), np.asarray(self.stds)
        terms = (
            np.log(self.weights)
            - 0.5 * ((x - means) / stds) ** 2
            - np.log(stds)
            - 0.5 * math.log(2 * math.pi)
        )
        largest = terms.max(axis=-1, keepdims=True)
        return (largest + np.log(np.exp(terms - largest).sum(axis=-1, keepdims=True)))[..., 0]

    def pdf(self, x) -> np.ndarray:
        return np.exp(self.logpdf(x))

    def support(self, width: float = 12.0) -> tuple[float, float]:
        """An interval holding all but ~1e-30 of the mass (mean ± width·std of every part)."""
        means, stds = np.array(self.means), np.array(self.stds)
        return float((means - width * stds).min()), float((means + width * stds).max())


def _common_support(*densities: GaussianMixture1D) -> tuple[float, float]:
    bounds = [d.support() for d in densities]
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def _breakpoints(*densities: GaussianMixture1D) -> list[float]:
    return sorted({m for d in densities for m in d.means})


def integrate_1d(function, *densities: GaussianMixture1D) -> float:
    """∫ function(x) dx over the union of the densities' supports (adaptive quadrature)."""
    lower, upper = _common_support(*densities)
    value, _ = integrate.quad(
        lambda x: float(function(x)),
        lower,
        upper,
        points=_breakpoints(*densities),
        limit=400,
        epsabs=1e-13,
        epsrel=1e-11,
    )
    return value


def expectation_1d(density: GaussianMixture1D, function) -> float:
    """E_{x~density}[function(x)] = ∫ density(x)·function(x) dx by quadrature (`integrate_1d`)."""
    return integrate_1d(lambda x: density.pdf(x) * function(x), density)


# --- the toy game's players: a generator and discriminators as plain callables ------------------


@dataclass(frozen=True)
class AffineGenerator:
    """G(z) = shift + scale·z: maps z ~ N(0, 1) to N(shift, scale²) (`distribution`)."""

    shift: float
    scale: float

    def __call__(self, z):
        return self.shift + self.scale * z

    def distribution(self) -> GaussianMixture1D:
        return GaussianMixture1D.normal(self.shift, abs(self.scale))


@dataclass(frozen=True)
class LogisticDiscriminator:
    """D(x) = sigmoid(x − offset), with log D and log(1 − D) through softplus: finite even where
    D rounds to 0 or 1."""

    offset: float

    def __call__(self, x):
        return special.expit(x - self.offset)

    def log_d(self, x):
        """log D(x) = −softplus(offset − x)."""
        return -softplus(self.offset - x)

    def log_one_minus_d(self, x):
        """log(1 − D(x)) = −softplus(x − offset)."""
        return -softplus(x - self.offset)


@dataclass(frozen=True)
class ConstantDiscriminator:
    """D(x) = value for every x (value = 1/2: the discriminator that cannot tell)."""

    value: float

    def __call__(self, x):
        return self.value


@dataclass(frozen=True)
class OptimalDiscriminator:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)) (`optimal_discriminator`) as a callable."""

    p_data: GaussianMixture1D
    p_g: GaussianMixture1D

    def __call__(self, x):
        return optimal_discriminator(self.p_data, self.p_g, x)


@dataclass(frozen=True)
class NudgedDiscriminator:
    """`base` plus a bump height·exp(−x²) near x = 0, clipped into [1e-12, 1 − 1e-12]: a
    discriminator close to `base` but not equal to it (to check that D* maximises V)."""

    base: object  # a discriminator: x -> (0, 1)
    height: float

    def __call__(self, x):
        return np.clip(self.base(x) + self.height * np.exp(-(x**2)), 1e-12, 1 - 1e-12)


# --- GAN: optimal discriminator, C(G), JSD ------------------------------------------------------


def discriminator_objective(y, a, b) -> np.ndarray:
    """a·log y + b·log(1 − y): the integrand of V(D, G) at one x with a = p_data(x), b = p_g(x)."""
    y = np.asarray(y, dtype=np.float64)
    return a * np.log(y) + b * np.log1p(-y)


def argmax_discriminator_objective(a, b, tolerance: float = 1e-12) -> np.ndarray:
    """For each pair (a, b) > 0, the y ∈ (0, 1) maximising a·log y + b·log(1 − y), found by
    bounded numerical optimisation (no formula). (a, b) is rescaled to sum to 1 first: a
    positive factor does not move the argmax, and it keeps tiny densities well conditioned."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    result = np.empty(a.shape)
    for index in np.ndindex(a.shape):
        total = a[index] + b[index]
        if total <= 0:
            raise ValueError("a and b must not both be zero")
        ai, bi = a[index] / total, b[index] / total
        found = optimize.minimize_scalar(
            lambda y, ai=ai, bi=bi: -discriminator_objective(y, ai, bi),
            bounds=(1e-15, 1 - 1e-15),
            method="bounded",
            options={"xatol": tolerance},
        )
        result[index] = found.x
    return result


def optimal_discriminator(p_data: GaussianMixture1D, p_g: GaussianMixture1D, x) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), computed as sigmoid(log p_data − log p_g)."""
    return special.expit(p_data.logpdf(x) - p_g.logpdf(x))


def value_function(p_data: GaussianMixture1D, p_g: GaussianMixture1D, discriminator) -> float:
    """V(D, G) = ∫ p_data log D + p_g log(1 − D) dx by quadrature; `discriminator` maps x → (0, 1).

    Terms where a density is exactly 0 contribute 0 (the limit of p·log D as p → 0)."""

    def integrand(x):
        d = float(discriminator(x))
        p, q = float(p_data.pdf(x)), float(p_g.pdf(x))
        return (p * math.log(d) if p > 0 else 0.0) + (q * math.log1p(-d) if q > 0 else 0.0)

    return integrate_1d(integrand, p_data, p_g)


def virtual_training_criterion(p_data: GaussianMixture1D, p_g: GaussianMixture1D) -> float:
    """C(G) = V(D*, G) by quadrature, written with log-densities so it stays finite in the tails:
    ∫ p_data (log p_data − log(p_data + p_g)) + p_g (log p_g − log(p_data + p_g)) dx."""

    def integrand(x):
        lp, lq = float(p_data.logpdf(x)), float(p_g.logpdf(x))
        log_sum = np.logaddexp(lp, lq)
        return math.exp(lp) * (lp - log_sum) + math.exp(lq) * (lq - log_sum)

    return integrate_1d(integrand, p_data, p_g)


def kl_divergence_1d(p: GaussianMixture1D, q: GaussianMixture1D) -> float:
    """KL(p ‖ q) = ∫ p (log p − log q) dx by quadrature."""
    return integrate_1d(lambda x: math.exp(p.logpdf(x)) * (p.logpdf(x) - q.logpdf(x)), p, q)


def jensen_shannon_divergence(p: GaussianMixture1D, q: GaussianMixture1D) -> float:
    """JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, each KL by quadrature; in nats,
    so 0 ≤ JSD ≤ log 2."""
    mixture = GaussianMixture1D(
        tuple(0.5 * w for w in p.weights) + tuple(0.5 * w for w in q.weights),
        p.means + q.means,
        p.stds + q.stds,
    )
    return 0.5 * kl_divergence_1d(p, mixture) + 0.5 * kl_divergence_1d(q, mixture)


def expectation_over_generator(generator, function, nodes: int = 201) -> float:
    """E_{z~N(0,1)}[function(generator(z))] by Gauss–Hermite quadrature over z."""
    z, weights = _hermite_nodes(nodes)
    return float(np.sum(weights * function(generator(z))))


@functools.lru_cache(maxsize=8)
def _hermite_nodes(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    # Probabilists' Gauss–Hermite rule, weights normalised to sum to 1 (a N(0, 1) expectation).
    z, weights = np.polynomial.hermite_e.hermegauss(nodes)
    return z, weights / math.sqrt(2 * math.pi)


# --- GAN: saturating vs non-saturating generator loss --------------------------------------------


def softplus(x) -> np.ndarray:
    """log(1 + e^x), stable for large |x|."""
    return np.logaddexp(0.0, x)


@dataclass(frozen=True)
class GeneratorGradients:
    """d/dθ of the two generator losses at θ = θ0 for the 1-D game of `generator_loss_gradients`,
    analytic (from the chain rule) and by central finite differences of the loss itself."""

    shift: float
    saturating: float
    non_saturating: float
    saturating_fd: float
    non_saturating_fd: float
    mean_discriminator_on_fakes: float


def generator_loss_gradients(shift: float, step: float = 1e-4) -> GeneratorGradients:
    """The 1-D game p_data = N(0, 1), G_θ(z) = θ + z (so p_g = N(θ, 1)), with the discriminator
    frozen at its optimum for θ0 = `shift`: D(x) = sigmoid(ℓ(x)), ℓ(x) = −θ0·x + θ0²/2 (the log
    density ratio). The generator minimises either

        saturating      L_sat(θ) = E_z[log(1 − D(θ + z))] = −E_z[softplus(ℓ(θ + z))]
        non-saturating  L_ns(θ)  = −E_z[log D(θ + z)]     =  E_z[softplus(−ℓ(θ + z))]

    with gradients at θ = θ0:  dL_sat/dθ = θ0·E[D],  dL_ns/dθ = θ0·E[1 − D].
    """
    theta0 = float(shift)
    logit = lambda x: -theta0 * x + 0.5 * theta0**2

    def loss_sat(theta):
        return -expectation_over_generator(lambda z: theta + z, lambda x: softplus(logit(x)))

    def loss_ns(theta):
        return expectation_over_generator(lambda z: theta + z, lambda x: softplus(-logit(x)))

    mean_d = expectation_over_generator(lambda z: theta0 + z, lambda x: special.expit(logit(x)))
    return GeneratorGradients(
        shift=theta0,
        saturating=theta0 * mean_d,
        non_saturating=theta0 * (1.0 - mean_d),
        saturating_fd=(loss_sat(theta0 + step) - loss_sat(theta0 - step)) / (2 * step),
        non_saturating_fd=(loss_ns(theta0 + step) - loss_ns(theta0 - step)) / (2 * step),
        mean_discriminator_on_fakes=mean_d,
    )


# --- Gaussians: KL divergences -------------------------------------------------------------------


def kl_diagonal_gaussian_standard_normal(mean, log_var) -> np.ndarray:
    """KL(N(mean, diag exp(log_var)) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²), summed over
    the last axis (the VAE's closed form)."""
    mean, log_var = np.asarray(mean, dtype=np.float64), np.asarray(log_var, dtype=np.float64)
    return 0.5 * np.sum(mean**2 + np.exp(log_var) - 1.0 - log_var, axis=-1)


def kl_gaussians(mean_1, cov_1, mean_2, cov_2) -> float:
    """KL(N(mean_1, cov_1) ‖ N(mean_2, cov_2)) for full covariances:
    ½ [tr(Σ2⁻¹Σ1) + (μ2 − μ1)ᵀ Σ2⁻¹ (μ2 − μ1) − k + log det Σ2 − log det Σ1]."""
    mean_1, mean_2 = np.asarray(mean_1, float), np.asarray(mean_2, float)
    cov_1, cov_2 = np.atleast_2d(cov_1).astype(float), np.atleast_2d(cov_2).astype(float)
    k = mean_1.shape[-1]
    chol_2 = np.linalg.cholesky(cov_2)
    solve = lambda m: np.linalg.solve(chol_2.T, np.linalg.solve(chol_2, m))
    difference = mean_2 - mean_1
    trace = np.trace(solve(cov_1))
    mahalanobis = difference @ solve(difference)
    logdet_2 = 2 * np.sum(np.log(np.diag(chol_2)))
    logdet_1 = np.linalg.slogdet(cov_1)[1]
    return float(0.5 * (trace + mahalanobis - k + logdet_2 - logdet_1))


def kl_monte_carlo(mean, log_var, samples: int, rng: np.random.Generator) -> tuple[float, float]:
    """KL(q ‖ N(0, I)) for q = N(mean, diag exp(log_var)) as the sample mean of
    log q(z) − log p(z) over z ~ q (scipy log-densities); returns (estimate, standard error)."""
    mean, log_var = np.asarray(mean, float), np.asarray(log_var, float)
    std = np.exp(0.5 * log_var)
    z = mean + std * rng.standard_normal((samples, mean.size))
    log_q = stats.norm.logpdf(z, mean, std).sum(axis=1)
    log_p = stats.norm.logpdf(z).sum(axis=1)
    values = log_q - log_p
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(samples))


# --- A latent-variable model with an exact posterior ---------------------------------------------


@dataclass(frozen=True)
class LinearGaussianModel:
    """z ~ N(0, I_k), x | z ~ N(W z + b, σ² I_d): a decoder whose marginal
    p(x) = N(b, W Wᵀ + σ² I) and posterior p(z | x) are known exactly, so the ELBO identity
    can be checked with nothing approximated."""

    weight: np.ndarray  # W [d, k]
    bias: np.ndarray  # b [d]
    noise_std: float  # σ

    @classmethod
    def random(cls, data_dim: int, latent_dim: int, noise_std: float, seed: int):
        rng = np.random.default_rng(seed)
        return cls(
            weight=rng.normal(size=(data_dim, latent_dim)),
            bias=rng.normal(size=data_dim),
            noise_std=float(noise_std),
        )

    @property
    def latent_dim(self) -> int:
        return self.weight.shape[1]

    @property
    def data_dim(self) -> int:
        return self.weight.shape[0]

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """x [count, d] from the generative process (z first, then x | z)."""
        z = rng.standard_normal((count, self.latent_dim))
        noise = self.noise_std * rng.standard_normal((count, self.data_dim))
        return z @ self.weight.T + self.bias + noise

    def log_marginal(self, x) -> float:
        """log p(x) from the marginal N(b, W Wᵀ + σ² I) (scipy), no latent variable involved."""
        cov = self.weight @ self.weight.T + self.noise_std**2 * np.eye(self.data_dim)
        return float(stats.multivariate_normal.logpdf(x, mean=self.bias, cov=cov))

    def log_likelihood(self, x, z) -> np.ndarray:
        """log p(x | z) for z [..., k]."""
        residual = np.asarray(x) - (np.asarray(z) @ self.weight.T + self.bias)
        return stats.norm.logpdf(residual, scale=self.noise_std).sum(axis=-1)

    def log_prior(self, z) -> np.ndarray:
        return stats.norm.logpdf(np.asarray(z)).sum(axis=-1)

    def posterior(self, x) -> tuple[np.ndarray, np.ndarray]:
        """(mean, covariance) of p(z | x): precision Λ = I + WᵀW/σ², mean = Λ⁻¹ Wᵀ(x − b)/σ²."""
        precision = np.eye(self.latent_dim) + self.weight.T @ self.weight / self.noise_std**2
        cov = np.linalg.inv(precision)
        mean = cov @ self.weight.T @ (np.asarray(x) - self.bias) / self.noise_std**2
        return mean, cov

    def expected_log_likelihood(self, x, mean, cov) -> float:
        """E_{z~N(mean, cov)}[log p(x | z)] in closed form:
        −d/2 log(2πσ²) − (‖x − b − W mean‖² + tr(W cov Wᵀ)) / (2σ²)."""
        residual = np.asarray(x) - self.bias - self.weight @ np.asarray(mean)
        spread = np.trace(self.weight @ np.atleast_2d(cov) @ self.weight.T)
        variance = self.noise_std**2
        return float(
            -0.5 * self.data_dim * math.log(2 * math.pi * variance)
            - (residual @ residual + spread) / (2 * variance)
        )

    def elbo(self, x, mean, cov) -> float:
        """ELBO(q) = E_q[log p(x | z)] − KL(q ‖ p(z)) for q = N(mean, cov), both terms exact."""
        prior_kl = kl_gaussians(mean, cov, np.zeros(self.latent_dim), np.eye(self.latent_dim))
        return self.expected_log_likelihood(x, mean, cov) - prior_kl

    def elbo_monte_carlo(
        self, x, mean, cov, samples: int, rng: np.random.Generator
    ) -> tuple[float, float]:
        """ELBO as the paper writes it, E_q[log p(x, z) − log q(z | x)], by sampling z ~ q;
        returns (estimate, standard error)."""
        mean, cov = np.asarray(mean, float), np.atleast_2d(cov)
        z = mean + rng.standard_normal((samples, self.latent_dim)) @ np.linalg.cholesky(cov).T
        log_joint = self.log_likelihood(x, z) + self.log_prior(z)
        log_q = stats.multivariate_normal.logpdf(z, mean=mean, cov=cov)
        values = log_joint - log_q
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(samples))

    # Gradients of the ELBO for a diagonal q = N(m, diag s²), the VAE's family.

    def elbo_gradient(self, x, mean, std) -> tuple[np.ndarray, np.ndarray]:
        """Analytic (∂ELBO/∂m, ∂ELBO/∂s) for q = N(m, diag s²):
        ∂/∂m = Wᵀ(x − b − Wm)/σ² − m,  ∂/∂s_j = −s_j ‖W_{:,j}‖²/σ² − s_j + 1/s_j."""
        mean, std = np.asarray(mean, float), np.asarray(std, float)
        variance = self.noise_std**2
        residual = np.asarray(x) - self.bias - self.weight @ mean
        grad_mean = self.weight.T @ residual / variance - mean
        column_norms = np.sum(self.weight**2, axis=0)
        grad_std = -std * column_norms / variance - std + 1.0 / std
        return grad_mean, grad_std

    def _kl_gradient(self, mean, std):
        # ∂/∂m and ∂/∂s of the closed-form KL(N(m, diag s²) ‖ N(0, I)).
        return mean, std - 1.0 / std

    def reparameterised_elbo_gradient(
        self, x, mean, std, samples: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Reparameterisation estimate of (∂ELBO/∂m, ∂ELBO/∂s) as a VAE computes it: z = m + s ⊙ ε,
        ε ~ N(0, I); the reconstruction term's gradient is ∇_z log p(x | z) (chain rule:
        ∂z/∂m = 1, ∂z/∂s = ε) averaged over samples, the KL term's gradient is analytic.
        Returns (grad_mean, grad_std, standard error of each)."""
        mean, std = np.asarray(mean, float), np.asarray(std, float)
        eps = rng.standard_normal((samples, self.latent_dim))
        z = mean + std * eps
        residual = np.asarray(x) - self.bias - z @ self.weight.T
        score_z = residual @ self.weight / self.noise_std**2  # ∇_z log p(x | z), [samples, k]
        kl_mean, kl_std = self._kl_gradient(mean, std)
        per_mean, per_std = score_z, score_z * eps
        root = math.sqrt(samples)
        return (
            per_mean.mean(axis=0) - kl_mean,
            per_std.mean(axis=0) - kl_std,
            per_mean.std(axis=0, ddof=1) / root,
            per_std.std(axis=0, ddof=1) / root,
        )

    def score_function_elbo_gradient(
        self, x, mean, std, samples: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The alternative without reparameterisation (REINFORCE): E_q[log p(x | z) ∇ log q(z)],
        which only needs log p(x | z) values, not its gradient. Unbiased but far noisier.
        Returns (grad_mean, grad_std, standard error of each)."""
        mean, std = np.asarray(mean, float), np.asarray(std, float)
        eps = rng.standard_normal((samples, self.latent_dim))
        z = mean + std * eps
        values = self.log_likelihood(x, z)[:, None]
        # ∇_m log q = (z − m)/s² = ε/s;  ∇_s log q = ((z − m)² / s² − 1)/s = (ε² − 1)/s.
        per_mean, per_std = values * eps / std, values * (eps**2 - 1.0) / std
        kl_mean, kl_std = self._kl_gradient(mean, std)
        root = math.sqrt(samples)
        return (
            per_mean.mean(axis=0) - kl_mean,
            per_std.mean(axis=0) - kl_std,
            per_mean.std(axis=0, ddof=1) / root,
            per_std.std(axis=0, ddof=1) / root,
        )


# --- Bernoulli likelihood -----------------------------------------------------------------------


def bernoulli_log_likelihood(x, probs) -> np.ndarray:
    """log Π_j p_j^{x_j} (1 − p_j)^{1 − x_j} = Σ_j x_j log p_j + (1 − x_j) log(1 − p_j), summed
    over the last axis; x ∈ {0, 1}, probs ∈ (0, 1)."""
    x, probs = np.asarray(x, float), np.asarray(probs, float)
    return np.sum(x * np.log(probs) + (1 - x) * np.log1p(-probs), axis=-1)


def grey_value_mass(prob: float) -> float:
    """∫₀¹ exp(log p(x | prob)) dx: the total mass the Bernoulli likelihood prob^x (1 − prob)^(1−x)
    gives to grey values x in [0, 1] read as a density (quadrature); at most 1/2 (at prob = 1/2),
    so the binary cross-entropy of grey pixels is not a normalised log-density."""
    return integrate.quad(lambda v: math.exp(bernoulli_log_likelihood([v], [prob])), 0, 1)[0]


def binary_cross_entropy_with_logits(x, logits) -> np.ndarray:
    """Σ_j BCE(x_j, sigmoid(ℓ_j)) in the overflow-free form the deep-learning libraries use:
    max(ℓ, 0) − ℓ·x + log(1 + e^{−|ℓ|}), summed over the last axis."""
    x, logits = np.asarray(x, float), np.asarray(logits, float)
    return np.sum(np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits))), axis=-1)
