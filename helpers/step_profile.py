"""The DCGAN step profile (`benchmarks/profile_dcgan_step.py --publish`, `make benchmark`)
that notebook 02's precision section prints: its record on disk and its tables."""

from __future__ import annotations

from helpers.results import read_kept_record
from helpers.tables import markdown_table

STEP_PROFILE_NAME = "dcgan_step_profile"


def read_step_profile(profile: str) -> dict | None:
    """The published DCGAN step profile for `profile` (this run's, else results/<profile>/)."""
    return read_kept_record(profile, STEP_PROFILE_NAME)


def step_profile_table(record: dict, key: str = "parts") -> str:
    """The step profile's op milliseconds per step and shares, by part of the step (`parts`)
    or by op kind (`kinds`), one column pair per precision, as a Markdown table."""
    precisions = record["precisions"]
    order = record[f"{key}_order"]
    rows: dict[str, dict] = {}
    columns = []
    for precision, result in precisions.items():
        total = sum(result[key].values())
        columns += [
            (f"{precision} ms", f"{precision} ms", ".1f"),
            (f"{precision} %", "share", ".0%"),
        ]
        for label in [*order, "all ops"]:
            ms = total if label == "all ops" else result[key].get(label, 0.0)
            rows.setdefault(label, {}).update({f"{precision} ms": ms, f"{precision} %": ms / total})
    return markdown_table(rows, columns)


def step_profile_summary(record: dict) -> str:
    """One sentence: wall milliseconds per step in each precision and their ratio."""
    walls = {p: r["wall_many_per_call"] for p, r in record["precisions"].items()}
    text = ", ".join(f"{p} {ms:.1f} ms" for p, ms in walls.items())
    first, *rest = walls
    ratios = "; ".join(f"{p} is {walls[first] / walls[p]:.2f}× {first}" for p in rest)
    return f"Wall time per training step of {record['batch_size']} images: {text} ({ratios})."
