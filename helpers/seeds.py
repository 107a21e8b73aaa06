"""Numbers over training seeds: a value per seed, its mean and spread, and the test that turns
per-seed differences between models into a decision.

Every model of the report is trained once per seed (`helpers.config.resolve_seeds`); one seed
is one draw, and on MNIST the spread of FID over seeds is as large as many published
differences between models (Lucic et al. 2018). So a claim is decided on its per-seed
differences, never on one run:

    spread = summarise([5.9, 6.4, 7.1])                  # mean, sd, n, standard error
    test = compare("DCGAN sharper than the VAE", [0.011, 0.014, 0.009])
    test.outcome                                         # SUPPORTED / CONTRADICTED / UNDECIDED

`compare` says SUPPORTED only when every seed agrees and the mean difference exceeds
`SIGMAS` standard errors; CONTRADICTED is the same the other way; anything else, one seed
included, is UNDECIDED.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SIGMAS = 2.0  # a mean difference counts when it exceeds twice its standard error

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
UNDECIDED = "undecided"
OUTCOMES = (SUPPORTED, CONTRADICTED, UNDECIDED)


@dataclass(frozen=True)
class Spread:
    """A value measured once per seed: the values (in seed order), their mean, the sample
    standard deviation (0 for one seed) and the standard error of the mean (None for one)."""

    values: tuple[float, ...]
    mean: float
    sd: float
    n: int

    @property
    def standard_error(self) -> float | None:
        return None if self.n < 2 else self.sd / math.sqrt(self.n)

    def text(self, fmt: str = ".2f", scale: float = 1.0) -> str:
        """ "5.89 ± 0.31" (mean ± sd, both times `scale`); the mean alone for one seed."""
        mean = format(self.mean * scale, fmt)
        return mean if self.n < 2 else f"{mean} ± {format(self.sd * scale, fmt)}"


def summarise(values: Sequence[float]) -> Spread:
    """The Spread of per-seed `values` (ValueError for none, or for a value that is not
    finite: a diverged seed must be seen, not averaged away)."""
    values = tuple(float(v) for v in values)
    if not values:
        raise ValueError("no per-seed values to summarise")
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise ValueError(f"per-seed values must be finite, got {list(values)}")
    n = len(values)
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return Spread(values, mean, sd, n)


@dataclass(frozen=True)
class SeedTest:
    """One part of a claim as a difference per seed, positive where the seed supports it.

    `what` names the comparison ("FID: VAE-GAN below the VAE"); `differences` are per seed;
    `outcome` is `decide(differences)`; `detail` may carry the per-seed values of the two sides
    for the reader ("VAE-GAN 25.0, 27.1, 24.3 vs VAE 75.9, 80.2, 71.0").
    """

    what: str
    differences: tuple[float, ...]
    outcome: str
    detail: str = ""
    second_space: str | None = None  # "agrees" / "disagrees" / None (not a feature-space test)

    @property
    def spread(self) -> Spread:
        return summarise(self.differences)

    def text(self, fmt: str = ".3g") -> str:
        """The test as the verdicts print it: what, per-seed differences, mean ± sd, outcome."""
        spread = self.spread
        per_seed = ", ".join(format(d, fmt) for d in self.differences)
        error = spread.standard_error
        stats = f"mean {format(spread.mean, fmt)}" + (
            "" if error is None else f", standard error {format(error, fmt)}"
        )
        parts = [f"{self.what}: difference per seed {per_seed} ({stats}) — {self.outcome}"]
        if self.detail:
            parts.append(f"({self.detail})")
        if self.second_space == "agrees":
            parts.append("[pixel-PCA space agrees]")
        elif self.second_space:
            parts.append("[pixel-PCA space disagrees: not decided]")
        return " ".join(parts)


def decide(differences: Sequence[float], sigmas: float = SIGMAS) -> str:
    """SUPPORTED when every difference is positive and the mean exceeds `sigmas` standard
    errors, CONTRADICTED when every one is negative and the mean is below minus that, else
    UNDECIDED (always for a single seed: one draw has no spread to compare with)."""
    spread = summarise(differences)
    error = spread.standard_error
    if error is None:
        return UNDECIDED
    if all(d > 0 for d in spread.values) and spread.mean > sigmas * error:
        return SUPPORTED
    if all(d < 0 for d in spread.values) and spread.mean < -sigmas * error:
        return CONTRADICTED
    return UNDECIDED


def compare(
    what: str,
    differences: Sequence[float],
    detail: str = "",
    second: Sequence[float] | None = None,
) -> SeedTest:
    """The SeedTest of `differences`; with `second`, the same differences measured in the
    second feature space, and whether its outcome agrees with this one."""
    outcome = decide(differences)
    second_space = None
    if second is not None:
        second_space = "agrees" if decide(second) == outcome else "disagrees"
    return SeedTest(what, tuple(float(d) for d in differences), outcome, detail, second_space)


__all__ = [
    "CONTRADICTED",
    "OUTCOMES",
    "SIGMAS",
    "SUPPORTED",
    "SeedTest",
    "Spread",
    "UNDECIDED",
    "compare",
    "decide",
    "summarise",
]
