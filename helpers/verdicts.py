"""The report's front and back matter, generated from the results: the settings table (the
paper's against this run's), a verdict on each claim of the paper, and the bibliography.

Every number comes from a results record; the only literals here are what the paper itself
states (../shared/PAPER.md) and the rules that turn a measurement into a verdict, written next
to each rule so a reader can check it:

    evidence = gather_evidence(comparison, {"dcgan": ..., "vae": ..., "vaegan": ...})
    print(conclusions_markdown(paper_verdicts(evidence)))
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from helpers.config import UNUSED_FROM_VAE

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
LATENT_KEPT = 0.05  # the VAE-GAN "kept" the VAE's latent organisation: 5-NN within 5 points


# --- bibliography ------------------------------------------------------------------------------

REFERENCES: dict[str, str] = {
    "jalam": 'S. M. Jalam. "VAEs vs GANs: Comparison of Generative Models." Course-project '
    "report (the paper reproduced here).",
    "goodfellow2014": "I. Goodfellow, J. Pouget-Abadie, M. Mirza, B. Xu, D. Warde-Farley, "
    'S. Ozair, A. Courville, Y. Bengio. "Generative Adversarial Nets." NeurIPS 2014.',
    "radford2015": 'A. Radford, L. Metz, S. Chintala. "Unsupervised Representation Learning '
    'with Deep Convolutional Generative Adversarial Networks." arXiv:1511.06434, 2015.',
    "kingma2019": 'D. P. Kingma, M. Welling. "An Introduction to Variational Autoencoders." '
    "Foundations and Trends in Machine Learning 12(4), 2019.",
    "kingma2014": 'D. P. Kingma, M. Welling. "Auto-Encoding Variational Bayes." ICLR 2014.',
    "larsen2016": 'A. B. L. Larsen, S. K. Sønderby, H. Larochelle, O. Winther. "Autoencoding '
    'beyond pixels using a learned similarity metric." ICML 2016 (arXiv:1512.09300, 2015).',
    "lecun1998": 'Y. LeCun, C. Cortes, C. J. C. Burges. "The MNIST database of handwritten '
    'digits." 1998.',
    "heusel2017": 'M. Heusel, H. Ramsauer, T. Unterthiner, B. Nessler, S. Hochreiter. "GANs '
    'Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium." NeurIPS '
    "2017 (FID).",
    "binkowski2018": 'M. Bińkowski, D. J. Sutherland, M. Arbel, A. Gretton. "Demystifying MMD '
    'GANs." ICLR 2018 (KID).',
    "salimans2016": "T. Salimans, I. Goodfellow, W. Zaremba, V. Cheung, A. Radford, X. Chen. "
    '"Improved Techniques for Training GANs." NeurIPS 2016 (Inception Score).',
    "kynkaanniemi2019": "T. Kynkäänniemi, T. Karras, S. Laine, J. Lehtinen, T. Aila. "
    '"Improved Precision and Recall Metric for Assessing Generative Models." NeurIPS 2019.',
    "naeem2020": 'M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi, J. Yoo. "Reliable Fidelity and '
    'Diversity Metrics for Generative Models." ICML 2020 (density and coverage).',
    "burda2016": 'Y. Burda, R. Grosse, R. Salakhutdinov. "Importance Weighted Autoencoders." '
    "ICLR 2016 (IWAE bound).",
}

_CITATION_LABELS = {
    "jalam": "Jalam",
    "goodfellow2014": "Goodfellow et al. 2014",
    "radford2015": "Radford et al. 2015",
    "kingma2019": "Kingma & Welling 2019",
    "kingma2014": "Kingma & Welling 2014",
    "larsen2016": "Larsen et al. 2016",
    "lecun1998": "LeCun et al. 1998",
    "heusel2017": "Heusel et al. 2017",
    "binkowski2018": "Bińkowski et al. 2018",
    "salimans2016": "Salimans et al. 2016",
    "kynkaanniemi2019": "Kynkäänniemi et al. 2019",
    "naeem2020": "Naeem et al. 2020",
    "burda2016": "Burda et al. 2016",
}


def cite(*keys: str) -> str:
    """An in-text citation such as "[Heusel et al. 2017; Bińkowski et al. 2018]"."""
    unknown = [key for key in keys if key not in REFERENCES]
    if unknown:
        raise KeyError(f"unknown reference(s) {unknown}; known: {', '.join(REFERENCES)}")
    return "[" + "; ".join(_CITATION_LABELS[key] for key in keys) + "]"


def bibliography_markdown() -> str:
    """The reference list as Markdown, one numbered entry per reference, with its label."""
    lines = [
        f"{index}. **[{_CITATION_LABELS[key]}]** {text}"
        for index, (key, text) in enumerate(REFERENCES.items(), start=1)
    ]
    return "\n".join(lines)


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


def gather_evidence(comparison: dict, records: dict[str, dict] | None = None) -> Evidence:
    """Evidence from the comparison record (comparison.json) and the models' records.

    The comparison supplies the metric rows, the FID-per-epoch stopping records and the
    training costs; the VAE record its likelihood bounds; any record may carry
    `latent_knn_accuracy` and `reconstruction_label_accuracy` (numbers, or dicts of row name
    to number).
    """
    records = records or {}
    rows = dict(comparison.get("rows", {}))
    stopping = {
        name: dict(value, epochs=list(value.get("epochs", [])))
        for name, value in comparison.get("fid_per_epoch", {}).items()
    }
    cost = dict(comparison.get("training_cost", {}))
    knn: dict[str, float] = {}
    accuracy: dict[str, float] = {}
    for source in (comparison, *records.values()):
        _merge_named(knn, source.get("latent_knn_accuracy"), source)
        _merge_named(accuracy, source.get("reconstruction_label_accuracy"), source)
    vae = records.get("vae", {})
    elbo = (vae.get("test_elbo") or {}).get("nats_per_image")
    iwae = (vae.get("iwae") or {}).get("log_px")
    return Evidence(
        rows=rows,
        stopping=stopping,
        cost=cost,
        latent_knn=knn,
        reconstruction_accuracy=accuracy,
        vae_test_elbo=None if elbo is None else float(elbo),
        vae_iwae=None if iwae is None else float(iwae),
    )


def _merge_named(target: dict, value, source: dict) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        target.update({str(k): float(v) for k, v in value.items() if v is not None})
    else:
        name = source.get("model")
        if name:
            target[str(name)] = float(value)


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
    verdict = HOLDS if above_real and above_gan else PARTLY if above_real else DOES_NOT_HOLD
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
    verdict = HOLDS if per_image and total else PARTLY if per_image or total else DOES_NOT_HOLD
    evidence = (
        f"training throughput: DCGAN {gan['images_per_second']:,.0f} images/s, VAE "
        f"{vae['images_per_second']:,.0f} images/s; wall time DCGAN "
        f"{gan['wall_time_seconds'] / 60:.1f} min for {gan['epochs']} epochs, VAE "
        f"{vae['wall_time_seconds'] / 60:.1f} min for {vae['epochs']} epochs"
    )
    return Verdict(claim, verdict, evidence, shown, rule)


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


# --- notebook 04's closing section ----------------------------------------------------------


def _named_values(values: dict[str, float], spec: str) -> str:
    return ", ".join(f"{name} {value:{spec}}" for name, value in values.items())


def vaegan_run_markdown(record: dict, config, measures: dict, vae_note: str = "") -> str:
    """What the VAE-GAN run of notebook 04 shows, as Markdown bullets: the run and its last
    epoch (from `record`, its vaegan.json), then `measures` (`vaegan.closing_measures`: knn,
    grey, pixel_mse by model name) and, when the VAE's numbers are there, whether the VAE-GAN
    kept its latent organisation (5-NN within `LATENT_KEPT`) and has fewer grey pixels;
    `vae_note` says why the VAE is missing otherwise. `config`: the run's VAEGANConfig."""
    knn, grey, pixel_mse = measures["knn"], measures["grey"], measures["pixel_mse"]
    final = record["final"]
    lines = [
        f"- **Run**: {len(record['epoch_seconds'])} epochs of {record['images_per_epoch']:,} "
        f"images in {record['wall_time_seconds'] / 60:.1f} min "
        f"({record['images_per_second']:.0f} images/s, {record['parameters']['total']:,} "
        f"parameters, latent dimension {config.latent_dim}, $\\gamma = {config.gamma:g}$).",
        f"- **Last epoch**: $\\mathcal L_\\text{{prior}} = {final['prior']:.2f}$ nats, "
        f"$\\mathcal L_\\text{{llike}} = {final['llike']:.1f}$ (+ constant "
        f"{record['feature_layer']['llike_constant_nats']:.0f}), "
        f"$D(x) = {final['d_real']:.2f}$, $D(\\tilde x) = {final['d_reconstruction']:.2f}$, "
        f"$D(x_p) = {final['d_fake']:.2f}$.",
        "- **Latent class separation** (5-NN accuracy on posterior means): "
        f"{_named_values(knn, '.1%')}.",
        f"- **Grey pixels** (share between 10 % and 90 % intensity): {_named_values(grey, '.1%')}.",
        "- **Reconstruction error** (pixel MSE against the grey test images, intensities in "
        "[0, 1], first 2000 test images when the VAE is there, else the whole test set): "
        f"{_named_values(pixel_mse, '.4f')}.",
    ]
    if "VAE" in knn and "VAE" in grey:
        kept = "kept" if knn["VAE-GAN"] >= knn["VAE"] - LATENT_KEPT else "did not keep"
        fewer = "fewer" if grey["VAE-GAN"] < grey["VAE"] else "more"
        lines.append(
            f"- In this run the VAE-GAN **{kept}** the VAE's latent organisation (5-NN accuracy "
            f"{knn['VAE-GAN']:.1%} vs {knn['VAE']:.1%}, within {LATENT_KEPT * 100:.0f} points "
            f"counts as kept) and its samples have **{fewer}** grey pixels "
            f"({grey['VAE-GAN']:.1%} vs {grey['VAE']:.1%}; real digits "
            f"{grey['test images']:.1%}) — speckle lowers this share too, so chapter 05's "
            "FID, coverage and sharpness against real digits decide whether they are better digits."
        )
    else:
        lines.append(f"- The side-by-side with the VAE is missing: {vae_note}.")
    if config.profile == "smoke":
        lines.append(
            "- *Smoke profile*: a few hundred images and two epochs; the numbers only show "
            "that everything runs. The `cpu` profile is the one to read."
        )
    return "\n".join(lines)


# --- settings: the paper beside this run -------------------------------------------------------

# What the paper states (PAPER.md, sections 4.1 and 4.2); None where it is silent.
PAPER_STATED: dict[str, dict[str, object]] = {
    "dcgan": {
        "learning_rate": 0.001,
        "batch_size": 100,
        "epochs": 200,
        "beta_1": None,
        "latent_dim": None,
        "generator_widths": None,
        "discriminator_widths": None,
        "kernel_size": None,
        "train_size": None,
        "precision": None,
    },
    "vae": {
        "learning_rate": 0.001,
        "batch_size": 100,
        "epochs": 50,
        "latent_dim": 2,
        "architecture": None,
        "hidden_units": None,
        "train_size": None,
        "precision": None,
    },
    "vaegan": {
        "learning_rate": None,
        "batch_size": None,
        "epochs": None,
        "latent_dim": None,
        "train_size": None,
        "precision": None,
    },
}

FIELD_LABELS = {
    "learning_rate": "Adam learning rate",
    "beta_1": "Adam β₁",
    "batch_size": "batch size",
    "epochs": "epochs",
    "latent_dim": "latent dimension",
    "generator_widths": "generator widths",
    "discriminator_widths": "discriminator widths",
    "encoder_widths": "encoder widths",
    "kernel_size": "kernel size",
    "architecture": "encoder/decoder",
    "hidden_units": "hidden units",
    "train_size": "training images",
    "precision": "precision",
    "generator_average": "decay of the average of G that samples (0: G itself)",
    "gamma": "γ (the decoder's weight on reconstruction)",
    "pixel_weight": "pixel term weight (beside D's features)",
    "kl_weight": "KL weight",
    "warmup_epochs": "warm-up epochs (VAE only, before the GAN)",
    "start_from_vae": "encoder and decoder: notebook 03's trained VAE",
    "discriminator_batchnorm": "batch norm in D",
    "decoder_batchnorm": "batch norm in the decoder",
}
MODEL_LABELS = {"dcgan": "DCGAN", "vae": "VAE", "vaegan": "VAE-GAN"}


def _setting_text(name: str, value) -> str:
    if value is None:
        return "60,000 (all)" if name == "train_size" else "—"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(str(v) for v in value) + ")"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10_000:
        return f"{value:,}"
    return str(value)


def settings_rows(
    run_configs: dict[str, dict], paper_configs: dict[str, dict] | None = None
) -> list[tuple[str, str, str, str, str]]:
    """(model, setting, the paper, the `paper` profile, this run) for every setting a reader
    needs, from the run's config records and, optionally, the `paper` profile's configs.

    "not stated" marks what the paper leaves open (the `paper` profile's choice is then ours).
    """
    rows = []
    for model, stated in PAPER_STATED.items():
        run = run_configs.get(model)
        if run is None:
            continue
        profile = (paper_configs or {}).get(model, {})
        names = list(stated) + [n for n in FIELD_LABELS if n in run and n not in stated]
        for name in names:
            if name not in run and name not in stated:
                continue
            if model == "vaegan" and run.get("start_from_vae") and name in UNUSED_FROM_VAE:
                continue  # the widths of networks it does not have would mislead
            paper_value = stated.get(name)
            paper_text = "not stated" if paper_value is None else _setting_text(name, paper_value)
            if name == "train_size" and paper_value is None:
                paper_text = "60,000 (all, implied)"
            if model == "vaegan":  # the paper names it as future work and trains none
                paper_text = "— (future work)"
            rows.append(
                (
                    MODEL_LABELS.get(model, model),
                    FIELD_LABELS.get(name, name),
                    paper_text,
                    _setting_text(name, profile.get(name)) if profile else "—",
                    _setting_text(name, run.get(name)),
                )
            )
    return rows


def settings_markdown(
    run_configs: dict[str, dict],
    paper_configs: dict[str, dict] | None = None,
    run_profile: str = "cpu",
) -> str:
    """The settings table as Markdown: the paper, the `paper` profile, and this run."""
    header = f"| model | setting | the paper | `paper` profile | this run (`{run_profile}`) |"
    lines = [header, "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(row)} |" for row in settings_rows(run_configs, paper_configs)]
    return "\n".join(lines)


def cpu_label(environment: dict) -> str:
    """The CPU row of the hardware table: model name and, where the record has them (results
    written since stop 21), the speed-deciding flags, e.g. "AMD EPYC (avx2)"."""
    name = str(environment.get("cpu_model") or environment.get("platform", "unknown"))
    features = environment.get("cpu_features")
    if features is None:
        return name
    label = f"{name} ({', '.join(features) or 'no AVX2'})"
    cap = environment.get("onednn_max_cpu_isa")
    return f"{label}, oneDNN held to {cap} (ONEDNN_MAX_CPU_ISA)" if cap else label


def hardware_rows(environment: dict, wall_times: dict[str, float]) -> list[tuple[str, str]]:
    """(item, value) rows: device, CPU, cores, TensorFlow/Keras versions, wall time per model."""
    rows = [
        ("device", str(environment.get("device", "unknown"))),
        ("CPU", cpu_label(environment)),
        ("cores", str(environment.get("cpu_count", "unknown"))),
        (
            "TensorFlow / Keras / NumPy",
            f"{environment.get('tensorflow', '?')} / {environment.get('keras', '?')} / "
            f"{environment.get('numpy', '?')}",
        ),
    ]
    from helpers.results import model_label

    for model, seconds in wall_times.items():
        rows.append((f"{model_label(model)} training time", f"{seconds / 60:.1f} min"))
    return rows


__all__ = [
    "DOES_NOT_HOLD",
    "Evidence",
    "HOLDS",
    "NOT_MEASURED",
    "PAPER_STATED",
    "PARTLY",
    "REFERENCES",
    "Verdict",
    "bibliography_markdown",
    "blur_verdict",
    "cite",
    "conclusions_markdown",
    "cost_verdict",
    "encoder_verdict",
    "gather_evidence",
    "hardware_rows",
    "lookalike_verdict",
    "paper_verdicts",
    "settings_markdown",
    "settings_rows",
    "stopping_verdict",
    "vaegan_verdict",
    "verdict_counts",
]
