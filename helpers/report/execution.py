"""Step 1 of the report: execute the notebooks in order with papermill, under a profile."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from helpers.report.common import (
    ReportError,
    _duration,
    _now,
    _relative,
    executed_dir,
)
from helpers.runs import (
    ROOT_ENV,
    atomic_write_json,
    git_commit,
    project_root,
    run_dir,
)
from helpers.training import PROGRESS_ENV

# --- 1. execute -------------------------------------------------------------------------------


def kernel_environment() -> None:
    """Environment the kernels inherit: this project's root, its IPython profile (keeps
    TensorFlow's C++ log lines out of cell outputs), quiet TensorFlow, fixed hash seed, and
    training progress as text on stderr (papermill shows it live on the terminal; the report
    drops stderr) instead of a widget no terminal shows."""
    root = project_root()
    os.environ.setdefault(ROOT_ENV, str(root))
    if (root / ".ipython").is_dir():
        os.environ.setdefault("IPYTHONDIR", str(root / ".ipython"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault(PROGRESS_ENV, "text")


def execute_notebooks(notebooks: list[Path], profile: str) -> list[Path]:
    """Run each notebook in order with papermill into runs/<profile>/notebooks/<name>.

    Returns the executed notebooks' paths. Raises ReportError at the first failure, naming
    the notebook and the cell; the partly executed notebook is kept (saved after every cell).
    Wall time per notebook goes to runs/<profile>/results/report_timings.json, with the
    `from_scratch` times of the run that trained the models (`from_scratch_timings`).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    kernel_environment()
    out_dir = executed_dir(profile)
    timings_path = run_dir(profile) / "results" / "report_timings.json"
    earlier = _earlier_timings(profile, timings_path)
    timings = {
        "profile": profile,
        "git_commit": git_commit(),
        "started_utc": _now(),
        "notebooks": {},
    }
    executed = []
    for index, notebook in enumerate(notebooks, start=1):
        output = out_dir / notebook.name
        print(
            f"[{index}/{len(notebooks)}] {notebook.name} (profile {profile}) -> "
            f"{_relative(output)}",
            file=sys.stderr,
            flush=True,
        )
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters={"profile": profile},
                kernel_name="python3",
                language="python",
                cwd=str(notebook.resolve().parent),
                progress_bar=True,
                stderr_file=sys.stderr,  # training progress, live on the terminal
            )
        except PapermillExecutionError as error:
            timings["notebooks"][notebook.name] = {
                "seconds": round(time.perf_counter() - start, 1),
                "status": "failed",
            }
            timings["finished_utc"] = _now()
            atomic_write_json(timings_path, timings)
            raise ReportError(_failure_message(notebook, output, error)) from None
        seconds = time.perf_counter() - start
        timings["notebooks"][notebook.name] = {"seconds": round(seconds, 1), "status": "ok"}
        timings["finished_utc"] = _now()
        atomic_write_json(timings_path, timings)
        print(f"    {notebook.name} done in {_duration(seconds)}", file=sys.stderr, flush=True)
        executed.append(output)
    scratch = from_scratch_timings(timings, earlier, run_dir(profile) / "results")
    if scratch is not None:
        timings["from_scratch"] = scratch
        atomic_write_json(timings_path, timings)
    return executed


def _earlier_timings(profile: str, path: Path) -> dict:
    """The timings of the run before this one: this machine's runs/, else the published."""
    from helpers.runs import published_results_dir, read_json

    for candidate in (path, published_results_dir(profile) / path.name):
        if candidate.is_file():
            return read_json(candidate)
    return {}


def from_scratch_timings(timings: dict, earlier: dict, results: Path) -> dict | None:
    """What it cost to train the models the run's results hold: this run's notebook times,
    commit and CPU when no model resumed from a checkpoint, else the `from_scratch` record of
    the run before (None when there is none)."""
    from helpers.report.publishing import resumed_models
    from helpers.runs import cpu_features, cpu_model

    if resumed_models(results):
        return earlier.get("from_scratch")
    return {
        "git_commit": timings["git_commit"],
        "started_utc": timings["started_utc"],
        "cpu_model": cpu_model(),
        "cpu_features": cpu_features(),
        "notebooks": {name: entry["seconds"] for name, entry in timings["notebooks"].items()},
    }


def _failure_message(notebook: Path, output: Path, error) -> str:
    source = (error.source or "").strip().splitlines()
    first_line = source[0] if source else ""
    traceback = _ANSI.sub("", "\n".join(error.traceback or [])).strip().splitlines()
    return (
        f"notebook {notebook.name} failed in cell In [{error.exec_count}] "
        f"(cell {error.cell_index + 1} of the executed notebook, first line: {first_line!r}): "
        f"{error.ename}: {error.evalue}\n"
        + "\n".join(f"    {line}" for line in traceback[-12:])
        + f"\nThe executed notebook, with the error, is {_relative(output)}.\n"
        "Fix the cause and rerun: training resumes from its checkpoints under "
        f"runs/{output.parent.parent.name}/."
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
