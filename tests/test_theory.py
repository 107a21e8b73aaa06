"""Tests for helpers.theory: each function against an independent computation (scipy, brute
force, a textbook closed form, or a known limit), and a deliberately wrong formula that fails."""

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from helpers import theory
from helpers.theory import GaussianMixture1D, LinearGaussianModel

P_DATA = GaussianMixture1D((0.5, 0.5), (-2.0, 1.5), (0.6, 1.0))
P_G = GaussianMixture1D.normal(0.5, 1.5)


# --- checks -------------------------------------------------------------------------------------


def test_close_check_passes_and_fails_on_the_tolerance():
    assert theory.close_check("x", 1.0, 1.0 + 1e-9, 1e-8).passed
    failed = theory.close_check("x", 1.0, 1.1, 1e-8)
    assert not failed.passed and str(failed).startswith("FAIL")


def test_check_text_never_prints_negative_zero():
    assert "-0.000000" not in str(theory.close_check("x", -1e-12, 0.0, 1e-8))
    # the notebooks print zero-up-to-rounding gaps with it: same text on every BLAS path
    assert theory.format_rounded(-1e-15, 6) == theory.format_rounded(1e-15, 6) == "0.000000"
    assert theory.format_rounded(-0.25, 2) == "-0.25"  # real negatives keep their sign


def test_monte_carlo_check_counts_standard_errors():
    assert theory.monte_carlo_check("x", 1.3, 0.1, 1.0).passed
    assert not theory.monte_carlo_check("x", 1.5, 0.1, 1.0).passed


# --- densities ----------------------------------------------------------------------------------


def test_mixture_logpdf_matches_scipy_and_integrates_to_one():
    x = np.linspace(-30, 30, 601)
    expected = special.logsumexp(
        np.log([0.5, 0.5]) + stats.norm.logpdf(x[:, None], [-2.0, 1.5], [0.6, 1.0]), axis=1
    )
    np.testing.assert_allclose(P_DATA.logpdf(x), expected, rtol=1e-12, atol=1e-12)
    assert integrate.quad(lambda t: float(P_DATA.pdf(t)), -np.inf, np.inf)[0] == pytest.approx(1)


@pytest.mark.parametrize(
    "weights, means, stds",
    [((0.5, 0.6), (0.0, 1.0), (1.0, 1.0)), ((1.0,), (0.0,), (0.0,)), ((1.0,), (0.0, 1.0), (1.0,))],
)
def test_mixture_rejects_invalid_parameters(weights, means, stds):
    with pytest.raises(ValueError):
        GaussianMixture1D(weights, means, stds)


# --- optimal discriminator ----------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [(1.0, 1.0), (3.0, 1.0), (0.2, 0.7), (1e-9, 3e-9)])
def test_numerical_argmax_matches_brute_force_grid(a, b):
    grid = np.linspace(1e-6, 1 - 1e-6, 1_000_001)
    brute = grid[np.argmax(theory.discriminator_objective(grid, a, b))]
    assert theory.argmax_discriminator_objective(a, b) == pytest.approx(brute, abs=2e-6)


def test_optimal_discriminator_is_the_numerical_argmax():
    x = np.linspace(-5, 6, 41)
    numerical = theory.argmax_discriminator_objective(P_DATA.pdf(x), P_G.pdf(x))
    np.testing.assert_allclose(theory.optimal_discriminator(P_DATA, P_G, x), numerical, atol=1e-7)


def test_optimal_discriminator_is_one_half_when_the_densities_agree():
    x = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(theory.optimal_discriminator(P_DATA, P_DATA, x), 0.5)


def test_wrong_discriminator_formula_would_fail_the_check():
    x = np.linspace(-5, 6, 41)
    numerical = theory.argmax_discriminator_objective(P_DATA.pdf(x), P_G.pdf(x))
    wrong = P_DATA.pdf(x) / (P_DATA.pdf(x) + 2 * P_G.pdf(x))
    assert np.abs(wrong - numerical).max() > 1e-2


# --- V(D, G), C(G), JSD -------------------------------------------------------------------------


def test_value_of_a_coin_flip_discriminator_is_minus_log_4():
    assert theory.value_function(P_DATA, P_G, lambda x: 0.5) == pytest.approx(-math.log(4))


@pytest.mark.parametrize("value", [0.5, 0.2, 0.9])
def test_a_constant_discriminator_is_worth_log_c_plus_log_one_minus_c(value):
    constant = theory.ConstantDiscriminator(value)
    assert constant(np.linspace(-3, 3, 5)) == value and constant(7.0) == value
    # each density integrates to 1, so V = log c + log(1 - c)
    expected = math.log(value) + math.log(1 - value)
    assert theory.value_function(P_DATA, P_G, constant) == pytest.approx(expected, abs=1e-9)


def test_optimal_discriminator_beats_perturbed_ones():
    optimal = theory.OptimalDiscriminator(P_DATA, P_G)
    x = np.linspace(-5, 6, 23)
    np.testing.assert_array_equal(optimal(x), theory.optimal_discriminator(P_DATA, P_G, x))
    best = theory.value_function(P_DATA, P_G, optimal)
    for bump in (0.05, -0.05):
        perturbed = theory.NudgedDiscriminator(optimal, bump)
        assert theory.value_function(P_DATA, P_G, perturbed) < best - 1e-5
    assert theory.virtual_training_criterion(P_DATA, P_G) == pytest.approx(best, abs=1e-10)


def test_nudged_discriminator_adds_a_bump_at_zero_and_stays_inside_the_unit_interval():
    half = theory.ConstantDiscriminator(0.5)
    nudged = theory.NudgedDiscriminator(half, 0.1)
    assert nudged(0.0) == pytest.approx(0.6)  # the full height at x = 0
    assert nudged(1.0) == pytest.approx(0.5 + 0.1 * math.exp(-1))
    assert nudged(30.0) == pytest.approx(0.5)  # gone far away
    pushed = theory.NudgedDiscriminator(theory.ConstantDiscriminator(0.95), 0.2)
    assert pushed(0.0) == 1 - 1e-12 and theory.NudgedDiscriminator(half, -0.9)(0.0) == 1e-12


def test_criterion_is_minus_log_4_plus_twice_the_jsd():
    criterion = theory.virtual_training_criterion(P_DATA, P_G)
    jsd = theory.jensen_shannon_divergence(P_DATA, P_G)
    assert criterion == pytest.approx(-math.log(4) + 2 * jsd, abs=1e-10)
    assert criterion > -math.log(4) + 1e-3  # p_g ≠ p_data


def test_criterion_limits_identical_and_disjoint():
    far = GaussianMixture1D.normal(80.0, 1.0)
    assert theory.virtual_training_criterion(P_G, P_G) == pytest.approx(-math.log(4), abs=1e-10)
    assert theory.virtual_training_criterion(P_G, far) == pytest.approx(0.0, abs=1e-9)


def test_jsd_limits_and_symmetry():
    far = GaussianMixture1D.normal(80.0, 1.0)
    assert theory.jensen_shannon_divergence(P_DATA, P_DATA) == pytest.approx(0.0, abs=1e-10)
    assert theory.jensen_shannon_divergence(P_G, far) == pytest.approx(math.log(2), abs=1e-9)
    forward = theory.jensen_shannon_divergence(P_DATA, P_G)
    assert forward == pytest.approx(theory.jensen_shannon_divergence(P_G, P_DATA), abs=1e-10)
    assert 0 < forward < math.log(2)


def test_jsd_matches_a_monte_carlo_estimate():
    rng = np.random.default_rng(1)
    n = 200_000
    x_p = np.where(rng.random(n) < 0.5, rng.normal(-2.0, 0.6, n), rng.normal(1.5, 1.0, n))
    x_q = rng.normal(0.5, 1.5, n)

    def log_m(x):
        return np.logaddexp(P_DATA.logpdf(x), P_G.logpdf(x)) - math.log(2)

    terms = 0.5 * (P_DATA.logpdf(x_p) - log_m(x_p)) + 0.5 * (P_G.logpdf(x_q) - log_m(x_q))
    error = np.sqrt(
        0.25 * np.var(P_DATA.logpdf(x_p) - log_m(x_p)) / n
        + 0.25 * np.var(P_G.logpdf(x_q) - log_m(x_q)) / n
    )
    assert abs(theory.jensen_shannon_divergence(P_DATA, P_G) - np.sum(terms) / n) < 4 * error


def test_kl_1d_matches_the_normal_closed_form():
    p, q = GaussianMixture1D.normal(0.3, 0.8), GaussianMixture1D.normal(-1.0, 1.7)
    closed = math.log(1.7 / 0.8) + (0.8**2 + 1.3**2) / (2 * 1.7**2) - 0.5
    assert theory.kl_divergence_1d(p, q) == pytest.approx(closed, abs=1e-10)


def test_expectation_1d_gives_the_mixture_moments():
    assert theory.expectation_1d(P_DATA, np.ones_like) == pytest.approx(1.0, abs=1e-10)
    assert theory.expectation_1d(P_DATA, lambda x: x) == pytest.approx(0.5 * -2.0 + 0.5 * 1.5)
    second_moment = 0.5 * (0.6**2 + 2.0**2) + 0.5 * (1.0**2 + 1.5**2)
    assert theory.expectation_1d(P_DATA, np.square) == pytest.approx(second_moment, abs=1e-9)


def test_affine_generator_pushes_the_standard_normal_to_its_distribution():
    generator = theory.AffineGenerator(shift=0.5, scale=-1.5)
    np.testing.assert_array_equal(generator(np.array([0.0, 1.0, -2.0])), [0.5, -1.0, 3.5])
    assert theory.expectation_over_generator(generator, lambda x: x) == pytest.approx(0.5)
    variance = theory.expectation_over_generator(generator, lambda x: (x - 0.5) ** 2)
    assert variance == pytest.approx(1.5**2)
    assert generator.distribution() == GaussianMixture1D.normal(0.5, 1.5)


def test_logistic_discriminator_logs_match_the_sigmoid_and_stay_finite():
    d = theory.LogisticDiscriminator(offset=0.3)
    x = np.linspace(-6, 6, 25)
    np.testing.assert_allclose(d(x), 1 / (1 + np.exp(-(x - 0.3))), rtol=1e-12)
    assert d(0.3) == 0.5
    np.testing.assert_allclose(d.log_d(x), np.log(d(x)), rtol=1e-12)
    np.testing.assert_allclose(d.log_one_minus_d(x), np.log1p(-d(x)), rtol=1e-12)
    far = np.array([-800.0, 800.0])  # D rounds to 0 and 1 here; its logs must not
    assert np.isfinite(d.log_d(far)).all() and np.isfinite(d.log_one_minus_d(far)).all()
    assert d.log_d(far)[0] == pytest.approx(-800.3) and d.log_one_minus_d(far)[1] == -799.7
    # V(D, G) taken as E_data[log D] + E_z[log(1 - D(G(z)))] equals the integral over x
    generator = theory.AffineGenerator(0.5, 1.5)
    two_expectations = theory.expectation_1d(P_DATA, d.log_d) + theory.expectation_over_generator(
        generator, d.log_one_minus_d
    )
    assert two_expectations == pytest.approx(theory.value_function(P_DATA, P_G, d), abs=1e-9)


def test_expectation_over_generator_gives_normal_moments():
    assert theory.expectation_over_generator(lambda z: 2.0 + z, lambda x: x**2) == pytest.approx(5)
    assert theory.expectation_over_generator(lambda z: z, np.cos) == pytest.approx(math.exp(-0.5))


# --- generator losses ---------------------------------------------------------------------------


@pytest.mark.parametrize("shift", [0.5, 2.0, 6.0])
def test_generator_gradients_match_finite_differences(shift):
    g = theory.generator_loss_gradients(shift)
    assert g.saturating == pytest.approx(g.saturating_fd, rel=1e-6)
    assert g.non_saturating == pytest.approx(g.non_saturating_fd, rel=1e-6)
    # Both losses push θ the same way: towards p_data at 0.
    assert g.saturating > 0 and g.non_saturating > 0


def test_mean_discriminator_on_fakes_matches_sampling():
    shift = 3.0
    x = shift + np.random.default_rng(2).standard_normal(400_000)
    sampled = special.expit(-shift * x + 0.5 * shift**2)
    estimate = theory.generator_loss_gradients(shift).mean_discriminator_on_fakes
    assert abs(estimate - sampled.mean()) < 4 * sampled.std() / math.sqrt(x.size)


def test_saturating_gradient_vanishes_as_the_generator_gets_worse():
    gradients = [theory.generator_loss_gradients(s) for s in (2.0, 4.0, 6.0, 8.0)]
    saturating = [g.saturating for g in gradients]
    assert saturating == sorted(saturating, reverse=True) and saturating[-1] < 1e-3
    assert all(g.non_saturating > 0.95 * g.shift for g in gradients[1:])


# --- Gaussian KL --------------------------------------------------------------------------------

MEAN = np.array([0.5, -1.0, 2.0])
LOG_VAR = np.array([0.1, -1.0, 0.5])


def test_diagonal_kl_matches_the_full_covariance_formula_and_scipy_entropy():
    closed = theory.kl_diagonal_gaussian_standard_normal(MEAN, LOG_VAR)
    full = theory.kl_gaussians(MEAN, np.diag(np.exp(LOG_VAR)), np.zeros(3), np.eye(3))
    assert closed == pytest.approx(full, abs=1e-12)
    # KL = cross-entropy − entropy; E_q[−log p(z)] = ½ Σ (log 2π + μ² + σ²).
    q = stats.multivariate_normal(MEAN, np.diag(np.exp(LOG_VAR)))
    cross = 0.5 * np.sum(math.log(2 * math.pi) + MEAN**2 + np.exp(LOG_VAR))
    assert closed == pytest.approx(cross - q.entropy(), abs=1e-12)


def test_diagonal_kl_is_zero_only_at_the_prior_and_batches():
    assert theory.kl_diagonal_gaussian_standard_normal(np.zeros(4), np.zeros(4)) == 0
    batch = theory.kl_diagonal_gaussian_standard_normal(np.stack([MEAN, 0 * MEAN]), 0 * LOG_VAR)
    assert batch.shape == (2,) and batch[0] > 0 and batch[1] == 0


def test_monte_carlo_kl_agrees_and_a_wrong_formula_fails():
    estimate, error = theory.kl_monte_carlo(MEAN, LOG_VAR, 200_000, np.random.default_rng(0))
    closed = float(theory.kl_diagonal_gaussian_standard_normal(MEAN, LOG_VAR))
    assert theory.monte_carlo_check("kl", estimate, error, closed).passed
    var = np.exp(LOG_VAR)
    wrong = 0.5 * np.sum(MEAN**2 + np.sqrt(var) - 1 - LOG_VAR)  # σ in place of σ²
    assert not theory.monte_carlo_check("kl", estimate, error, wrong).passed


def test_kl_gaussians_is_zero_for_equal_arguments_and_matches_1d_quadrature():
    cov = np.array([[2.0, 0.3], [0.3, 0.5]])
    assert theory.kl_gaussians([1.0, 2.0], cov, [1.0, 2.0], cov) == pytest.approx(0, abs=1e-12)
    quadrature = theory.kl_divergence_1d(
        GaussianMixture1D.normal(0.3, 0.8), GaussianMixture1D.normal(-1.0, 1.7)
    )
    assert theory.kl_gaussians([0.3], [[0.64]], [-1.0], [[1.7**2]]) == pytest.approx(quadrature)


# --- linear-Gaussian model and the ELBO ---------------------------------------------------------


@pytest.fixture(scope="module")
def model_and_x():
    model = LinearGaussianModel.random(data_dim=5, latent_dim=2, noise_std=0.5, seed=0)
    return model, model.sample(1, np.random.default_rng(0))[0]


def test_bayes_rule_holds_at_any_z(model_and_x):
    # log p(x) = log p(x | z) + log p(z) − log p(z | x) for every z: checks marginal and posterior.
    model, x = model_and_x
    mean, cov = model.posterior(x)
    for z in np.random.default_rng(3).normal(size=(4, 2)):
        log_post = stats.multivariate_normal.logpdf(z, mean, cov)
        bayes = model.log_likelihood(x, z) + model.log_prior(z) - log_post
        assert bayes == pytest.approx(model.log_marginal(x), abs=1e-10)


def test_marginal_and_posterior_mean_match_quadrature_for_a_1d_latent():
    model = LinearGaussianModel.random(data_dim=3, latent_dim=1, noise_std=0.7, seed=4)
    x = model.sample(1, np.random.default_rng(4))[0]
    joint = lambda z: math.exp(model.log_likelihood(x, [z]) + model.log_prior([z]))
    evidence = integrate.quad(joint, -12, 12, epsabs=0, epsrel=1e-11)[0]
    first_moment = integrate.quad(lambda z: z * joint(z), -12, 12, epsabs=0, epsrel=1e-11)[0]
    assert model.log_marginal(x) == pytest.approx(math.log(evidence), abs=1e-9)
    assert model.posterior(x)[0][0] == pytest.approx(first_moment / evidence, abs=1e-9)


def test_elbo_equals_log_evidence_at_the_posterior(model_and_x):
    model, x = model_and_x
    assert model.elbo(x, *model.posterior(x)) == pytest.approx(model.log_marginal(x), abs=1e-10)


def test_elbo_gap_is_the_kl_to_the_posterior(model_and_x):
    model, x = model_and_x
    post_mean, post_cov = model.posterior(x)
    rng = np.random.default_rng(5)
    for _ in range(5):
        mean = post_mean + rng.normal(scale=0.5, size=2)
        root = rng.normal(scale=0.5, size=(2, 2))
        cov = root @ root.T + 0.05 * np.eye(2)
        gap = model.log_marginal(x) - model.elbo(x, mean, cov)
        assert gap == pytest.approx(theory.kl_gaussians(mean, cov, post_mean, post_cov), abs=1e-9)
        assert gap > 0


def test_expected_log_likelihood_and_elbo_match_sampling(model_and_x):
    model, x = model_and_x
    mean, cov = np.array([0.2, -0.4]), np.diag([0.3, 0.6])
    estimate, error = model.elbo_monte_carlo(x, mean, cov, 100_000, np.random.default_rng(6))
    assert abs(estimate - model.elbo(x, mean, cov)) < 4 * error
    # At the posterior log p(x, z) − log q(z) is constant: zero variance.
    estimate, error = model.elbo_monte_carlo(x, *model.posterior(x), 100, np.random.default_rng(6))
    assert error < 1e-9 and estimate == pytest.approx(model.log_marginal(x), abs=1e-9)


def test_analytic_elbo_gradient_matches_finite_differences(model_and_x):
    model, x = model_and_x
    mean, std = np.array([0.3, -0.2]), np.array([0.4, 0.7])
    elbo = lambda m, s: model.elbo(x, m, np.diag(s**2))
    grad_mean, grad_std = model.elbo_gradient(x, mean, std)
    h = 1e-6
    for j in range(2):
        e = np.eye(2)[j] * h
        assert grad_mean[j] == pytest.approx(
            (elbo(mean + e, std) - elbo(mean - e, std)) / (2 * h), rel=1e-6
        )
        assert grad_std[j] == pytest.approx(
            (elbo(mean, std + e) - elbo(mean, std - e)) / (2 * h), rel=1e-6
        )


def test_reparameterised_and_score_function_gradients_are_unbiased(model_and_x):
    model, x = model_and_x
    mean, std = np.array([0.3, -0.2]), np.array([0.4, 0.7])
    analytic = np.concatenate(model.elbo_gradient(x, mean, std))
    for estimator in (model.reparameterised_elbo_gradient, model.score_function_elbo_gradient):
        gm, gs, em, es = estimator(x, mean, std, 50_000, np.random.default_rng(7))
        z = np.abs(np.concatenate([gm, gs]) - analytic) / np.concatenate([em, es])
        assert np.all(z < 4), (estimator.__name__, z)
    reparam_errors = model.reparameterised_elbo_gradient(
        x, mean, std, 50_000, np.random.default_rng(7)
    )
    score_errors = model.score_function_elbo_gradient(
        x, mean, std, 50_000, np.random.default_rng(7)
    )
    assert np.all(np.concatenate(reparam_errors[2:]) < np.concatenate(score_errors[2:]))


def test_reparameterised_gradient_without_the_epsilon_factor_would_fail(model_and_x):
    model, x = model_and_x
    mean, std = np.array([0.3, -0.2]), np.array([0.4, 0.7])
    _, grad_std = model.elbo_gradient(x, mean, std)
    eps = np.random.default_rng(8).standard_normal((50_000, 2))
    residual = x - model.bias - (mean + std * eps) @ model.weight.T
    wrong = (residual @ model.weight / model.noise_std**2).mean(axis=0) - (std - 1 / std)
    assert np.abs(wrong - grad_std).max() > 1.0


# --- Bernoulli ----------------------------------------------------------------------------------


def test_bernoulli_log_likelihood_matches_scipy_and_minus_bce():
    rng = np.random.default_rng(9)
    logits = rng.normal(scale=3.0, size=(4, 20))
    x = (rng.random((4, 20)) < 0.5).astype(float)
    probs = special.expit(logits)
    expected = stats.bernoulli.logpmf(x, probs).sum(axis=1)
    np.testing.assert_allclose(theory.bernoulli_log_likelihood(x, probs), expected, rtol=1e-12)
    np.testing.assert_allclose(
        -theory.binary_cross_entropy_with_logits(x, logits), expected, rtol=1e-10
    )


def test_bernoulli_likelihood_is_normalised_over_all_binary_images():
    probs = np.random.default_rng(10).uniform(0.05, 0.95, size=8)
    images = np.array(list(itertools.product([0, 1], repeat=8)), dtype=float)
    total = np.exp(theory.bernoulli_log_likelihood(images, probs)).sum()
    assert total == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("prob", [0.8, 0.3, 0.99])
def test_grey_value_mass_is_the_continuous_bernoulli_normaliser(prob):
    # ∫₀¹ p^x (1 - p)^(1 - x) dx = (2p - 1) / log(p / (1 - p)) (Loaiza-Ganem & Cunningham 2019)
    closed = (2 * prob - 1) / math.log(prob / (1 - prob))
    assert theory.grey_value_mass(prob) == pytest.approx(closed, rel=1e-10)


def test_grey_value_mass_never_reaches_one():
    masses = [theory.grey_value_mass(prob) for prob in np.linspace(0.01, 0.99, 15)]
    assert max(masses) == pytest.approx(0.5, abs=1e-12)  # at prob = 1/2: 0.5^x 0.5^(1-x) = 1/2
    assert theory.grey_value_mass(0.6) == pytest.approx(theory.grey_value_mass(0.4), rel=1e-12)


def test_bce_with_logits_is_finite_for_extreme_logits():
    logits = np.array([[-1000.0, 1000.0, 0.0]])
    x = np.array([[0.0, 1.0, 1.0]])
    assert theory.binary_cross_entropy_with_logits(x, logits)[0] == pytest.approx(math.log(2))


def test_check_log_records_prints_and_tabulates(capsys):
    log = theory.CheckLog(seed=3)
    log.record(theory.Check("a | b", True, "x*y"), theory.Check("c", False, "off"))
    assert capsys.readouterr().out == "PASS  a | b: x*y\nFAIL  c: off\n"
    assert log.passed == 1 and len(log.checks) == 2
    assert log.markdown_table()[2:] == [r"| 1 | a \| b | PASS: x\*y |", "| 2 | c | **FAIL**: off |"]
    # one independent stream per check number, the same on every call
    assert log.rng(1).random() == theory.CheckLog(seed=3).rng(1).random() != log.rng(2).random()


def test_latex_scientific():
    assert theory.latex_scientific(1.2e-05) == r"1.2 \times 10^{-5}"
    assert theory.latex_scientific(360.0) == r"3.6 \times 10^{2}"
