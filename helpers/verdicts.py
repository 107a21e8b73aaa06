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

HOLDS = "holds"
PARTLY = "holds partly"
DOES_NOT_HOLD = "does not hold at these settings"
NOT_MEASURED = "not measured in this run"
VERDICTS = (HOLDS, PARTLY, DOES_NOT_HOLD, NOT_MEASURED)

# Rules (stated in the report beside each verdict).
BLUR_RATIO = 0.7  # "blurrier": sharpness below 70 % of the other model's
SHARPNESS_TOLERANCE = 0.3  # "as sharp as real digits": within 30 % of the real digits' sharpness
CHANCE_ACCURACY = 0.1  # ten classes
ENCODER_USEFUL = 3 * CHANCE_ACCURACY  # a 5-NN probe on the codes at three times chance or more
EARLY_STOP_SHARE = 1 / 3  # the stopping rule must fire a third of the run before its end


# --- evidence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """The measurements the verdicts read, each None when the run did not produce it.

    Rows are the comparison's metric rows ("real", "dcgan", "vae", "vaegan", ...), each a dict
    of the Scorer's metrics. `stopping` holds a model's FID-per-epoch stopping record
    (`best_epoch`, `within_noise_epoch`, `plateaued`, `epochs`), `cost` a model's training
    cost (`images_per_second`, `wall_time_seconds`, `epochs`, `parameters`).
    """

    rows: dict[str, dict] = field(default_factory=dict)
    stopping: dict[str, dict] = field(default_factory=dict)
    cost: dict[str, dict] = field(default_factory=dict)
    latent_knn: dict[str, float] = field(default_factory=dict)  # model -> 5-NN accuracy of codes
    reconstruction_accuracy: dict[str, float] = field(default_factory=dict)  # label kept
    vae_test_elbo: float | None = None
    vae_iwae: float | None = None
    vaegan_label: str = "vaegan"  # which comparison row is the VAE-GAN compared with the VAE
    vae_label: str = "vae"

    def metric(self, row: str, name: str) -> float | None:
        value = self.rows.get(row, {}).get(name)
        return None if value is None else float(value)


def gather_evidence(comparison, records: dict | None = None) -> Evidence:
    """Evidence from the comparison record (`helpers.comparison.ComparisonRecord`) and the
    models' results records (name -> `helpers.record.ResultsRecord`).

    The comparison supplies the metric rows, the FID-per-epoch stopping records, the training
    costs and what the encoders keep; the VAE's record its likelihood bounds.
    """
    records = records or {}
    stopping = {
        name: dict(value, epochs=list(value.get("epochs", [])))
        for name, value in comparison.fid_per_epoch.items()
    }
    encoders = comparison.encoders
    vae = records.get("vae")
    bounds = vae.metrics if vae is not None else {}
    elbo = (bounds.get("test_elbo") or {}).get("nats_per_image")
    iwae = (bounds.get("iwae") or {}).get("log_px")
    return Evidence(
        rows=dict(comparison.rows),
        stopping=stopping,
        cost=dict(comparison.training_cost),
        latent_knn={name: float(row["latent_knn"]) for name, row in encoders.items()},
        reconstruction_accuracy={name: float(row["label_kept"]) for name, row in encoders.items()},
        vae_test_elbo=None if elbo is None else float(elbo),
        vae_iwae=None if iwae is None else float(iwae),
    )


# --- verdicts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One claim of the paper, what this run measured, and the verdict that follows."""

    claim: str
    verdict: str
    evidence: str
    shown_in: str
    rule: str

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}; valid: {', '.join(VERDICTS)}")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}g}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def blur_verdict(ev: Evidence) -> Verdict:
    """Paper: VAE samples are blurrier than GAN samples."""
    vae, gan, real = (ev.metric(r, "sharpness") for r in ("vae", "dcgan", "real"))
    rule = (
        f"holds when the VAE's sharpness is below {BLUR_RATIO:.0%} of the DCGAN's, partly "
        "when it is lower but not by that much"
    )
    claim = "VAE samples are blurrier than GAN samples."
    shown = "Figure 18 (samples side by side), metrics table (sharpness)"
    if vae is None or gan is None or gan <= 0:
        return Verdict(claim, NOT_MEASURED, "sharpness was not measured", shown, rule)
    ratio = vae / gan
    verdict = HOLDS if ratio < BLUR_RATIO else PARTLY if ratio < 1 else DOES_NOT_HOLD
    evidence = (
        f"sharpness (variance of the Laplacian): VAE {_fmt(vae)}, DCGAN {_fmt(gan)}, real "
        f"digits {_fmt(real)}; the VAE's is {ratio:.0%} of the DCGAN's"
    )
    return Verdict(claim, verdict, evidence, shown, rule)


def _grade(full: bool, partial: bool) -> str:
    """HOLDS when the whole rule is met, PARTLY when only part of it is, else DOES_NOT_HOLD."""
    return HOLDS if full else PARTLY if partial else DOES_NOT_HOLD


def lookalike_verdict(ev: Evidence) -> Verdict:
    """Paper: some VAE digits are hard to tell apart (9 vs 4, 7 vs 1)."""
    claim = "Some VAE digits are hard to tell apart: 4 vs 9 and 1 vs 7."
    shown = "Figure 21 (classifier hesitation between digit pairs), metrics table"
    rule = (
        "holds when the VAE's samples hesitate between both pairs more often than the real "
        "digits and the DCGAN's do; partly when more than the real digits' only"
    )
    pairs = ("ambiguous_4_9", "ambiguous_1_7")
    values = {row: [ev.metric(row, p) for p in pairs] for row in ("vae", "dcgan", "real")}
    if any(v is None for v in values["vae"]) or any(v is None for v in values["real"]):
        return Verdict(claim, NOT_MEASURED, "pair hesitation was not measured", shown, rule)
    vae, gan, real = values["vae"], values["dcgan"], values["real"]
    above_real = all(v > r for v, r in zip(vae, real, strict=True))
    above_gan = None not in gan and all(v > g for v, g in zip(vae, gan, strict=True))
    verdict = _grade(above_real and above_gan, above_real)
    overall = {row: ev.metric(row, "ambiguous_any") for row in ("vae", "dcgan", "real")}
    gap = (overall["vae"] or 0) - (overall["dcgan"] or 0)
    more = "VAE hesitates more" if gap > 0 else "DCGAN hesitates more" if gap < 0 else "two tie"
    evidence = (
        f"share of samples torn between 4 and 9: VAE {_pct(vae[0])}, DCGAN {_pct(gan[0])}, real "
        f"{_pct(real[0])}; between 1 and 7: VAE {_pct(vae[1])}, DCGAN {_pct(gan[1])}, real "
        f"{_pct(real[1])}. Over all pairs the {more} (VAE "
        f"{_pct(overall['vae'])}, DCGAN {_pct(overall['dcgan'])}, real {_pct(overall['real'])})"
    )
    return Verdict(claim, verdict, evidence, shown, rule)


def cost_verdict(ev: Evidence) -> Verdict:
    """Paper: GANs are costlier to train than VAEs."""
    claim = "GANs are costlier to train than VAEs."
    shown = "Figure 23 (training cost), settings table"
    # per image, not per epoch: the profiles train on different numbers of images per epoch
    rule = "holds when the DCGAN trains fewer images per second and takes more wall time in all"
    gan, vae = ev.cost.get("dcgan"), ev.cost.get("vae")
    if not gan or not vae:
        return Verdict(claim, NOT_MEASURED, "training cost was not recorded", shown, rule)
    per_image = gan["images_per_second"] < vae["images_per_second"]
    total = gan["wall_time_seconds"] > vae["wall_time_seconds"]
    throughput = ", ".join(
        f"{label} {cost['images_per_second']:,.0f} images/s"
        for label, cost in (("DCGAN", gan), ("VAE", vae))
    )
    wall = ", ".join(
        f"{label} {cost['wall_time_seconds'] / 60:.1f} min for {cost['epochs']} epochs"
        for label, cost in (("DCGAN", gan), ("VAE", vae))
    )
    evidence = f"training throughput: {throughput}; wall time {wall}"
    return Verdict(claim, _grade(per_image and total, per_image or total), evidence, shown, rule)


def stopping_verdict(ev: Evidence) -> Verdict:
    """Paper: GANs have no evaluation metric, so it is hard to know when to stop."""
    claim = "GANs lack an evaluation metric, so one cannot tell when training is done."
    shown = "Figure 20 (FID per epoch and the stopping rule)"
    rule = (
        "does not hold when FID per epoch, with its bootstrap noise, stops improving at least "
        f"{EARLY_STOP_SHARE:.0%} of the run before its last epoch; partly when the rule only "
        "fires near the end (the run stopped while still learning)"
    )
    record = ev.stopping.get("dcgan")
    if not record:
        return Verdict(claim, NOT_MEASURED, "FID per epoch was not measured", shown, rule)
    epochs = record.get("epochs") or []
    last = int(epochs[-1]) if epochs else None
    stop = record.get("within_noise_epoch")
    if last is None or stop is None:
        return Verdict(claim, NOT_MEASURED, "the stopping record is incomplete", shown, rule)
    early = record.get("plateaued") and (last - int(stop)) >= EARLY_STOP_SHARE * last
    verdict = DOES_NOT_HOLD if early else PARTLY
    evidence = (
        f"FID per epoch is a metric the paper lacked {cite('heusel2017')}: the DCGAN's FID "
        f"stops improving beyond its noise after epoch {stop} of {last}"
    )
    if not early:
        evidence += " — too close to the end to say the run had converged"
    return Verdict(claim, verdict, evidence, shown, rule)


def encoder_verdict(ev: Evidence) -> Verdict:
    """Paper: the VAE's advantage is an encoder into a latent space."""
    claim = "The VAE's advantage is its encoder into a latent space."
    shown = "Figure 9 (test digits in the latent space), Figure 16 (likelihood bounds)"
    rule = (
        f"holds when a 5-nearest-neighbour probe on the VAE's codes of test digits reaches at "
        f"least {ENCODER_USEFUL:.0%} (chance: {CHANCE_ACCURACY:.0%}); the DCGAN has no encoder"
    )
    knn = ev.latent_knn.get(ev.vae_label)
    if knn is None:
        return Verdict(claim, NOT_MEASURED, "the latent probe was not run", shown, rule)
    verdict = HOLDS if knn >= ENCODER_USEFUL else DOES_NOT_HOLD
    evidence = f"a 5-NN classifier on the VAE's posterior means labels {_pct(knn)} of test digits"
    if ev.vae_test_elbo is not None:
        evidence += f"; the encoder also gives a test ELBO of {ev.vae_test_elbo:.1f} nats"
        if ev.vae_iwae is not None:
            evidence += f" and an IWAE bound of {ev.vae_iwae:.1f} {cite('burda2016')}"
    return Verdict(claim, verdict, evidence, shown, rule)


def vaegan_verdict(ev: Evidence) -> Verdict:
    """Paper (future work): a VAE-GAN combines the VAE's encoder with the GAN's sharpness."""
    latent = ev.vaegan_label.partition("_z")[2] or "2"
    claim = (
        "A VAE-GAN (future work) combines the VAE's encoder and coverage with the GAN's "
        f"sharpness (latent dimension {latent})."
    )
    shown = "the VAE-GAN chapter (samples, reconstructions), metrics table"
    rule = (
        "holds when the VAE-GAN beats the VAE of the same latent size on FID and coverage, "
        f"covers all 10 classes, is within {SHARPNESS_TOLERANCE:.0%} of the real digits' "
        "sharpness and keeps at least as many reconstruction labels; partly when some of these"
    )
    gan_row, vae_row = ev.vaegan_label, ev.vae_label
    fid_g, fid_v = ev.metric(gan_row, "fid"), ev.metric(vae_row, "fid")
    if fid_g is None or fid_v is None:
        return Verdict(claim, NOT_MEASURED, "the VAE-GAN was not scored", shown, rule)
    cov_g, cov_v = ev.metric(gan_row, "coverage"), ev.metric(vae_row, "coverage")
    classes = ev.metric(gan_row, "classes_covered")
    sharp, real = ev.metric(gan_row, "sharpness"), ev.metric("real", "sharpness")
    rec_g = ev.reconstruction_accuracy.get(gan_row)
    rec_v = ev.reconstruction_accuracy.get(vae_row)
    checks = {
        "FID below the VAE's": fid_g < fid_v,
        "coverage above the VAE's": None if cov_g is None or cov_v is None else cov_g > cov_v,
        "all 10 classes": None if classes is None else classes >= 10,
        "sharpness within 30 % of real": None
        if sharp is None or not real
        else abs(sharp - real) <= SHARPNESS_TOLERANCE * real,
        "reconstruction labels kept at least as often": None
        if rec_g is None or rec_v is None
        else rec_g >= rec_v,
    }
    known = {k: v for k, v in checks.items() if v is not None}
    passed = [k for k, v in known.items() if v]
    verdict = HOLDS if len(passed) == len(known) else PARTLY if passed else DOES_NOT_HOLD
    parts = [
        f"FID VAE-GAN {fid_g:.1f} vs VAE {fid_v:.1f}",
        f"coverage {_fmt(cov_g)} vs {_fmt(cov_v)}",
        f"classes {_fmt(classes, 2)}",
        f"sharpness {_fmt(sharp)} (real {_fmt(real)})",
    ]
    if rec_g is not None and rec_v is not None:
        parts.append(f"reconstructions keep their label {_pct(rec_g)} vs {_pct(rec_v)}")
    failed = [k for k, v in known.items() if not v]
    evidence = "; ".join(parts) + (f". Not met: {', '.join(failed)}" if failed else "")
    return Verdict(claim, verdict, evidence, shown, rule)


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
        second = replace(ev, vaegan_label="vaegan_z16", vae_label="vae_z16")
        verdicts.append(vaegan_verdict(second))
    return verdicts


def conclusions_markdown(verdicts: list[Verdict]) -> str:
    """The verdicts as Markdown: one short section per claim (claim, verdict, evidence, rule)."""
    blocks = []
    for number, v in enumerate(verdicts, start=1):
        blocks.append(
            f"**{number}. {v.claim}** — *{v.verdict}.*  \n"
            f"Measured: {v.evidence}. Shown in: {v.shown_in}.  \n"
            f"<small>Rule: {v.rule}.</small>"
        )
    return "\n\n".join(blocks)


def verdict_counts(verdicts: list[Verdict]) -> dict[str, int]:
    """How many claims got each verdict (all four keys present)."""
    return {name: sum(v.verdict == name for v in verdicts) for name in VERDICTS}


__all__ = [
    "DOES_NOT_HOLD",
    "Evidence",
    "HOLDS",
    "NOT_MEASURED",
    "PARTLY",
    "VERDICTS",
    "Verdict",
    "blur_verdict",
    "conclusions_markdown",
    "cost_verdict",
    "encoder_verdict",
    "gather_evidence",
    "lookalike_verdict",
    "paper_verdicts",
    "stopping_verdict",
    "vaegan_verdict",
    "verdict_counts",
]
