"""The report: execute the notebooks in order, publish a real run, render one offline HTML + PDF.

    python -m helpers.report --profile cpu notebooks/01_theory.ipynb notebooks/02_dcgan.ipynb ...
    python -m helpers.report --profile smoke --no-execute notebooks/*.ipynb   # render only
    python -m helpers.report --profile cpu --readme   # README's Results from results/cpu/

1. Execute each notebook with papermill (`-p profile PROFILE`, kernel python3, cwd = the
   notebook's folder) into runs/<profile>/notebooks/. The first failure stops the report with
   the notebook's name and the failing cell; the executed notebook stays there to inspect.
   Training resumes on a rerun because the notebooks checkpoint under runs/<profile>/.
2. Publish (every profile but smoke): runs/<profile>/figures/*.png -> figures/ and
   runs/<profile>/results/*.json -> results/<profile>/ (JSON only: samples and weights stay in
   runs/), and README.md's "Results" section is rewritten from them. Smoke runs write
   nothing outside runs/smoke/.
3. Render the executed notebooks, merged in order, into one self-contained HTML (images
   embedded, MathJax 3 inlined, table of contents, code folded, stderr dropped):
   report/vae-vs-gan.html (smoke: runs/smoke/report/), then print it to PDF with headless
   Chromium once MathJax has typeset every formula.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import html
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat

from helpers.runs import (
    ROOT_ENV,
    atomic_write_bytes,
    atomic_write_json,
    git_commit,
    project_root,
    run_dir,
)

REPORT_NAME = "vae-vs-gan"
REPORT_TITLE = "VAEs vs GANs: a reproduction"
SMOKE_PROFILE = "smoke"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "vae_vs_gan"
CAPTION_TAG = "report-caption"
# Markdown cells that begin like this are figure captions (STYLE.md: "**Figure N —** ...").
_CAPTION = re.compile(r"^\s*\*\*Figure\s+\d+")
_COLAB_CELL = re.compile(r"^\s*# Colab only")
_REMOVE_TAGS = {"remove_cell", "remove-cell", "report-remove"}
_DROPPED_MIME = ("application/vnd.jupyter.widget-view+json",)
_DEPS_HINT = "run `make report-deps` (installs Debian's chromium and poppler-utils)"


class ReportError(RuntimeError):
    """A step of the report failed; the message says which notebook/cell or which tool."""


# --- where things go --------------------------------------------------------------------------


def report_dir(profile: str) -> Path:
    """report/ for real runs; runs/smoke/report/ for smoke (smoke never leaves runs/smoke/)."""
    if profile == SMOKE_PROFILE:
        return run_dir(profile) / "report"
    return project_root() / "report"


def executed_dir(profile: str) -> Path:
    """runs/<profile>/notebooks/: the executed notebooks of this profile."""
    path = run_dir(profile) / "notebooks"
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- 1. execute -------------------------------------------------------------------------------


def kernel_environment() -> None:
    """Environment the kernels inherit: this project's root, its IPython profile (keeps
    TensorFlow's C++ log lines out of cell outputs), quiet TensorFlow, fixed hash seed."""
    root = project_root()
    os.environ.setdefault(ROOT_ENV, str(root))
    if (root / ".ipython").is_dir():
        os.environ.setdefault("IPYTHONDIR", str(root / ".ipython"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYTHONHASHSEED", "0")


def execute_notebooks(notebooks: list[Path], profile: str) -> list[Path]:
    """Run each notebook in order with papermill into runs/<profile>/notebooks/<name>.

    Returns the executed notebooks' paths. Raises ReportError at the first failure, naming
    the notebook and the cell; the partly executed notebook is kept (saved after every cell).
    Wall time per notebook goes to runs/<profile>/results/report_timings.json.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    kernel_environment()
    out_dir = executed_dir(profile)
    timings_path = run_dir(profile) / "results" / "report_timings.json"
    timings = {
        "profile": profile,
        "git_commit": git_commit(),
        "started_utc": _now(),
        "notebooks": {},
    }
    executed = []
    for index, notebook in enumerate(notebooks, start=1):
        output = out_dir / notebook.name
        print(
            f"[{index}/{len(notebooks)}] {notebook.name} (profile {profile}) -> "
            f"{_relative(output)}",
            file=sys.stderr,
            flush=True,
        )
        start = time.perf_counter()
        try:
            papermill.execute_notebook(
                str(notebook),
                str(output),
                parameters={"profile": profile},
                kernel_name="python3",
                language="python",
                cwd=str(notebook.resolve().parent),
                progress_bar=True,
                stderr_file=sys.stderr,  # training progress, live on the terminal
            )
        except PapermillExecutionError as error:
            timings["notebooks"][notebook.name] = {
                "seconds": round(time.perf_counter() - start, 1),
                "status": "failed",
            }
            timings["finished_utc"] = _now()
            atomic_write_json(timings_path, timings)
            raise ReportError(_failure_message(notebook, output, error)) from None
        seconds = time.perf_counter() - start
        timings["notebooks"][notebook.name] = {"seconds": round(seconds, 1), "status": "ok"}
        timings["finished_utc"] = _now()
        atomic_write_json(timings_path, timings)
        print(f"    {notebook.name} done in {_duration(seconds)}", file=sys.stderr, flush=True)
        executed.append(output)
    return executed


def _failure_message(notebook: Path, output: Path, error) -> str:
    source = (error.source or "").strip().splitlines()
    first_line = source[0] if source else ""
    traceback = _ANSI.sub("", "\n".join(error.traceback or [])).strip().splitlines()
    return (
        f"notebook {notebook.name} failed in cell In [{error.exec_count}] "
        f"(cell {error.cell_index + 1} of the executed notebook, first line: {first_line!r}): "
        f"{error.ename}: {error.evalue}\n"
        + "\n".join(f"    {line}" for line in traceback[-12:])
        + f"\nThe executed notebook, with the error, is {_relative(output)}.\n"
        "Fix the cause and rerun: training resumes from its checkpoints under "
        f"runs/{output.parent.parent.name}/."
    )


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --- 2. publish -------------------------------------------------------------------------------


def publish_run(profile: str) -> list[Path]:
    """Copy a real run's figures (PNG) to figures/ and results (JSON) to results/<profile>/.

    figures/ then mirrors the run: PNGs there that the run did not produce are removed (they
    came from an earlier run). Smoke runs publish nothing. Returns the published files.
    """
    if profile == SMOKE_PROFILE:
        return []
    root = project_root()
    published = []
    sources = {
        root / "figures": sorted((run_dir(profile) / "figures").glob("*.png")),
        root / "results" / profile: sorted((run_dir(profile) / "results").glob("*.json")),
    }
    for target, files in sources.items():
        if not files:
            continue
        target.mkdir(parents=True, exist_ok=True)
        for path in files:  # each file replaced atomically: never half a figure or JSON
            atomic_write_bytes(target / path.name, path.read_bytes())
            published.append(target / path.name)
        names = {path.name for path in files}
        for stale in target.glob(f"*{files[0].suffix}"):  # only once the new ones are in
            if stale.name not in names:
                stale.unlink()
    return published


# --- 2b. the README's "Results" section -----------------------------------------------------

README_START = "<!-- results:start (written by `python -m helpers.report --readme`) -->"
README_END = "<!-- results:end -->"
# Figures shown in the README, by name prefix (the run decides the epoch suffixes).
README_FIGURES = (
    ("07_gan_samples", "DCGAN samples after the last epoch (paper Figure 7)"),
    ("11_vae_manifold", "the VAE's latent manifold (paper Figure 11)"),
    ("18_comparison_samples", "real, DCGAN, VAE and VAE-GAN samples side by side (Figure 18)"),
    ("20_comparison_fid_epochs", "FID per epoch and when to stop the GAN (Figure 20)"),
)
README_COLUMNS = [
    ("fid", "FID ↓", ".2f"),
    ("kid_1e3", "KID×10³ ↓", ".2f"),
    ("inception_score", "IS ↑", ".2f"),
    ("precision", "precision ↑", ".3f"),
    ("recall", "recall ↑", ".3f"),
    ("coverage", "coverage ↑", ".3f"),
    ("classes_covered", "classes", "d"),
    ("sharpness", "sharpness", ".4f"),
    ("copy_share", "copies", ".1%"),
]


def readme_results(profile: str) -> str:
    """The README's "Results" section, built only from results/<profile>/*.json and the figures
    a published run left in figures/ (nothing typed by hand). ReportError if a file is missing."""
    from helpers.metrics import MODEL_LABELS, markdown_table
    from helpers.runs import read_json

    root = project_root()
    folder = root / "results" / profile
    needed = ["comparison.json", "report_timings.json", "vae.json"]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise ReportError(
            f"{', '.join(missing)} missing in {_relative(folder)}: run `make report "
            f"PROFILE={profile}` first"
        )
    comparison = read_json(folder / "comparison.json")
    timings = read_json(folder / "report_timings.json")
    vae = read_json(folder / "vae.json")
    commit = str(timings.get("git_commit") or "unknown")
    started = str(timings.get("started_utc", ""))[:10] or "unknown date"
    seconds = {name: entry["seconds"] for name, entry in timings.get("notebooks", {}).items()}
    lines = [
        f"Published run: profile `{profile}`, {started}, commit `{commit[:12]}`"
        + (" (with uncommitted changes)" if commit.endswith("+dirty") else "")
        + f", data set {comparison.get('dataset', '?')}. Wall time per notebook on the machine "
        "that made it: "
        + ", ".join(f"`{Path(name).stem}` {_duration(s)}" for name, s in seconds.items())
        + f" — {_duration(sum(seconds.values()))} in all.",
        "",
    ]
    for prefix, text in README_FIGURES:
        found = sorted((root / "figures").glob(f"{prefix}*.png"))
        if found:
            lines += [f"![{text}](figures/{found[-1].name})", f"*{text}.*", ""]
    rows = {}
    for name, row in comparison["rows"].items():
        rows[MODEL_LABELS.get(name, name)] = dict(row, kid_1e3=1e3 * row["kid"])
    lines += [
        f"Metrics on {comparison['samples_per_row']:,} samples per row against "
        f"{comparison['reference']}, in the features of a classifier with "
        f"{comparison['classifier']['test_accuracy']:.2%} test accuracy "
        "(`notebooks/04_comparison.ipynb` explains each column):",
        "",
        markdown_table(rows, README_COLUMNS),
        "",
    ]
    for name, curve in comparison.get("fid_per_epoch", {}).items():
        label, epochs = MODEL_LABELS.get(name, name), len(curve["epochs"])
        if curve.get("plateaued", True):
            lines.append(
                f"* {label}: lowest FID after epoch {curve['best_epoch']} of {epochs}; the "
                "remaining gain is within 2σ of the bootstrap noise after epoch "
                f"{curve['within_noise_epoch']}."
            )
        else:
            lines.append(
                f"* {label}: the FID was still falling by more than 2σ of the bootstrap noise "
                f"at the last of {epochs} epochs: more epochs would still pay."
            )
    elbo, iwae = vae.get("test_elbo"), vae.get("iwae")
    if elbo and iwae:
        lines.append(
            f"* VAE test likelihood (nats per image): ELBO {elbo['nats_per_image']:.2f} on "
            f"{elbo['n_images']:,} images; IWAE bound (k = {iwae['k']:,}) "
            f"{iwae['log_px']:.2f} ± {iwae['standard_error']:.2f} on {iwae['n_images']:,} images."
        )
    costs = comparison.get("training_cost", {})
    if costs:
        lines.append(
            "* Training: "
            + "; ".join(
                f"{MODEL_LABELS.get(name, name)} {cost['epochs']} epochs in "
                f"{_duration(cost['wall_time_seconds'])} "
                f"({cost['images_per_second']:,.0f} images/s)"
                for name, cost in costs.items()
            )
            + "."
        )
    return "\n".join(lines).rstrip() + "\n"


def update_readme(profile: str, readme: Path | None = None) -> Path:
    """Replace the text between README_START and README_END in README.md by readme_results."""
    readme = readme or project_root() / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ReportError(f"{_relative(readme)} has no {README_START!r} ... {README_END!r} block")
    section = readme_results(profile)
    updated = text[: start + len(README_START)] + "\n" + section + text[end:]
    temporary = readme.with_name(f".{readme.name}.tmp")
    temporary.write_text(updated, encoding="utf-8")
    os.replace(temporary, readme)
    return readme


# --- 3. render --------------------------------------------------------------------------------


def merge_notebooks(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of all cells, in order, prepared for reading.

    Dropped: the Colab cell, cells tagged remove_cell/report-remove, stderr streams (progress,
    warnings) and widget views. Captions (markdown beginning **Figure N**) get the tag
    `report-caption`; the first cell of every notebook after the first starts a new PDF page.
    """
    merged = nbformat.v4.new_notebook()
    seen_ids: set[str] = set()
    for position, path in enumerate(paths):
        notebook = nbformat.read(path, as_version=4)
        if position == 0:
            merged.metadata = nbformat.from_dict(
                {k: v for k, v in notebook.metadata.items() if k in ("kernelspec", "language_info")}
            )
        first = True
        for cell in notebook.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & _REMOVE_TAGS:
                continue
            if cell.cell_type == "code" and _COLAB_CELL.match(cell.source):
                continue
            if cell.cell_type == "code":
                cell.outputs = [_reading_output(o) for o in cell.outputs if _keep_output(o)]
                cell.metadata["report_summary"] = _code_summary(cell.source, tags)
            if cell.cell_type == "markdown" and _CAPTION.match(cell.source):
                cell.metadata["tags"] = [*cell.metadata.get("tags", []), CAPTION_TAG]
            if first and position > 0:
                cell.metadata["report_classes"] = "report-notebook-start"
            first = False
            cell_id = cell.get("id") or f"cell-{len(merged.cells)}"
            while cell_id in seen_ids:
                cell_id = f"{cell_id}-{position}"
            cell["id"] = cell_id
            seen_ids.add(cell_id)
            merged.cells.append(cell)
    return merged


def _code_summary(source: str, tags: set[str]) -> str:
    """The fold's label: 'code', plus the cell's opening comment if it has one."""
    if "injected-parameters" in tags:
        return "code · parameters given to this run"
    if "parameters" in tags:
        return "code · parameters (defaults)"
    for line in source.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if text and not text.startswith("NBVAL"):
            return f"code · {text}"
    return "code"


def _keep_output(output) -> bool:
    if output.get("output_type") == "stream" and output.get("name") == "stderr":
        return False
    if output.get("output_type") in ("display_data", "execute_result"):
        data = {k: v for k, v in output.get("data", {}).items() if k not in _DROPPED_MIME}
        return bool(data)
    return True


def _reading_output(output):
    if "data" in output:
        for mime in _DROPPED_MIME:
            output["data"].pop(mime, None)
    return output


def mathjax_source() -> str:
    """MathJax 3 `tex-svg-full.js` (PyPI django-static-mathjax), safe to inline in <script>."""
    import mathjax

    path = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    if not path.is_file():
        raise ReportError(f"MathJax not found at {path}: pip install django-static-mathjax")
    source = path.read_text(encoding="utf-8")
    # An inline script ends at the first "</script"; "<!--" can change how it is parsed.
    return re.sub(r"</(script)", r"<\\/\1", source, flags=re.I).replace("<!--", "<\\!--")


_PROFILE_LITERAL = re.compile(r"""^profile\s*=\s*["']([\w-]+)["']""", re.M)


def executed_profile(path: Path) -> str | None:
    """The profile a notebook's outputs come from: papermill's injected parameter, else the
    literal in its `parameters` cell (the committed default), else None."""
    notebook = nbformat.read(path, as_version=4)
    injected = notebook.metadata.get("papermill", {}).get("parameters", {})
    if injected.get("profile"):
        return str(injected["profile"])
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            found = _PROFILE_LITERAL.search(cell.source)
            return found.group(1) if found else None
    return None


def notebook_timings(paths: list[Path]) -> list[str]:
    """'01_theory 12 s' for each executed notebook that papermill timed (its metadata)."""
    parts = []
    for path in paths:
        meta = nbformat.read(path, as_version=4).metadata.get("papermill", {})
        if meta.get("duration") is not None:
            parts.append(f"{path.stem} {_duration(float(meta['duration']))}")
    return parts


def executed_commit(profile: str) -> str | None:
    """The commit the notebooks of the last `make report PROFILE=profile` ran at (from its
    report_timings.json), or None for smoke and when there is no such run."""
    timings = run_dir(profile) / "results" / "report_timings.json"
    if profile == SMOKE_PROFILE or not timings.is_file():
        return None
    from helpers.runs import read_json

    return read_json(timings).get("git_commit")


def render_html(paths: list[Path], html_path: Path, profile: str) -> Path:
    """Render the notebooks (merged in order) into one self-contained HTML file."""
    from nbconvert import HTMLExporter

    notebook = merge_notebooks(paths)
    commit = executed_commit(profile) or git_commit() or "unknown"
    profiles = sorted({executed_profile(path) or profile for path in paths})
    meta = [
        f"Notebooks executed under profile “{' / '.join(profiles)}”: "
        + ", ".join(path.stem for path in paths)
        + ".",
        f"Rendered {_dt.date.today().isoformat()}, code at commit {commit[:12]}"
        + (" (uncommitted changes)" if commit.endswith("+dirty") else "")
        + ".",
    ]
    timings = notebook_timings(paths)
    if timings:
        meta.append("Execution time: " + " · ".join(timings) + ".")
    meta.append(f"Rerun: make report PROFILE={profiles[0]} (Makefile in the repository).")
    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        embed_images=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        theme="light",
    )
    resources = {
        "metadata": {"name": REPORT_NAME, "path": str(paths[0].resolve().parent)},
        "report": {"title": REPORT_TITLE, "meta": meta, "mathjax_source": mathjax_source()},
    }
    notebook.metadata["title"] = REPORT_TITLE
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    body = add_table_of_contents(body)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = html_path.with_name(f".{html_path.name}.tmp")
    temporary.write_text(body, encoding="utf-8")
    os.replace(temporary, html_path)
    return html_path


# nbconvert's markdown headings: <h2 id="Text">Text<a class="anchor-link" href="#Text">¶</a></h2>
_HEADING = re.compile(
    r'<h([1-6])\s+id="([^"]*)"\s*>(.*?)<a\b[^>]*class="anchor-link"[^>]*>(?:&#182;|¶)</a>\s*</h\1>',
    re.S,
)
_TOC_PLACEHOLDER = re.compile(r'<nav\b[^>]*class="report-toc"[^>]*>\s*</nav>')
_TAG = re.compile(r"<[^>]+>")


def add_table_of_contents(body: str, levels: int = 2) -> str:
    """Give headings unique, plain ids and fill the template's empty <nav class="report-toc">
    with links to the headings of levels 1..2."""
    used: set[str] = set()
    entries = []

    def rename(match: re.Match) -> str:
        level, inner = int(match.group(1)), match.group(3)
        text = html.unescape(_TAG.sub("", inner))
        slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
        anchor, count = slug, 1
        while anchor in used:
            count += 1
            anchor = f"{slug}-{count}"
        used.add(anchor)
        if level <= levels:
            entries.append((level, anchor, re.sub(r"</?a\b[^>]*>", "", inner).strip()))
        return (
            f'<h{level} id="{anchor}">{inner}<a class="anchor-link" href="#{anchor}">&#182;</a>'
            f"</h{level}>"
        )

    body = _HEADING.sub(rename, body)
    if not entries:
        return _TOC_PLACEHOLDER.sub("", body, count=1)
    top = min(level for level, _, _ in entries)
    lines = ['<nav class="report-toc" id="contents">', "<h2>Contents</h2>", "<ol>"]
    open_sub = False
    for level, anchor, label in entries:
        link = f'<a href="#{anchor}">{label}</a>'
        if level == top:
            if open_sub:
                lines.append("</ol></li>")
                open_sub = False
            elif len(lines) > 3:
                lines.append("</li>")
            lines.append(f'<li class="toc-level-1">{link}')
        else:
            if len(lines) == 3:  # a subsection before any top-level heading
                lines.append('<li class="toc-level-1">')
            if not open_sub:
                lines.append("<ol>")
                open_sub = True
            lines.append(f'<li class="toc-level-2">{link}</li>')
    lines.append("</ol></li>" if open_sub else "</li>")
    lines += ["</ol>", "</nav>"]
    toc = "\n".join(lines)
    return _TOC_PLACEHOLDER.sub(lambda _: toc, body, count=1)


def chromium_executable() -> str:
    """Path of Debian's `chromium` (or Google's chrome); ReportError saying how to install."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(f"headless Chromium not found on PATH: {_DEPS_HINT}")


def launch_chromium(playwright):
    """Headless Chromium (the system's, not a Playwright download) through Playwright."""
    return playwright.chromium.launch(
        executable_path=chromium_executable(),
        args=["--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    )


def open_report_page(browser, html_path: Path, timeout_seconds: float = 180):
    """A page of `browser` with the report loaded offline and its math typeset.

    The network is off (offline context, every non-file request aborted); the page's
    `blocked_requests` attribute lists what it tried to fetch, `errors` its script errors.
    Close it with `page.context.close()`.
    """
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.blocked_requests = []
    page.errors = []

    def block(route):
        page.blocked_requests.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!(file|data|blob|about):)"), block)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(html_path.resolve().as_uri(), wait_until="load")
    page.wait_for_selector(
        "html[data-mathjax=typeset]", state="attached", timeout=timeout_seconds * 1000
    )
    return page


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print the HTML to an A4 PDF with headless Chromium after MathJax has typeset it."""
    from playwright.sync_api import sync_playwright

    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = pdf_path.with_name(f".{pdf_path.name}.tmp")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = open_report_page(browser, html_path)
            page.emulate_media(media="print")
            page.pdf(
                path=str(temporary),
                format="A4",
                print_background=True,
                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;text-align:center;color:#777;">'
                    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
                ),
            )
        finally:
            browser.close()
    os.replace(temporary, pdf_path)
    return pdf_path


# --- command line -----------------------------------------------------------------------------


def build_report(
    notebooks: list[Path], profile: str, execute: bool = True, pdf: bool = True
) -> dict[str, Path]:
    """Steps 1-3 of the module docstring; returns the paths of the rendered files."""
    missing = [str(path) for path in notebooks if not path.is_file()]
    if missing:
        raise ReportError(f"notebook(s) not found: {', '.join(missing)}")
    if not notebooks:
        raise ReportError("no notebooks given")
    if not execute and profile != SMOKE_PROFILE:
        smoke = [path.name for path in notebooks if executed_profile(path) == SMOKE_PROFILE]
        if smoke:  # smoke outputs never go to report/
            raise ReportError(
                f"{', '.join(smoke)} carry smoke outputs: render them with --profile smoke "
                f"(into runs/smoke/report/), or pass the notebooks under runs/{profile}/notebooks/"
            )
    if pdf:
        chromium_executable()  # fail before hours of training, not after
    if execute:
        notebooks = execute_notebooks(notebooks, profile)
        published = publish_run(profile)
        if published:
            print(
                f"published {len(published)} files to figures/ and results/{profile}/",
                file=sys.stderr,
            )
            if README_START in (project_root() / "README.md").read_text(encoding="utf-8"):
                print(f"updated {_relative(update_readme(profile))}", file=sys.stderr)
    out_dir = report_dir(profile)
    outputs = {"html": render_html(notebooks, out_dir / f"{REPORT_NAME}.html", profile)}
    print(f"wrote {_relative(outputs['html'])}", file=sys.stderr, flush=True)
    if pdf:
        outputs["pdf"] = print_pdf(outputs["html"], out_dir / f"{REPORT_NAME}.pdf")
        print(f"wrote {_relative(outputs['pdf'])}", file=sys.stderr, flush=True)
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.report",
        description="Execute the notebooks under a profile and render the report (HTML + PDF).",
    )
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks, in reading order")
    parser.add_argument("--profile", default="cpu", help="smoke | cpu | paper (default cpu)")
    parser.add_argument(
        "--no-execute",
        action="store_true",
        help="render the given notebooks as they are (already executed); publish nothing",
    )
    parser.add_argument("--no-pdf", action="store_true", help="render the HTML only")
    parser.add_argument(
        "--readme",
        action="store_true",
        help="only rewrite README.md's Results section from results/PROFILE/ (published run)",
    )
    args = parser.parse_args(argv)
    try:
        if args.readme:
            print(f"updated {_relative(update_readme(args.profile))}", file=sys.stderr)
            return 0
        build_report(args.notebooks, args.profile, execute=not args.no_execute, pdf=not args.no_pdf)
    except ReportError as error:
        print(f"report: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"\nreport: interrupted. Run it again to continue: training resumes from the "
            f"checkpoints under runs/{args.profile}/.",
            file=sys.stderr,
        )
        return 130
    return 0


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
