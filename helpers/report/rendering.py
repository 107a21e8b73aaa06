"""Step 3 of the report: merge the executed notebooks into one offline HTML (MathJax inlined,
table of contents, code folded) and print it to PDF with headless Chromium."""

from __future__ import annotations

import datetime as _dt
import html
import re
import shutil
from pathlib import Path

import nbformat

from helpers.report.common import (
    _CAPTION,
    _COLAB_CELL,
    _DEPS_HINT,
    _DROPPED_MIME,
    _REMOVE_TAGS,
    APPENDIX_TAG,
    APPENDIX_TITLE,
    CAPTION_TAG,
    FRONT_TAG,
    HIDE_OUTPUT_TAGS,
    NEW_PAGE_TAG,
    PAIR_TAGS,
    REFERENCES_TAG,
    REPORT_NAME,
    REPORT_TITLE,
    SHOW_CODE_TAG,
    SMOKE_PROFILE,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    ReportError,
    _duration,
    _relative,
)
from helpers.runs import (
    atomic_write_bytes,
    git_commit,
    run_dir,
)

# --- 3. render --------------------------------------------------------------------------------


def merge_notebooks(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of all cells, in the order of `paths`, prepared for reading.

    Dropped: the Colab cell, cells tagged remove_cell/report-remove, the outputs of cells
    tagged report-hide-output, stderr streams, log lines in stdout (`reading_stream_text`) and
    widget views. Captions (markdown beginning **Figure N**) get the tag `report-caption` and the
    anchor `figure-N`. Cells tagged report-front come first, before the first notebook's
    (the abstract and what differs from the paper, written by the last notebook). Cells tagged
    report-references follow the last notebook; cells tagged report-appendix follow them,
    under an "Appendix" heading that starts a new PDF page.
    Cells tagged report-pair-first / report-pair get those names as classes: the template sets
    them two abreast (figure, figure, caption, caption: a 2 x 2 block with captions below); a
    cell tagged report-new-page gets that class, which starts a printed page.
    """
    merged = nbformat.v4.new_notebook()
    front: list = []
    main: list = []
    references: list = []
    appendix: list = []
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
                if tags & HIDE_OUTPUT_TAGS:
                    cell.outputs = []
                else:
                    outputs = (_reading_output(o) for o in cell.outputs if _keep_output(o))
                    cell.outputs = [o for o in outputs if o is not None]
                cell.metadata["report_summary"] = _code_summary(cell.source, tags)
                if SHOW_CODE_TAG in tags:
                    cell.metadata["report_print_code"] = True
            if cell.cell_type == "markdown" and _CAPTION.match(cell.source):
                cell.metadata["tags"] = [*cell.metadata.get("tags", []), CAPTION_TAG]
            pair = sorted(tags & (PAIR_TAGS | {NEW_PAGE_TAG}))  # abreast / a new page (CSS)
            if pair:
                classes = cell.metadata.get("report_classes", "")
                cell.metadata["report_classes"] = " ".join([classes, *pair]).strip()
            if FRONT_TAG in tags:
                target = front
            elif APPENDIX_TAG in tags:
                target = appendix
            elif REFERENCES_TAG in tags:
                target = references
            else:
                target = main
                if first and position > 0:
                    cell.metadata["report_classes"] = "report-notebook-start"
                first = False
            cell_id = cell.get("id") or f"cell-{len(seen_ids)}"
            while cell_id in seen_ids:
                cell_id = f"{cell_id}-{position}"
            cell["id"] = cell_id
            seen_ids.add(cell_id)
            target.append(cell)
    if appendix:
        heading = nbformat.v4.new_markdown_cell(f"# {APPENDIX_TITLE}")
        heading["id"] = "report-appendix"
        heading.metadata["report_classes"] = "report-appendix-start"
        appendix.insert(0, heading)
    if front and main:  # the first chapter starts after the front matter
        main[0].metadata["report_classes"] = "report-notebook-start"
    merged.cells = front + main + references + appendix
    _anchor_captions(merged.cells)
    return merged


def _anchor_captions(cells: list) -> None:
    """Caption cells get metadata report_anchor = figure-N (figure-N-2, ... if N repeats)."""
    used: set[str] = set()
    for cell in cells:
        if CAPTION_TAG not in cell.metadata.get("tags", []):
            continue
        number = re.match(r"\s*\*\*Figure\s+(\d+)", cell.source).group(1)
        anchor, count = f"figure-{number}", 1
        while anchor in used:
            count += 1
            anchor = f"figure-{number}-{count}"
        used.add(anchor)
        cell.metadata["report_anchor"] = anchor


_MARKDOWN_MARKS = re.compile(r"[*`]|\[([^\]]*)\]\([^)]*\)")


def figure_list(notebook: nbformat.NotebookNode, words: int = 8) -> list[tuple[str, str]]:
    """[(anchor, label)] of the merged notebook's captions: 'Figure 3 — the first words …'."""
    entries = []
    for cell in notebook.cells:
        anchor = cell.metadata.get("report_anchor")
        if not anchor:
            continue
        pieces = re.split(r"(\$[^$]*\$)", cell.source.split("\n\n")[0])
        text = "".join(  # markdown marks and links out, TeX ($...$) kept as it is
            piece
            if piece.startswith("$")
            else _MARKDOWN_MARKS.sub(lambda m: m.group(1) or "", piece)
            for piece in pieces
        )
        head, _, rest = text.partition("—")
        label, rest_words = " ".join(head.split()), rest.split()
        cut = min(words, len(rest_words))
        while cut < len(rest_words) and " ".join(rest_words[:cut]).count("$") % 2:
            cut += 1  # never end inside $...$ (MathJax typesets the list too)
        if rest_words:
            more = " …" if cut < len(rest_words) else ""
            label += " — " + " ".join(rest_words[:cut]) + more
        entries.append((anchor, label))
    return entries


# Lines of a stdout stream that are logs, not results: absl/glog ("I0000 00:00:17..."), Python
# logging ("WARNING:tensorflow:..."), TensorFlow's C++ log ("2026-01-01 12:00:00.1: I tensorflow/"),
# a training loop's "[dcgan] epoch 3/10 ..." or "[iwae k=50] 100/200 images" (a lower-case
# name in brackets: "[Goodfellow et al. 2014] ..." stays), Keras' "Epoch 3/10", and progress bars
# (Keras "12/100 [==>..." or "━━━", tqdm "40%|████").
_LOG_LINE = re.compile(
    r"""^\s*(?:
        [IWEF]\d{4}\s+\d\d:\d\d:\d\d
      | (?:WARNING|INFO|DEBUG|ERROR|CRITICAL|FATAL)(?::|\s+-\s|\s*\])
      | \d{4}-\d\d-\d\d[\sT]\d\d:\d\d:\d\d[.,\d]*:?\s+[IWEF]\s
      | \[[a-z][\w.=-]*(?:\ [\w.=-]+)*\]\s
      | [Ee]poch\s+\d+\s*/\s*\d+\b
      | \d+/\d+\s+(?:\[[=>.]*\]|━)
    )
    | \d+%\|[^|\n]*\|
    """,
    re.X,
)


def reading_stream_text(text: str) -> str:
    """A stdout stream as a reader should see it: each line as a terminal leaves it (its last
    non-empty part between carriage returns), without the log lines `_LOG_LINE` recognises."""
    kept = []
    for line in text.split("\n"):
        parts = [part for part in line.split("\r") if part]
        shown = parts[-1] if parts else ""
        if not _LOG_LINE.search(shown):
            kept.append(shown)
    return "\n".join(kept)


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
        data = output.get("data", {})
        # a widget (the training progress bar) goes whole: its text/plain is the bar's last line
        return bool(data) and not any(mime in data for mime in _DROPPED_MIME)
    return True


def _reading_output(output):
    """The output as a reader sees it, or None when nothing of it is left to read."""
    if output.get("output_type") == "stream":
        output["text"] = reading_stream_text(output.get("text", ""))
        return output if output["text"].strip() else None
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
_PROFILE_NONE = re.compile(r"^profile\s*=\s*None\b", re.M)


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
            if found:
                return found.group(1)
            # `profile = None` and nothing injected: the committed notebook, whose outputs
            # come from `make test`'s run (the Makefile sets VAE_VS_GAN_PROFILE=smoke)
            return SMOKE_PROFILE if _PROFILE_NONE.search(cell.source) else None
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


def training_provenance(profile: str) -> list[str]:
    """The title page's line on training: which models this run resumed from checkpoints (their
    training is not in the execution times) and what training them from scratch took, from the
    run's report_timings.json; nothing for smoke or without the file."""
    from helpers.report.publishing import from_scratch_text, resumed_models
    from helpers.runs import read_json

    folder = run_dir(profile) / "results"
    timings = folder / "report_timings.json"
    if profile == SMOKE_PROFILE or not timings.is_file():
        return []
    resumed = resumed_models(folder)
    if not resumed:
        return ["Every model was trained from scratch in this run."]
    scratch = from_scratch_text(read_json(timings))
    return [
        f"The training notebooks reloaded {len(resumed)} trained models from their checkpoints, "
        "so these times leave out their training. "
        + (scratch or "No from-scratch timing is recorded.")
    ]


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
    meta += training_provenance(profile)
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
    body = add_table_of_contents(body, figures=figure_list(notebook))
    return atomic_write_bytes(html_path, body.encode("utf-8"))


# nbconvert's markdown headings: <h2 id="Text">Text<a class="anchor-link" href="#Text">¶</a></h2>
_HEADING = re.compile(
    r'<h([1-6])\s+id="([^"]*)"\s*>(.*?)<a\b[^>]*class="anchor-link"[^>]*>(?:&#182;|¶)</a>\s*</h\1>',
    re.S,
)
_TOC_PLACEHOLDER = re.compile(r'<nav\b[^>]*class="report-toc"[^>]*>\s*</nav>')
_TAG = re.compile(r"<[^>]+>")


def add_table_of_contents(
    body: str, levels: int = 2, figures: list[tuple[str, str]] | None = None
) -> str:
    """Give headings unique, plain ids and fill the template's empty <nav class="report-toc">
    with links to the headings of levels 1..2, then (folded) to the figures: `figures` is
    [(anchor, label)] as `figure_list` gives it."""
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
    if not entries and not figures:
        return _TOC_PLACEHOLDER.sub("", body, count=1)
    top = min((level for level, _, _ in entries), default=1)
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
    if entries:
        lines.append("</ol></li>" if open_sub else "</li>")
    lines.append("</ol>")
    if figures:
        lines += [
            '<details class="report-figures">',
            f"<summary>Figures ({len(figures)})</summary>",
            "<ol>",
            *(f'<li><a href="#{a}">{html.escape(label)}</a></li>' for a, label in figures),
            "</ol>",
            "</details>",
        ]
    lines.append("</nav>")
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


# --- the explorer in use, for the README ---------------------------------------------------

EXPLORER_ID = "latent-explorer"  # helpers.explorer's default element id
EXPLORER_SHOT = "29_comparison_explorer.png"  # runs/<profile>/figures/, published to figures/
EXPLORER_SHOT_RECORD = "explorer_screenshot"  # runs/<profile>/results/<this>.json: what it shows
LOOK_ALIKE = (4, 9)  # the screenshot points between these digits' clusters (the paper's pair)


def between_clusters(plane: dict, digits: tuple[int, int] = LOOK_ALIKE) -> tuple[float, float]:
    """The midpoint of the two digits' mean posterior means on a plane of
    `helpers.explorer.explorer_html` (its `means` [N, 2] and `labels` [N])."""
    import numpy as np

    means, labels = np.asarray(plane["means"], float), np.asarray(plane["labels"])
    centres = [means[labels == digit].mean(axis=0) for digit in digits]
    return tuple(float(v) for v in (centres[0] + centres[1]) / 2)


def screenshot_explorer(
    html_path: Path, png_path: Path, point: tuple[float, float], browser=None
) -> Path:
    """A PNG of the report's latent explorer with the pointer at latent `point` (z1, z2) of its
    first panel: what a reader sees using it. ReportError if the report has no explorer.
    `browser`: a Playwright Chromium to use (default: one launched for this)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                return screenshot_explorer(html_path, png_path, point, browser)
            finally:
                browser.close()
    page = open_report_page(browser, html_path)
    try:
        root = page.locator(f"#{EXPLORER_ID}")
        if root.count() == 0:
            raise ReportError(f"{_relative(html_path)} has no latent explorer to show")
        root.scroll_into_view_if_needed()
        page.wait_for_selector(f"#{EXPLORER_ID}[data-ready='1']", state="attached")
        panel = page.locator(f"#{EXPLORER_ID}-panel-0")
        box = panel.bounding_box()
        low, high = (float(panel.get_attribute(f"data-{end}")) for end in ("low", "high"))
        x = box["x"] + (point[0] - low) / (high - low) * box["width"]
        y = box["y"] + (high - point[1]) / (high - low) * box["height"]
        page.mouse.move(x, y)
        picture = root.screenshot()
    finally:
        page.context.close()
    return atomic_write_bytes(png_path, picture)


# Chromium prints the page at this zoom: body text 10.5 pt on screen -> 8.4 pt in print, as
# dense as a two-column paper's 9-10 pt on a narrower line. At 1.0 the main part does not fit
# the 30 A4 pages that tests/test_report_layout.py allows the published report
# (MAIN_PART_MAX_PAGES); `pdfinfo report/vae-vs-gan.pdf` gives the page count.
PRINT_SCALE = 0.8
A4_WIDTH_MM = 210
# The printed page's margins: the bottom one holds the page-number footer
PRINT_MARGINS_MM = {"top": 14, "bottom": 16, "left": 12, "right": 12}
CSS_PIXELS_PER_INCH = 96
MM_PER_INCH = 25.4
# A4 minus the side margins, in CSS pixels, divided by the zoom: the width the page is laid
# out at while the template's reportPreparePrint measures tables.
_PRINT_WIDTH_PX = round(
    (A4_WIDTH_MM - PRINT_MARGINS_MM["left"] - PRINT_MARGINS_MM["right"])
    / MM_PER_INCH
    * CSS_PIXELS_PER_INCH
    / PRINT_SCALE
)
# The viewport's height while the page is laid out for print (tables are measured by width)
_PRINT_VIEWPORT_HEIGHT_PX = 1000


def print_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print the HTML to an A4 PDF with headless Chromium after MathJax has typeset it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = open_report_page(browser, html_path)
            page.emulate_media(media="print")
            page.set_viewport_size({"width": _PRINT_WIDTH_PX, "height": _PRINT_VIEWPORT_HEIGHT_PX})
            page.evaluate("() => reportPreparePrint()")
            pdf = page.pdf(
                format="A4",
                scale=PRINT_SCALE,
                print_background=True,
                margin={side: f"{mm}mm" for side, mm in PRINT_MARGINS_MM.items()},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    '<div style="font-size:8px;width:100%;text-align:center;color:#777;">'
                    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
                ),
            )
        finally:
            browser.close()
    return atomic_write_bytes(pdf_path, pdf)
