"""The report as a person sees it.

Renders the committed notebooks (they carry smoke outputs) with `--no-execute` into
runs/smoke/report/, opens the HTML in real headless Chromium with the network off, and reads the
PDF back with poppler. Needs Debian's `chromium` and `poppler-utils`: `make report-deps`.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers import report
from tests.pdf_checks import table_headers_in_pdf

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_ORDER = ["01_theory", "02_dcgan", "03_vae", "04_vaegan", "05_comparison"]
PAPER_FIGURES = range(1, 12)
_INSTALL_HINT = "install them with `make report-deps` (Debian packages chromium, poppler-utils)"


def caption_pattern(number: int) -> re.Pattern:
    """'Figure 3 —' (or with an en dash / hyphen, as pdftotext may print it), not 'Figure 30'."""
    return re.compile(rf"Figure\s+{number}\s*[—–-]")


def require_tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found on PATH: {_INSTALL_HINT}", pytrace=False)


def tree_state(*folders: Path) -> dict[str, tuple[int, int]]:
    """{path: (size, mtime_ns)} of every file under `folders` (to prove nothing was written)."""
    state = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file():
                info = path.stat()
                state[str(path.relative_to(ROOT))] = (info.st_size, info.st_mtime_ns)
    return state


def run_report(*args: str, root: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, VAE_VS_GAN_ROOT=str(root), IPYTHONDIR=str(ROOT / ".ipython"))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.run(
        [sys.executable, "-m", "helpers.report", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's) for the module's page checks."""
    require_tools("chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = report.launch_chromium(playwright)
        yield chromium
        chromium.close()


class PageView:
    """What a reader of the HTML sees, captured from headless Chromium with the network off."""

    def __init__(self, browser, html_path: Path):
        page = report.open_report_page(browser, html_path)
        try:
            self.blocked_requests = list(page.blocked_requests)
            self.errors = list(page.errors)
            self.text = page.evaluate("() => document.body.innerText")
            self.math_svgs = page.locator("mjx-container svg").count()
            self.math_errors = page.locator("mjx-merror").count()
            self.code_folds = page.locator("details.report-code").count()
            self.open_folds = page.locator("details.report-code[open]").count()
            self.toc_targets = page.evaluate(
                """() => [...document.querySelectorAll('nav.report-toc a')].map(
                    a => [a.getAttribute('href'),
                          !!document.getElementById(a.getAttribute('href').slice(1))])"""
            )
            self.toc_position = page.evaluate(
                "() => getComputedStyle(document.querySelector('nav.report-toc')).position"
            )
            self.figure_anchors = page.evaluate(
                "() => [...document.querySelectorAll('[id^=\"figure-\"]')].map(e => e.id)"
            )
            # the main part's section titles (h1, h2) in page order, as printed text: without
            # the anchor link, and [] for a title with math (MathJax draws it, pdftotext
            # cannot read it back)
            self.section_titles = page.evaluate(
                """() => [...document.querySelectorAll('main h1, main h2')].map(h => {
                    if (h.closest('nav') || h.querySelector('mjx-container')) return null;
                    const copy = h.cloneNode(true);
                    copy.querySelectorAll('.anchor-link').forEach(a => a.remove());
                    return copy.textContent.trim();
                }).filter(t => t)"""
            )
            self.table_headers = page.evaluate(
                """() => [...document.querySelectorAll('main table')].map(t =>
                    [...t.querySelectorAll('th')].map(th => th.innerText.trim()))"""
            )
            self.images = page.evaluate("() => document.images.length")
            self.broken_images = page.evaluate(
                "() => [...document.images].filter(i => !i.complete || !i.naturalWidth).length"
            )
            page.click("#report-code-toggle")
            self.text_with_code = page.evaluate("() => document.body.innerText")
            self.open_folds_after_toggle = page.locator("details.report-code[open]").count()
        finally:
            page.context.close()


def assert_reads_well(view: PageView) -> None:
    """Offline, no script errors, math typeset, images drawn, code folded, TOC links work."""
    assert view.blocked_requests == [], f"network requests: {view.blocked_requests}"
    assert view.errors == [], f"script errors in the page: {view.errors}"
    assert view.math_svgs > 0, "MathJax produced no SVG: the math is not typeset"
    assert view.math_errors == 0, "MathJax reported TeX errors (red formulas)"
    for raw in ("$$", "\\frac", "\\begin{", "\\mathbb"):
        assert raw not in view.text, f"raw TeX {raw!r} is visible in the page"
    assert view.broken_images == 0
    assert view.code_folds > 0 and view.open_folds == 0, "code is not folded by default"
    assert view.open_folds_after_toggle == view.code_folds, "the 'show all code' button failed"
    assert len(view.text_with_code) > len(view.text)
    assert view.toc_targets, "no table of contents"
    assert all(found for _, found in view.toc_targets), f"dead TOC links: {view.toc_targets}"


def assert_self_contained(html_text: str) -> None:
    external = re.findall(
        r"<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//",
        html_text,
        flags=re.I,
    )
    assert external == [], f"the HTML loads files from the network: {external[:3]}"
    assert "@import" not in html_text
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", html_text), "CSS loads from the network"


# --- the committed notebooks, rendered as `make test` would ------------------------------------


@pytest.fixture(scope="module")
def committed_report(browser):
    require_tools("chromium", "pdftotext", "pdfinfo")
    notebooks = [ROOT / "notebooks" / f"{name}.ipynb" for name in NOTEBOOK_ORDER]
    missing = [path.name for path in notebooks if not path.exists()]
    assert not missing, f"notebooks of the reading order are missing: {missing}"
    published = (ROOT / "figures", ROOT / "report", ROOT / "results")
    before = tree_state(*published)
    result = run_report(
        "--profile", "smoke", "--no-execute", *[str(p.relative_to(ROOT)) for p in notebooks]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = ROOT / "runs" / "smoke" / "report"
    html_path, pdf_path = out / "vae-vs-gan.html", out / "vae-vs-gan.pdf"
    pdf_text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True)
    return {
        "notebooks": [path.stem for path in notebooks],
        "unchanged": before == tree_state(*published),
        "html_path": html_path,
        "html": html_path.read_text(encoding="utf-8"),
        "view": PageView(browser, html_path),
        "pdf_text": pdf_text,
        "pdf_path": pdf_path,
        "pdf_pages": int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1)),
    }


def test_smoke_report_stays_under_runs_smoke(committed_report):
    assert committed_report["html_path"].is_relative_to(ROOT / "runs" / "smoke")
    assert committed_report["unchanged"], "a smoke render wrote into figures/, report/ or results/"


def test_committed_report_holds_a_working_latent_explorer(committed_report, browser):
    """Notebook 05's explorer as the report carries it: the pointer on a plane picks a grid cell
    and draws its decodes, nothing is fetched, and the PDF prints the static version's note."""
    from helpers import explorer

    assert 'id="latent-explorer"' in committed_report["html"]
    page = report.open_report_page(browser, committed_report["html_path"])
    try:
        page.wait_for_selector("#latent-explorer[data-ready='1']", state="attached")
        panel = page.locator("#latent-explorer-panel-0")
        panel.scroll_into_view_if_needed()
        box = panel.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        centre = explorer.DEFAULT_GRID_SIZE // 2
        assert page.eval_on_selector("#latent-explorer", "r => r.dataset.cell") == (
            f"{centre},{centre}"
        )
        label = page.get_attribute("#latent-explorer-decode-0", "aria-label")
        assert label.startswith("VAE decode at z = (0")
        assert page.blocked_requests == [] and page.errors == []
    finally:
        page.context.close()
    assert explorer.PRINT_NOTE in " ".join(committed_report["pdf_text"].split())


def test_committed_report_is_one_self_contained_file(committed_report):
    assert_self_contained(committed_report["html"])
    assert "MathJax" in committed_report["html"]
    assert "data:image/png;base64," in committed_report["html"]


def test_committed_report_reads_well_offline(committed_report):
    assert_reads_well(committed_report["view"])
    toc = [href for href, _ in committed_report["view"].toc_targets]
    assert len(toc) >= len(committed_report["notebooks"])


def test_committed_report_has_a_side_contents_linking_the_figures(committed_report):
    view = committed_report["view"]
    assert view.toc_position in ("sticky", "fixed"), "the table of contents scrolls away"
    assert "figure-3" in view.figure_anchors
    toc = [href for href, _ in view.toc_targets]
    assert all(f"#{anchor}" in toc for anchor in view.figure_anchors)


def test_every_printed_table_shows_all_its_column_headers(committed_report):
    tables = [headers for headers in committed_report["view"].table_headers if headers]
    assert tables, "the report has no table"
    for headers in tables:
        missing = table_headers_in_pdf(committed_report["pdf_path"], headers)
        assert missing == [], f"columns cut off in the PDF: {missing} (table {headers})"


def test_no_log_line_reaches_the_pdf(committed_report):
    text = committed_report["pdf_text"]
    logs = [line for line in text.splitlines() if report.reading_stream_text(line.strip()) == ""]
    assert [line for line in logs if line.strip()] == []


def _require_caption(committed_report, number: int, text: str, where: str) -> None:
    if caption_pattern(number).search(text):
        return
    pytest.fail(f"'Figure {number} —' caption missing from the {where}")


@pytest.mark.parametrize("number", PAPER_FIGURES)
def test_html_shows_figure_caption(committed_report, number):
    _require_caption(committed_report, number, committed_report["view"].text, "HTML page")


@pytest.mark.parametrize("number", PAPER_FIGURES)
def test_pdf_text_has_figure_caption(committed_report, number):
    _require_caption(committed_report, number, committed_report["pdf_text"], "PDF text")


def test_pdf_has_several_pages(committed_report):
    assert committed_report["pdf_pages"] > 1
    assert "\\frac" not in committed_report["pdf_text"]


def _in_order(wanted: list, found: list) -> list:
    """The items of `wanted` that `found` lacks in that order ([] when `wanted` is a
    subsequence of `found`)."""
    rest = iter(found)
    return [item for item in wanted if not any(item == seen for seen in rest)]


def test_pdf_prints_every_caption_and_section_of_the_html_in_order(committed_report):
    """A PDF printed before MathJax or the page had loaded, cut short, or with sections lost
    or shuffled, lacks some of the HTML's captions or section titles, or has them in another
    order."""
    view = committed_report["view"]
    text = " ".join(committed_report["pdf_text"].split())
    captions = [int(re.match(r"figure-(\d+)", anchor)[1]) for anchor in view.figure_anchors]
    assert set(PAPER_FIGURES) <= set(captions)
    printed = [int(number) for number in re.findall(r"Figure\s+(\d+)\s*[—–-]", text)]
    assert _in_order(captions, printed) == [], f"HTML captions {captions}, PDF {printed}"
    assert len(view.section_titles) >= len(committed_report["notebooks"])
    position = 0
    for title in (" ".join(title.split()) for title in view.section_titles):
        found = text.find(title, position)
        assert found >= 0, f"section {title!r} missing from the PDF, or out of order"
        position = found + len(title)


# --- a tiny synthetic notebook: the rendering rules, whatever the notebooks contain -------------


def png_output() -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1, 4])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return new_output(
        "display_data",
        data={
            "image/png": base64.b64encode(buffer.getvalue()).decode(),
            "text/plain": "<Figure>",
        },
    )


def synthetic_notebook(title: str, figure: int) -> nbformat.NotebookNode:
    code = new_code_cell(
        f"# Figure {figure} — a line\nSECRET_CODE_LINE = 1",
        outputs=[
            new_output("stream", name="stderr", text="epoch 1/3 PROGRESS-ON-STDERR\n"),
            new_output("stream", name="stdout", text="shapes: (28, 28)\n"),
            png_output(),
        ],
        execution_count=1,
    )
    return new_notebook(
        cells=[
            new_markdown_cell(f"# {title}\n\n## Setup"),
            new_code_cell("# Colab only: fetch the project\nCOLAB_CELL = 1"),
            new_markdown_cell(
                "The optimum is $$D^*(x) = \\frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$$ "
                "with $\\mathbb{E}_z[\\log D(G(z))]$ inline."
            ),
            code,
            new_markdown_cell(f"**Figure {figure} —** A line with $\\sigma^2$ in the caption."),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
    )


@pytest.mark.slow
def test_rendering_rules_on_synthetic_notebooks(tmp_path, monkeypatch, browser):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    paths = []
    for index, title in enumerate(["First notebook", "Second notebook"], start=1):
        path = tmp_path / "notebooks" / f"0{index}_nb.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(synthetic_notebook(title, figure=index), path)
        paths.append(path)
    outputs = report.build_report(paths, "cpu", execute=False, pdf=False)
    html_path = tmp_path / "report" / "vae-vs-gan.html"
    assert outputs == {"html": html_path}
    html_text = html_path.read_text(encoding="utf-8")
    assert_self_contained(html_text)
    view = PageView(browser, html_path)
    assert_reads_well(view)
    for number in (1, 2):
        assert caption_pattern(number).search(view.text)
    assert "shapes: (28, 28)" in view.text  # stdout stays
    assert "PROGRESS-ON-STDERR" not in html_text  # stderr goes
    assert "COLAB_CELL" not in html_text  # the Colab cell goes
    assert "SECRET_CODE_LINE" not in view.text  # code folded...
    assert "SECRET_CODE_LINE" in view.text_with_code  # ...until the reader opens it
    assert view.images == 2
    # Both notebooks have a "Setup" section: the ids stay unique and the TOC reaches both.
    assert [href for href, _ in view.toc_targets].count("#setup") == 1
    assert "#setup-2" in [href for href, _ in view.toc_targets]
    # --no-execute publishes nothing, even for a real profile.
    assert not (tmp_path / "figures").exists() and not (tmp_path / "results").exists()


# --- execution: papermill, the failure message, smoke stays in runs/smoke ----------------------


@pytest.mark.slow
def test_failed_notebook_stops_the_report_naming_notebook_and_cell(tmp_path):
    (tmp_path / "pyproject.toml").write_text('name = "vae-vs-gan"\n')
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    parameters = new_code_cell('profile = "cpu"  # smoke | cpu | paper')
    parameters.metadata["tags"] = ["parameters"]
    good = new_notebook(
        cells=[
            parameters,
            new_code_cell(
                "from pathlib import Path\n"
                "Path('../runs/smoke/figures').mkdir(parents=True, exist_ok=True)\n"
                "Path(f'../runs/{profile}/figures/01_x.png').write_bytes(b'png')\n"
                "Path(f'../runs/{profile}/seen_cwd').write_text(str(Path.cwd()))"
            ),
        ]
    )
    broken = new_notebook(
        cells=[new_code_cell("x = 1"), new_code_cell("# the broken cell\nraise ValueError('boom')")]
    )
    never = new_notebook(cells=[new_code_cell("open('../never-ran', 'w').close()")])
    for name, notebook in (("01_good", good), ("02_broken", broken), ("03_never", never)):
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(notebook, notebooks / f"{name}.ipynb")
    result = run_report(
        "--profile",
        "smoke",
        "--no-pdf",
        "notebooks/01_good.ipynb",
        "notebooks/02_broken.ipynb",
        "notebooks/03_never.ipynb",
        root=tmp_path,
    )
    assert result.returncode == 1
    message = result.stderr
    # papermill injects a parameters cell on top (In [1]): "x = 1" is In [2], the failure In [3]
    assert "notebook 02_broken.ipynb failed in cell In [3]" in message
    assert "# the broken cell" in message and "ValueError: boom" in message
    executed = tmp_path / "runs" / "smoke" / "notebooks"
    assert "runs/smoke/notebooks/02_broken.ipynb" in message
    failed = nbformat.read(executed / "02_broken.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in failed.cells for o in c.get("outputs", []))
    assert not (executed / "03_never.ipynb").exists() and not (tmp_path / "never-ran").exists()
    # papermill injected the profile and ran the notebook from its own folder.
    assert (tmp_path / "runs" / "smoke" / "seen_cwd").read_text() == str(notebooks)
    good_run = nbformat.read(executed / "01_good.ipynb", as_version=4)
    injected = [c for c in good_run.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'profile = "smoke"' in injected[0].source
    timings = json.loads((tmp_path / "runs/smoke/results/report_timings.json").read_text())
    assert timings["notebooks"]["02_broken.ipynb"]["status"] == "failed"
    # smoke wrote nothing outside runs/smoke/
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "pyproject.toml", "runs"]
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["smoke"]


def test_publish_copies_figures_and_json_results_only(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    run = tmp_path / "runs" / "cpu"
    (run / "figures").mkdir(parents=True)
    (run / "results").mkdir(parents=True)
    (run / "figures" / "03_gan_losses.png").write_bytes(b"new")
    (run / "results" / "dcgan.json").write_text("{}")
    (run / "results" / "dcgan_samples.npz").write_bytes(b"npz")
    (run / "results" / "dcgan.weights.h5").write_bytes(b"h5")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "07_gan_samples_epoch-005.png").write_bytes(b"stale")
    (tmp_path / "figures" / "03_gan_losses.png").write_bytes(b"old")
    published = report.publish_run("cpu")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in published) == [
        "figures/03_gan_losses.png",
        "results/cpu/dcgan.json",
    ]
    assert (tmp_path / "figures" / "03_gan_losses.png").read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["03_gan_losses.png"]
    assert sorted(p.name for p in (tmp_path / "results" / "cpu").iterdir()) == ["dcgan.json"]


def test_publish_takes_only_the_newest_file_of_each_figure(tmp_path, monkeypatch):
    """A run with other snapshot epochs leaves the older run's file of the same figure in
    runs/<profile>/figures/: that one must neither be published nor survive in figures/."""
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    figures = tmp_path / "runs" / "cpu" / "figures"
    figures.mkdir(parents=True)
    old, new = figures / "07_gan_samples_epoch-024.png", figures / "07_gan_samples_epoch-036.png"
    old.write_bytes(b"old run")
    new.write_bytes(b"this run")
    (figures / "03_gan_losses.png").write_bytes(b"this run")
    os.utime(old, ns=(10**18, 10**18))
    os.utime(new, ns=(2 * 10**18, 2 * 10**18))
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "07_gan_samples_epoch-024.png").write_bytes(b"old run")
    report.publish_run("cpu")
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == [
        "03_gan_losses.png",
        "07_gan_samples_epoch-036.png",
    ]
    os.utime(old, ns=(3 * 10**18, 3 * 10**18))  # whichever was written last wins
    assert report.newest_per_figure([new, old]) == [old]


def test_publish_keeps_the_ablation_record_that_no_notebook_writes(tmp_path, monkeypatch):
    """`make ablation` writes vaegan_z16_ablation.json; a later `make report` whose run folder
    lacks it (a fresh clone) must not delete the published one, but still removes stale JSON."""
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    (tmp_path / "runs" / "cpu" / "results").mkdir(parents=True)
    (tmp_path / "runs" / "cpu" / "results" / "vae.json").write_text('{"new": 1}')
    results = tmp_path / "results" / "cpu"
    results.mkdir(parents=True)
    (results / "vaegan_z16_ablation.json").write_text('{"published": 1}')
    (results / "dcgan_step_profile.json").write_text('{"published": 2}')  # make benchmark's
    (results / "old_model.json").write_text("{}")
    report.publish_run("cpu")
    assert sorted(p.name for p in results.iterdir()) == [
        "dcgan_step_profile.json", "vae.json", "vaegan_z16_ablation.json",
    ]  # fmt: skip
    assert (results / "vaegan_z16_ablation.json").read_text() == '{"published": 1}'
    assert (results / "dcgan_step_profile.json").read_text() == '{"published": 2}'


def test_smoke_publishes_nothing_and_reports_under_runs_smoke(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    figures = tmp_path / "runs" / "smoke" / "figures"
    figures.mkdir(parents=True)
    (figures / "03_gan_losses.png").write_bytes(b"png")
    assert report.publish_run("smoke") == []
    assert report.report_dir("smoke") == tmp_path / "runs" / "smoke" / "report"
    assert report.report_dir("cpu") == tmp_path / "report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]


def test_missing_chromium_says_how_to_install(monkeypatch):
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    with pytest.raises(report.ReportError, match="make report-deps"):
        report.chromium_executable()


def test_table_of_contents_nests_sections_with_unique_ids():
    def heading(level, text):
        anchor = text.replace(" ", "-")
        return (
            f'<h{level} id="{anchor}">{text}<a class="anchor-link" href="#{anchor}">¶</a>'
            f"</h{level}>"
        )

    body = (
        '<nav class="report-toc" id="contents"></nav>'
        + heading(1, "DCGAN")
        + heading(2, "Setup")
        + heading(3, "Detail")
        + heading(1, "VAE")
        + heading(2, "Setup")
    )
    out = report.add_table_of_contents(body)
    assert re.findall(r'<h\d id="([^"]+)"', out) == ["dcgan", "setup", "detail", "vae", "setup-2"]
    toc = out[: out.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', toc) == ["dcgan", "setup", "vae", "setup-2"]
    assert toc.count("<ol>") == 3  # the list, and one sub-list per notebook
    assert 'href="#setup-2">&#182;' in out


def test_smoke_notebooks_are_never_rendered_into_report(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    notebook = synthetic_notebook("Smoke run", figure=1)
    parameters = new_code_cell('profile = "smoke"  # smoke | cpu | paper')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells.insert(1, parameters)
    path = tmp_path / "01_smoke.ipynb"
    nbformat.write(notebook, path)
    assert report.executed_profile(path) == "smoke"
    with pytest.raises(report.ReportError, match="--profile smoke"):
        report.build_report([path], "cpu", execute=False, pdf=False)
    assert not (tmp_path / "report").exists()
    notebook.metadata["papermill"] = {"parameters": {"profile": "cpu"}}
    nbformat.write(notebook, path)
    assert report.executed_profile(path) == "cpu"
    # a committed notebook that picks its profile at run time carries make test's smoke outputs
    parameters.source = "profile = None  # None: $VAE_VS_GAN_PROFILE, else by device"
    notebook.metadata.pop("papermill")
    nbformat.write(notebook, path)
    assert report.executed_profile(path) == "smoke"


def _results_record(name: str, resumed_from_epoch: int = 0, metrics: dict | None = None) -> dict:
    """A model's results record (helpers.record) as a published run leaves it, made up."""
    from helpers.record import ResultsRecord, Timings

    record = ResultsRecord(
        name=name, model=name.split("_")[0], config={}, seed=0, environment={}, history={},
        final={}, parameters={"total": 1}, images_per_epoch=100,
        resumed_from_epoch=resumed_from_epoch,
        timings=Timings(epoch_seconds=[1.0], validation_seconds=[0.0], wall_time_seconds=1.0,
                        images_per_second=100.0, export_seconds=0.0),
        metrics=metrics or {},
    )  # fmt: skip
    return record.to_dict()


def _published_run(root: Path) -> None:
    """results/cpu/ and figures/ as a published run leaves them (tiny, made-up values)."""
    folder = root / "results" / "cpu"
    folder.mkdir(parents=True)
    row = {"fid": 12.3456, "kid": 0.004321, "kid_std": 0.0005, "inception_score": 8.765,
           "inception_score_std": 0.02, "precision": 0.7, "recall": 0.6, "coverage": 0.5,
           "classes_covered": 10, "sharpness": 0.0123, "copy_share": 0.001}  # fmt: skip
    comparison = {
        "profile": "cpu",
        "dataset": "mnist",
        "samples_per_row": 5000,
        "reference": "5000 even-indexed test images",
        "classifier": {"test_accuracy": 0.9912},
        "rows": {"real": dict(row, fid=1.5), "dcgan": row, "vae": dict(row, fid=40.25)},
        "fid_per_epoch": {
            "dcgan": {"epochs": [1, 2, 3], "best_epoch": 3, "within_noise_epoch": 2},
            "vaegan": {
                "epochs": [1, 2],
                "best_epoch": 2,
                "within_noise_epoch": 2,
                "plateaued": False,
            },
        },
        "training_cost": {
            "dcgan": {"epochs": 3, "wall_time_seconds": 600.0, "images_per_second": 1234.0}
        },
        "seeds": [0, 1, 2],
        "seed_rows": {
            "real": {key: [value] for key, value in dict(row, fid=1.5).items()},
            "dcgan": {"fid": [12.0, 12.5, 13.0], "kid": [0.004, 0.0045, 0.005]},
            "vae": {"fid": [40.25, 40.25, 40.25]},
        },
        "seed_stopping": {
            "dcgan": [{"epochs": [1, 2, 3], "within_noise_epoch": stop} for stop in (2, 3, 2)]
        },
        "seed_costs": {
            "dcgan": {
                "epochs": [3, 3, 3],
                "wall_time_seconds": [600.0, 610.0, 620.0],
                "images_per_second": [1234.0, 1200.0, 1268.0],
            }
        },
        "seed_likelihood": {"vae": {"test_elbo": [-150.0, -151.0, -152.0], "iwae": [-145.5] * 3}},
    }
    notebooks = {"01_theory.ipynb": {"seconds": 30.0}, "02_dcgan.ipynb": {"seconds": 660.0}}
    timings = {
        "git_commit": "abcdef1234567890",
        "started_utc": "2026-11-25T11:00:00+00:00",
        "notebooks": notebooks,
    }
    vae_metrics = {
        "test_elbo": {"nats_per_image": -150.123, "n_images": 10000},
        "iwae": {"k": 1000, "log_px": -145.678, "standard_error": 0.4, "n_images": 2000},
    }
    vae = _results_record("vae", metrics=vae_metrics)
    for name, record in (("comparison", comparison), ("report_timings", timings), ("vae", vae)):
        (folder / f"{name}.json").write_text(json.dumps(record))
    (root / "figures").mkdir()
    (root / "figures" / "07_gan_samples_epoch-020.png").write_bytes(b"png")
    shown = {"plane": "VAE", "point": [0.123, -1.5], "between": [4, 9]}
    (folder / "explorer_screenshot.json").write_text(json.dumps(shown))
    (root / "figures" / "29_comparison_explorer.png").write_bytes(b"png")


def test_readme_results_come_from_the_published_json(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    _published_run(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# title\n\n## Results\n\n{report.README_START}\nold\n{report.README_END}\nend\n"
    )
    report.update_readme("cpu")
    text = readme.read_text()
    assert text.startswith("# title\n\n## Results\n") and text.endswith(
        f"{report.README_END}\nend\n"
    )
    assert "old" not in text
    # FID and KID x 1e3 as mean ± sd over the seeds, and the number of seeds, from comparison.json
    assert "| DCGAN | 12.50 ± 0.50 | 4.50 ± 0.50 |" in text and "over 3 training seeds" in text
    assert "| VAE | 40.25 ± 0.00 |" in text and "| real (held-out) | 1.50 | 4.32 |" in text
    assert "commit `abcdef123456`" in text and "`02_dcgan` 11 min" in text
    assert "figures/07_gan_samples_epoch-020.png" in text
    assert (
        "![the HTML report's latent explorer in use: the pointer at z = (0.12, -1.50) on " in text
    )
    assert "midway between its 4s and 9s" in text and "(figures/29_comparison_explorer.png)" in text
    assert "11_vae_manifold" not in text  # a figure the run did not publish is not linked
    assert "ELBO -151.00 ± 1.00" in text and "2,000 images) -145.50 ± 0.00" in text
    assert "bootstrap noise after epoch 2, 3, 2 of 3 (one per seed)" in text
    assert "DCGAN 3 epochs in 10 min (1,234 ± 34 images/s)" in text
    report.update_readme("cpu")  # idempotent: markers kept, section replaced, not appended
    assert readme.read_text() == text


def test_readme_says_which_models_resumed_instead_of_training(tmp_path, monkeypatch):
    """A republish that reloads finished models runs its notebooks in seconds: the timing line
    must not pass that off as the cost of the report."""
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    _published_run(tmp_path)
    folder = tmp_path / "results" / "cpu"
    assert report.resumed_models(folder) == []
    assert "in all." in report.readme_results("cpu")
    for name, resumed in (("dcgan", 24), ("vaegan", 0), ("vae_z16", 30)):
        (folder / f"{name}.json").write_text(json.dumps(_results_record(name, resumed)))
    assert report.resumed_models(folder) == ["dcgan", "vae_z16"]
    text = report.readme_results("cpu")
    assert "in all (dcgan, vae_z16 resumed from their checkpoints:" in text
    assert "trained from scratch" not in text  # no from-scratch record to quote
    timings = json.loads((folder / "report_timings.json").read_text())
    timings["from_scratch"] = {
        "git_commit": "0123456789abcdef",
        "started_utc": "2026-11-20T09:00:00+00:00",
        "cpu_model": "AMD EPYC",
        "cpu_features": ["avx2", "avx512_bf16"],
        "notebooks": {"02_dcgan.ipynb": 480.0, "03_vae.ipynb": 200.0},
    }
    (folder / "report_timings.json").write_text(json.dumps(timings))
    text = report.readme_results("cpu")
    assert (
        "The models were trained from scratch at commit `0123456789ab` on AMD EPYC (avx2, "
        "avx512_bf16) (2026-11-20): `02_dcgan` 8 min, `03_vae` 3 min — 11 min in all." in text
    )


def test_from_scratch_timings_are_this_runs_unless_a_model_resumed(tmp_path):
    from helpers.report.execution import from_scratch_timings

    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "dcgan.json").write_text(json.dumps(_results_record("dcgan", 0)))
    this_run = {
        "git_commit": "abc",
        "started_utc": "2026-12-07T10:00:00+00:00",
        "notebooks": {"02_dcgan.ipynb": {"seconds": 480.0, "status": "ok"}},
    }
    earlier = {"from_scratch": {"git_commit": "old", "notebooks": {"02_dcgan.ipynb": 500.0}}}
    scratch = from_scratch_timings(this_run, earlier, folder)
    assert scratch["git_commit"] == "abc" and scratch["notebooks"] == {"02_dcgan.ipynb": 480.0}
    assert "cpu_model" in scratch and "cpu_features" in scratch
    (folder / "dcgan.json").write_text(json.dumps(_results_record("dcgan", 48)))  # reloaded
    assert from_scratch_timings(this_run, earlier, folder) == earlier["from_scratch"]
    assert from_scratch_timings(this_run, {}, folder) is None


def test_readme_without_a_published_run_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    (tmp_path / "README.md").write_text(f"{report.README_START}\n{report.README_END}\n")
    with pytest.raises(report.ReportError, match="make report PROFILE=cpu"):
        report.update_readme("cpu")


def test_report_header_names_the_commit_the_notebooks_ran_at(tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_VS_GAN_ROOT", str(tmp_path))
    assert report.executed_commit("cpu") is None  # no run yet: the render falls back to HEAD
    for profile in ("cpu", "smoke"):
        folder = tmp_path / "runs" / profile / "results"
        folder.mkdir(parents=True)
        (folder / "report_timings.json").write_text(json.dumps({"git_commit": "0123abcd"}))
    assert report.executed_commit("cpu") == "0123abcd"
    assert report.executed_commit("smoke") is None  # smoke renders the committed notebooks
