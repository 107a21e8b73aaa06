"""The latent-space explorer (helpers.explorer): its codes, its checks, its weight, and the
widget itself in headless Chromium (Debian's, through Playwright) with the network off."""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import explorer
from helpers.explorer import explorer_html, plane_grid, slerp_loop

MNIST_SUBSET = Path(__file__).parent / "data" / "mnist_subset.npz"  # see tests/data/README.md

# --- slerp_loop ---------------------------------------------------------------------------------


def test_slerp_loop_starts_each_segment_on_its_anchor_and_closes_the_loop():
    rng = np.random.default_rng(0)
    anchors = rng.normal(size=(4, 16)).astype(np.float32)
    anchors *= 4 / np.linalg.norm(anchors, axis=1, keepdims=True)
    steps = 8
    codes = slerp_loop(anchors, steps)
    assert codes.shape == (4 * steps, 16) and codes.dtype == np.float32
    for k in range(4):
        np.testing.assert_array_equal(codes[k * steps], anchors[k])
    # equal norms stay equal all along the loop
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 4, rtol=1e-5)
    # within a segment the steps are equal arcs; the last step lands back on z_0 with the same
    # length as the other steps of the last segment (the loop closes without repeating z_0)
    last = np.concatenate([codes[-steps:], codes[:1]]).astype(np.float64)
    chords = np.linalg.norm(np.diff(last, axis=0), axis=1)
    np.testing.assert_allclose(chords, chords[0], rtol=1e-4)


def test_slerp_loop_follows_the_great_circle_between_two_anchors():
    anchors = np.array([[2.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    codes = slerp_loop(anchors, 4)
    angles = np.degrees(np.arctan2(codes[:, 1], codes[:, 0]))
    np.testing.assert_allclose(angles, [0, 22.5, 45, 67.5, 90, 67.5, 45, 22.5], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 2, rtol=1e-6)


def test_slerp_loop_joins_parallel_anchors_by_a_line():
    codes = slerp_loop(np.array([[1.0, 1.0], [3.0, 3.0]]), 2)
    np.testing.assert_allclose(codes, [[1, 1], [2, 2], [3, 3], [2, 2]])


@pytest.mark.parametrize(
    ("anchors", "steps", "message"),
    [
        (np.zeros(4), 3, r"\[K, L\]"),
        (np.zeros((1, 4)), 3, "K >= 2"),
        (np.zeros((2, 4)), 0, "steps"),
        (np.array([[0.0, np.nan], [1.0, 1.0]]), 3, "finite"),
    ],
)
def test_slerp_loop_rejects_bad_arguments(anchors, steps, message):
    with pytest.raises(ValueError, match=message):
        slerp_loop(anchors, steps)


# --- plane_grid ---------------------------------------------------------------------------------


def test_plane_grid_reads_like_a_plot():
    codes = plane_grid(3, -1.0, 1.0)
    assert codes.dtype == np.float32 and codes.shape == (9, 2)
    expected = [[-1, 1], [0, 1], [1, 1], [-1, 0], [0, 0], [1, 0], [-1, -1], [0, -1], [1, -1]]
    np.testing.assert_array_equal(codes, expected)
    cells = plane_grid(41, -4, 4).reshape(41, 41, 2)
    np.testing.assert_allclose(cells[0, 0], [-4, 4])  # top left: low z1, high z2
    np.testing.assert_allclose(cells[40, 40], [4, -4])  # bottom right: high z1, low z2
    np.testing.assert_allclose(cells[20, 21] - cells[20, 20], [0.2, 0], atol=1e-6)


@pytest.mark.parametrize(("args", "message"), [((1, -1, 1), "size"), ((5, 1, 1), "low < high")])
def test_plane_grid_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        plane_grid(*args)


# --- explorer_html: checks and weight -----------------------------------------------------------


def coded_grid(size: int, plane: int) -> np.ndarray:
    """uint8 [size, size, 28, 28]: cell (i, j) of plane p is told apart by its pixels (left half
    encodes i, right half j, the top-left corner p, a ramp on the bottom row)."""
    grid = np.zeros((size, size, 28, 28), np.uint8)
    for i in range(size):
        for j in range(size):
            grid[i, j, :, :14] = 20 + 5 * i
            grid[i, j, :, 14:] = 15 + 5 * j
    grid[:, :, :4, :4] = 255 - 90 * plane
    grid[:, :, 27, :] = np.arange(28, dtype=np.uint8) * 9
    return grid


def coded_frames(count: int, walk: int) -> np.ndarray:
    """uint8 [count, 28, 28]: frame t of walk w is 10 + 30 t + 3 w with a bright diagonal."""
    frames = np.zeros((count, 28, 28), np.uint8)
    for t in range(count):
        frames[t] = 10 + 30 * t + 3 * walk
        frames[t][np.eye(28, dtype=bool)] = 255 - 40 * walk
    return frames


def synthetic_planes(size=11, low=-2.0, high=2.0, count=300, seed=0) -> dict[str, dict]:
    rng = np.random.default_rng(seed)
    return {
        title: {
            "grid": coded_grid(size, p),
            "low": low,
            "high": high,
            "means": rng.uniform(low - 0.5, high + 0.5, size=(count, 2)),
            "labels": rng.integers(0, 10, size=count),
        }
        for p, title in enumerate(["VAE", "VAE-GAN"])
    }


SYNTHETIC_WALKS = {"DCGAN": coded_frames(7, 0), "VAE (z=16)": coded_frames(7, 1)}


def test_explorer_html_is_one_self_contained_fragment():
    fragment = explorer_html(synthetic_planes(), SYNTHETIC_WALKS, element_id="lx-test")
    assert fragment.startswith('<div id="lx-test"') and fragment.rstrip().endswith("</div>")
    assert fragment.count("<script>") == 1 and fragment.count("<style>") == 1
    assert "http:" not in fragment and "https:" not in fragment and "require(" not in fragment
    assert explorer.PRINT_NOTE in fragment
    assert "<h1" not in fragment and "<h2" not in fragment  # the report's contents stay its own


def with_change(change) -> tuple[dict, dict]:
    planes, walks = synthetic_planes(), dict(SYNTHETIC_WALKS)
    change(planes, walks)
    return planes, walks


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p, w: p["VAE"].update(grid=p["VAE"]["grid"].astype(np.float32)), "uint8"),
        (lambda p, w: p["VAE"].update(grid=p["VAE"]["grid"][:, :10]), r"\[G, G, 28, 28\]"),
        (lambda p, w: p["VAE"].update(grid=p["VAE"]["grid"][..., :27]), r"\[G, G, 28, 28\]"),
        (lambda p, w: p["VAE-GAN"].update(grid=coded_grid(9, 1)), "share G, low and high"),
        (lambda p, w: p["VAE-GAN"].update(low=-3.0), "share G, low and high"),
        (lambda p, w: p["VAE"].update(low=2.0), "low < high"),
        (lambda p, w: p["VAE"].update(means=np.zeros((300, 3))), r"means must be \[N, 2\]"),
        (lambda p, w: p["VAE"].update(means=np.zeros((300, 2), int)), "finite floats"),
        (lambda p, w: p["VAE"].update(labels=np.zeros(299, int)), "one per mean"),
        (lambda p, w: p["VAE"].update(labels=np.full(300, 10)), "digits 0..9"),
        (lambda p, w: p["VAE"].pop("means"), "keys"),
        (lambda p, w: w.update(DCGAN=coded_frames(7, 0).astype(np.float32)), "uint8"),
        (lambda p, w: w.update(DCGAN=np.zeros((7, 28, 27), np.uint8)), r"\[T, 28, 28\]"),
    ],
)
def test_explorer_html_names_what_is_wrong(change, message):
    planes, walks = with_change(change)
    with pytest.raises(ValueError, match=message):
        explorer_html(planes, walks)


def test_explorer_html_rejects_a_bad_id_and_nothing_to_show():
    with pytest.raises(ValueError, match="element_id"):
        explorer_html(synthetic_planes(), {}, element_id="1 bad")
    with pytest.raises(ValueError, match="nothing to show"):
        explorer_html({}, {})


def blurred(images: np.ndarray, passes: int = 2) -> np.ndarray:
    """A 3 x 3 box blur over the last two axes, `passes` times (float)."""
    images = images.astype(np.float32)
    for _ in range(passes):
        padded = np.pad(images, [(0, 0)] * (images.ndim - 2) + [(1, 1), (1, 1)], mode="edge")
        images = sum(
            padded[..., 1 + di : 29 + di, 1 + dj : 29 + dj]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
        ) / np.float32(9)
    return images


def vae_like_grid(digits: np.ndarray, size: int) -> np.ndarray:
    """uint8 [size, size, 28, 28] decodes the way a 2-D VAE's look: real digits on a coarse 6 x 6
    lattice, blended bilinearly across the plane and blurred."""
    lattice = digits[:36].reshape(6, 6, 28, 28).astype(np.float32)
    u = np.linspace(0, 5, size)
    i0 = np.minimum(np.floor(u).astype(int), 4)
    f = (u - i0)[:, None, None, None]
    rows = lattice[i0] * (1 - f) + lattice[i0 + 1] * f  # [size, 6, 28, 28]
    g = (u - i0)[None, :, None, None]
    grid = rows[:, i0] * (1 - g) + rows[:, i0 + 1] * g
    return np.clip(np.rint(blurred(grid)), 0, 255).astype(np.uint8)


def digit_walk(digits: np.ndarray, count: int, blur: int) -> np.ndarray:
    """uint8 [count, 28, 28] blending cyclically through 8 real digits."""
    anchors = digits[:8].astype(np.float32)
    position = np.arange(count) / count * len(anchors)
    k = np.floor(position).astype(int)
    f = (position - k)[:, None, None]
    frames = anchors[k] * (1 - f) + anchors[(k + 1) % len(anchors)] * f
    if blur:
        frames = blurred(frames, blur)
    return np.clip(np.rint(frames), 0, 255).astype(np.uint8)


def test_recommended_explorer_stays_light():
    """The recommended grid (41 x 41 over [-4, 4]) of two planes with 10,000 means each and
    three 96-frame walks, with digit-like images, weighs under 3 MB."""
    data = np.load(MNIST_SUBSET)
    rng = np.random.default_rng(0)
    size, low, high = explorer.DEFAULT_GRID_SIZE, explorer.DEFAULT_LOW, explorer.DEFAULT_HIGH
    planes = {
        title: {
            "grid": vae_like_grid(data["x_train"][rng.permutation(800)], size),
            "low": low,
            "high": high,
            "means": rng.normal(scale=1.2, size=(10_000, 2)).astype(np.float32),
            "labels": rng.integers(0, 10, size=10_000),
        }
        for title in ("VAE", "VAE-GAN")
    }
    walks = {
        "DCGAN": digit_walk(data["x_test"][:8], 96, blur=0),
        "VAE (z=16)": digit_walk(data["x_test"][8:16], 96, blur=2),
        "VAE-GAN (z=16)": digit_walk(data["x_test"][16:24], 96, blur=1),
    }
    size_bytes = len(explorer_html(planes, walks).encode("utf-8"))
    print(f"recommended explorer fragment: {size_bytes / 1e6:.2f} MB")
    assert size_bytes < 3_000_000


# --- the widget in Chromium ---------------------------------------------------------------------

SIZE, LOW, HIGH = 11, -2.0, 2.0
ROOT_ID = "lx-test"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (Debian's, through the report's launcher) for the module."""
    from helpers import report

    try:
        report.chromium_executable()
    except report.ReportError as error:
        pytest.skip(f"the browser tests need Chromium: {error}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = report.launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def widget(tmp_path_factory):
    """(page path, planes, walks): the fragment in a minimal HTML page on disk."""
    planes = synthetic_planes(SIZE, LOW, HIGH)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>explorer</title>'
        "</head><body><p>Latent-space explorer</p>"
        f"{explorer_html(planes, SYNTHETIC_WALKS, element_id=ROOT_ID)}</body></html>"
    )
    path = tmp_path_factory.mktemp("explorer") / "page.html"
    path.write_text(page, encoding="utf-8")
    return path, planes, SYNTHETIC_WALKS


class Session:
    """A page of the module's browser, network off, recording every request and script error."""

    def __init__(self, browser, path: Path | None = None):
        self.context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        if path is not None:
            self.page.goto(path.as_uri(), wait_until="load")
            self.page.wait_for_selector(f"#{ROOT_ID}[data-ready='1']", state="attached")

    def dataset(self, key: str) -> str | None:
        return self.page.eval_on_selector(f"#{ROOT_ID}", f"root => root.dataset.{key}")

    def pixels(self, canvas_id: str) -> np.ndarray:
        """The canvas's pixels [H, W] (gray); fails unless every pixel is opaque gray."""
        width, height, gray, red = self.page.evaluate(
            """id => {
                const canvas = document.getElementById(id);
                const data = canvas.getContext("2d").getImageData(
                    0, 0, canvas.width, canvas.height).data;
                const red = [];
                let gray = true;
                for (let k = 0; k < data.length; k += 4) {
                    red.push(data[k]);
                    gray = gray && data[k] === data[k + 1] && data[k] === data[k + 2]
                        && data[k + 3] === 255;
                }
                return [canvas.width, canvas.height, gray, red];
            }""",
            canvas_id,
        )
        assert gray, f"{canvas_id} has pixels that are not opaque gray"
        return np.array(red, np.uint8).reshape(height, width)

    def shows(self, canvas_id: str, image: np.ndarray) -> bool:
        """The canvas holds `image` upscaled by whole pixels with no smoothing, exactly."""
        shown = self.pixels(canvas_id)
        scale = shown.shape[0] // image.shape[0]
        assert shown.shape == (image.shape[0] * scale, image.shape[1] * scale)
        return np.array_equal(shown, np.kron(image, np.ones((scale, scale), np.uint8)))

    def point(self, panel: int, z1: float, z2: float) -> tuple[float, float]:
        """Page position of the code (z1, z2) on a plane's panel."""
        locator = self.page.locator(f"#{ROOT_ID}-panel-{panel}")
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        return (
            box["x"] + (z1 - LOW) / (HIGH - LOW) * box["width"],
            box["y"] + (HIGH - z2) / (HIGH - LOW) * box["height"],
        )

    def close(self):
        self.context.close()


@pytest.fixture
def session(browser, widget):
    opened = Session(browser, widget[0])
    yield opened
    opened.close()


def code_text(i: int, j: int) -> str:
    values = np.linspace(LOW, HIGH, SIZE)
    z1, z2 = (0.0 if abs(v) < 5e-10 else float(v) for v in (values[j], values[SIZE - 1 - i]))
    return f"z = ({z1:.2f}, {z2:.2f})"


def assert_decodes(session: Session, planes: dict, i: int, j: int):
    assert session.dataset("cell") == f"{i},{j}"
    for p, (title, plane) in enumerate(planes.items()):
        assert session.shows(f"{ROOT_ID}-decode-{p}", plane["grid"][i, j]), (title, i, j)
        label = session.page.get_attribute(f"#{ROOT_ID}-decode-{p}", "aria-label")
        assert label == f"{title} decode at {code_text(i, j)}"


def test_pointer_decodes_the_cell_under_it_on_every_plane(session, widget):
    _, planes, _ = widget
    # (0.9, -1.1) is nearest the cell of (0.8, -1.2): column (0.8 + 2) / 0.4 = 7, row 8
    for panel in (0, 1):
        session.page.mouse.move(*session.point(panel, 0.9, -1.1))
        assert_decodes(session, planes, 8, 7)
        session.page.mouse.move(*session.point(panel, -1.95, 1.95))
        assert_decodes(session, planes, 0, 0)
    readout = session.page.text_content(f"#{ROOT_ID}-readout")
    assert code_text(0, 0) in readout
    panel_label = session.page.get_attribute(f"#{ROOT_ID}-panel-0", "aria-label")
    assert panel_label == f"VAE latent plane, point at {code_text(0, 0)}"
    assert session.errors == []


def test_arrow_keys_move_by_one_cell_and_enter_pins(session, widget):
    _, planes, _ = widget
    session.page.mouse.move(*session.point(0, 0.8, -1.2))
    assert_decodes(session, planes, 8, 7)
    panel = session.page.locator(f"#{ROOT_ID}-panel-1")
    assert panel.get_attribute("tabindex") == "0"
    panel.focus()
    panel.press("ArrowUp")
    assert_decodes(session, planes, 7, 7)
    panel.press("ArrowRight")
    assert_decodes(session, planes, 7, 8)
    for _ in range(SIZE + 2):  # stops at the edge
        panel.press("ArrowDown")
    assert_decodes(session, planes, SIZE - 1, 8)
    panel.press("Enter")
    assert session.dataset("pins") == f"{SIZE - 1},8"
    panel.press("ArrowLeft")
    panel.press(" ")
    assert session.dataset("pins") == f"{SIZE - 1},8;{SIZE - 1},7"
    panel.press("Escape")
    assert session.dataset("pins") == ""
    assert session.errors == []


def test_two_pins_show_the_decodes_along_the_line(session, widget):
    _, planes, _ = widget
    strip = session.page.locator(f"#{ROOT_ID}-strip")
    assert strip.is_hidden()
    session.page.mouse.click(*session.point(0, -1.6, 1.6))  # cell (1, 1)
    assert session.dataset("pins") == "1,1" and strip.is_hidden()
    session.page.mouse.click(*session.point(1, 1.2, -0.4))  # cell (6, 8)
    assert session.dataset("pins") == "1,1;6,8"
    assert strip.is_visible()
    n = explorer.STRIP_POINTS
    cells = [
        (math.floor(1 + 5 * k / (n - 1) + 0.5), math.floor(1 + 7 * k / (n - 1) + 0.5))
        for k in range(n)
    ]
    assert session.dataset("strip") == ";".join(f"{i},{j}" for i, j in cells)
    assert cells[0] == (1, 1) and cells[-1] == (6, 8)
    for p, (title, plane) in enumerate(planes.items()):
        for k, (i, j) in enumerate(cells):
            canvas = f"{ROOT_ID}-strip-{p}-{k}"
            assert session.shows(canvas, plane["grid"][i, j]), (title, k)
            label = session.page.get_attribute(f"#{canvas}", "aria-label")
            assert label == f"{title} decode at {code_text(i, j)}"
    # the line between the pins is drawn on every panel: dark at its middle
    for p in range(len(planes)):
        rgba = session.page.evaluate(
            """id => {
                const c = document.getElementById(id);
                const x = Math.round(c.width * (1 + 8) / 2 / 10);
                const y = Math.round(c.height * (1 + 6) / 2 / 10);
                return Array.from(c.getContext("2d").getImageData(x - 1, y - 1, 3, 3).data);
            }""",
            f"{ROOT_ID}-panel-{p}",
        )
        assert min(rgba[0::4]) < 100
    # a third pin replaces the oldest
    session.page.mouse.click(*session.point(0, 0.0, 0.0))  # cell (5, 5)
    assert session.dataset("pins") == "6,8;5,5"
    assert session.errors == []


def test_sliders_step_through_each_walk(session, widget):
    _, _, walks = widget
    for w, (title, frames) in enumerate(walks.items()):
        canvas = f"{ROOT_ID}-walk-{w}"
        slider = session.page.locator(f"#{ROOT_ID}-walk-slider-{w}")
        assert slider.get_attribute("max") == str(len(frames) - 1)
        label = session.page.locator(f"label[for='{ROOT_ID}-walk-slider-{w}']").inner_text()
        assert label.startswith(title)
        assert session.shows(canvas, frames[0])
        slider.focus()
        slider.press("End")
        assert session.shows(canvas, frames[-1])
        aria = session.page.get_attribute(f"#{canvas}", "aria-label")
        assert aria == f"{title} walk, step {len(frames)} of {len(frames)}"
        slider.press("Home")
        assert session.shows(canvas, frames[0])
        slider.press("ArrowRight")
        assert session.shows(canvas, frames[1])
        assert session.page.get_attribute(f"#{canvas}", "aria-label") == (
            f"{title} walk, step 2 of {len(frames)}"
        )
        slider.evaluate(
            """(el, value) => {
                el.value = value;
                el.dispatchEvent(new Event("input", { bubbles: true }));
            }""",
            str(len(frames) - 1),
        )
        assert session.shows(canvas, frames[-1])
    assert session.errors == []


def test_loads_nothing_but_the_page_and_data_uris(session, widget):
    path, _, _ = widget
    session.page.mouse.click(*session.point(0, 1.0, 1.0))
    session.page.mouse.click(*session.point(1, -1.0, -1.0))
    session.page.locator(f"#{ROOT_ID}-walk-slider-0").press("End")
    assert path.as_uri() in session.requests
    assert all(url.startswith(("file://", "data:")) for url in session.requests), session.requests
    assert {url for url in session.requests if url.startswith("file://")} == {path.as_uri()}
    assert session.errors == []


def decoded_png(src: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix)
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(src[len(prefix) :]))))


def test_print_shows_the_static_version_and_hides_the_live_one(session, widget):
    _, planes, walks = widget
    page = session.page
    live, static = page.locator(f"#{ROOT_ID} .lx-live"), page.locator(f"#{ROOT_ID} .lx-static")
    assert live.is_visible() and static.is_hidden()
    page.emulate_media(media="print")
    assert live.is_hidden() and static.is_visible()
    assert explorer.PRINT_NOTE in static.inner_text()
    grids = page.locator(f"#{ROOT_ID} img.lx-static-grid")
    strips = page.locator(f"#{ROOT_ID} img.lx-static-strip")
    assert grids.count() == len(planes) and strips.count() == len(walks)
    step = 28 + 2
    for k, plane in enumerate(planes.values()):
        image = grids.nth(k)
        assert image.is_visible() and image.evaluate("img => img.complete && img.naturalWidth > 0")
        picture = decoded_png(image.get_attribute("src"))
        assert picture.shape == (SIZE * step - 2, SIZE * step - 2)  # every cell of an 11 x 11
        for i in range(SIZE):
            for j in range(SIZE):
                tile = picture[i * step : i * step + 28, j * step : j * step + 28]
                np.testing.assert_array_equal(tile, plane["grid"][i, j])
    for k, frames in enumerate(walks.values()):
        image = strips.nth(k)
        assert image.is_visible()
        picture = decoded_png(image.get_attribute("src"))
        assert picture.shape == (28, len(frames) * step - 2)  # 7 frames: all of them
        np.testing.assert_array_equal(picture[:, -28:], frames[-1])
        assert image.get_attribute("alt").startswith(list(walks)[k])
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
    page.emulate_media(media="screen")
    assert live.is_visible() and static.is_hidden()
    assert session.errors == []


def test_static_version_samples_a_large_grid_and_a_long_walk():
    """41 x 41 cells print as 11 x 11 (every 4th), a 96-frame walk as 12 evenly spaced frames."""
    grid = coded_grid(41, 0)
    no_means = {"means": np.zeros((0, 2)), "labels": np.zeros(0, int)}
    planes = {"VAE": {"grid": grid, "low": -4, "high": 4, **no_means}}
    frames = np.repeat(np.arange(96, dtype=np.uint8)[:, None, None], 28, axis=1)
    frames = np.repeat(frames, 28, axis=2)
    fragment = explorer_html(planes, {"DCGAN": frames})
    sources = [part.split('"', 1)[0] for part in fragment.split('src="')[1:]]
    grid_picture, strip_picture = (decoded_png(src) for src in sources)
    assert grid_picture.shape == (11 * 30 - 2, 11 * 30 - 2)
    np.testing.assert_array_equal(grid_picture[30 : 30 + 28, 60 : 60 + 28], grid[4, 8])
    np.testing.assert_array_equal(grid_picture[-28:, -28:], grid[40, 40])
    assert strip_picture.shape == (28, 12 * 30 - 2)
    shown = [int(strip_picture[0, k * 30]) for k in range(12)]
    assert shown == [int(v) for v in np.rint(np.linspace(0, 95, 12))]


def test_works_as_a_notebook_output_next_to_another(browser, widget):
    """Inserted the way Jupyter renders HTML outputs (innerHTML, then each <script> re-created),
    twice under one id and once under another, each widget finds its own root, and no global
    name is defined."""
    _, planes, walks = widget
    fragments = [
        explorer_html(planes, walks, element_id=ROOT_ID),
        explorer_html(planes, walks, element_id=ROOT_ID),
        explorer_html(planes, walks, element_id="lx-other"),
    ]
    session = Session(browser)
    try:
        page = session.page
        page.set_content("<!doctype html><html><body><main></main></body></html>")
        new_globals = page.evaluate(
            """fragments => {
                const before = new Set(Object.keys(window));
                for (const html of fragments) {
                    const output = document.createElement("div");
                    output.innerHTML = html;
                    document.querySelector("main").appendChild(output);
                    for (const old of output.querySelectorAll("script")) {
                        const script = document.createElement("script");
                        script.textContent = old.textContent;
                        old.replaceWith(script);
                    }
                }
                return Object.keys(window).filter(k => !before.has(k));
            }""",
            fragments,
        )
        assert new_globals == []
        page.wait_for_function(
            "() => [...document.querySelectorAll('.lx-root')].every(r => r.dataset.ready === '1')"
        )
        roots = page.locator(".lx-root")
        assert roots.count() == 3
        panel = roots.nth(1).locator(".lx-panel").first
        panel.scroll_into_view_if_needed()
        box = panel.bounding_box()
        page.mouse.move(box["x"] + 0.1 * box["width"], box["y"] + 0.9 * box["height"])
        cells = [roots.nth(k).evaluate("root => root.dataset.cell") for k in range(3)]
        middle = f"{SIZE // 2},{SIZE // 2}"
        assert cells == [middle, f"{SIZE - 2},1", middle]
        decode = roots.nth(1).locator(".lx-decode").first
        assert decode.get_attribute("aria-label") == f"VAE decode at {code_text(SIZE - 2, 1)}"
        assert session.errors == []
    finally:
        session.close()


# --- the README's screenshot of the explorer in use ---------------------------------------------


def test_between_clusters_is_the_midpoint_of_the_two_digits_centres():
    from helpers.report import between_clusters

    means = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 4.0], [3.0, 4.0], [9.0, 9.0]])
    labels = np.array([4, 4, 9, 9, 1])
    assert between_clusters({"means": means, "labels": labels}, (4, 9)) == (1.5, 2.0)


def test_screenshot_shows_the_explorer_with_the_pointer_on_the_plane(browser, tmp_path):
    """screenshot_explorer on a page as the report renders it (math typeset, the explorer
    under its default id): a PNG of the whole widget, the decode under the pointer drawn."""
    from PIL import Image

    from helpers import report

    planes = synthetic_planes(SIZE, LOW, HIGH)
    page = (
        '<!doctype html><html lang="en" data-mathjax="typeset"><head><meta charset="utf-8">'
        f"<title>report</title></head><body>{explorer_html(planes, SYNTHETIC_WALKS)}"
        "</body></html>"
    )
    html_path = tmp_path / "report.html"
    html_path.write_text(page, encoding="utf-8")
    shot = report.screenshot_explorer(html_path, tmp_path / "shot.png", (0.0, 0.0), browser)
    picture = np.asarray(Image.open(shot).convert("L"))
    assert picture.shape[1] >= 2 * 300  # both planes' panels, side by side
    # the decode of the centre cell is drawn somewhere in the picture, upscaled 5x
    centre = SIZE // 2
    decode = next(iter(planes.values()))["grid"][centre, centre]
    big = np.kron(decode, np.ones((5, 5), np.uint8))
    found = any(
        np.array_equal(picture[y : y + 140, x : x + 140], big)
        for y in range(picture.shape[0] - 139)
        for x in range(picture.shape[1] - 139)
        if picture[y, x] == big[0, 0]
    )
    assert found, "the decode under the pointer is not in the screenshot"
