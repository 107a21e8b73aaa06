"""Markdown tables (helpers.tables)."""

from __future__ import annotations

from helpers.tables import markdown_table


def test_markdown_table_formats_and_marks_missing_values():
    table = markdown_table(
        {"DCGAN": {"fid": 12.345, "recall": None}, "VAE": {"fid": 3.0}},
        [("fid", "FID", ".1f"), ("recall", "recall", ".2f")],
    )
    assert table.splitlines() == [
        "| | FID | recall |",
        "|---|---:|---:|",
        "| DCGAN | 12.3 | – |",
        "| VAE | 3.0 | – |",
    ]
