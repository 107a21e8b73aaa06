"""A verdict on each claim of the paper, read from the results: the evidence a run measured,
the rule that turns each measurement into a verdict, and the conclusions as Markdown.

Every number comes from a results record; the only literals here are the claims as the paper
itself states them and the rules, each written next to its verdict so a reader can check it:

    evidence = gather_evidence(comparison, {"dcgan": ..., "vae": ..., "vaegan": ...})
    print(conclusions_markdown(paper_verdicts(evidence)))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from helpers.bibliography import cite
from helpers.seeds import (
    CONTRADICTED,
    SUPPORTED,
    UNDECIDED,
    SeedTest,
    compare,
    summarise,
)

HOLDS = "holds"
PARTLY = "holds partly"
DOES_NOT_HOLD = "does not hold at these settings"
NOT_DECIDED = "not decided at these settings"
NOT_MEASURED = "not measured in this run"
VERDICTS = (HOLDS, PARTLY, DOES_NOT_HOLD, NOT_DECIDED, NOT_MEASURED)

# Rules (stated in the report beside each verdict). Every part of a claim is a difference
# between models per training seed, decided by helpers.seeds.decide: every seed agrees and the
# mean exceeds twice its standard error, else undecided.
SHARPNESS_TOLERANCE = 0.3  # "as sharp as real digits": within 30 % of the real digits' sharpness
CHANCE_ACCURACY = 0.1  # ten classes
ENCODER_USEFUL = 3 * CHANCE_ACCURACY  # a 5-NN probe on the codes at three times chance or more
EARLY_STOP_SHARE = 1 / 3  # the stopping rule must fire a third of the run before its end
PAPER_SETTLED_EPOCH = 10  # the paper: "little change after about 10 epochs" (of 200)
# "within reach of the real digits": a faint-pixel share (metrics.faint_pixel_share) at most
# this many times theirs
FAINT_REACH = 1.5


# --- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The measurements the verdicts read, per training seed (lists in seed order).

    `rows`: row ("real", "dcgan", "vae", ...) -> metric -> values per seed (the real row has
    one value: real digits have no seed); `pixel`: the same for the second feature space
    (principal components of the pixels); `stopping`: model -> one FID-per-epoch stopping
    record per seed (`helpers.comparison.fid_curve`, on the validation split); `cost`: model ->
    cost field -> values; `encoders`: model -> `latent_knn` / `label_kept` -> values;
    `likelihood`: VAE -> `test_elbo` / `iwae` -> values.
    """

    seeds: tuple[int, ...] = ()
    rows: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    pixel: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    stopping: dict[str, list[dict]] = field(default_factory=dict)
    cost: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    encoders: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    likelihood: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    vaegan_label: str = "vaegan"  # which comparison row is the VAE-GAN compared with the VAE
    vae_label: str = "vae"
    control_label: str = "control"  # the VAE-GAN's fine-tuning without the discriminator

    def values(self, row: str, name: str, space: str = "classifier") -> list[float] | None:
        """Per-seed values of metric `name` of `row`, or None when not measured."""
        table = self.rows if space == "classifier" else self.pixel
        found = table.get(row, {}).get(name)
        return None if found is None else [float(v) for v in found]


def gather_evidence(comparison, records: dict | None = None) -> Evidence:
    """Evidence from the comparison record (`helpers.comparison.ComparisonRecord`): its
    per-seed rows, second feature space, stopping records, costs, encoders and likelihoods.
    `records` is accepted for callers that hold the models' results records; every number
    the verdicts read is in the comparison."""
    del records
    return Evidence(
        seeds=tuple(comparison.seeds),
        rows=dict(comparison.seed_rows),
        pixel=dict(comparison.seed_pixel),
        stopping=dict(comparison.seed_stopping),
        cost=dict(comparison.seed_costs),
        encoders=dict(comparison.seed_encoders),
        likelihood=dict(comparison.seed_likelihood),
    )


def differences(a: list[float] | None, b: list[float] | None) -> list[float] | None:
    """a - b per seed; a side with one value (the real digits) is compared with every seed."""
    if a is None or b is None:
        return None
    if len(a) == 1 and len(b) > 1:
        a = a * len(b)
    if len(b) == 1 and len(a) > 1:
        b = b * len(a)
    if len(a) != len(b):
        raise ValueError(f"per-seed values of unequal length: {len(a)} and {len(b)}")
    return [x - y for x, y in zip(a, b, strict=True)]


def _values_text(values: list[float] | None, fmt: str) -> str:
    return "n/a" if values is None else ", ".join(format(v, fmt) for v in values)


# --- verdicts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One claim of the paper, what this run measured, and the verdict that follows."""

    claim: str
    verdict: str
    evidence: str
    shown_in: str
    rule: str
    tests: list[str] = field(default_factory=list)  # each part's per-seed numbers and outcome
    summary: str = ""  # the measurement in one clause, means ± sd over seeds (the abstract's)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; valid: {', '.join(VERDICTS)}")


def effective_outcome(test: SeedTest) -> str:
    """A part's outcome as the verdict counts it: a part that the second feature space does not
    decide the same way is not decided (one feature space is not a finding)."""
    return UNDECIDED if test.second_space == "disagrees" else test.outcome


def grade(tests: list[SeedTest]) -> str:
    """The verdict of a claim from the outcomes of its parts over the seeds (`effective_outcome`):
    HOLDS when every part is supported, PARTLY when some are, DOES_NOT_HOLD when none is and one
    is contradicted, NOT_DECIDED when none is decided (within the noise, or one seed)."""
    if not tests:
        return NOT_MEASURED
    outcomes = {effective_outcome(t) for t in tests}
    if outcomes == {SUPPORTED}:
        return HOLDS
    if SUPPORTED in outcomes:
        return PARTLY
    return DOES_NOT_HOLD if CONTRADICTED in outcomes else NOT_DECIDED


def _verdict(
    claim, shown, rule, tests, evidence_head: str, n_seeds: int, summary: str = ""
) -> Verdict:
    tests = [t for t in tests if t is not None]
    if not tests:
        return Verdict(claim, NOT_MEASURED, evidence_head or "not measured", shown, rule)
    seeds = "one seed: nothing can be decided" if n_seeds == 1 else f"{n_seeds} seeds"
    evidence = f"{evidence_head} ({seeds})" if evidence_head else seeds
    return Verdict(claim, grade(tests), evidence, shown, rule, [t.text() for t in tests], summary)


def _mean(values: list[float] | None, fmt: str, scale: float = 1.0) -> str:
    """ "0.180 ± 0.001" over the seeds (the value alone for one), "n/a" when not measured."""
    return "n/a" if not values else summarise(values).text(fmt, scale)


def _test(ev: Evidence, what: str, a, b, fmt: str, metric: str | None = None, sides=None):
    """The SeedTest of a - b per seed (None when either is missing); with `metric` and
    `sides` = (row a, row b) also measured in the second feature space."""
    diff = differences(a, b)
    if diff is None:
        return None
    detail = f"{_values_text(a, fmt)} vs {_values_text(b, fmt)}"
    second = None
    if metric is not None and sides is not None:
        pa, pb = (ev.values(row, metric, "pixel") for row in sides)
        second = differences(pa, pb)
    return compare(what, diff, detail, second)


def _n(ev: Evidence) -> int:
    return len(ev.seeds) or 1


def blur_verdict(ev: Evidence) -> Verdict:
    """Paper: VAE samples are blurrier than GAN samples."""
    claim = "VAE samples are blurrier than GAN samples."
    shown = "Figure 18 (samples side by side), metrics table (sharpness)"
    rule = (
        "holds when on every seed the VAE's samples are less sharp (variance of the Laplacian) "
        "than the DCGAN's and than the real digits', each by more than twice its standard error"
    )
    vae, gan, real = (ev.values(r, "sharpness") for r in ("vae", "dcgan", "real"))
    tests = [
        _test(ev, "sharpness, DCGAN minus VAE", gan, vae, ".4f"),
        _test(ev, "sharpness, real digits minus VAE", real, vae, ".4f"),
    ]
    summary = (
        f"sharpness (variance of the Laplacian) {_mean(vae, '.3f')} for the VAE against "
        f"{_mean(gan, '.3f')} for the DCGAN and {_mean(real, '.3f')} for real digits"
    )
    return _verdict(claim, shown, rule, tests, "", _n(ev), summary)


def lookalike_verdict(ev: Evidence) -> Verdict:
    """Paper: some VAE digits are hard to tell apart (9 vs 4, 7 vs 1)."""
    claim = "Some VAE digits are hard to tell apart: 4 vs 9 and 1 vs 7."
    shown = "Figure 21 (classifier hesitation between digit pairs), metrics table"
    rule = (
        "holds when on every seed the VAE's samples hesitate between both pairs more often than "
        "the real digits and than the DCGAN's, beyond twice the standard error"
    )
    tests, clauses = [], []
    for pair, text in (("ambiguous_4_9", "4↔9"), ("ambiguous_1_7", "1↔7")):
        vae, gan, real = (ev.values(r, pair) for r in ("vae", "dcgan", "real"))
        tests.append(_test(ev, f"{text} hesitation, VAE minus real digits", vae, real, ".3f"))
        tests.append(_test(ev, f"{text} hesitation, VAE minus DCGAN", vae, gan, ".3f"))
        clauses.append(
            f"{text} on {_mean(vae, '.1f', 100)} % of the VAE's samples, "
            f"{_mean(gan, '.1f', 100)} % of the DCGAN's and {_mean(real, '.1f', 100)} % of "
            "real digits"
        )
    summary = "the classifier hesitates between " + "; between ".join(
        clause.replace("↔", " and ", 1) for clause in clauses
    )
    return _verdict(claim, shown, rule, tests, "", _n(ev), summary)


def cost_verdict(ev: Evidence) -> Verdict:
    """Paper: GANs are costlier to train than VAEs."""
    claim = "GANs are costlier to train than VAEs."
    shown = "Figure 23 (training cost), settings table"
    # per image, not per epoch: the profiles train on different numbers of images per epoch
    rule = (
        "holds when on every seed the DCGAN trains fewer images per second and takes more wall "
        "time in all than the VAE"
    )
    gan, vae = ev.cost.get("dcgan", {}), ev.cost.get("vae", {})
    tests = [
        _test(
            ev,
            "images per second, VAE minus DCGAN",
            vae.get("images_per_second"),
            gan.get("images_per_second"),
            ",.0f",
        ),
        _test(
            ev,
            "wall time (s), DCGAN minus VAE",
            gan.get("wall_time_seconds"),
            vae.get("wall_time_seconds"),
            ".0f",
        ),
    ]
    summary = (
        f"the DCGAN trains {_mean(gan.get('images_per_second'), ',.0f')} images per second "
        f"against the VAE's {_mean(vae.get('images_per_second'), ',.0f')}, and takes "
        f"{_mean(gan.get('wall_time_seconds'), '.0f')} s per seed against "
        f"{_mean(vae.get('wall_time_seconds'), '.0f')} s"
    )
    return _verdict(claim, shown, rule, tests, "", _n(ev), summary)


def stopping_verdict(ev: Evidence) -> Verdict:
    """Paper: GANs have no evaluation metric, so it is hard to know when to stop."""
    claim = "GANs lack an evaluation metric, so one cannot tell when training is done."
    shown = "Figure 20 (FID per epoch on the validation split, and the stopping rule)"
    rule = (
        f"FID per epoch {cite('heusel2017')} on the validation split, with its bootstrap noise, "
        f"is the metric; the claim does not hold when on every seed it stops improving beyond "
        f"its noise with at least {EARLY_STOP_SHARE:.0%} of the run left (the difference below "
        "is the third minus the share left, so negative contradicts the claim); it holds only "
        "partly when on every seed the rule fires later (the metric says the run is not done "
        "yet, not when it will be)"
    )
    curves = ev.stopping.get("dcgan") or []
    if not curves:
        return Verdict(claim, NOT_MEASURED, "FID per epoch was not measured", shown, rule)
    shares, lines, settled, stops = [], [], [], []
    for seed, curve in zip(ev.seeds or range(len(curves)), curves, strict=False):
        epochs, fids = list(curve["epochs"]), list(curve["fid"])
        last, stop = int(epochs[-1]), int(curve["within_noise_epoch"])
        shares.append(EARLY_STOP_SHARE - (last - stop) / last)
        stops.append(stop)
        fid_stop, fid_end = fids[epochs.index(stop)], fids[-1]
        line = (
            f"seed {seed}: stops after epoch {stop} of {last} "
            f"(FID {fid_stop:.1f}, at the end {fid_end:.1f})"
        )
        if PAPER_SETTLED_EPOCH in epochs:
            change = fids[epochs.index(PAPER_SETTLED_EPOCH)] - fid_end
            settled.append(change <= curve["tolerance"])
            line += (
                f", FID fell by {change:.1f} after epoch {PAPER_SETTLED_EPOCH} "
                f"(noise 2σ {curve['tolerance']:.1f})"
            )
        lines.append(line)
    test = compare("the third minus the share of the run left after the stopping epoch", shares)
    verdict = {SUPPORTED: PARTLY, CONTRADICTED: DOES_NOT_HOLD, UNDECIDED: NOT_DECIDED}[test.outcome]
    evidence = "; ".join(lines)
    if settled:
        evidence += (
            f'. The paper\'s "little change after about {PAPER_SETTLED_EPOCH} epochs": '
            f"holds on {sum(settled)} of {len(settled)} seeds (on those the FID changed by no "
            f"more than its noise after epoch {PAPER_SETTLED_EPOCH})"
        )
    n = _n(ev)
    evidence += f" ({'one seed: nothing can be decided' if n == 1 else f'{n} seeds'})"
    summary = (
        f"FID per epoch on validation digits, with its bootstrap noise, tells when the DCGAN's "
        f"gain ends: after epoch {_count_list(stops)} of {last}, "
        f"{'so each seed' if n > 1 else 'so the seed'} ran "
        f"{_count_list([last - s for s in stops])} epochs past it"
    )
    if settled:
        summary += (
            f'; the paper\'s "little change after about {PAPER_SETTLED_EPOCH} epochs" holds on '
            f"{sum(settled)} of {len(settled)}"
        )
    return Verdict(claim, verdict, evidence, shown, rule, [test.text()], summary)


def _count_list(values: list[int]) -> str:
    """ "26, 25 and 24" """
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def encoder_verdict(ev: Evidence) -> Verdict:
    """Paper: the VAE's advantage is an encoder into a latent space."""
    claim = "The VAE's advantage is its encoder into a latent space."
    shown = "Figure 9 (test digits in the latent space), Figure 16 (likelihood bounds)"
    rule = (
        f"holds when on every seed a 5-nearest-neighbour probe on the VAE's codes of test "
        f"digits reaches more than {ENCODER_USEFUL:.0%} (three times chance), beyond twice "
        "the standard error; the DCGAN has no encoder"
    )
    knn = ev.encoders.get(ev.vae_label, {}).get("latent_knn")
    test = None
    if knn is not None:
        test = _test(ev, "5-NN accuracy on the codes minus 30 %", knn, [ENCODER_USEFUL], ".3f")
    bounds = ev.likelihood.get(ev.vae_label, {})
    head = ""
    if bounds.get("test_elbo"):
        elbo = summarise(bounds["test_elbo"]).text(".1f")
        head = f"the encoder also gives a test ELBO of {elbo} nats"
        if bounds.get("iwae"):
            head += (
                f" and an IWAE bound of {summarise(bounds['iwae']).text('.1f')} {cite('burda2016')}"
            )
    summary = (
        f"a 5-nearest-neighbour probe on the codes labels {_mean(knn, '.1f', 100)} % of test "
        f"digits correctly (chance: {CHANCE_ACCURACY:.0%})"
    )
    if bounds.get("test_elbo"):
        summary += f"; test ELBO {elbo} nats"
        if bounds.get("iwae"):
            summary += f", IWAE bound {summarise(bounds['iwae']).text('.1f')} nats"
    return _verdict(claim, shown, rule, [test], head, _n(ev), summary)


def vaegan_verdict(ev: Evidence) -> Verdict:
    """Paper (future work): a VAE-GAN combines the VAE's encoder with the GAN's sharpness.

    Decided in three parts, each against the model that sets its bar, per seed: (a) the encoder
    against the VAE and the control (the same fine-tuning without the discriminator); (b)
    sharpness against the real digits, counted only where the faint-pixel share is within reach
    of theirs, and the FID gain over the control (what the discriminator adds); (c) coverage,
    recall and coverage against the DCGAN."""
    latent = ev.vaegan_label.partition("_z")[2] or "2"
    claim = (
        "A VAE-GAN (the paper's future work) joins the VAE's encoder to the GAN's sharpness "
        f"and coverage (latent dimension {latent})."
    )
    shown = "the VAE-GAN chapter (samples, reconstructions, the control), metrics table"
    rule = (
        "three parts, each decided per seed (every seed agrees and the mean difference exceeds "
        "twice its standard error): (a) the encoder holds unless the VAE-GAN's reconstructions "
        "keep fewer labels than the VAE's or the control's; (b) sharpness holds when the "
        f"sharpness is within {SHARPNESS_TOLERANCE:.0%} of the real digits', the faint-pixel "
        f"share at most {FAINT_REACH:g}× the real digits' and the FID below the control's (what "
        "the discriminator adds over the same fine-tuning without it); (c) coverage holds when "
        "recall and coverage exceed the DCGAN's. Holds when all three do, partly when some do. "
        "FID, recall and coverage are measured again on principal components of the pixels, "
        "and a test that space decides otherwise is not decided"
    )
    g, v, c = ev.vaegan_label, ev.vae_label, ev.control_label
    if ev.values(g, "fid") is None:
        return Verdict(claim, NOT_MEASURED, "the VAE-GAN was not scored", shown, rule)
    kept = {row: ev.encoders.get(row, {}).get("label_kept") for row in (g, v, c)}
    encoder = [
        _test(ev, f"labels kept, VAE-GAN minus {name}", kept[g], kept[row], ".3f")
        for row, name in ((v, "VAE"), (c, "control"))
    ]
    sharp, real = ev.values(g, "sharpness"), ev.values("real", "sharpness")
    faint, real_faint = ev.values(g, "faint_share"), ev.values("real", "faint_share")
    sharpness = [
        None
        if sharp is None or real is None
        else compare(
            f"{SHARPNESS_TOLERANCE:.0%} of the real sharpness minus the gap to it",
            [SHARPNESS_TOLERANCE * real[0] - abs(x - real[0]) for x in sharp],
            f"sharpness {_values_text(sharp, '.4f')}, real {real[0]:.4f}",
        ),
        None
        if faint is None or real_faint is None
        else compare(
            f"{FAINT_REACH:g}× the real digits' faint-pixel share minus the VAE-GAN's",
            [FAINT_REACH * real_faint[0] - x for x in faint],
            f"faint pixels {_values_text(faint, '.3f')}, real {real_faint[0]:.3f}",
        ),
        _test(ev, "FID, control minus VAE-GAN", ev.values(c, "fid"), ev.values(g, "fid"), ".1f",
              "fid", (c, g)),
    ]  # fmt: skip
    coverage = [
        _test(
            ev,
            f"{metric}, VAE-GAN minus DCGAN",
            ev.values(g, metric),
            ev.values("dcgan", metric),
            ".3f",
            metric,
            (g, "dcgan"),
        )
        for metric in ("recall", "coverage")
    ]
    parts = {
        "(a) the encoder": ([t for t in encoder if t is not None], _kept_part),
        "(b) sharpness": ([t for t in sharpness if t is not None], _all_part),
        "(c) coverage": ([t for t in coverage if t is not None], _all_part),
    }
    measured = {name: tests for name, (tests, _) in parts.items() if tests}
    if not measured:
        return Verdict(claim, NOT_MEASURED, "the VAE-GAN was not scored", shown, rule)
    passed = {name: check(tests) for name, (tests, check) in parts.items() if tests}
    tests = [t for group in measured.values() for t in group]
    outcomes = {effective_outcome(t) for t in tests}
    if SUPPORTED in outcomes and all(passed.values()) and len(passed) == len(parts):
        verdict = HOLDS
    elif SUPPORTED in outcomes and any(passed.values()):
        verdict = PARTLY
    else:  # nothing decided in its favour
        verdict = DOES_NOT_HOLD if CONTRADICTED in outcomes else NOT_DECIDED
    held = [name for name, ok in passed.items() if ok]
    short = [name for name, ok in passed.items() if not ok]
    unmeasured = [name for name in parts if name not in passed]
    head = (
        f"parts that hold: {', '.join(held) or 'none'}; parts that fall short: "
        f"{', '.join(short) or 'none'}"
    )
    if unmeasured:
        head += f"; not measured: {', '.join(unmeasured)}"
    evidence = f"{head} ({_seeds_text(_n(ev))})"
    lines = [f"{name}: {t.text()}" for name, group in measured.items() for t in group]
    return Verdict(claim, verdict, evidence, shown, rule, lines, _vaegan_summary(ev, held, short))


def _vaegan_summary(ev: Evidence, held: list[str], short: list[str]) -> str:
    """The VAE-GAN's measurements against the VAE, the control, the real digits and the DCGAN."""
    g, v, c = ev.vaegan_label, ev.vae_label, ev.control_label

    def value(row, metric, fmt, scale=1.0):
        return _mean(ev.values(row, metric), fmt, scale)

    kept = {row: ev.encoders.get(row, {}).get("label_kept") for row in (g, v, c)}
    parts = [
        f"FID {value(g, 'fid', '.1f')} against the VAE's {value(v, 'fid', '.1f')} and the "
        f"control's {value(c, 'fid', '.1f')}",
        f"faint pixels {value(g, 'faint_share', '.1f', 100)} % against "
        f"{value('real', 'faint_share', '.1f', 100)} % in real digits",
        f"recall {value(g, 'recall', '.2f')} and coverage {value(g, 'coverage', '.2f')} against "
        f"the DCGAN's {value('dcgan', 'recall', '.2f')} and {value('dcgan', 'coverage', '.2f')}",
        f"labels kept by reconstructions {_mean(kept[g], '.1f', 100)} % against the VAE's "
        f"{_mean(kept[v], '.1f', 100)} % and the control's {_mean(kept[c], '.1f', 100)} %",
    ]
    verdict_parts = f"parts that hold: {', '.join(held) or 'none'}"
    if short:
        verdict_parts += f"; falling short: {', '.join(short)}"
    return "; ".join(parts) + f" ({verdict_parts})"


def _kept_part(tests: list[SeedTest]) -> bool:
    """The encoder part: nothing decided against the VAE-GAN."""
    return all(effective_outcome(t) != CONTRADICTED for t in tests)


def _all_part(tests: list[SeedTest]) -> bool:
    """A part that holds only when every test of it is supported."""
    return all(effective_outcome(t) == SUPPORTED for t in tests)


def _seeds_text(n: int) -> str:
    return "one seed: nothing can be decided" if n == 1 else f"{n} seeds"


def paper_verdicts(ev: Evidence) -> list[Verdict]:
    """A verdict on every claim of the paper, in the order the paper makes them; the VAE-GAN
    claim once more at the second latent size when both z16 models were scored."""
    verdicts = [
        blur_verdict(ev),
        lookalike_verdict(ev),
        cost_verdict(ev),
        stopping_verdict(ev),
        encoder_verdict(ev),
        vaegan_verdict(ev),
    ]
    if "vaegan_z16" in ev.rows and "vae_z16" in ev.rows:
        second = replace(
            ev, vaegan_label="vaegan_z16", vae_label="vae_z16", control_label="control_z16"
        )
        verdicts.append(vaegan_verdict(second))
    return verdicts


def conclusions_markdown(verdicts: list[Verdict]) -> str:
    """The verdicts as Markdown: one short section per claim (claim, verdict, evidence, rule)."""
    blocks = []
    for number, v in enumerate(verdicts, start=1):
        tests = "".join(f"\n- {test}" for test in v.tests)
        blocks.append(
            f"**{number}. {v.claim}** — *{v.verdict}.*  \n"
            f"Measured: {v.evidence}. Shown in: {v.shown_in}.  \n"
            f"<small>Rule: {v.rule}.</small>" + (f"\n{tests}" if tests else "")
        )
    return "\n\n".join(blocks)


def verdict_counts(verdicts: list[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (every key of VERDICTS present)."""
    return {name: sum(v.verdict == name for v in verdicts) for name in VERDICTS}


__all__ = [
    "DOES_NOT_HOLD",
    "Evidence",
    "HOLDS",
    "NOT_DECIDED",
    "NOT_MEASURED",
    "PARTLY",
    "VERDICTS",
    "Verdict",
    "blur_verdict",
    "conclusions_markdown",
    "cost_verdict",
    "differences",
    "encoder_verdict",
    "gather_evidence",
    "effective_outcome",
    "grade",
    "lookalike_verdict",
    "paper_verdicts",
    "stopping_verdict",
    "vaegan_verdict",
    "verdict_counts",
]
