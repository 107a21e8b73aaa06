"""How the report is laid out: cell tags, log lines, figure anchors, and the printed page.

The unit tests build merged notebooks in memory; the PDF test renders two tiny synthetic
notebooks (a 16-column table, a long code line, a figure, an appendix) and reads the PDF back
with pdftotext (Debian's poppler-utils and chromium: `make report-deps`).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers import report
from tests.pdf_checks import front_pages, main_part_pages, pdf_pages_text, table_headers_in_pdf
from tests.test_report import (
    PageView,
    assert_reads_well,
    caption_pattern,
    png_output,
    require_tools,
)

# --- log lines ---------------------------------------------------------------------------------

LOG_LINES = [
    "I0000 00:00:1733150000.123456    1234 cpu_feature_guard.cc:182] This TensorFlow binary",
    "W0000 00:00:1733150000.654321    1234 gpu_device.cc:2344] Cannot dlopen some GPU libraries",
    "E0000 00:00:1733150000.1 cuda_dnn.cc:8310] Unable to register cuDNN factory",
    "WARNING:tensorflow:5 out of the last 5 calls triggered tf.function retracing",
    "INFO:absl:Fingerprint not found",
    "2026-12-02 12:00:00.123456: I tensorflow/core/util/port.cc:153] oneDNN custom operations",
    "[dcgan] epoch 3/10  D loss 1.2994  G loss 0.6760  elapsed 0:00:02  eta 0:00:02",
    "[iwae k=50] 100/200 images",
    "[classifier mnist] epoch 1/3  loss 0.9304",
    "Epoch 3/10",
    "12/100 [==>...........................] - ETA: 3s - loss: 0.31",
    "1/1 ━━━━━━━━━━━━━━━━━━━━ 0s 35ms/step",
    " 40%|████      | 4/10 [00:01<00:02,  3.10it/s]",
]
RESULT_LINES = [
    "FID 12.3 after epoch 3/10 (the best)",
    "[1, 2, 3] are the snapshot epochs",
    "[Goodfellow 2014] Generative adversarial nets",
    "posterior mean [-0.983135  0.092647], correlation -0.654167",
    "Warning signs: none",
    "PASS  V(D = 1/2, G) = -log 4: -1.386294 vs -1.386294",
    "generator: 82,613 parameters, output (28, 28, 1)",
    "   θ0   E[D(G(z))]   saturating",
]


def test_log_lines_are_dropped_and_printed_results_kept():
    mixed = [line for pair in zip(RESULT_LINES, LOG_LINES, strict=False) for line in pair]
    mixed += LOG_LINES[len(RESULT_LINES) :]
    text = report.reading_stream_text("\n".join(mixed) + "\n")
    assert text.splitlines() == RESULT_LINES
    assert text.endswith("\n")


def test_carriage_return_progress_keeps_only_what_a_terminal_shows():
    text = report.reading_stream_text("step 10\rstep 20\rloss 0.5 after 20 steps\n 50%|##  |\r\n")
    assert text == "loss 0.5 after 20 steps\n"


# --- tags: appendix, references, hidden outputs, anchors -------------------------------------


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def _write(tmp_path, name, cells):
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_appendix_and_references_follow_the_last_notebook(tmp_path):
    first = _write(
        tmp_path,
        "01_a",
        [
            new_markdown_cell("# A"),
            tagged(new_markdown_cell("## Device strategy (A)"), "report-appendix"),
            tagged(new_code_cell("print('strategy')"), "report-appendix"),
            new_markdown_cell("A's text"),
        ],
    )
    second = _write(
        tmp_path,
        "02_b",
        [
            new_markdown_cell("# B"),
            tagged(new_markdown_cell("# References\n\nGoodfellow 2014"), "report-references"),
            tagged(new_markdown_cell("## Timing (B)"), "report-appendix"),
            new_markdown_cell("B's text"),
        ],
    )
    merged = report.merge_notebooks([first, second])
    sources = [cell.source.splitlines()[0] for cell in merged.cells]
    assert sources == [
        "# A",
        "A's text",
        "# B",
        "B's text",
        "# References",
        "# Appendix",
        "## Device strategy (A)",
        "print('strategy')",
        "## Timing (B)",
    ]
    appendix = merged.cells[sources.index("# Appendix")]
    assert appendix.metadata["report_classes"] == "report-appendix-start"
    # the second notebook's start is marked where it starts, not at a moved cell
    assert merged.cells[2].metadata.get("report_classes") == "report-notebook-start"
    assert len({cell["id"] for cell in merged.cells}) == len(merged.cells)


def test_front_cells_of_any_notebook_come_before_the_first_chapter(tmp_path):
    first = _write(tmp_path, "01_a", [new_markdown_cell("# A"), new_markdown_cell("A's text")])
    second = _write(
        tmp_path,
        "02_b",
        [
            new_markdown_cell("# B"),
            tagged(new_markdown_cell("# Abstract"), "report-front"),
            tagged(new_code_cell("print('abstract')"), "report-front"),
            new_markdown_cell("B's text"),
            tagged(new_markdown_cell("## Settings"), "report-front"),
        ],
    )
    merged = report.merge_notebooks([first, second])
    sources = [cell.source.splitlines()[0] for cell in merged.cells]
    assert sources == [
        "# Abstract",
        "print('abstract')",
        "## Settings",
        "# A",
        "A's text",
        "# B",
        "B's text",
    ]
    starts = [c.source for c in merged.cells if c.metadata.get("report_classes")]
    assert starts == ["# A", "# B"]


def test_no_appendix_heading_without_appendix_cells(tmp_path):
    path = _write(tmp_path, "01_a", [new_markdown_cell("# A"), new_markdown_cell("text")])
    assert [c.source for c in report.merge_notebooks([path]).cells] == ["# A", "text"]


def test_hide_output_keeps_the_code_and_drops_its_outputs(tmp_path):
    outputs = [new_output("stream", name="stdout", text="a file list\n"), png_output()]
    hidden = tagged(new_code_cell("x = 1", outputs=outputs), "report-hide-output")
    shown = tagged(new_code_cell("y = 2", outputs=list(outputs)), "report-show-code")
    only_logs = new_code_cell(
        "train()", outputs=[new_output("stream", name="stdout", text=LOG_LINES[6] + "\n")]
    )
    path = _write(tmp_path, "01_a", [hidden, shown, only_logs])
    cells = report.merge_notebooks([path]).cells
    assert [cell.source for cell in cells] == ["x = 1", "y = 2", "train()"]
    assert cells[0].outputs == []
    assert len(cells[1].outputs) == 2 and cells[1].metadata["report_print_code"] is True
    assert "report_print_code" not in cells[0].metadata
    assert cells[2].outputs == []  # a stream of log lines only leaves nothing


def test_a_progress_bar_widget_leaves_nothing_in_the_report(tmp_path):
    """tqdm.auto in a Jupyter kernel displays a widget whose text/plain is the bar's last line:
    the whole output goes, the cell's other outputs stay."""
    bar = new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2},
            "text/plain": "dcgan: 100%|##########| 48/48 [07:00<00:00, d_loss=1.2]",
        },
    )
    printed = new_output("stream", name="stdout", text="48 epochs of 30,000 images\n")
    path = _write(
        tmp_path, "01_a", [new_code_cell("run = train(model, data)", outputs=[bar, printed])]
    )
    cells = report.merge_notebooks([path]).cells
    assert [output.get("text") for output in cells[0].outputs] == ["48 epochs of 30,000 images\n"]


def test_captions_get_figure_anchors_and_a_figure_list(tmp_path):
    path = _write(
        tmp_path,
        "01_a",
        [
            new_markdown_cell("**Figure 3 —** The optimum $D^*(x)$ of *one* discriminator here"),
            new_markdown_cell("Figure 4 is discussed in the text, not a caption"),
            new_markdown_cell("**Figure 12 —** Short."),
            new_markdown_cell("**Figure 3 —** The same number again."),
        ],
    )
    merged = report.merge_notebooks([path])
    anchors = [cell.metadata.get("report_anchor") for cell in merged.cells]
    assert anchors == ["figure-3", None, "figure-12", "figure-3-2"]
    figures = report.figure_list(merged, words=4)
    assert figures[0] == ("figure-3", "Figure 3 — The optimum $D^*(x)$ of …")
    assert figures[1] == ("figure-12", "Figure 12 — Short.")
    toc = report.add_table_of_contents('<nav class="report-toc"></nav>', figures=figures)
    assert re.findall(r'href="#(figure-[\d-]+)"', toc) == ["figure-3", "figure-12", "figure-3-2"]


# --- the printed page --------------------------------------------------------------------------

WIDE_HEADERS = [f"{word}col" for word in (
    "Aardvark", "Bluejay", "Caribou", "Dolphin", "Emuhawk", "Falcon", "Gazelle", "Heron",
    "Ibexgoat", "Jackal", "Koala", "Lemming", "Marmot", "Narwhal", "Ocelot", "Pelican",
)]  # fmt: skip
# 30-character identifiers on one code line far wider than the page: it has to wrap somewhere.
IDENTIFIERS = [f"identifier_{index:02d}_of_thirty_chars"[:30] for index in range(12)]


def wide_table() -> str:
    rows = ["| model | " + " | ".join(WIDE_HEADERS) + " |", "|---" * 17 + "|"]
    for model in ("real", "DCGAN", "VAE"):
        rows.append(f"| {model} | " + " | ".join(f"{i * 1.2345:.4f}" for i in range(16)) + " |")
    return "\n".join(rows)


def layout_notebook(title: str, figure: int, appendix: bool) -> nbformat.NotebookNode:
    long_line = "result = combine(" + ", ".join(IDENTIFIERS) + ")"
    cells = [
        new_markdown_cell(f"# {title}\n\nSome text with $\\sigma^2$ in it."),
        new_code_cell(
            "# a figure\nFOLDED_CODE_MARKER = 1",
            outputs=[
                new_output("stream", name="stdout", text=f"{LOG_LINES[6]}\nshape (28, 28)\n"),
                png_output(),
            ],
        ),
        new_markdown_cell(f"**Figure {figure} —** A line."),
    ]
    if appendix:
        cells += [
            new_markdown_cell("## The metrics\n\n" + wide_table()),
            tagged(new_code_cell(long_line, outputs=[]), "report-show-code"),
            tagged(new_markdown_cell("# References\n\nGoodfellow 2014."), "report-references"),
            tagged(
                new_markdown_cell("## Device strategy\n\nAPPENDIX_TEXT_MARKER."), "report-appendix"
            ),
        ]
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    return notebook


@pytest.fixture(scope="module")
def layout_report(tmp_path_factory):
    require_tools("chromium", "pdftotext")
    root = tmp_path_factory.mktemp("layout")
    paths = []
    for index, title in enumerate(["First notebook", "Second notebook"], start=1):
        path = root / "notebooks" / f"0{index}_nb.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(layout_notebook(title, figure=index + 2, appendix=index == 2), path)
        paths.append(path)
    html_path = root / "report.html"
    report.render_html(paths, html_path, "smoke")
    pdf_path = report.print_pdf(html_path, root / "report.pdf")
    return {"html": html_path, "pdf": pdf_path, "pages": pdf_pages_text(pdf_path)}


@pytest.mark.slow
def test_every_column_header_of_a_wide_table_is_printed(layout_report):
    assert table_headers_in_pdf(layout_report["pdf"], WIDE_HEADERS) == []
    assert table_headers_in_pdf(layout_report["pdf"], ["model", "NOT_A_HEADER"]) == ["NOT_A_HEADER"]


@pytest.mark.slow
def test_long_code_lines_wrap_between_tokens(layout_report):
    text = "\n".join(layout_report["pages"])
    split = [name for name in IDENTIFIERS if name not in text]
    assert split == [], f"identifiers broken across lines in the PDF: {split}"
    assert "FOLDED_CODE_MARKER" not in text  # folded code is not printed...
    assert "combine(" in text  # ...a cell tagged report-show-code is


@pytest.mark.slow
def test_pdf_has_no_log_line_and_no_page_per_notebook(layout_report):
    pages = layout_report["pages"]
    text = "\n".join(pages)
    assert "shape (28, 28)" in text and "epoch 3/10" not in text
    # Both notebooks share the first page; the appendix, after the references, starts a page.
    assert "First notebook" in pages[0] and "Second notebook" in pages[0]
    appendix = next(i for i, page in enumerate(pages) if "APPENDIX_TEXT_MARKER" in page)
    assert appendix > 0 and pages[appendix].lstrip().startswith("Appendix")
    assert text.index("Goodfellow 2014") < text.index("APPENDIX_TEXT_MARKER")
    assert "Contents" not in text  # the table of contents is for the screen


@pytest.mark.slow
def test_html_has_a_fixed_side_contents_with_figure_anchors(layout_report):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = report.launch_chromium(playwright)
        try:
            view = PageView(browser, layout_report["html"])
            page = report.open_report_page(browser, layout_report["html"])
            position = page.evaluate(
                "() => getComputedStyle(document.querySelector('nav.report-toc')).position"
            )
            page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            scrolled = page.evaluate("() => window.scrollY")
            box = page.locator("nav.report-toc h2").bounding_box()
            page.context.close()
        finally:
            browser.close()
    assert_reads_well(view)
    hrefs = [href for href, _ in view.toc_targets]
    assert "#figure-3" in hrefs and "#figure-4" in hrefs and "#appendix" in hrefs
    assert position in ("sticky", "fixed")
    assert scrolled > 0
    assert box is not None and 0 <= box["y"] < 200  # still in view after scrolling


# --- the published report ----------------------------------------------------------------------

PUBLISHED_PDF = Path(__file__).resolve().parents[1] / "report" / f"{report.REPORT_NAME}.pdf"
# The front matter (abstract, differences from the paper, settings) fits in 3 A4 pages and the
# chapters in 30; the references and the appendix follow them
FRONT_MAX_PAGES = 3
MAIN_PART_MAX_PAGES = 30


PUBLISHED_HTML = PUBLISHED_PDF.with_suffix(".html")
PUBLISHED_HTML_MAX_BYTES = 12 * 2**20  # the report opens offline as one file, under 12 MB


def test_published_report_holds_the_latent_explorer_and_stays_light():
    """The published HTML carries the explorer of the latent-2 VAE and VAE-GAN planes and of
    the DCGAN's and latent-16 models' walks; the PDF, its static version and its note."""
    from helpers import explorer

    assert PUBLISHED_HTML.is_file(), f"{PUBLISHED_HTML} is missing: run `make report`"
    assert PUBLISHED_HTML.stat().st_size < PUBLISHED_HTML_MAX_BYTES
    html = PUBLISHED_HTML.read_text(encoding="utf-8")
    assert 'id="latent-explorer"' in html
    for title in ("VAE", "VAE-GAN"):
        assert f'aria-label="{title} latent plane"' in html, title
    for title in ("DCGAN", "VAE (z=16)", "VAE-GAN (z=16)"):
        assert f"{title} walk" in html.replace("&#x27;", "'"), title
    text = " ".join(" ".join(pdf_pages_text(PUBLISHED_PDF)).split())
    assert explorer.PRINT_NOTE in text


def test_published_report_front_in_three_pages_and_chapters_in_thirty():
    require_tools("pdftotext")
    assert PUBLISHED_PDF.is_file(), f"{PUBLISHED_PDF} is missing: run `make report`"
    pages = pdf_pages_text(PUBLISHED_PDF)
    front = front_pages(pages)
    chapters = main_part_pages(pages) - front
    assert 1 <= front <= FRONT_MAX_PAGES, f"the front matter runs to {front} pages"
    assert chapters <= MAIN_PART_MAX_PAGES, (
        f"the report's chapters run to {chapters} pages (at most {MAIN_PART_MAX_PAGES})"
    )
    assert pages[-1].strip(), "the PDF ends on a blank page"


def test_front_pages_counts_the_pages_before_the_first_chapter():
    pages = ["Title\nAbstract", "Differences", "01 — Theory: derived\ntext", "References"]
    assert front_pages(pages) == 2
    with pytest.raises(ValueError, match="first chapter"):
        front_pages(["Abstract only"])


def test_main_part_pages_counts_the_pages_before_the_references_heading():
    pages = ["Title\nIntro", "Text citing References inline", "References\n[1] Goodfellow", "A"]
    assert main_part_pages(pages) == 2
    with pytest.raises(ValueError, match="References"):
        main_part_pages(["no heading here"])


def test_published_report_prints_figures_4_to_7_on_one_page():
    require_tools("pdftotext")
    assert PUBLISHED_PDF.is_file(), f"{PUBLISHED_PDF} is missing: run `make report`"
    pages = pdf_pages_text(PUBLISHED_PDF)
    holding = {
        number: [i + 1 for i, text in enumerate(pages) if caption_pattern(number).search(text)]
        for number in (4, 5, 6, 7)
    }
    assert all(len(found) == 1 for found in holding.values()), holding
    assert len({found[0] for found in holding.values()}) == 1, (
        f"Figures 4-7 are printed on pages {holding}, not on one page"
    )


def test_pair_tags_become_classes_of_code_and_markdown_cells(tmp_path):
    path = _write(
        tmp_path,
        "01_a",
        [
            new_code_cell("1", metadata={"tags": ["report-pair-first", "report-new-page"]}),
            new_code_cell("2", metadata={"tags": ["report-pair"]}),
            new_markdown_cell("**Figure 1 —** One.", metadata={"tags": ["report-pair"]}),
            new_markdown_cell("Not paired."),
        ],
    )
    cells = report.merge_notebooks([path]).cells
    classes = [cell.metadata.get("report_classes", "").split() for cell in cells]
    assert "report-pair-first" in classes[0] and "report-pair" in classes[1]
    assert "report-new-page" in classes[0] and "report-new-page" not in classes[1]
    assert "report-pair" in classes[2]
    assert "report-pair" not in classes[3] and "report-pair-first" not in classes[3]
