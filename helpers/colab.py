"""The repository URL the notebooks' Colab cells clone and the README's badges open, kept in one
place: `[project.urls] Repository` in pyproject.toml. A Colab cell runs before the project is
on the machine, so it must spell the URL out; `sync_colab_links` rewrites those copies from
pyproject.toml, and the tests fail when a copy disagrees.

    python -m helpers.colab          # report the copies that disagree (exit 1 if any)
    python -m helpers.colab --write  # rewrite them (`make colab-links`)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import nbformat

from helpers.runs import atomic_write_bytes

ROOT = Path(__file__).resolve().parent.parent
# A GitHub repository URL inside a Colab cell's clone command or a Colab badge link.
_CLONE_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+?(?=[\"'\s])")
_BADGE_URL = re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/")


class ColabLinkError(ValueError):
    """pyproject.toml has no usable GitHub repository URL."""


def repository_url(root: Path = ROOT) -> str:
    """`[project.urls] Repository` of pyproject.toml, e.g. https://github.com/OWNER/NAME."""
    with open(root / "pyproject.toml", "rb") as handle:
        urls = tomllib.load(handle).get("project", {}).get("urls", {})
    url = str(urls.get("Repository", "")).rstrip("/")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        raise ColabLinkError(
            f"pyproject.toml [project.urls] Repository must be https://github.com/OWNER/NAME, "
            f"got {url!r}"
        )
    return url


def _rewrite(text: str, url: str) -> str:
    owner_name = url.removeprefix("https://github.com/")
    text = _CLONE_URL.sub(url, text)
    return _BADGE_URL.sub(f"colab.research.google.com/github/{owner_name}/blob/", text)


def sync_colab_links(root: Path = ROOT, write: bool = False) -> list[Path]:
    """The files (notebooks' Colab cells, README) whose copy of the URL differs from
    pyproject.toml's; with `write`, rewrite them (each atomically: a file is either the old or
    the new one, never half written)."""
    url = repository_url(root)
    stale = []
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        changed = False
        for cell in notebook.cells:
            if cell.cell_type == "code" and cell.source.lstrip().startswith("# Colab only"):
                new = _rewrite(cell.source, url)
                changed |= new != cell.source
                cell.source = new
        if changed:
            stale.append(path)
            if write:
                atomic_write_bytes(path, _notebook_bytes(notebook))
    readme = root / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8")
        new = _rewrite(text, url)
        if new != text:
            stale.append(readme)
            if write:
                atomic_write_bytes(readme, new.encode("utf-8"))
    return stale


def _notebook_bytes(notebook) -> bytes:
    """The file `nbformat.write` would write: the JSON text and a final newline."""
    text = nbformat.writes(notebook)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    write = "--write" in (argv if argv is not None else sys.argv[1:])
    stale = sync_colab_links(write=write)
    verb = "rewrote" if write else "differs from pyproject.toml:"
    for path in stale:
        print(f"{verb} {path.relative_to(ROOT)}")
    return 0 if write or not stale else 1


if __name__ == "__main__":
    raise SystemExit(main())
