"""The Colab URL lives in pyproject.toml; every notebook's Colab cell and the README follow it."""

import shutil
from pathlib import Path

import nbformat
import pytest

from helpers import colab
from helpers.runs import atomic_write_bytes

ROOT = Path(__file__).resolve().parent.parent


def test_every_notebook_and_the_readme_use_the_repository_url_of_pyproject():
    assert colab.sync_colab_links(ROOT) == []
    url = colab.repository_url(ROOT)
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        colab_cells = [c for c in cells if c.source.lstrip().startswith("# Colab only")]
        assert len(colab_cells) == 1 and url in colab_cells[0].source, path.name


def _project_copy(tmp_path, url):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text(f'[project]\nurls = {{Repository = "{url}"}}\n')
    shutil.copy(ROOT / "notebooks" / "01_theory.ipynb", tmp_path / "notebooks")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    return tmp_path


def test_changing_the_url_in_one_place_rewrites_every_copy(tmp_path):
    root = _project_copy(tmp_path, "https://github.com/someone/fork-of-it")
    stale = colab.sync_colab_links(root)
    assert {p.name for p in stale} == {"01_theory.ipynb", "README.md"}
    colab.sync_colab_links(root, write=True)
    assert colab.sync_colab_links(root) == []
    readme = (root / "README.md").read_text()
    assert "colab.research.google.com/github/someone/fork-of-it/blob/main/notebooks" in readme
    notebook = (root / "notebooks" / "01_theory.ipynb").read_text()
    assert "https://github.com/someone/fork-of-it" in notebook


def test_a_url_that_is_not_a_github_repository_is_refused(tmp_path):
    root = _project_copy(tmp_path, "file:///somewhere")
    with pytest.raises(colab.ColabLinkError, match="OWNER/NAME"):
        colab.repository_url(root)


def test_rewrites_go_through_the_atomic_writer(tmp_path, monkeypatch):
    root = _project_copy(tmp_path, "https://github.com/someone/fork-of-it")
    written = []

    def recording_writer(path, data):
        written.append(Path(path).name)
        return atomic_write_bytes(path, data)

    monkeypatch.setattr(colab, "atomic_write_bytes", recording_writer)
    colab.sync_colab_links(root, write=True)
    assert sorted(written) == ["01_theory.ipynb", "README.md"]
    notebook = nbformat.read(root / "notebooks" / "01_theory.ipynb", as_version=4)
    nbformat.validate(notebook)  # a whole notebook, as nbformat.write leaves it
    assert (root / "notebooks" / "01_theory.ipynb").read_text().endswith("}\n")
    assert not list(root.rglob("*.tmp"))  # no temporary file left behind
