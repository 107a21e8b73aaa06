"""The report's reproducibility appendix: what ran, and on what.

The settings table puts what the paper itself states (`PAPER_STATED`, None where it is silent)
beside the `paper` profile and the run's own config records; the hardware table names the
device, the CPU and its speed-deciding flags, the library versions and each model's training
time, all read from the results records:

    print(settings_markdown(run_configs, paper_configs, "cpu"))
    rows = hardware_rows(record["environment"], {"dcgan": 600.0, "vae": 150.0})
"""

from __future__ import annotations

from helpers.config import UNUSED_FROM_VAE
from helpers.results import model_label

# What the paper itself states (its sections 4.1 and 4.2); None where it is silent.
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
    "validation_size": "validation images (the end of the training set, held out)",
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


# MNIST's and Fashion-MNIST's training set: what a train_size of None and a validation split
# leave to train on
TRAINING_SET = 60_000

# Every setting that was chosen by looking at a score, and the score it was chosen on (the
# test set scores the final tables only)
CHOSEN_ON = {
    "DCGAN epochs (`cpu`)": "first set from an earlier 48-epoch run whose FID per epoch was "
    "scored against test images; the validation curves of this run (Figure 20) confirm it: each "
    "seed's gain beyond noise ends before the last epoch",
    "VAE epochs (`cpu`)": "the validation loss per epoch (Figure 8)",
    "the VAE-GAN's GAN epochs (two at latent 2, four at latent 16)": "FID, classes, coverage "
    "and the faint-pixel share on the validation split after each GAN epoch (`python "
    "benchmarks/vaegan_from_vae.py --latent 2 --epochs 3`; `python benchmarks/ablate_vaegan.py "
    "--latent 16 --set epochs=4`)",
    "the VAE-GAN's recipe (γ, the pixel term, D without batch norm)": "the ablation in the "
    "appendix, scored on the validation split",
    "when to stop (Figure 20)": "FID per epoch on the validation split, for every seed",
}


def _setting_text(name: str, value, validation: int | None = None) -> str:
    if value is None:
        if name != "train_size":
            return "—"
        if validation:
            return f"{TRAINING_SET - validation:,} (all but the validation split)"
        return f"{TRAINING_SET:,} (all)"
    return value_text(value)


def value_text(value) -> str:
    """A config value for a reader: "(256, 128, 64)" for a sequence, "30,000" for a large
    count, else as Python prints it."""
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
                    model_label(model),
                    FIELD_LABELS.get(name, name),
                    paper_text,
                    _setting_text(name, profile.get(name), profile.get("validation_size"))
                    if profile
                    else "—",
                    _setting_text(name, run.get(name), run.get("validation_size")),
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
    second = run_configs.get("vaegan_z16")
    if second and "vaegan" in run_configs:
        changed = [
            f"{FIELD_LABELS.get(name, name)} {_setting_text(name, value)}"
            for name, value in second.items()
            if name in FIELD_LABELS
            and name != "latent_dim"
            and value != run_configs["vaegan"].get(name)
        ]
        if changed:
            lines += [
                "",
                "The VAE-GAN at latent 16 differs from the one above in: "
                + ", ".join(changed)
                + ".",
            ]
    lines += ["", "Settings chosen by looking at a score, and the score they were chosen on:", ""]
    lines += [f"- {choice}: {basis}." for choice, basis in CHOSEN_ON.items()]
    return "\n".join(lines)


def cpu_label(environment: dict) -> str:
    """The CPU row of the hardware table: model name and, where the record has them
    (`cpu_features`), the speed-deciding flags, e.g. "AMD EPYC (avx2)", and the oneDNN ISA cap
    when the run set one."""
    name = str(environment.get("cpu_model") or environment.get("platform", "unknown"))
    features = environment.get("cpu_features")
    if features is None:
        return name
    label = f"{name} ({', '.join(features) or 'no AVX2'})"
    cap = environment.get("onednn_max_cpu_isa")
    return f"{label}, oneDNN held to {cap} (ONEDNN_MAX_CPU_ISA)" if cap else label


def provenance(environment: dict) -> str:
    """ "at commit `abc123def456` on AMD EPYC (avx2, avx512_bf16), 2 cores, 2026-12-07": where
    and when a record made by a separate command (a benchmark, the ablation) was made."""
    commit = str(environment.get("git_commit") or "unknown")[:12]
    cores = environment.get("cpu_count")
    date = str(environment.get("time_utc") or "")[:10] or "an unrecorded date"
    return (
        f"at commit `{commit}` on {cpu_label(environment)}"
        + (f", {cores} cores" if cores else "")
        + f", {date}"
    )


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
    for model, seconds in wall_times.items():
        rows.append((f"{model_label(model)} training time", f"{seconds / 60:.1f} min"))
    return rows


__all__ = [
    "CHOSEN_ON",
    "FIELD_LABELS",
    "PAPER_STATED",
    "cpu_label",
    "hardware_rows",
    "provenance",
    "settings_markdown",
    "settings_rows",
    "value_text",
]
