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
    tools = {"pytest", "pytest-xdist", "nbval", "ruff", "playwright"}
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


MODEL_MODULES = {"dcgan", "vae", "vaegan"}


def _helpers_imported_by(path: Path) -> set[str]:
    """The helpers modules `path` imports (anywhere in the file, lazy imports included)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            parts = node.module.split(".")
            if len(parts) > 1:
                found.add(parts[1])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("helpers."))
    return found


def test_base_modules_never_import_a_model_module():
    """Three layers: base (config, data, runs, training, metrics, ...) <- models <- notebooks."""
    helpers = ROOT / "helpers"
    for path in sorted(helpers.rglob("*.py")):
        module = path.relative_to(helpers).parts[0].removesuffix(".py")
        if module in MODEL_MODULES:
            continue
        upward = _helpers_imported_by(path) & MODEL_MODULES
        assert not upward, f"{path.relative_to(ROOT)} imports model module(s) {sorted(upward)}"


def test_every_model_module_exposes_the_same_api():
    import importlib

    for name in sorted(MODEL_MODULES):
        module = importlib.import_module(f"helpers.{name}")
        for function in ("train", "load", "export_results", "sample", "prepare_images"):
            assert callable(getattr(module, function, None)), f"helpers.{name}.{function}"
    for name in ("vae", "vaegan"):  # the models with an encoder
        module = importlib.import_module(f"helpers.{name}")
        assert callable(module.encode) and callable(module.decode), name
