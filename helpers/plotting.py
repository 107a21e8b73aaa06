"""Generic figures: saving them where the run keeps them, sample grids (alone, in a row, in a
column), loss curves, bar panels, layer diagrams, latent scatters. Every function takes arrays
(or dicts of them) and returns a matplotlib figure; the report's own figures, built from these,
are in helpers.figures."""

from __future__ import annotations

import io
import re

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from helpers.runs import atomic_write_bytes, figures_dir

_FIGURE_NAME = re.compile(r"^\d{2}_[a-z0-9]+(_[a-z0-9-]+)*$")


def save_figure(fig, name: str, profile: str, dpi: int = 110):
    """Save `fig` as runs/<profile>/figures/<name>.png and return the path.

    `name` is `<NN>_<model>_<what>[_epoch-NNN]`, NN = the paper's figure number
    (extra figures continue after 11), e.g. `03_gan_losses`, `05_gan_samples_epoch-055`.
    """
    if not _FIGURE_NAME.match(name):
        raise ValueError(
            f"figure name {name!r} does not follow <NN>_<model>_<what>[_epoch-NNN], "
            "e.g. 03_gan_losses"
        )
    buffer = io.BytesIO()  # rendered in memory, then written atomically: never half a PNG
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(figures_dir(profile) / f"{name}.png", buffer.getvalue())


def sample_grid(images: np.ndarray, columns: int = 10, padding: int = 2) -> np.ndarray:
    """Tile images [N, H, W(, 1)] into one [rows*(H+p)-p, columns*(W+p)-p] array. The padding
    is a faint tone (15 % of the way from the darkest to the brightest value): a thin line that
    no one reads as a stroke of a digit."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    count, height, width = images.shape
    rows = -(-count // columns)
    low, high = (images.min(), images.max()) if count else (0, 0)
    fill = low + 0.15 * (high - low)
    grid = np.full(
        (rows * (height + padding) - padding, columns * (width + padding) - padding),
        fill,
        dtype=images.dtype,
    )
    for index, image in enumerate(images):
        r, c = divmod(index, columns)
        top, left = r * (height + padding), c * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def show_grid(
    images: np.ndarray, title: str = "", columns: int = 10, ax=None, invert=True, figsize=None
):
    """Draw a sample grid (dark digits on white when `invert`) and return the figure; a new
    figure is `figsize` inches, by default half an inch per image."""
    grid = sample_grid(images, columns=columns)
    if ax is None:
        if figsize is None:
            rows = grid.shape[0] / grid.shape[1] * columns
            figsize = (0.5 * columns + 0.5, 0.5 * rows + 0.6)
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    ax.imshow(grid, cmap="gray_r" if invert else "gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def grid_row_figure(
    panels: dict[str, np.ndarray],
    panel_size=(2.1, 2.35),
    columns: int | dict[str, int] = 10,
    per_row: int | None = None,
    dpi: float | None = None,
):
    """Sample grids side by side, one panel per entry of `panels` (title -> uint8 images
    [N, H, W]), each `panel_size` inches; `columns` per grid, or a dict title -> columns for
    the panels that differ from 10. With `per_row`, at most that many panels share a row (the
    rest wrap below). The report prints a figure at most 186 mm wide and 84 mm high: small
    panels keep the titles legible there (the grids are images, scaled either way); `dpi`
    above matplotlib's default keeps every pixel of the digits in the image."""
    width, height = panel_size
    across = min(per_row or len(panels), len(panels))
    down = -(-len(panels) // across)
    fig, axes = plt.subplots(
        down, across, figsize=(width * across, height * down), squeeze=False, dpi=dpi
    )
    flat = list(axes.flat)
    for ax, (title, images) in zip(flat, panels.items(), strict=False):
        count = columns.get(title, 10) if isinstance(columns, dict) else columns
        show_grid(images, title, columns=count, ax=ax)
    for ax in flat[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def grid_stack_figure(
    rows: dict[str, np.ndarray],
    columns: int,
    width: float,
    row_height: float,
    extra_height: float = 0.4,
    labels_left: bool = False,
    title: str = "",
):
    """Sample grids one above the other, one per entry of `rows` (label -> uint8 images
    [N, H, W]): the label is the grid's title, or written left of it when `labels_left`.
    The figure is `width` x (`row_height` per row + `extra_height`) inches."""
    fig, axes = plt.subplots(
        len(rows), 1, figsize=(width, row_height * len(rows) + extra_height), squeeze=False
    )
    for ax, (label, images) in zip(axes[:, 0], rows.items(), strict=True):
        if labels_left:
            show_grid(images, columns=columns, ax=ax)
            ax.text(-0.01, 0.5, label, transform=ax.transAxes, ha="right", va="center")
        else:
            show_grid(images, label, columns=columns, ax=ax)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_curves(history: dict[str, list[float]], keys, title: str, ylabel: str = "loss", ax=None):
    """Line plot of history[key] per epoch for each key; returns the figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
    else:
        fig = ax.figure
    for key in keys:
        values = history[key]
        ax.plot(
            range(1, len(values) + 1), values, marker="o" if len(values) < 30 else None, label=key
        )
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, not fractions of one
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def bar_panels_figure(
    values: dict[str, dict[str, float]],
    panels,
    labels: dict[str, str],
    colors: dict[str, str],
    figsize,
    errors: dict[str, str] | None = None,
):
    """One horizontal bar chart per (key, title) of `panels`, side by side, a bar per entry of
    `values` (name -> {key: number}, the first at the top) coloured by `colors[name]`; the
    panels share the y axis, so `labels[name]` is written once, left of the first panel, and
    long labels never run into each other. With `errors` (key -> key of its standard
    deviation) every panel draws error bars, 0 where `errors` has none."""
    fig, axes = plt.subplots(1, len(panels), figsize=figsize, sharey=True, squeeze=False)
    names = list(values)
    for ax, (key, title) in zip(axes[0], panels, strict=True):
        bars = {"color": [colors[n] for n in names]}
        if errors is not None:
            bars["xerr"] = [values[n][errors[key]] if key in errors else 0 for n in names]
        ax.barh(range(len(names)), [values[n][key] for n in names], **bars)
        ax.set_title(title, fontsize=10)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3, steps=[1, 2, 2.5, 5, 10]))  # few, short
        ax.grid(axis="x", alpha=0.3)
    first = axes[0, 0]
    first.set_yticks(range(len(names)), [labels[n] for n in names])
    first.invert_yaxis()  # the first entry of `values` on top (shared by every panel)
    fig.tight_layout(w_pad=0.8)
    return fig


def architecture_figure(columns: dict[str, list[tuple[str, str, int]]], title: str = ""):
    """Paper figures 1 and 2: each network drawn as a column of layer boxes with output shapes.

    `columns` maps a caption (e.g. "Generator G") to its (layer type, output shape text,
    parameters) rows, the input first: `dcgan.architecture_rows`, `vae.architecture_rows`.
    """
    for name, rows in columns.items():
        if not isinstance(rows, list | tuple):
            raise TypeError(
                f"{name}: architecture_figure takes rows of (layer type, output shape, "
                f"parameters), got {type(rows).__name__}; get them from the model's module "
                "(dcgan.architecture_rows, vae.architecture_rows, training.layer_rows)"
            )
    tallest = max(len(rows) for rows in columns.values())
    # 0.28 inch a row: the report prints a figure at most 84 mm high, so a taller drawing would
    # shrink its 10 pt labels below 7 pt
    fig, axes = plt.subplots(
        1, len(columns), figsize=(3.5 * len(columns), 0.28 * tallest + 1.0), squeeze=False
    )
    palette = {
        "Dense": "#cfe2f3",
        "Conv2D": "#d9ead3",
        "Conv2DTranspose": "#fce5cd",
        "BatchNormalization": "#eeeeee",
        "Reshape": "#fff2cc",
        "Flatten": "#fff2cc",
        "Input": "#ead1dc",
    }
    for ax, (name, rows) in zip(axes[0], columns.items(), strict=True):
        ax.set_xlim(0, 1)
        ax.set_ylim(-tallest - 0.5, 0.8)
        ax.set_axis_off()
        total = sum(params for _, _, params in rows)
        ax.set_title(f"{name}\n{total:,} parameters", fontsize=10.5)
        for index, (kind, shape, _) in enumerate(rows):
            y = -index
            ax.add_patch(
                plt.Rectangle(
                    (0.05, y - 0.38),
                    0.9,
                    0.76,
                    facecolor=palette.get(kind, "#f4f4f4"),
                    edgecolor="#555555",
                    linewidth=0.8,
                )
            )
            ax.text(0.08, y, kind, va="center", ha="left", fontsize=10)
            ax.text(0.92, y, shape, va="center", ha="right", fontsize=10, family="monospace")
            if index:
                ax.annotate(  # between the layer name and the shape, clear of both
                    "",
                    xy=(0.62, y + 0.38),
                    xytext=(0.62, y + 0.62),
                    arrowprops=dict(
                        arrowstyle="->,head_length=0.2,head_width=0.12", color="#555555", lw=0.8
                    ),
                )
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def principal_plane(codes: np.ndarray) -> tuple[np.ndarray, tuple[str, str]]:
    """(points [N, 2], axis labels): 2-D codes themselves, else their first two principal
    components (centred, by SVD)."""
    codes = np.asarray(codes, np.float64)
    if codes.ndim != 2 or codes.shape[1] < 2:
        raise ValueError(f"codes must be [N, L] with L >= 2, got shape {codes.shape}")
    if codes.shape[1] == 2:
        return codes, ("$z_1$", "$z_2$")
    centred = codes - codes.mean(axis=0)
    components = np.linalg.svd(centred, full_matrices=False)[2][:2]
    return centred @ components.T, ("PC 1", "PC 2")


def latent_scatter(latents: dict[str, tuple[np.ndarray, np.ndarray]], title: str = ""):
    """One scatter per model of its test-set posterior means coloured by digit; `latents` maps
    a model name to (means [N, L], labels [N]); codes with L > 2 are shown on their first two
    principal components. Returns the figure."""
    fig, axes = plt.subplots(
        1, len(latents), figsize=(4.4 * len(latents) + 0.6, 4.2), squeeze=False
    )
    scatter = None
    for ax, (name, (means, labels)) in zip(axes[0], latents.items(), strict=True):
        points, (xlabel, ylabel) = principal_plane(means)
        scatter = ax.scatter(points[:, 0], points[:, 1], c=labels, cmap="tab10", s=2, alpha=0.6)
        ax.set(title=f"{name}: {title or 'test-set posterior means'}", xlabel=xlabel, ylabel=ylabel)
    fig.colorbar(scatter, ax=axes[0].tolist(), ticks=range(10), label="digit")
    return fig
