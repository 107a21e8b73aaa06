"""Figures: saving them where the run keeps them, sample grids, loss curves."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np

from helpers.runs import figures_dir

_FIGURE_NAME = re.compile(r"^\d{2}_[a-z0-9]+(_[a-z0-9-]+)*$")


def save_figure(fig, name: str, profile: str, dpi: int = 110):
    """Save `fig` as runs/<profile>/figures/<name>.png and return the path.

    `name` follows STYLE.md: `<NN>_<model>_<what>[_epoch-NNN]`, NN = the paper's figure number
    (extra figures continue after 11), e.g. `03_gan_losses`, `05_gan_samples_epoch-055`.
    """
    if not _FIGURE_NAME.match(name):
        raise ValueError(
            f"figure name {name!r} does not follow <NN>_<model>_<what>[_epoch-NNN], "
            "e.g. 03_gan_losses"
        )
    path = figures_dir(profile) / f"{name}.png"
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def sample_grid(images: np.ndarray, columns: int = 10, padding: int = 2) -> np.ndarray:
    """Tile images [N, H, W(, 1)] into one [rows*(H+p)-p, columns*(W+p)-p] array (pad = max)."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    count, height, width = images.shape
    rows = -(-count // columns)
    fill = images.max() if count else 0
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


def show_grid(images: np.ndarray, title: str = "", columns: int = 10, ax=None, invert=True):
    """Draw a sample grid (dark digits on white when `invert`) and return the figure."""
    grid = sample_grid(images, columns=columns)
    if ax is None:
        rows = grid.shape[0] / grid.shape[1] * columns
        fig, ax = plt.subplots(figsize=(0.5 * columns + 0.5, 0.5 * rows + 0.6))
    else:
        fig = ax.figure
    ax.imshow(grid, cmap="gray_r" if invert else "gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def plot_curves(history: dict[str, list[float]], keys, title: str, ylabel: str = "loss", ax=None):
    """Line plot of history[key] per epoch for each key; returns the figure."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.8))
    else:
        fig = ax.figure
    for key in keys:
        values = history[key]
        ax.plot(range(1, len(values) + 1), values, marker="o" if len(values) < 30 else None,
                label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig
