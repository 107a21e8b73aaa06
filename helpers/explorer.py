"""An interactive latent-space explorer for the offline HTML report, with a static print version.

`explorer_html(planes, walks)` returns one self-contained HTML fragment (a <div> holding its
own <style> and <script>, every image a base64 PNG data URI: no server, network, CDN or
framework). Shown with `IPython.display.HTML` it works the same in Jupyter and Colab (the
script is an IIFE that finds its root by `element_id`, defines no globals and needs no
require.js). On screen it offers:

- one panel per 2-D latent plane (e.g. "VAE", "VAE-GAN"), side by side, each spanning exactly
  [low, high]^2 and showing the test-set posterior means coloured by digit (10 colours, a
  legend). The pointer picks the nearest cell of the `plane_grid(G, low, high)` grid and the
  decodes of that code, for every plane, are drawn next to each other (28 px upscaled to
  140 px, nearest neighbour) with the code printed. A click pins the point (two at most, a
  third replaces the oldest); with two pins a line joins them on the panels and a strip shows
  the decodes at `STRIP_POINTS` evenly spaced cells along the segment. A panel takes the
  keyboard focus: the arrow keys move the point by one cell, Enter or space pins it, Escape
  clears the pins;
- one slider (0..T-1) per walk (e.g. "DCGAN", "VAE (z=16)"), showing that frame of the loop.

Every canvas carries an aria-label naming its code or step ("VAE decode at z = (0.40, -1.20)",
"DCGAN walk, step 1 of 96"), kept up to date. The root element exposes `data-cell="i,j"` (the
current grid cell), `data-pins`, `data-strip` (cells "i,j;i,j") and `data-ready="1"` once the
images are decoded; canvases have stable ids: `{element_id}-panel-{p}`,
`{element_id}-decode-{p}`, `{element_id}-strip-{p}-{k}`, `{element_id}-walk-{w}` and the
sliders `{element_id}-walk-slider-{w}`.

In print (`@media print`) the live parts are hidden and a static version shows instead: each
plane's decodes on about `STATIC_CELLS` x `STATIC_CELLS` evenly spaced cells of its grid,
each walk as a strip of about `STATIC_FRAMES` evenly spaced frames, and `PRINT_NOTE`.

Recommended grid: `DEFAULT_GRID_SIZE` = 41 cells a side over [`DEFAULT_LOW`, `DEFAULT_HIGH`] =
[-4, 4], a step of 0.2: a 2-D VAE's prior puts 99.99 % of its mass inside, and neighbouring
decodes are close enough to look continuous. The fragment then weighs about 1.5-2 MB: each
plane's decodes are one grayscale sprite PNG (41*28 px square); the posterior means are sent
as uint16 pairs quantised over [low, high] (a step of (high - low) / 65535, far below a
pixel; means outside the square are left out, as they would fall outside the panel) with
uint8 labels, both base64, and the browser draws the scatter itself.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import re
from pathlib import Path

import numpy as np
from PIL import Image

from helpers.data import IMAGE_SHAPE

DEFAULT_GRID_SIZE = 41
DEFAULT_LOW = -4.0
DEFAULT_HIGH = 4.0
# A walk: a closed loop through WALK_ANCHORS prior codes, WALK_STEPS frames from one to the next
WALK_ANCHORS = 6
WALK_STEPS = 16
STRIP_POINTS = 10  # decodes shown along the segment between two pins
STATIC_CELLS = 11  # cells a side of the printed grid (fewer when the grid is smaller)
STATIC_FRAMES = 12  # frames of each printed walk strip
DECODE_SCALE = 5  # live decodes: 28 px -> 140 px
STRIP_SCALE = 2  # decodes along the pinned segment: 28 px -> 56 px
WALK_SCALE = 5  # walk frames: 28 px -> 140 px
PANEL_PX = 300  # a latent panel's side in CSS pixels
STATIC_PADDING = 2  # pixels between the cells of a printed grid or strip
# tab10, as helpers.plotting.latent_scatter colours the digits
CLASS_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
PRINT_NOTE = (
    "The HTML version of this report is interactive: point at the latent plane to decode it, "
    "pin two points to walk between them, and drag the sliders."
)
TEMPLATE_PATH = Path(__file__).resolve().parent / "templates" / "explorer.html"
_ELEMENT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_PLACEHOLDER = re.compile(r"__(ELEMENT_ID|LIVE|STATIC|CONFIG)__")
_PLANE_KEYS = ("grid", "low", "high", "means", "labels")


def slerp_loop(anchors: np.ndarray, steps: int) -> np.ndarray:
    """float32 [K*steps, L]: spherical interpolation z_0 -> z_1 -> ... -> z_{K-1} -> z_0.

    Segment k holds `steps` codes from z_k (exactly, its first code) towards z_{k+1} (its end
    left out: it starts the next segment), so the loop closes on z_0 without repeating it.
    Between anchors of equal norm every code keeps that norm; parallel anchors (or a zero
    one) are joined by a straight line.
    """
    anchors = np.asarray(anchors)
    if anchors.ndim != 2 or anchors.shape[0] < 2 or anchors.shape[1] < 1:
        raise ValueError(f"anchors must be [K, L] with K >= 2, got shape {anchors.shape}")
    if not np.all(np.isfinite(anchors)):
        raise ValueError("anchors must be finite")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    points = anchors.astype(np.float64)
    t = (np.arange(steps, dtype=np.float64) / steps)[:, None]
    segments = []
    for k, start in enumerate(points):
        end = points[(k + 1) % len(points)]
        norms = np.linalg.norm(start) * np.linalg.norm(end)
        cosine = np.clip(start @ end / norms, -1.0, 1.0) if norms > 0 else 1.0
        omega = math.acos(cosine)
        if math.sin(omega) < 1e-7:
            codes = (1 - t) * start + t * end
        else:
            codes = (np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / math.sin(omega)
        codes = codes.astype(np.float32)
        codes[0] = anchors[k]
        segments.append(codes)
    return np.concatenate(segments)


def plane_grid(size: int, low: float, high: float) -> np.ndarray:
    """float32 [size*size, 2] codes (z1, z2) on a size x size grid over [low, high]^2.

    Row-major as a plot reads: row i runs from z2 = high (top) down to z2 = low, column j from
    z1 = low (left) to z1 = high, so code[i*size + j] is the cell (i, j) and decodes reshaped
    to [size, size, 28, 28] tile into the picture of the plane.
    """
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 2:
        raise ValueError(f"size must be an integer >= 2, got {size!r}")
    low, high = _range(low, high, "plane_grid")
    values = np.linspace(low, high, size)
    z1, z2 = np.meshgrid(values, values[::-1])
    return np.stack([z1.ravel(), z2.ravel()], axis=1).astype(np.float32)


def explorer_html(
    planes: dict[str, dict],
    walks: dict[str, np.ndarray],
    element_id: str = "latent-explorer",
) -> str:
    """The explorer as one self-contained HTML fragment (see the module's docstring).

    planes: title -> {"grid": uint8 [G, G, 28, 28] decodes of `plane_grid(G, low, high)`
        reshaped (row i, column j), "low": float, "high": float, "means": float [N, 2] test-set
        posterior means, "labels": int [N] digits 0..9}; every plane shares G, low and high.
    walks: title -> uint8 [T, 28, 28] frames along a loop (e.g. decodes of `slerp_loop`).
    element_id: the root <div>'s id (its parts' ids start with it); unique on the page.

    Raises ValueError naming the plane or walk whose shape, dtype or range is wrong.
    """
    if not isinstance(element_id, str) or not _ELEMENT_ID.match(element_id):
        raise ValueError(
            f"element_id must start with a letter and hold only letters, digits, '-' and '_', "
            f"got {element_id!r}"
        )
    planes, (size, low, high) = _check_planes(planes)
    walks = _check_walks(walks)
    if not planes and not walks:
        raise ValueError("nothing to show: give at least one plane or one walk")
    config = {
        "id": element_id,
        "grid": size,
        "low": low,
        "high": high,
        "image": IMAGE_SHAPE[0],
        "stripPoints": STRIP_POINTS,
        "panel": PANEL_PX,
        "colours": list(CLASS_COLOURS),
        "planes": [
            {
                "title": title,
                "sprite": _png_uri(_tile(plane["grid"])),
                **_encode_means(plane["means"], plane["labels"], low, high),
            }
            for title, plane in planes.items()
        ],
        "walks": [
            {"title": title, "frames": len(frames), "sprite": _png_uri(_tile(frames[None]))}
            for title, frames in walks.items()
        ],
    }
    template = TEMPLATE_PATH.read_text(encoding="utf-8")
    parts = {
        "__ELEMENT_ID__": element_id,
        "__LIVE__": _live_markup(element_id, planes, walks, size, low, high),
        "__STATIC__": _static_markup(planes, walks, size, low, high),
        "__CONFIG__": _script_json(config),
    }
    for token in parts:
        if template.count(token) != 1:
            raise RuntimeError(f"{TEMPLATE_PATH} must hold the placeholder {token} once")
    return _PLACEHOLDER.sub(lambda match: parts[match.group(0)], template)


# --- checks -------------------------------------------------------------------------------------


def describe(planes: dict[str, dict], walks: dict[str, np.ndarray]) -> str:
    """One Markdown paragraph saying what `explorer_html(planes, walks)` shows, its numbers
    read from the arrays: the grid of each plane and the frames of each walk."""
    parts = []
    if planes:
        plane = next(iter(planes.values()))
        size, low, high = len(plane["grid"]), float(plane["low"]), float(plane["high"])
        step = (high - low) / (size - 1)
        parts.append(
            f"Each latent plane ({', '.join(planes)}) is decoded on a {size} × {size} grid over "
            f"[{_number(low)}, {_number(high)}]², a step of {_number(step)} between neighbouring "
            "codes; the pointer shows the nearest grid point's decode."
        )
    if walks:
        frames = {len(images) for images in walks.values()}
        parts.append(
            f"Each walk ({', '.join(walks)}) has {' or '.join(map(str, sorted(frames)))} "
            f"frames: {WALK_STEPS} steps of spherical interpolation between each of "
            f"{WALK_ANCHORS} prior codes and the next, back to the first."
        )
    return " ".join(parts)


def _range(low, high, name: str) -> tuple[float, float]:
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: low and high must be numbers, got {low!r}, {high!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name}: need finite low < high, got low={low}, high={high}")
    return low, high


def _check_planes(planes) -> tuple[dict[str, dict], tuple[int, float, float]]:
    """The planes with arrays checked, and their shared (G, low, high)."""
    if not isinstance(planes, dict):
        raise ValueError(f"planes must be a dict title -> plane, got {type(planes).__name__}")
    checked, shared = {}, None
    for title, plane in planes.items():
        name = f"plane {title!r}"
        if not isinstance(title, str) or not title:
            raise ValueError(f"plane titles must be non-empty strings, got {title!r}")
        if not isinstance(plane, dict) or set(_PLANE_KEYS) - set(plane):
            keys = sorted(plane) if isinstance(plane, dict) else type(plane).__name__
            raise ValueError(f"{name} must be a dict with keys {list(_PLANE_KEYS)}, got {keys}")
        grid = np.asarray(plane["grid"])
        if grid.ndim != 4 or grid.shape[0] != grid.shape[1] or grid.shape[2:] != IMAGE_SHAPE:
            raise ValueError(f"{name}: grid must be [G, G, 28, 28], got shape {grid.shape}")
        if grid.shape[0] < 2:
            raise ValueError(f"{name}: grid needs G >= 2 cells a side, got {grid.shape[0]}")
        if grid.dtype != np.uint8:
            raise ValueError(f"{name}: grid must be uint8 pixels 0..255, got dtype {grid.dtype}")
        low, high = _range(plane["low"], plane["high"], name)
        these = (grid.shape[0], low, high)
        if shared is None:
            shared = these
        elif these[0] != shared[0] or not all(
            math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
            for a, b in zip(these[1:], shared[1:], strict=True)
        ):
            raise ValueError(
                f"every plane must share G, low and high: {name} has G={these[0]}, "
                f"[{low}, {high}], the first plane G={shared[0]}, [{shared[1]}, {shared[2]}]"
            )
        means, labels = np.asarray(plane["means"]), np.asarray(plane["labels"])
        if means.ndim != 2 or means.shape[1] != 2:
            raise ValueError(f"{name}: means must be [N, 2], got shape {means.shape}")
        if not np.issubdtype(means.dtype, np.floating) or not np.all(np.isfinite(means)):
            raise ValueError(f"{name}: means must be finite floats, got dtype {means.dtype}")
        if labels.shape != (len(means),):
            raise ValueError(
                f"{name}: labels must be [N] with N = {len(means)} (one per mean), "
                f"got shape {labels.shape}"
            )
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"{name}: labels must be integers, got dtype {labels.dtype}")
        if labels.size and (labels.min() < 0 or labels.max() >= len(CLASS_COLOURS)):
            raise ValueError(f"{name}: labels must be digits 0..{len(CLASS_COLOURS) - 1}")
        checked[title] = {"grid": grid, "means": means, "labels": labels}
    size, low, high = shared if shared else (DEFAULT_GRID_SIZE, DEFAULT_LOW, DEFAULT_HIGH)
    return checked, (size, low, high)


def _check_walks(walks) -> dict[str, np.ndarray]:
    if not isinstance(walks, dict):
        raise ValueError(f"walks must be a dict title -> frames, got {type(walks).__name__}")
    checked = {}
    for title, frames in walks.items():
        if not isinstance(title, str) or not title:
            raise ValueError(f"walk titles must be non-empty strings, got {title!r}")
        frames = np.asarray(frames)
        if frames.ndim != 3 or frames.shape[1:] != IMAGE_SHAPE or len(frames) < 1:
            raise ValueError(f"walk {title!r}: frames must be [T, 28, 28], got {frames.shape}")
        if frames.dtype != np.uint8:
            raise ValueError(
                f"walk {title!r}: frames must be uint8 pixels 0..255, got dtype {frames.dtype}"
            )
        checked[title] = frames
    return checked


# --- encoding -----------------------------------------------------------------------------------


def _tile(grid: np.ndarray, padding: int = 0, fill: int = 0) -> np.ndarray:
    """[R, C, H, W] images -> one [R*(H+p)-p, C*(W+p)-p] picture, row r and column c in place."""
    rows, columns, height, width = grid.shape
    out = np.full(
        (rows * (height + padding) - padding, columns * (width + padding) - padding),
        fill,
        dtype=np.uint8,
    )
    for r in range(rows):
        for c in range(columns):
            top, left = r * (height + padding), c * (width + padding)
            out[top : top + height, left : left + width] = grid[r, c]
    return out


def _png_uri(picture: np.ndarray) -> str:
    """A grayscale uint8 picture as a PNG data URI."""
    buffer = io.BytesIO()
    Image.fromarray(picture, mode="L").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _encode_means(means: np.ndarray, labels: np.ndarray, low: float, high: float) -> dict:
    """Means inside [low, high]^2 as base64 little-endian uint16 pairs (0 = low, 65535 = high)
    and their labels as base64 uint8."""
    inside = np.all((means >= low) & (means <= high), axis=1)
    scaled = np.rint((means[inside] - low) / (high - low) * 65535).astype("<u2")
    return {
        "points": base64.b64encode(scaled.tobytes()).decode("ascii"),
        "labels": base64.b64encode(labels[inside].astype(np.uint8).tobytes()).decode("ascii"),
    }


def _script_json(value) -> str:
    """JSON safe inside an inline <script> (no '<', '>' or '&' outside escapes)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _spaced(count: int, keep: int) -> np.ndarray:
    """About `keep` evenly spaced indices of range(count), first and last included."""
    return np.unique(np.rint(np.linspace(0, count - 1, min(count, keep))).astype(int))


def _number(value: float) -> str:
    return f"{value:g}"


# --- markup -------------------------------------------------------------------------------------


def _live_markup(element_id, planes, walks, size, low, high) -> str:
    e = html.escape
    lo, hi = _number(low), _number(high)
    out = ['<div class="lx-live">']
    if planes:
        decode_px = IMAGE_SHAPE[0] * DECODE_SCALE
        strip_px = IMAGE_SHAPE[0] * STRIP_SCALE
        out += [
            '<p class="lx-help">Point at a latent plane to decode it (the nearest of its '
            f"{size} × {size} grid cells); click, or press Enter, to pin a point (two at most) "
            "and see the decodes along the line between them; with a plane focused the arrow "
            "keys move the point by one cell and Escape clears the pins.</p>",
            '<div class="lx-planes">',
        ]
        for p, title in enumerate(planes):
            out.append(
                f'<figure class="lx-plane"><figcaption>{e(title)}: test-set posterior means'
                f'</figcaption><canvas class="lx-panel" id="{element_id}-panel-{p}" '
                f'data-low="{float(low)!r}" data-high="{float(high)!r}" '
                f'tabindex="0" role="application" aria-roledescription="latent plane" '
                f'aria-label="{e(title)} latent plane" style="width:{PANEL_PX}px"></canvas>'
                f'<span class="lx-axis">z1 from {lo} (left) to {hi} (right), '
                f"z2 from {lo} (bottom) to {hi} (top)</span></figure>"
            )
        out.append("</div>")
        out.append('<ul class="lx-legend" aria-label="Digit colours">')
        for digit, colour in enumerate(CLASS_COLOURS):
            out.append(
                f'<li><span class="lx-swatch" style="background:{colour}"></span>{digit}</li>'
            )
        out.append("</ul>")
        out.append(f'<p class="lx-readout" id="{element_id}-readout" aria-live="polite"></p>')
        out.append('<div class="lx-decodes">')
        for p, title in enumerate(planes):
            out.append(
                f'<figure class="lx-decode-figure"><canvas class="lx-decode" '
                f'id="{element_id}-decode-{p}" width="{decode_px}" height="{decode_px}" '
                f'role="img" aria-label="{e(title)} decode"></canvas>'
                f"<figcaption>{e(title)}</figcaption></figure>"
            )
        out.append("</div>")
        out.append(
            f'<div class="lx-strip" id="{element_id}-strip" hidden>'
            f'<p class="lx-strip-caption" id="{element_id}-strip-caption"></p>'
        )
        for p, title in enumerate(planes):
            out.append(f'<div class="lx-strip-row"><span class="lx-strip-title">{e(title)}</span>')
            for k in range(STRIP_POINTS):
                out.append(
                    f'<canvas class="lx-strip-cell" id="{element_id}-strip-{p}-{k}" '
                    f'width="{strip_px}" height="{strip_px}" role="img" '
                    f'aria-label="{e(title)} decode"></canvas>'
                )
            out.append("</div>")
        out.append("</div>")
    if walks:
        walk_px = IMAGE_SHAPE[0] * WALK_SCALE
        out.append(
            '<p class="lx-help">Walks along a closed loop through the latent space: drag a '
            "slider (or focus it and use the arrow, Home and End keys) to step through.</p>"
        )
        out.append('<div class="lx-walks">')
        for w, (title, frames) in enumerate(walks.items()):
            count = len(frames)
            out.append(
                f'<figure class="lx-walk"><canvas class="lx-walk-frame" '
                f'id="{element_id}-walk-{w}" width="{walk_px}" height="{walk_px}" role="img" '
                f'aria-label="{e(title)} walk, step 1 of {count}"></canvas>'
                f'<figcaption><label for="{element_id}-walk-slider-{w}">{e(title)}: step '
                f'<span class="lx-walk-step">1</span> of {count}</label></figcaption>'
                f'<input type="range" class="lx-walk-slider" id="{element_id}-walk-slider-{w}" '
                f'min="0" max="{count - 1}" step="1" value="0" '
                f'aria-valuetext="step 1 of {count}"></figure>'
            )
        out.append("</div>")
    out.append("</div>")
    return "\n".join(out)


def _static_markup(planes, walks, size, low, high) -> str:
    e = html.escape
    lo, hi = _number(low), _number(high)
    out = ['<div class="lx-static">', f'<p class="lx-static-note">{e(PRINT_NOTE)}</p>']
    if planes:
        keep = _spaced(size, STATIC_CELLS)
        out.append('<div class="lx-static-planes">')
        for title, plane in planes.items():
            picture = _tile(plane["grid"][np.ix_(keep, keep)], STATIC_PADDING, 255)
            text = (
                f"{title} decodes on {len(keep)} × {len(keep)} evenly spaced cells of the "
                f"{size} × {size} grid over z1, z2 from {lo} to {hi}"
            )
            out.append(
                f'<figure class="lx-static-plane"><img class="lx-static-grid" '
                f'src="{_png_uri(picture)}" alt="{e(text)} (z2 = {hi} at the top)">'
                f"<figcaption>{e(text)}</figcaption></figure>"
            )
        out.append("</div>")
    for title, frames in walks.items():
        keep = _spaced(len(frames), STATIC_FRAMES)
        picture = _tile(frames[keep][None], STATIC_PADDING, 255)
        text = f"{title}: {len(keep)} evenly spaced of the {len(frames)} steps of its walk"
        out.append(
            f'<figure class="lx-static-walk"><img class="lx-static-strip" '
            f'src="{_png_uri(picture)}" alt="{e(text)}"><figcaption>{e(text)}</figcaption>'
            "</figure>"
        )
    out.append("</div>")
    return "\n".join(out)
