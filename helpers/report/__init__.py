"""The report: execute the notebooks in order, publish a real run, render one offline HTML + PDF.

    python -m helpers.report --profile cpu notebooks/01_theory.ipynb notebooks/02_dcgan.ipynb ...
    python -m helpers.report --profile smoke --no-execute notebooks/*.ipynb   # render only
    python -m helpers.report --profile cpu --readme   # README's Results from results/cpu/

1. Execute each notebook with papermill (`-p profile PROFILE`, kernel python3, cwd = the
   notebook's folder) into runs/<profile>/notebooks/. The first failure stops the report with
   the notebook's name and the failing cell; the executed notebook stays there to inspect.
   Training resumes on a rerun because the notebooks checkpoint under runs/<profile>/.
2. Render the executed notebooks, merged in the order given, into one self-contained HTML
   (images embedded, MathJax 3 inlined, a side table of contents with a list of figures, code
   folded, stderr and log lines dropped): report/vae-vs-gan.html (smoke: runs/smoke/report/).
   A real run then takes a screenshot of its latent explorer in use for the README
   (`explorer_in_use`).
3. Publish (every profile but smoke): runs/<profile>/figures/*.png -> figures/ and
   runs/<profile>/results/*.json -> results/<profile>/ (JSON only: samples and weights stay in
   runs/), and README.md's "Results" section is rewritten from them. Smoke runs write
   nothing outside runs/smoke/.
4. Print the HTML to PDF with headless Chromium once MathJax has typeset every formula. The
   PDF leaves out the folded code: it is the document to read, the HTML and the notebooks
   hold the code, and printing every cell would double its length.

Cell tags the notebooks use to shape the report (in the cell's metadata "tags"):

    remove_cell, remove-cell, report-remove   the cell is not in the report at all
    remove_output, remove-output,             a code cell's outputs are dropped (its code
      report-hide-output                        stays, folded, in the HTML)
    report-show-code                          the code cell is printed in the PDF too (small,
                                                wrapped at spaces); in the HTML it stays folded
    report-references                         the cell moves after the last notebook
                                                (a References section: its own "# References")
    report-appendix                           the cell (markdown or code) moves into an
                                                "Appendix" after the last notebook and the
                                                references, on a new PDF page; tag every cell
                                                that belongs there, in the order they should read

Cells keep their notebook's order within the main part, the references and the appendix.
Markdown cells beginning "**Figure N —**" are captions: they get the anchor id `figure-N`
(the table of contents lists them) and are kept on the page of the figure above them.
Every stdout stream loses its log lines (`rendering.reading_stream_text`: TensorFlow/absl,
Python logging, "[dcgan] epoch 3/10 ...", progress bars); ordinary printed results stay.

The steps live in their own modules: `execution` (1), `rendering` (2, 4), `publishing` (3), with
what they share in `common`; this module runs them in order (`build_report`) and is the
command line.
"""

from __future__ import annotations

import argparse
import shutil  # noqa: F401  (tests patch report.shutil.which)
import sys
from pathlib import Path

from helpers.report.common import (  # noqa: F401
    REPORT_NAME,
    SMOKE_PROFILE,
    ReportError,
    _duration,
    _relative,
    executed_dir,
    report_dir,
)
from helpers.report.execution import execute_notebooks, kernel_environment  # noqa: F401
from helpers.report.publishing import (  # noqa: F401
    README_END,
    README_FIGURES,
    README_KEYS,
    README_START,
    newest_per_figure,
    publish_run,
    readme_results,
    readme_time_row,
    resumed_models,
    update_readme,
)
from helpers.report.rendering import (  # noqa: F401
    EXPLORER_SHOT,
    EXPLORER_SHOT_RECORD,
    LOOK_ALIKE,
    add_table_of_contents,
    between_clusters,
    chromium_executable,
    executed_commit,
    executed_profile,
    figure_list,
    launch_chromium,
    mathjax_source,
    merge_notebooks,
    notebook_timings,
    open_report_page,
    print_pdf,
    reading_stream_text,
    render_html,
    screenshot_explorer,
)
from helpers.runs import project_root

# --- command line -----------------------------------------------------------------------------


def explorer_in_use(html_path: Path, profile: str) -> Path | None:
    """The README's picture of the HTML report's latent explorer: a screenshot with the pointer
    between the clusters of LOOK_ALIKE on the first plane (runs/<profile>/figures/), and what
    it shows (runs/<profile>/results/explorer_screenshot.json); None when the run exported no
    latent plane."""
    from helpers.results import read_explorer
    from helpers.runs import atomic_write_json, figures_dir, results_dir

    planes, _ = read_explorer(profile)
    if not planes:
        return None
    title, plane = next(iter(planes.items()))
    point = between_clusters(plane)
    shot = screenshot_explorer(html_path, figures_dir(profile) / EXPLORER_SHOT, point)
    record = {"plane": title, "point": list(point), "between": list(LOOK_ALIKE)}
    atomic_write_json(results_dir(profile) / f"{EXPLORER_SHOT_RECORD}.json", record)
    return shot


def build_report(
    notebooks: list[Path], profile: str, execute: bool = True, pdf: bool = True
) -> dict[str, Path]:
    """Steps 1-4 of the module docstring; returns the paths of the rendered files."""
    missing = [str(path) for path in notebooks if not path.is_file()]
    if missing:
        raise ReportError(f"notebook(s) not found: {', '.join(missing)}")
    if not notebooks:
        raise ReportError("no notebooks given")
    if not execute and profile != SMOKE_PROFILE:
        smoke = [path.name for path in notebooks if executed_profile(path) == SMOKE_PROFILE]
        if smoke:  # smoke outputs never go to report/
            raise ReportError(
                f"{', '.join(smoke)} carry smoke outputs: render them with --profile smoke "
                f"(into runs/smoke/report/), or pass the notebooks under runs/{profile}/notebooks/"
            )
    if pdf:
        chromium_executable()  # fail before hours of training, not after
    if execute:
        notebooks = execute_notebooks(notebooks, profile)
    out_dir = report_dir(profile)
    outputs = {"html": render_html(notebooks, out_dir / f"{REPORT_NAME}.html", profile)}
    print(f"wrote {_relative(outputs['html'])}", file=sys.stderr, flush=True)
    if execute and profile != SMOKE_PROFILE:
        shot = explorer_in_use(outputs["html"], profile)
        if shot:
            print(f"wrote {_relative(shot)}", file=sys.stderr, flush=True)
        published = publish_run(profile)
        if published:
            print(
                f"published {len(published)} files to figures/ and results/{profile}/",
                file=sys.stderr,
            )
            if README_START in (project_root() / "README.md").read_text(encoding="utf-8"):
                print(f"updated {_relative(update_readme(profile))}", file=sys.stderr)
    if pdf:
        outputs["pdf"] = print_pdf(outputs["html"], out_dir / f"{REPORT_NAME}.pdf")
        print(f"wrote {_relative(outputs['pdf'])}", file=sys.stderr, flush=True)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Execute the notebooks under a profile and render the report (HTML + PDF).",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks, in reading order")
    parser.add_argument("--profile", default="cpu", help="smoke | cpu | paper (default cpu)")
    parser.add_argument(
        "--no-execute",
        action="store_true",
        help="render the given notebooks as they are (already executed); publish nothing",
    )
    parser.add_argument("--no-pdf", action="store_true", help="render the HTML only")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="only rewrite README.md's Results section from results/PROFILE/ (published run)",
    )
    args = parser.parse_args(argv)
    try:
        if args.readme:
            print(f"updated {_relative(update_readme(args.profile))}", file=sys.stderr)
            return 0
        build_report(args.notebooks, args.profile, execute=not args.no_execute, pdf=not args.no_pdf)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"\nreport: interrupted. Run it again to continue: training resumes from the "
            f"checkpoints under runs/{args.profile}/.",
            file=sys.stderr,
        )
        return 130
    return 0
