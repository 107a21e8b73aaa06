"""Reading a rendered PDF back as text (poppler's pdftotext), for the report's tests.

`table_headers_in_pdf` is what the tests of any printed table reuse: a column clipped at the
page's right edge, or a header cut mid-word, is missing from the PDF's text.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def pdf_pages_text(pdf: Path) -> list[str]:
    """The text of every page (pdftotext in reading order, pages split at form feeds)."""
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def table_headers_in_pdf(pdf: Path, headers: list[str]) -> list[str]:
    """The headers of one table that the PDF's text lacks ([] when every one is there).

    A table sits on one page (the report keeps tables whole), so all its headers must be found
    on the same page: the page that has most of them decides. A header wrapped inside its cell
    comes out of pdftotext one word per line, and neighbouring cells may run together
    ("copies4↔9"), so each word of a header is looked for, case-sensitively, as a substring of
    the page with whitespace removed.
    """
    headers = [header for header in headers if header.strip()]
    if not headers:
        return []
    pages = ["".join(page.split()) for page in pdf_pages_text(pdf)]
    best: list[str] | None = None
    for page in pages:
        missing = [h for h in headers if not all(word in page for word in h.split())]
        if best is None or len(missing) < len(best):
            best = missing
    return list(headers) if best is None else best


def front_pages(pages: list[str]) -> int:
    """How many pages come before the first chapter (the abstract, the differences from the
    paper, the settings): the first chapter starts on the first page with a line that begins
    with its heading, "01 — "."""
    for index, page in enumerate(pages):
        if any(line.strip().startswith("01 — ") for line in page.splitlines()):
            return index
    raise ValueError("no page has the first chapter's heading")


def main_part_pages(pages: list[str]) -> int:
    """How many pages come before the References: the report's main part (its chapters), whose
    length tests/test_report_layout.py bounds. The References page is the first whose text has
    a line that is exactly "References" (the section's heading; the table of contents is not
    printed)."""
    for index, page in enumerate(pages):
        if any(line.strip() == "References" for line in page.splitlines()):
            return index
    raise ValueError("no page has the References heading")
