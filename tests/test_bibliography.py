"""The report's references: every citation in the report's sources resolves to exactly one entry
of the bibliography, with the same label and year, and every entry is cited."""

import json
import re
from pathlib import Path

import pytest

from helpers import bibliography
from helpers.bibliography import LABELS, REFERENCES, cite

ROOT = Path(__file__).resolve().parents[1]

_YEAR = r"(?:1[89]\d\d|20\d\d)[a-z]?|n\.d\."
_NAME = r"[A-Z][\w’'-]*\w"  # a surname: LeCun, Bińkowski, Pech-Pacheco, Kynkäänniemi
_CITE_CALL = re.compile(r"\bcite\(([^)]*)\)")
_QUOTED = re.compile(r"""["']([^"']+)["']""")
# "Larsen et al. 2016", "Larsen et al.'s", "Heusel et al. (2017)", "Lucic et\nal. 2018"
_ET_AL = re.compile(rf"\b({_NAME})\s+et\s+al\.?(?:[’']s)?(?:\s*\(?({_YEAR}))?")
# "Kingma & Welling 2014", "Salakhutdinov and Murray (2008)"; also the last two of a longer list
# ("Radford, Metz & Chintala 2015"), which no label has: the form must be "Radford et al. 2015"
_TWO = re.compile(rf"\b({_NAME})\s+(?:&|and)\s+({_NAME})(?:[’']s)?,?\s*\(?({_YEAR})")
# "(Efron 1979)", "[Jalam n.d.]", "; Theis 2016": a single surname and a year in a citation
_ONE = re.compile(rf"(?<=[(\[;])\s*({_NAME}),?\s+({_YEAR})")
_URL = re.compile(r"https?://(?:www\.)?(?:tensorflow\.org/tutorials|keras\.io/examples)[^\s)\"'>]*")


def _parse_label(label):
    """(surnames, year) of an author-year label, or None for a named one ("... tutorial")."""
    match = re.fullmatch(rf"({_NAME})(?: et al\.| & ({_NAME}))? ({_YEAR})", label)
    if match is None:
        return None
    first, second, year = match.groups()
    form = "et al." if " et al." in label else (f"& {second}" if second else "")
    return first, form, year


_AUTHOR_YEAR = {key: _parse_label(label) for key, label in LABELS.items()}
_NAMED = {key: label for key, label in LABELS.items() if _AUTHOR_YEAR[key] is None}
_SURNAMES = {parsed[0] for parsed in _AUTHOR_YEAR.values() if parsed}


def _resolve(first, form=None, year=None):
    """Keys of the entries a citation "first [form] [year]" names; form None: any (a bare
    mention such as "Radford et al." or "Efron's" names its entry by surname alone)."""
    return [
        key
        for key, parsed in _AUTHOR_YEAR.items()
        if parsed
        and parsed[0] == first
        and (form is None or parsed[1] == form)
        and (year is None or parsed[2] == year)
    ]


def _citations(text):
    """(matched text, keys it resolves to) of every citation in `text`."""
    found = []
    taken = []  # spans already read as a citation, so a bare-surname mention inside is skipped
    for call in _CITE_CALL.finditer(text):
        for key in _QUOTED.findall(call.group(1)):
            found.append((f"cite({key!r})", [key] if key in REFERENCES else []))
    for match in _ET_AL.finditer(text):
        first, year = match.groups()
        found.append((match.group(0), _resolve(first, "et al.", year)))
        taken.append(match.span())
    for match in _TWO.finditer(text):
        first, second, year = match.groups()
        found.append((match.group(0), _resolve(first, f"& {second}", year)))
        taken.append(match.span())
    for match in _ONE.finditer(text):
        if any(start <= match.start(1) < end for start, end in taken):
            continue
        first, year = match.groups()
        found.append((match.group(0).strip(), _resolve(first, "", year)))
        taken.append(match.span())
    for surname in _SURNAMES:  # a bare mention: "the TensorFlow ... (Goodfellow et al.'s ...)"
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            if not any(start <= match.start() < end for start, end in taken):
                found.append((surname, _resolve(surname)))
    for key, label in _NAMED.items():
        found += [(label, [key])] * text.count(label)
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;")
        found.append((url, [key for key, entry in REFERENCES.items() if url in entry]))
    return found


def _report_sources():
    """(path, text) of every module of helpers/ but the bibliography, and of the notebooks
    (markdown and code cells; outputs are what the code makes)."""
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        if path.name != "bibliography.py":
            yield path, path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        yield path, "\n".join("".join(cell["source"]) for cell in cells)


def _all_citations():
    """{path: [(matched text, keys)]} over the report's sources and the README."""
    sources = [*_report_sources(), (ROOT / "README.md", (ROOT / "README.md").read_text("utf-8"))]
    return {str(path.relative_to(ROOT)): _citations(text) for path, text in sources}


def test_an_unknown_citation_is_refused():
    with pytest.raises(KeyError, match="unknown reference"):
        cite("nobody2020")


def test_every_entry_has_a_label_of_the_citation_forms():
    assert list(LABELS) == list(REFERENCES)
    assert len(set(LABELS.values())) == len(LABELS)
    for key, parsed in _AUTHOR_YEAR.items():
        if parsed is None:  # a named web page: the entry gives its address
            assert "https://" in REFERENCES[key], key
        else:  # the entry gives the label's first surname and year
            first, _, year = parsed
            assert first.replace("Yazici", "Yazıcı") in REFERENCES[key], key
            assert year in REFERENCES[key], key


def test_the_papers_entry_says_what_is_known_of_its_year_and_where_it_is():
    entry = REFERENCES["jalam"]
    assert LABELS["jalam"] == "Jalam n.d."  # PAPER.md gives no year
    assert "n.d." in entry
    assert "VAEs vs GANs: Comparison of Generative Models" in entry
    assert "Course-project report" in entry and "no venue, year or public link" in entry


def test_bibliography_markdown_numbers_every_entry_with_its_label():
    lines = bibliography.bibliography_markdown().splitlines()
    assert len(lines) == len(REFERENCES)
    assert lines[0].startswith("1. **[Jalam n.d.]** S. M. Jalam.")
    assert cite("heusel2017", "binkowski2018") == "[Heusel et al. 2017; Bińkowski et al. 2018]"


def test_every_citation_resolves_to_exactly_one_entry_with_its_label_and_year():
    citations = _all_citations()
    assert {"cite('heusel2017')", "Larsen et al. 2016", "Efron 1979"} <= {
        text for found in citations.values() for text, _ in found
    }  # the scan reads cite() calls, "et al." and single-author citations
    bad = {
        path: sorted({text for text, keys in found if len(keys) != 1})
        for path, found in citations.items()
    }
    bad = {path: texts for path, texts in bad.items() if texts}
    assert not bad, f"citations with no entry, or more than one, of that label and year: {bad}"


def test_every_entry_is_cited_in_the_report():
    cited = {
        key
        for path, found in _all_citations().items()
        if path != "README.md"
        for _, keys in found
        if len(keys) == 1
        for key in keys
    }
    uncited = sorted(set(REFERENCES) - cited)
    assert not uncited, f"entries no notebook or helper cites: {uncited}"


@pytest.mark.parametrize(
    "text",
    [
        "as Larsen et al. 2015 do",  # the year of the arXiv preprint, not of the entry
        "(Larsen, Sønderby, Larochelle & Winther 2016)",  # not the label's form
        "(Radford & Metz 2015)",
        "(Kingma & Welling 2013)",
        "Kingma & Welling showed",  # two entries: which one?
        "(Efron 1982)",
        "Mescheder et al. 2018 found",  # no entry
        "(Nobody 2001)",
        "cite('nobody2020')",
        "https://keras.io/examples/generative/dcgan_overriding_train_step/",
    ],
)
def test_a_citation_with_no_single_matching_entry_is_caught(text):
    assert any(len(keys) != 1 for _, keys in _citations(text)), _citations(text)


@pytest.mark.parametrize(
    "text, key",
    [
        ("(Larsen et al. 2016, Algorithm 1)", "larsen2016"),
        ("Larsen et al.'s choice", "larsen2016"),
        ("Heusel et al. (2017)", "heusel2017"),
        ("as Lucic et\nal. 2018 found", "lucic2018"),
        ("(Kingma & Welling\n    2014, Fig. 4)", "kingma2014"),
        ("Salakhutdinov and Murray (2008)", "salakhutdinov2008"),
        ("resamples of them (Efron 1979)", "efron1979"),
        ("Efron's bootstrap", "efron1979"),
        ("the TensorFlow DCGAN tutorial", "tensorflow_dcgan"),
        ("https://www.tensorflow.org/tutorials/generative/dcgan", "tensorflow_dcgan"),
        ('cite("burda2016")', "burda2016"),
    ],
)
def test_each_citation_form_resolves_to_its_entry(text, key):
    assert [keys for _, keys in _citations(text)] == [[key]]
