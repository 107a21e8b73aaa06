"""The notebooks' own text reads as one report: continuous section numbers in the main part,
no numbers on appendix or front headings, no wording that only makes sense inside a notebook,
and no hedges written for another profile than the one the report was run under."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.report.common import APPENDIX_TAG, FRONT_TAG, REFERENCES_TAG
from helpers.runs import project_root

NOTEBOOKS = sorted((project_root() / "notebooks").glob("0*.ipynb"))
MOVED = {APPENDIX_TAG, FRONT_TAG, REFERENCES_TAG}
REMOVED = {"report-remove", "remove_cell"}

# wording a reader of the rendered report cannot follow: cells, parameters and notebooks they
# never see, or branches for profiles other than the report's
NOTEBOOK_WORDING = [
    r"\bcell (below|above)\b",
    r"\bthe cell\b",
    r"\bparameters above\b",
    r"\bthis notebook\b",
    r"\bthe comparison notebook\b",
    r"\(smoke: ",
    r"\bwhen present\b",
    r"\bwhen its results exist\b",
    r"\bunder the `smoke` profile\b",
    r"\brun the cell\b",
]


def _markdown_cells(path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown" and not tags & REMOVED:
            yield index, cell, tags


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_main_part_sections_are_numbered_without_gaps(path):
    numbers, moved_numbered = [], []
    for index, cell, tags in _markdown_cells(path):
        for heading in re.findall(r"^## (.+)$", cell.source, flags=re.M):
            number = re.match(r"(\d+) ", heading)
            if tags & MOVED:
                if number:
                    moved_numbered.append((index, heading))
            elif number:
                numbers.append(int(number.group(1)))
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: sections {numbers}"
    assert moved_numbered == [], "an appendix or front section keeps its notebook number"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_notebook_wording_or_other_profile_hedges_in_the_report_text(path):
    found = [
        (index, pattern)
        for index, cell, _ in _markdown_cells(path)
        for pattern in NOTEBOOK_WORDING
        if re.search(pattern, cell.source, flags=re.I)
    ]
    assert found == []


def test_the_wording_check_finds_what_it_forbids():
    samples = ["The cell below prints it.", "to 10,000 (smoke: 100)", "This notebook trains"]
    for sample in samples:
        assert any(re.search(p, sample, flags=re.I) for p in NOTEBOOK_WORDING), sample


def test_appendix_headings_name_their_chapter():
    """An appendix section says which chapter it belongs to ("DCGAN: ...")."""
    unnamed = []
    for path in NOTEBOOKS:
        for _, cell, tags in _markdown_cells(path):
            if APPENDIX_TAG not in tags:
                continue
            for heading in re.findall(r"^## (.+)$", cell.source, flags=re.M):
                if not re.match(r"(DCGAN|VAE|VAE-GAN|Comparison|Hardware)\b", heading):
                    unnamed.append((path.stem, heading))
    assert unnamed == []
