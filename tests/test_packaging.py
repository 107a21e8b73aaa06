"""The project installs from its own files: pyproject.toml, environment.yml and the lock agree."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pyproject_requirements() -> list[str]:
    return _project()["dependencies"]


def _dev_requirements() -> list[str]:
    return _project()["optional-dependencies"]["dev"]


def test_environment_yml_lists_the_same_packages_as_pyproject():
    text = (ROOT / "environment.yml").read_text()
    pip_lines = re.findall(r"^\s+- ([A-Za-z][^\n]*)$", text.split("- pip:")[1], re.M)
    conda = {line.strip() for line in pip_lines if not line.startswith("-e")}
    assert conda == set(_pyproject_requirements())


def test_every_dependency_is_pinned_in_the_lock():
    pins = {
        _name(line): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    missing = [r for r in _pyproject_requirements() + _dev_requirements() if _name(r) not in pins]
    assert not missing, f"constraints.txt lacks pins for {missing}: run `make lock`"


def test_test_and_lint_tools_are_a_dev_extra_that_make_installs():
    tools = {"pytest", "nbval", "ruff", "playwright"}
    assert not tools & {_name(r) for r in _pyproject_requirements()}  # not runtime needs
    assert tools <= {_name(r) for r in _dev_requirements()}
    makefile = (ROOT / "Makefile").read_text()
    assert '-c constraints.txt -e ".[dev]"' in makefile
    assert '-e ".[dev]"' in (ROOT / "environment.yml").read_text()


def test_requires_python_matches_the_code():
    # helpers use datetime.UTC and tomllib (3.11); ruff's target says the same
    assert _project()["requires-python"] == ">=3.11"
    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert ruff["target-version"] == "py311"


def test_tensorflow_is_keras_3():
    import keras
    import tensorflow as tf

    assert int(keras.__version__.split(".")[0]) >= 3
    assert tuple(int(p) for p in tf.__version__.split(".")[:2]) >= (2, 16)
