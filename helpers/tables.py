"""Markdown tables as the notebooks and the README print them."""

from __future__ import annotations


def markdown_table(rows: dict[str, dict], columns: list[tuple[str, str, str]]) -> str:
    """A Markdown table: one row per entry of `rows` (label -> values), one column per
    (key, header, format spec); a missing value shows as "–"."""
    lines = [
        "| | " + " | ".join(header for _, header, _ in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    for label, values in rows.items():
        cells = [
            format(values[key], spec) if values.get(key) is not None else "–"
            for key, _, spec in columns
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
