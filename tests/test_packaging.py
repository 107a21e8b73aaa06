"""The project installs from its own files, and what they declare is what the code needs:
pyproject.toml's dependencies and extras, the Makefile targets that install them, the lock and
environment.yml."""

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PROJECT = "vae-vs-gan"


def _name(requirement: str) -> str:
    return Requirement(requirement).name.lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _project() -> dict:
    return _pyproject()["project"]


def _requirements(extra: str | None = None) -> list[Requirement]:
    """The requirements the project installs with `extra` (None: none), self-references to
    other extras (`vae-vs-gan[report]`) followed."""
    found = [Requirement(r) for r in _project()["dependencies"]]
    pending, seen = [extra] if extra else [], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in _project()["optional-dependencies"][name]:
            requirement = Requirement(text)
            if _name(text) == PROJECT:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def _names(extra: str | None = None) -> set[str]:
    return {_name(str(r)) for r in _requirements(extra)}


# --- the declared requirements, the lock and environment.yml --------------------------------------


def test_environment_yml_lists_the_same_packages_as_pyproject():
    text = (ROOT / "environment.yml").read_text()
    pip_lines = re.findall(r"^\s+- ([A-Za-z][^\n]*)$", text.split("- pip:")[1], re.M)
    conda = {line.split("#")[0].strip() for line in pip_lines if not line.startswith("-e")}
    assert conda == set(_project()["dependencies"]), (
        "environment.yml's pip list must equal pyproject.toml's dependencies"
    )
    assert '-e ".[dev]"' in text


def test_every_requirement_is_pinned_in_the_lock_within_its_range():
    pins = {
        _name(line.split("==")[0]): Version(line.split("==")[1].strip())
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    extras = [None, *_project()["optional-dependencies"]]
    for requirement in {str(r): r for extra in extras for r in _requirements(extra)}.values():
        name = _name(str(requirement))
        if requirement.marker is not None or requirement.extras:  # e.g. tensorflow[and-cuda]
            continue
        assert name in pins, f"constraints.txt lacks a pin for {name}: run `make lock`"
        assert pins[name] in requirement.specifier, (
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {requirement}"
        )


def test_the_installed_packages_satisfy_the_declared_ranges():
    for requirement in _requirements("dev"):
        installed = Version(importlib.metadata.version(requirement.name))
        assert installed in requirement.specifier, f"{requirement.name} {installed}: {requirement}"


def test_keras_is_bounded_to_the_minor_version_fused_was_checked_on():
    (keras,) = [r for r in _requirements() if r.name == "keras"]
    uppers = [s for s in keras.specifier if s.operator in ("<", "<=")]
    assert uppers, "keras needs an upper bound: helpers/fused.py reads Keras internals"
    installed = Version(importlib.metadata.version("keras"))
    assert installed in keras.specifier
    next_minor = Version(f"{installed.major}.{installed.minor + 1}.0")
    assert next_minor not in keras.specifier, (
        f"{keras} admits keras {next_minor}, on which helpers/fused.py was never checked"
    )


def test_requires_python_admits_this_interpreter_and_not_one_without_tomllib():
    supported = SpecifierSet(_project()["requires-python"])
    running = Version(".".join(map(str, sys.version_info[:3])))
    assert running in supported
    assert Version("3.10") not in supported  # the code imports tomllib, uses datetime.UTC
    lowest = min(Version(s.version) for s in supported if s.operator == ">=")
    target = _pyproject()["tool"]["ruff"]["target-version"]
    assert target == f"py{lowest.major}{lowest.minor}", "ruff must lint for the lowest Python"


# --- what the code imports is declared, each in the extra the code runs under ---------------------


def _third_party_imports(path: Path) -> set[str]:
    """Top-level modules `path` imports (lazy imports included), less stdlib and the project."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m != "helpers"}


def _distributions(module: str) -> set[str]:
    owners = importlib.metadata.packages_distributions().get(module, [])
    return {owner.lower().replace("_", "-") for owner in owners}


def test_every_module_helpers_imports_is_a_declared_dependency():
    """helpers/report/ (run by `make report`) may use the report extra; the rest of helpers/,
    which the notebooks import, the main dependencies only."""
    runtime, report = _names(), _names("report")
    checked = 0
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        declared = report if "report" in path.relative_to(ROOT / "helpers").parts[:1] else runtime
        for module in sorted(_third_party_imports(path)):
            owners = _distributions(module)
            assert owners, f"{path.relative_to(ROOT)} imports {module}, which is not installed"
            assert owners & declared, (
                f"{path.relative_to(ROOT)} imports {module} (from {sorted(owners)}), which "
                "pyproject.toml does not declare where that code runs"
            )
            checked += 1
    assert checked > 10  # the walk did find the imports


def test_report_tools_are_an_extra_that_make_report_installs_and_dev_includes():
    report, runtime = _names("report"), _names()
    assert {"playwright", "papermill", "nbconvert", "django-static-mathjax"} <= report - runtime
    assert report <= _names("dev"), "the tests render the report: dev must include report"
    tools = {"pytest", "pytest-xdist", "nbval", "ruff"}
    assert tools <= _names("dev") and not tools & report  # report needs no test tools
    assert "tqdm" in runtime  # training progress


def _make_rules() -> dict[str, tuple[list[str], list[str]]]:
    """{target: (prerequisites, recipe lines)} of the Makefile's explicit rules, with the
    `$(call install,...)` lines of the stamp rules expanded to their install command."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    current = None
    for line in (ROOT / "Makefile").read_text().splitlines():
        rule = re.match(r"^([\w$()./-]+):(?!=)\s*(.*)$", line)
        if rule and not line.startswith("\t") and not line.startswith("."):  # .PHONY
            current = rule.group(1)
            rules[current] = (rule.group(2).replace("|", " ").split(), [])
        elif line.startswith("\t") and current:
            rules[current][1].append(line.strip())
        elif not line.strip() or line.startswith("#"):
            continue
        else:
            current = None
    return rules


def _extra_installed_by(target: str, rules) -> str | None:
    """The extra that `target`'s venv prerequisite installs ("" for the project alone)."""
    for prerequisite in rules[target][0]:
        if prerequisite.startswith("venv"):
            (stamp,) = rules[prerequisite][0]
            (call,) = [line for line in rules[stamp][1] if "install," in line]
            extras = re.search(r"install,\.(?:\[(\w+)\])?\)", call)
            return extras.group(1) or ""
    return None


def test_each_make_target_installs_what_its_commands_run():
    rules = _make_rules()
    assert _extra_installed_by("report", rules) == "report"
    for target in ("lint", "format", "unit", "nbval", "report-check"):
        assert _extra_installed_by(target, rules) == "dev", target
    needs = {  # a command's marker in a recipe -> the distribution that provides it
        "$(BIN)/ruff": "ruff", "$(BIN)/pytest": "pytest", "-n auto": "pytest-xdist",
        "--nbval": "nbval", "-m helpers.report": "playwright",
    }  # fmt: skip
    for target, (_, recipe) in rules.items():
        extra = _extra_installed_by(target, rules)
        if extra is None:
            continue
        installed = _names(extra or None)
        for marker, distribution in needs.items():
            if any(marker in line for line in recipe):
                assert distribution in installed, (
                    f"make {target} runs {marker!r} but installs {extra or 'no extra'}, "
                    f"without {distribution}"
                )


def test_the_stamp_rules_install_the_project_with_the_lock():
    rules = _make_rules()
    text = (ROOT / "Makefile").read_text()
    assert '$(BIN)/python -m pip install --quiet -c constraints.txt -e "$(1)"' in text
    for stamp in ("$(VENV)/.installed", "$(VENV)/.installed-report", "$(VENV)/.installed-dev"):
        assert set(rules[stamp][0]) == {"pyproject.toml", "constraints.txt"}, stamp


# --- entry points ---------------------------------------------------------------------------------


def test_python_m_helpers_report_help_runs():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.report", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("usage: python -m helpers.report")
    for option in ("--profile", "--no-execute", "--no-pdf", "--readme"):
        assert option in result.stdout


# --- layering -------------------------------------------------------------------------------------

MODEL_MODULES = {"dcgan", "vae", "vaegan"}


def _helpers_imported_by(path: Path) -> set[str]:
    """The helpers modules `path` imports (anywhere in the file, lazy imports included)."""
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
