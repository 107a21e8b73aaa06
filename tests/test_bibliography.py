"""The report's references: every citation resolves to an entry of the bibliography."""

import json
import re
from pathlib import Path

import pytest

from helpers import bibliography
from helpers.bibliography import REFERENCES, cite

ROOT = Path(__file__).resolve().parents[1]
_CITE_CALL = re.compile(r"\bcite\(([^)]*)\)")
_QUOTED = re.compile(r"""["']([^"']+)["']""")


def _sources():
    """(path, text) of every module of helpers/ and every cell of the notebooks."""
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(cell["source"]) for cell in cells)


def test_an_unknown_citation_is_refused():
    with pytest.raises(KeyError, match="unknown reference"):
        cite("nobody2020")


def test_bibliography_lists_every_reference_the_report_cites():
    text = bibliography.bibliography_markdown()
    for name in (
        "Goodfellow", "Radford", "Kingma", "Larsen", "Heusel", "Bińkowski", "Salimans",
        "Kynkäänniemi", "Naeem", "Burda", "Jalam",
    ):  # fmt: skip
        assert name in text
    assert len(text.splitlines()) == len(REFERENCES)
    assert cite("heusel2017", "binkowski2018") == "[Heusel et al. 2017; Bińkowski et al. 2018]"


def test_every_key_cited_in_helpers_and_notebooks_is_in_the_bibliography():
    cited = {}
    for path, text in _sources():
        for call in _CITE_CALL.finditer(text):
            for key in _QUOTED.findall(call.group(1)):
                cited.setdefault(key, path.relative_to(ROOT))
    assert {"heusel2017", "burda2016"} <= set(cited)  # the verdicts cite these: the scan works
    unknown = {key: str(path) for key, path in cited.items() if key not in REFERENCES}
    assert not unknown, f"cited but not in REFERENCES: {unknown}"
