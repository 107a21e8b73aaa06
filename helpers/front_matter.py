"""The report's first pages: the abstract, what differs from the paper, and why.

Everything here is written from the run's own records, so it cannot go stale when a number
moves: `abstract_markdown` from the comparison record (`comparison.json`) and the verdicts
computed on it, `differences_markdown` from the config records of the trained models beside
what the paper states (`helpers.reproducibility.PAPER_STATED`):

    claims = verdicts.paper_verdicts(verdicts.gather_evidence(record))
    display(Markdown(abstract_markdown(record, claims, run_configs)))
    display(Markdown(differences_markdown(run_configs, paper_configs)))

Notebook 05 prints both in cells tagged `report-front`, which the rendered report shows before
its first chapter.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpers.bibliography import cite
from helpers.reproducibility import FIELD_LABELS, PAPER_STATED, TRAINING_SET, value_text
from helpers.results import model_label
from helpers.seeds import summarise


@dataclass(frozen=True)
class Difference:
    """One setting in which a run can depart from the paper's setup.

    `paper` is the paper's value, stated or implied (`paper_text` says which); a run whose
    config holds another value lists the difference with `reason`. `model` is the config the
    field is read from; `label` names the setting for a reader."""

    model: str
    field: str
    label: str
    paper: object
    paper_text: str
    reason: str
    run_text: str = "{value}"  # the run's value for a reader; {value} is the config's

    @property
    def stated(self) -> bool:
        """Whether the paper states the setting (else `paper` is what it implies)."""
        return not self.paper_text.startswith("not stated")


# Every setting of the paper's two models that a profile may change, with the paper's value and
# the reason a run departs from it. A config field a profile sets away from the paper's value
# and that is missing here fails `tests/test_front_matter.py`.
DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "dcgan",
        "epochs",
        "DCGAN epochs",
        200,
        "200",
        "a 2-core CPU's budget; Figure 20 shows where each seed's FID stops improving beyond "
        "its noise",
    ),
    Difference(
        "dcgan",
        "train_size",
        "DCGAN training images per epoch",
        None,
        "all 60,000, implied",
        "a 2-core CPU's budget: every epoch runs over the same first images of the training split",
    ),
    Difference(
        "dcgan",
        "generator_widths",
        "DCGAN generator widths",
        (256, 128, 64),
        "not stated; the `paper` profile takes the TensorFlow DCGAN tutorial's (256, 128, 64)",
        "half those widths, for a 2-core CPU's budget",
    ),
    Difference(
        "dcgan",
        "discriminator_widths",
        "DCGAN discriminator widths",
        (64, 128),
        "not stated; the `paper` profile takes the tutorial's (64, 128)",
        "half those widths, for a 2-core CPU's budget",
    ),
    Difference(
        "dcgan",
        "beta_1",
        "Adam β₁ of the DCGAN",
        0.9,
        "not stated: Adam's default 0.9",
        f"0.5, the DCGAN's own setting {cite('radford2015')}, with which its training is stable",
    ),
    Difference(
        "dcgan",
        "generator_average",
        "samples of the DCGAN",
        0.0,
        "from G itself",
        f"an average of G's weights over the last steps {cite('yazici2019')} smooths the end "
        "of a short run",
        "from an exponential moving average of G's weights (decay {value})",
    ),
    Difference(
        "dcgan",
        "precision",
        "DCGAN arithmetic",
        "float32",
        "not stated: float32",
        "bfloat16 where the CPU computes it natively, for speed (its effect on the FID is in "
        "the appendix)",
        "{value}",
    ),
    Difference(
        "vae",
        "epochs",
        "VAE epochs",
        50,
        "50",
        "a 2-core CPU's budget; the validation loss levels off (Figure 8)",
    ),
    Difference(
        "vae",
        "precision",
        "VAE arithmetic",
        "float32",
        "not stated: float32",
        "bfloat16 where the CPU computes it natively, for speed",
    ),
)

# Departures of every run from the paper's setup that no single config field says, each with
# the value it needs (None: every run): (needs, text to format)
ADDED = (
    (
        "validation",
        "**Held-out validation images**: the last {validation:,} training images are kept out "
        "of training, and every choice made by looking at a score is made on them; the paper "
        "trains on all {training:,}.",
    ),
    (
        None,
        "**Seeds**: every model is trained once per seed (seeds {seeds}) and every claim is "
        "decided over the seeds; the paper reports one run.",
    ),
    (
        None,
        "**Metrics**: the paper compares samples by eye; this run scores them with FID, KID, "
        "precision, recall, coverage and sharpness in the features of a digit classifier, and "
        "FID, recall and coverage again on principal components of the pixels.",
    ),
    (
        None,
        "**A second latent size**: the VAE and the VAE-GAN are trained at latent dimension 16 "
        "besides the paper's 2.",
    ),
    (
        "vaegan",
        "**The VAE-GAN** {larsen}, which the paper names as future work and does not train: "
        "here the trained VAE fine-tuned for {vaegan_epochs} of {vaegan_images:,} images by "
        "Larsen et al.'s losses, with γ {gamma:g}, a pixel term on the digits' grey levels "
        "(weight {pixel_weight:g}) beside the feature term, and D {d_batchnorm} batch norm, "
        "chosen on the validation images by the ablation in the appendix; beside it a "
        "control, the same fine-tuning without the discriminator.",
    ),
)


def _value_text(value) -> str:
    if isinstance(value, str):
        return {"mixed_bfloat16": "mixed bfloat16", "auto": "bfloat16 where native, else "
                "float32"}.get(value, value)  # fmt: skip
    if value is None:
        return f"all {TRAINING_SET:,}"
    return value_text(value)


def _same(run_value, paper_value) -> bool:
    if isinstance(run_value, (list, tuple)) and isinstance(paper_value, (list, tuple)):
        return list(run_value) == list(paper_value)
    return run_value == paper_value


def differences(
    run_configs: dict[str, dict], table: tuple[Difference, ...] = DIFFERENCES
) -> list[tuple[Difference, str]]:
    """(difference, this run's value as text) for each setting of `table` in which the run's
    config departs from the paper; settings of models the run did not train are skipped."""
    found = []
    for item in table:
        config = run_configs.get(item.model)
        if config is None or item.field not in config:
            continue
        value = config[item.field]
        if not _same(value, item.paper):
            found.append((item, item.run_text.format(value=_value_text(value))))
    return found


def differences_markdown(
    run_configs: dict[str, dict], paper_configs: dict[str, dict], seeds: list[int]
) -> str:
    """The list of every way the run departs from the paper's setup, each with its reason,
    then what the `paper` profile keeps of the paper and where it departs too. `seeds`: the
    run's training seeds."""
    lines = [
        f"- **{item.label}**: {value} (the paper: {item.paper_text}). Why: {item.reason}."
        for item, value in differences(run_configs)
    ]
    vaegan = run_configs.get("vaegan", {})
    values = {
        "validation": run_configs.get("dcgan", {}).get("validation_size") or 0,
        "training": TRAINING_SET,
        "seeds": ", ".join(str(seed) for seed in seeds),
        "larsen": cite("larsen2016"),
        "vaegan_epochs": gan_epochs_text(run_configs),
        "vaegan_images": vaegan.get("train_size") or TRAINING_SET,
        "gamma": vaegan.get("gamma", 0),
        "pixel_weight": vaegan.get("pixel_weight", 0),
        "d_batchnorm": "with" if vaegan.get("discriminator_batchnorm") else "without",
        "vaegan": bool(vaegan),
    }
    lines += ["- " + text.format(**values) for needs, text in ADDED if not needs or values[needs]]
    profile_text = paper_profile_sentence(paper_configs) if paper_configs else ""
    return "\n".join(lines) + ("\n\n" + profile_text if profile_text else "")


def paper_profile_sentence(paper_configs: dict[str, dict]) -> str:
    """What the `paper` profile keeps of the paper's stated settings, where it departs from
    them, and what it takes where the paper is silent."""
    kept, departs = [], []
    for model, stated in PAPER_STATED.items():
        config = paper_configs.get(model)
        if config is None:
            continue
        for name, value in stated.items():
            if value is None or name not in config:
                continue
            label = f"{model_label(model)} {FIELD_LABELS.get(name, name)}"
            if _same(config[name], value):
                kept.append(f"{label} {_value_text(value)}")
            else:
                departs.append(f"{label} {_value_text(config[name])} (the paper: {value})")
    silent = [
        f"{item.label}: {value}" for item, value in differences(paper_configs) if not item.stated
    ]
    sentence = "The `paper` profile (for a GPU; not run for this report) keeps "
    sentence += ("every setting the paper states" if not departs else "the paper's") + (
        " (" + ", ".join(kept) + ")"
    )
    if departs:
        sentence += "; it departs from the paper's " + "; ".join(departs)
    if silent:
        sentence += "; where the paper is silent it takes " + "; ".join(silent)
    return (
        sentence + "; like every profile, it holds out the validation images and trains every seed."
    )


def gan_epochs_text(run_configs: dict[str, dict]) -> str:
    """ "2 epochs" or "2 epochs (4 at latent 16)": the VAE-GAN's GAN epochs per latent size."""
    first = run_configs.get("vaegan", {}).get("epochs", 0)
    text = f"{first} epoch{'s' if first != 1 else ''}"
    second = run_configs.get("vaegan_z16", {}).get("epochs")
    if second is not None and second != first:
        text += f" ({second} at latent 16)"
    return text


def fid_sentence(record) -> str:
    """FID of every scored model, mean ± sd over the seeds, grouped by latent size."""
    rows = record.seed_rows

    def fid(row: str) -> str:
        return summarise(rows[row]["fid"]).text(".1f")

    groups = [f"DCGAN {fid('dcgan')}"] if "dcgan" in rows else []
    for suffix, latent in (("", 2), ("_z16", 16)):
        present = [
            f"{label} {fid(name + suffix)}"
            for name, label in (("vae", "VAE"), ("vaegan", "VAE-GAN"), ("control", "control"))
            if name + suffix in rows
        ]
        if present:
            groups.append(f"at latent {latent}: " + ", ".join(present))
    return "; ".join(groups)


def abstract_markdown(record, claims, run_configs: dict[str, dict]) -> str:
    """The abstract: what was done, the FIDs, and each claim's verdict with its numbers."""
    seeds = list(record.seeds) or [0]
    n = len(seeds)
    dcgan, vae = run_configs.get("dcgan", {}), run_configs.get("vae", {})
    vaegan = run_configs.get("vaegan")
    seed_text = "one seed" if n == 1 else f"{n} seeds"
    images = dcgan.get("train_size") or TRAINING_SET - (dcgan.get("validation_size") or 0)
    done = (
        f"We re-implement Jalam's comparison {cite('jalam')}: a DCGAN {cite('radford2015')} "
        f"written in TensorFlow and a VAE {cite('kingma2014')} written in Keras, trained on "
        f"MNIST {cite('lecun1998')}, compared as the paper compares them, by their samples, "
        "and then measured, which the paper could not do. "
        f"Under the `{record.profile}` profile every model was trained on {seed_text}: the "
        f"DCGAN for {dcgan.get('epochs')} epochs of {images:,} images (the paper: 200 epochs), "
        f"the VAE for {vae.get('epochs')} epochs (the paper: 50) at latent dimensions 2 and 16"
    )
    if vaegan:
        done += (
            f", and the VAE-GAN the paper names as future work {cite('larsen2016')} as that "
            f"VAE fine-tuned for {gan_epochs_text(run_configs)} by the GAN's losses, beside a "
            "control fine-tuned the same way without the discriminator"
        )
    done += (
        f". Samples are scored against {record.samples_per_row:,} held-out test digits in "
        "the features of a digit classifier, and again on principal components of the "
        "pixels; every training choice was made on held-out training images. A claim holds "
        "only when every seed agrees and the mean difference exceeds twice its standard error."
    )
    fids = (
        f"FID, lower is better (mean ± sd over {seed_text}): {fid_sentence(record)}. "
        "The sections below give every measure with its spread."
    )
    bullets = [
        f"- **{c.claim}** *{c.verdict.capitalize()}*" + (f": {c.summary}." if c.summary else ".")
        for c in claims
    ]
    return "\n\n".join([done, fids, "**The paper's claims, measured:**\n\n" + "\n".join(bullets)])


__all__ = [
    "ADDED",
    "DIFFERENCES",
    "Difference",
    "abstract_markdown",
    "differences",
    "differences_markdown",
    "fid_sentence",
    "gan_epochs_text",
]
