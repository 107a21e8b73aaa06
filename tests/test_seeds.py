"""Numbers over training seeds (helpers.seeds): the spread of per-seed values and the rule that
decides a per-seed difference, on numbers small enough to check by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import seeds
from helpers.seeds import CONTRADICTED, SUPPORTED, UNDECIDED


def test_summarise_gives_the_mean_the_sample_sd_and_the_standard_error():
    spread = seeds.summarise([2, 4, 6])
    # mean 4; squared deviations 4 + 0 + 4 = 8 over n - 1 = 2: sd 2, standard error 2 / sqrt(3)
    assert spread.values == (2.0, 4.0, 6.0) and spread.n == 3
    assert spread.mean == pytest.approx(4.0)
    assert spread.sd == pytest.approx(2.0)
    assert spread.standard_error == pytest.approx(2 / math.sqrt(3))
    values = np.random.default_rng(0).normal(5.0, 2.0, 7)
    other = seeds.summarise(values)
    assert other.mean == pytest.approx(values.mean())
    assert other.sd == pytest.approx(values.std(ddof=1))  # n - 1, not n
    assert other.values == tuple(float(v) for v in values)  # seed order kept


def test_one_seed_has_no_spread_and_no_standard_error():
    spread = seeds.summarise([5])
    assert (spread.mean, spread.sd, spread.n) == (5.0, 0.0, 1)
    assert spread.standard_error is None


def test_equal_values_have_no_spread():
    spread = seeds.summarise([0.1, 0.1, 0.1])
    assert spread.mean == pytest.approx(0.1)
    assert spread.sd == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize(
    "values", [[], [1.0, float("nan")], [float("inf"), 1.0], [1.0, -float("inf"), 2.0]]
)
def test_no_values_or_a_value_that_is_not_finite_is_refused(values):
    with pytest.raises(ValueError):
        seeds.summarise(values)
    with pytest.raises(ValueError):
        seeds.decide(values)


def test_text_is_mean_plus_minus_sd_with_format_and_scale():
    assert seeds.summarise([1, 2, 3]).text() == "2.00 ± 1.00"
    assert seeds.summarise([0.5, 1.5]).text(".3f") == "1.000 ± 0.707"  # sd sqrt(0.5)
    # KID is shown ×10³: both the mean and the sd are scaled
    assert seeds.summarise([0.001, 0.002, 0.003]).text(".2f", 1e3) == "2.00 ± 1.00"
    assert seeds.summarise([0.25, 0.75]).text(".1f", 100.0) == "50.0 ± 35.4"
    # one seed: the value alone, no made-up spread
    assert seeds.summarise([5.0]).text() == "5.00"
    assert seeds.summarise([0.123]).text(".1f", 100.0) == "12.3"


@pytest.mark.parametrize(
    ("differences", "outcome"),
    [
        # mean 2, sd 1, standard error 0.577: 2 > 1.15, every seed positive
        ([1, 2, 3], SUPPORTED),
        # one seed the other way: never decided, however large the mean
        ([1, -1, 3], UNDECIDED),
        ([10, 10, -0.1], UNDECIDED),
        # with six seeds one the other way can hide in the noise (mean 4.15, standard error
        # 0.85): the mean alone would support it, the rule needs every seed
        ([5, 5, 5, 5, 5, -0.1], UNDECIDED),
        ([-5, -5, -5, -5, -5, 0.1], UNDECIDED),
        # no spread at all: the smallest agreement counts
        ([0.1, 0.1, 0.1], SUPPORTED),
        # mean -2.5, sd 0.5, standard error 0.29
        ([-2, -3, -2.5], CONTRADICTED),
        ([-1, -2, -3], CONTRADICTED),
        # every seed positive but the mean 3.4 is within 2 × 3.3 (one seed dominates)
        ([0.1, 0.1, 10], UNDECIDED),
        ([-0.1, -0.1, -10], UNDECIDED),
        # one seed: nothing to compare its difference with
        ([5], UNDECIDED),
        ([-5], UNDECIDED),
        # zero is not a positive difference
        ([0, 0, 0], UNDECIDED),
        ([0, 1, 1], UNDECIDED),
    ],
)
def test_decide_needs_every_seed_and_twice_the_standard_error(differences, outcome):
    assert seeds.decide(differences) == outcome


def test_decide_is_strict_at_exactly_twice_the_standard_error():
    # [1, 3]: mean 2, sd sqrt(2), standard error 1: the mean equals 2 standard errors
    assert seeds.decide([1, 3]) == UNDECIDED
    # [1.1, 3]: mean 2.05, sd 1.9 / sqrt(2), standard error 0.95: 2.05 > 1.9
    assert seeds.decide([1.1, 3]) == SUPPORTED
    assert seeds.decide([-1.1, -3]) == CONTRADICTED


def test_decide_takes_another_number_of_standard_errors():
    # [1, 2, 3]: mean 2, standard error 0.577: beyond 3 of them (1.73), not beyond 4 (2.31)
    assert seeds.decide([1, 2, 3], sigmas=3) == SUPPORTED
    assert seeds.decide([1, 2, 3], sigmas=4) == UNDECIDED
    assert seeds.decide([-1, -2, -3], sigmas=4) == UNDECIDED
    assert seeds.SIGMAS == 2.0


def test_compare_decides_and_says_whether_the_second_space_agrees():
    test = seeds.compare("FID: VAE minus VAE-GAN", [1, 2, 3], detail="a vs b")
    assert test.outcome == SUPPORTED and test.differences == (1.0, 2.0, 3.0)
    assert test.second_space is None and test.detail == "a vs b"
    assert seeds.compare("x", [1, 2, 3], second=[2, 3, 4]).second_space == "agrees"
    assert seeds.compare("x", [1, 2, 3], second=[1, -1, 3]).second_space == "disagrees"
    assert seeds.compare("x", [1, 2, 3], second=[-1, -2, -3]).second_space == "disagrees"
    # agreement is the same outcome, whichever it is
    assert seeds.compare("x", [-1, -2, -3], second=[-2, -3, -4]).second_space == "agrees"
    assert seeds.compare("x", [1, -1, 3], second=[0.1, 0.1, 10]).second_space == "agrees"


def test_seed_test_spread_is_that_of_its_differences():
    test = seeds.compare("x", [2, 4, 6])
    assert test.spread.mean == pytest.approx(4.0) and test.spread.sd == pytest.approx(2.0)


def test_seed_test_text_shows_the_differences_their_statistics_and_the_outcome():
    test = seeds.compare("sharpness, DCGAN minus VAE", [1, 2, 3], detail="0.2 vs 0.1")
    text = test.text()
    assert text.startswith("sharpness, DCGAN minus VAE: difference per seed 1, 2, 3 ")
    assert "mean 2" in text
    assert f"standard error {format(1 / math.sqrt(3), '.3g')}" in text  # 0.577
    assert text.index(SUPPORTED) < text.index("(0.2 vs 0.1)")  # the outcome, then the detail
    assert "pixel-PCA" not in text  # not a feature-space test
    assert "[pixel-PCA space agrees]" in seeds.compare("x", [1, 2, 3], second=[1, 2, 3]).text()
    disagree = seeds.compare("x", [1, 2, 3], second=[-1, 2, 3]).text()
    assert "[pixel-PCA space disagrees: not decided]" in disagree
    assert (
        seeds.compare("x", [0.12345, 0.2])
        .text(".2f")
        .startswith("x: difference per seed 0.12, 0.20 ")
    )


def test_seed_test_text_of_one_seed_has_no_standard_error():
    text = seeds.compare("x", [5]).text()
    assert "mean 5" in text and "standard error" not in text
    assert text.endswith(UNDECIDED)
