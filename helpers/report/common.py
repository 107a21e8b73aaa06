"""What every step of the report shares: names, where files go, the error, formatting."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from helpers.runs import (
    project_root,
    run_dir,
)

REPORT_NAME = "vae-vs-gan"
REPORT_TITLE = "VAEs vs GANs: a reproduction"
SMOKE_PROFILE = "smoke"
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE_NAME = "vae_vs_gan"
CAPTION_TAG = "report-caption"
# Markdown cells that begin like this are figure captions: "**Figure N —** ...".
_CAPTION = re.compile(r"^\s*\*\*Figure\s+\d+")
_COLAB_CELL = re.compile(r"^\s*# Colab only")
_REMOVE_TAGS = {"remove_cell", "remove-cell", "report-remove"}
# Cell tags the notebooks use to shape the report (helpers.report's docstring lists them).
APPENDIX_TAG = "report-appendix"
REFERENCES_TAG = "report-references"
# cells shown first, before the first chapter (the abstract, the differences from the paper)
FRONT_TAG = "report-front"
HIDE_OUTPUT_TAGS = {"remove_output", "remove-output", "report-hide-output"}
SHOW_CODE_TAG = "report-show-code"
# Two figures abreast with their captions below: figure, figure, caption, caption
PAIR_TAGS = {"report-pair-first", "report-pair"}
# a cell tagged report-new-page starts a printed page (a block of figures kept on one page)
NEW_PAGE_TAG = "report-new-page"
APPENDIX_TITLE = "Appendix"
_DROPPED_MIME = ("application/vnd.jupyter.widget-view+json",)
_DEPS_HINT = "run `make report-deps` (installs Debian's chromium and poppler-utils)"


class ReportError(RuntimeError):
    """A step of the report failed; the message says which notebook/cell or which tool."""


# --- where things go --------------------------------------------------------------------------


def report_dir(profile: str) -> Path:
    """report/ for real runs; runs/smoke/report/ for smoke (smoke never leaves runs/smoke/)."""
    if profile == SMOKE_PROFILE:
        return run_dir(profile) / "report"
    return project_root() / "report"


def executed_dir(profile: str) -> Path:
    """runs/<profile>/notebooks/: the executed notebooks of this profile."""
    path = run_dir(profile) / "notebooks"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- formatting ------------------------------------------------------------------------------


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)
