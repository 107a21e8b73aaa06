"""Step 2 of the report: publish a real run (figures/, results/<profile>/) and rewrite the
README's "Results" section from it. Every file is replaced atomically."""

from __future__ import annotations

from pathlib import Path

from helpers.report.common import (
    SMOKE_PROFILE,
    ReportError,
    _duration,
    _relative,
)
from helpers.runs import (
    atomic_write_bytes,
    project_root,
    published_results_dir,
    run_dir,
)

# --- 2. publish -------------------------------------------------------------------------------

# Published results that no notebook writes (made by `make ablation`, `make benchmark` and
# `benchmarks/precision_fid.py --publish`):
# publishing keeps them
KEPT_RECORDS = ("_ablation.json", "_step_profile.json", "_precision_fid.json")


def newest_per_figure(paths: list[Path]) -> list[Path]:
    """One file per figure number (the name's prefix before the first "_"): the most recently
    written. Older files of the same figure come from earlier runs whose snapshot epochs, and
    so file names, differed (07_gan_samples_epoch-024.png beside ...-036.png)."""
    newest: dict[str, Path] = {}
    for path in paths:
        number = path.name.split("_", 1)[0]
        kept = newest.get(number)
        if kept is None or path.stat().st_mtime_ns > kept.stat().st_mtime_ns:
            newest[number] = path
    return sorted(newest.values())


def publish_run(profile: str) -> list[Path]:
    """Copy a real run's figures (PNG) to figures/ and results (JSON) to results/<profile>/.

    figures/ and results/<profile>/ then mirror the run: files there that the run did not
    produce are removed (they came from an earlier run), except the records made by a separate
    command (KEPT_RECORDS: `make ablation`, `make benchmark`), which a run's notebooks read but
    do not write.
    Of several files of one figure number, only the newest is the run's (`newest_per_figure`).
    Smoke runs publish nothing. Returns the published files.
    """
    if profile == SMOKE_PROFILE:
        return []
    root = project_root()
    published = []
    sources = {
        root / "figures": newest_per_figure(list((run_dir(profile) / "figures").glob("*.png"))),
        published_results_dir(profile): sorted((run_dir(profile) / "results").glob("*.json")),
    }
    for target, files in sources.items():
        if not files:
            continue
        target.mkdir(parents=True, exist_ok=True)
        for path in files:  # each file replaced atomically: never half a figure or JSON
            atomic_write_bytes(target / path.name, path.read_bytes())
            published.append(target / path.name)
        names = {path.name for path in files}
        for stale in target.glob(f"*{files[0].suffix}"):  # only once the new ones are in
            if stale.name not in names and not stale.name.endswith(KEPT_RECORDS):
                stale.unlink()
    return published


# --- 2b. the README's "Results" section -----------------------------------------------------

README_START = "<!-- results:start (written by `python -m helpers.report --readme`) -->"
README_END = "<!-- results:end -->"
# Figures shown in the README, by name prefix (the run decides the epoch suffixes).
README_FIGURES = (
    ("07_gan_samples", "DCGAN samples after the last epoch (paper Figure 7)"),
    ("11_vae_manifold", "the VAE's latent manifold (paper Figure 11)"),
    ("18_comparison_samples", "real, DCGAN, VAE and VAE-GAN samples side by side (Figure 18)"),
    ("20_comparison_fid_epochs", "FID per epoch and when to stop the GAN (Figure 20)"),
)
# the metrics table's columns (helpers.comparison.SEED_METRIC_COLUMNS) the README shows
README_KEYS = ("fid", "kid", "inception_score", "precision", "recall", "coverage",
               "classes_covered", "sharpness", "faint_share", "copy_share")  # fmt: skip


def resumed_models(folder: Path) -> list[str]:
    """Result names (e.g. `vae_z16`) in `folder` whose run reloaded a finished or partial
    training from checkpoints (`resumed_from_epoch` > 0) instead of training from scratch."""
    from helpers.record import RecordError, read_record

    resumed = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = read_record(path)
        except RecordError:  # the comparison, the timings, the kept records
            continue
        if record.resumed_from_epoch > 0:
            resumed.append(record.name)
    return resumed


def from_scratch_text(timings: dict, code: str = "") -> str | None:
    """ "The models were trained from scratch at commit ... on <CPU> (<date>): <notebook>
    <time>, ... — <total> in all." from a report_timings record's `from_scratch` block (None
    without one); `code` wraps commit and notebook names (the README's backticks)."""
    from helpers.reproducibility import cpu_label

    scratch = timings.get("from_scratch")
    if not scratch:
        return None
    times = scratch["notebooks"]
    return (
        f"The models were trained from scratch at commit {code}{scratch['git_commit'][:12]}{code} "
        f"on {cpu_label(scratch)} ({str(scratch['started_utc'])[:10]}): "
        + ", ".join(f"{code}{Path(name).stem}{code} {_duration(s)}" for name, s in times.items())
        + f" — {_duration(sum(times.values()))} in all."
    )


def readme_results(profile: str) -> str:
    """The README's "Results" section, built only from results/<profile>/*.json and the figures
    a published run left in figures/ (nothing typed by hand). ReportError if a file is missing."""
    from helpers.comparison import SEED_METRIC_COLUMNS, read_comparison, spread_table
    from helpers.record import read_record
    from helpers.results import model_label
    from helpers.runs import read_json
    from helpers.seeds import summarise

    root = project_root()
    folder = published_results_dir(profile)
    needed = ["comparison.json", "report_timings.json", "vae.json"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ReportError(
            f"{', '.join(missing)} missing in {_relative(folder)}: run `make report "
            f"PROFILE={profile}` first"
        )
    comparison = read_comparison(folder / "comparison.json")
    timings = read_json(folder / "report_timings.json")
    vae = read_record(folder / "vae.json")
    commit = str(timings.get("git_commit") or "unknown")
    started = str(timings.get("started_utc", ""))[:10] or "unknown date"
    seconds = {name: entry["seconds"] for name, entry in timings.get("notebooks", {}).items()}
    lines = [
        f"Published run: profile `{profile}`, {started}, commit `{commit[:12]}`"
        + (" (with uncommitted changes)" if commit.endswith("+dirty") else "")
        + f", data set {comparison.dataset}. Wall time per notebook on the machine "
        "that made it: "
        + ", ".join(f"`{Path(name).stem}` {_duration(s)}" for name, s in seconds.items())
        + f" — {_duration(sum(seconds.values()))} in all"
        + (
            f" ({', '.join(resumed)} resumed from {'its' if len(resumed) == 1 else 'their'} "
            "checkpoints: their training is not in these times but in the training times below)."
            if (resumed := resumed_models(folder))
            else "."
        ),
    ]
    scratch = from_scratch_text(timings, code="`")
    if resumed and scratch:
        lines[-1] += f" {scratch}"
    lines.append("")
    for prefix, text in README_FIGURES:
        found = sorted((root / "figures").glob(f"{prefix}*.png"))
        if found:
            lines += [f"![{text}](figures/{found[-1].name})", f"*{text}.*", ""]
    lines += _explorer_lines(root, folder)
    labels = {name: model_label(name) for name in comparison.rows}
    columns = [c for c in SEED_METRIC_COLUMNS if c[0] in README_KEYS]
    seeds = len(comparison.seeds) or 1
    lines += [
        f"Metrics on {comparison.samples_per_row:,} samples per row against "
        f"{comparison.reference}, in the features of a classifier with "
        f"{comparison.classifier['test_accuracy']:.2%} test accuracy, as mean ± standard "
        f"deviation over {seeds} training seed{'s' if seeds > 1 else ''} "
        "(`notebooks/05_comparison.ipynb` explains each column):",
        "",
        spread_table(comparison.seed_rows, labels, columns),
        "",
    ]
    for name, curves in comparison.seed_stopping.items():
        label, epochs = model_label(name), len(curves[0]["epochs"])
        stops = ", ".join(str(c["within_noise_epoch"]) for c in curves)
        lines.append(
            f"* {label}: on the validation split, the FID's remaining gain is within 2σ of its "
            f"bootstrap noise after epoch {stops} of {epochs} (one per seed)."
        )
    for name, bounds in comparison.seed_likelihood.items():
        if bounds.get("test_elbo") and bounds.get("iwae"):
            lines.append(
                f"* {model_label(name)} test likelihood (nats per image, over seeds): ELBO "
                f"{summarise(bounds['test_elbo']).text('.2f')}; IWAE bound (k = "
                f"{vae.metrics['iwae']['k']:,}, {vae.metrics['iwae']['n_images']:,} images) "
                f"{summarise(bounds['iwae']).text('.2f')}."
            )
    costs = comparison.seed_costs
    if costs:
        lines.append(
            "* Training, per seed: "
            + "; ".join(
                f"{model_label(name)} {int(cost['epochs'][0])} epochs in "
                f"{_duration(summarise(cost['wall_time_seconds']).mean)} "
                f"({summarise(cost['images_per_second']).text(',.0f')} images/s)"
                for name, cost in costs.items()
            )
            + "."
        )
    claims = comparison.verdicts
    if claims:
        lines += ["", "The paper's claims as this run measured them (the conclusions):", ""]
        lines += [f"* {claim['claim']} — **{claim['verdict']}**." for claim in claims]
    return "\n".join(lines).rstrip() + "\n"


def _explorer_lines(root: Path, folder: Path) -> list[str]:
    """The README's picture of the latent explorer in use, with what it shows, when the run
    took one (`helpers.report.explorer_in_use`)."""
    from helpers.report.rendering import EXPLORER_SHOT, EXPLORER_SHOT_RECORD
    from helpers.runs import read_json

    record = folder / f"{EXPLORER_SHOT_RECORD}.json"
    if not (root / "figures" / EXPLORER_SHOT).is_file() or not record.is_file():
        return []
    shown = read_json(record)
    (z1, z2), (first, second) = shown["point"], shown["between"]
    text = (
        f"the HTML report's latent explorer in use: the pointer at z = ({z1:.2f}, {z2:.2f}) on "
        f"the {shown['plane']} plane, midway between its {first}s and {second}s, and what each "
        "decoder draws there"
    )
    return [f"![{text}](figures/{EXPLORER_SHOT})", f"*{text[0].upper() + text[1:]}.*", ""]


def readme_time_row(profile: str) -> str:
    """The README's Time table row of the CPU that trained the published models from scratch,
    from results/<profile>/report_timings.json (its `from_scratch` block) and the DCGAN's
    record: "| CPU | precision | total (per notebook), measured ... | DCGAN minutes |"."""
    from helpers.record import read_record
    from helpers.reproducibility import cpu_label
    from helpers.runs import read_json

    folder = published_results_dir(profile)
    scratch = read_json(folder / "report_timings.json").get("from_scratch")
    if not scratch:
        raise ReportError(f"no from_scratch block in {_relative(folder)}/report_timings.json")
    dcgan = read_record(folder / "dcgan.json")
    times = scratch["notebooks"]
    per_notebook = ", ".join(f"{Path(name).stem[:2]} {s / 60:.1f}" for name, s in times.items())
    dcgan_minutes = times.get("02_dcgan.ipynb", 0.0) / 60
    return (
        f"| {cpu_label(scratch)} | {dcgan.config['precision'].replace('_', ' ')} | "
        f"{sum(times.values()) / 60:.1f} min ({per_notebook}), measured in the run that "
        f"trained the published models, at {scratch['git_commit'][:7]} "
        f"(`from_scratch` in `results/{profile}/report_timings.json`) | {dcgan_minutes:.0f} min "
        f"({dcgan.config['epochs']} epochs per seed) |"
    )


def update_readme(profile: str, readme: Path | None = None) -> Path:
    """Replace the text between README_START and README_END in README.md by readme_results."""
    readme = readme or project_root() / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ReportError(f"{_relative(readme)} has no {README_START!r} ... {README_END!r} block")
    section = readme_results(profile)
    updated = text[: start + len(README_START)] + "\n" + section + text[end:]
    return atomic_write_bytes(readme, updated.encode("utf-8"))
