"""Generic figures: the naming rule, atomic saving, sample grids alone, in a row and in a
column, loss curves, bar panels, the latent scatter."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from helpers import plotting  # noqa: E402


def test_save_figure_writes_a_png_atomically_and_checks_the_name(project_root, monkeypatch):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = plotting.save_figure(fig, "03_gan_losses", "smoke")
    assert path == project_root / "runs" / "smoke" / "figures" / "03_gan_losses.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["03_gan_losses.png"]  # no temporaries
    with pytest.raises(ValueError, match="does not follow"):
        plotting.save_figure(fig, "GAN losses", "smoke")

    def fail(*args, **kwargs):  # a crash while rendering must leave the old figure whole
        raise RuntimeError("disk full")

    before = path.read_bytes()
    monkeypatch.setattr(fig, "savefig", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        plotting.save_figure(fig, "03_gan_losses", "smoke")
    assert path.read_bytes() == before
    plt.close(fig)


def test_sample_grid_places_each_image_in_reading_order():
    images = np.stack([np.full((2, 3), value, np.uint8) for value in (10, 20, 30)])
    grid = plotting.sample_grid(images, columns=2, padding=1)
    assert grid.shape == (2 * 2 + 1, 2 * 3 + 1)
    assert (grid[:2, :3] == 10).all() and (grid[:2, 4:] == 20).all() and (grid[3:, :3] == 30).all()
    faint = 10 + 0.15 * (30 - 10)  # padding and the gap: a faint tone, not the darkest ink
    assert (grid[2, :] == int(faint)).all() and (grid[3:, 4:] == int(faint)).all()


def test_plot_curves_draws_one_line_per_key():
    fig = plotting.plot_curves(
        {"d_loss": [1.0, 0.5], "g_loss": [2.0, 1.0, 0.7]}, ["d_loss", "g_loss"], "losses"
    )
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["d_loss", "g_loss"]
    np.testing.assert_array_equal(lines[1].get_xdata(), [1, 2, 3])
    with pytest.raises(KeyError):
        plotting.plot_curves({"d_loss": [1.0]}, ["missing"], "losses")
    plt.close("all")


def test_principal_plane_keeps_2d_codes_and_projects_larger_ones():
    codes = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    points, labels = plotting.principal_plane(codes)
    np.testing.assert_array_equal(points, codes)
    assert labels == ("$z_1$", "$z_2$")
    rng = np.random.default_rng(0)
    # 3-D codes spread along x (std 5) and y (std 2), nearly flat in z: the plane keeps x and y
    wide = rng.normal(size=(500, 3)) * np.array([5.0, 2.0, 0.01])
    points, labels = plotting.principal_plane(wide)
    assert labels == ("PC 1", "PC 2") and points.shape == (500, 2)
    np.testing.assert_allclose(points.std(axis=0), wide[:, :2].std(axis=0), rtol=0.05)
    with pytest.raises(ValueError, match="L >= 2"):
        plotting.principal_plane(np.zeros((4, 1)))


def test_latent_scatter_draws_one_panel_per_model():
    rng = np.random.default_rng(1)
    latents = {
        "VAE": (rng.normal(size=(50, 2)), np.arange(50) % 10),
        "VAE-GAN": (rng.normal(size=(50, 16)), np.arange(50) % 10),
    }
    fig = plotting.latent_scatter(latents)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title().split(":")[0] for ax in panels] == ["VAE", "VAE-GAN"]
    assert panels[1].get_xlabel() == "PC 1"
    plt.close(fig)


def test_architecture_figure_draws_a_box_per_row_and_totals_the_parameters():
    columns = {
        "Net A": [("Input", "4", 0), ("Dense", "3", 15), ("ReLU", "3", 0)],
        "Net B": [("Input", "28×28×1", 0), ("Conv2D", "14×14×8", 1_208)],
    }
    fig = plotting.architecture_figure(columns, title="two nets")
    assert fig._suptitle.get_text() == "two nets"
    for ax, (name, rows) in zip(fig.axes, columns.items(), strict=True):
        total = sum(count for _, _, count in rows)
        assert ax.get_title() == f"{name}\n{total:,} parameters"
        boxes = [patch for patch in ax.patches if isinstance(patch, plt.Rectangle)]
        assert len(boxes) == len(rows)
        arrows = [text for text in ax.texts if isinstance(text, Annotation)]
        assert len(arrows) == len(rows) - 1  # one arrow between consecutive layers
        texts = [text.get_text() for text in ax.texts if not isinstance(text, Annotation)]
        assert texts[::2] == [kind for kind, _, _ in rows]  # kind left, shape right, per row
        assert texts[1::2] == [shape for _, shape, _ in rows]
    assert fig.axes[0].patches[0].get_facecolor() != fig.axes[0].patches[1].get_facecolor()
    plt.close(fig)


def test_architecture_figure_refuses_a_model_instead_of_rows():
    class Model:  # a built network, not the rows describing it
        layers = []

    with pytest.raises(TypeError, match="dcgan.architecture_rows"):
        plotting.architecture_figure({"Generator G": Model()})


def grid_images(count: int, value: int) -> np.ndarray:
    return np.full((count, 28, 28), value, np.uint8)


def test_show_grid_sizes_a_new_figure_by_columns_or_as_asked():
    fig = plotting.show_grid(grid_images(20, 9), title="twenty", columns=10)
    rows = (2 * 30 - 2) / (10 * 30 - 2) * 10  # grid height over width, in images of the width
    assert tuple(fig.get_size_inches()) == pytest.approx((5.5, 0.5 * rows + 0.6))
    assert fig.axes[0].get_title() == "twenty"
    np.testing.assert_array_equal(
        fig.axes[0].get_images()[0].get_array(), plotting.sample_grid(grid_images(20, 9))
    )
    sized = plotting.show_grid(grid_images(4, 9), columns=2, figsize=(3.6, 3.9))
    assert tuple(sized.get_size_inches()) == pytest.approx((3.6, 3.9))
    plt.close("all")


def test_grid_row_figure_draws_one_titled_grid_per_panel_in_order():
    panels = {"real": grid_images(12, 1), "GAN": grid_images(12, 2), "wide": grid_images(15, 3)}
    fig = plotting.grid_row_figure(panels, panel_size=(2.0, 3.0), columns={"wide": 15})
    assert tuple(fig.get_size_inches()) == pytest.approx((6.0, 3.0))
    assert [ax.get_title() for ax in fig.axes] == ["real", "GAN", "wide"]
    shown = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert shown[0].shape == plotting.sample_grid(panels["real"], columns=10).shape
    assert shown[2].shape == (28, 15 * 30 - 2)  # one row of 15: the per-panel column count
    assert [int(grid.min()) for grid in shown] == [1, 2, 3]  # each panel shows its own images
    plt.close(fig)


def test_grid_stack_figure_labels_rows_as_titles_or_beside_them():
    rows = {"epoch 1": grid_images(5, 1), "epoch 2": grid_images(5, 2)}
    fig = plotting.grid_stack_figure(rows, columns=5, width=7.5, row_height=0.8, title="snaps")
    assert tuple(fig.get_size_inches()) == pytest.approx((7.5, 2 * 0.8 + 0.4))
    assert [ax.get_title() for ax in fig.axes] == ["epoch 1", "epoch 2"]
    assert fig._suptitle.get_text() == "snaps"
    beside = plotting.grid_stack_figure(
        rows, columns=5, width=7.5, row_height=0.8, labels_left=True
    )
    assert [ax.get_title() for ax in beside.axes] == ["", ""]
    assert [[t.get_text() for t in ax.texts] for ax in beside.axes] == [["epoch 1"], ["epoch 2"]]
    assert beside._suptitle is None
    plt.close("all")


def bars_of(ax) -> BarContainer:
    (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
    return bars


def test_bar_panels_figure_draws_each_value_with_its_colour_label_and_error():
    values = {
        "a": {"fid": 3.0, "kid": 0.5, "kid_std": 0.1},
        "b": {"fid": 7.0, "kid": 0.2, "kid_std": 0.05},
    }
    panels = [("fid", "FID"), ("kid", "KID")]
    labels, colors = {"a": "model A", "b": "model B"}, {"a": "tab:blue", "b": "tab:red"}
    fig = plotting.bar_panels_figure(
        values, panels, labels, colors, figsize=(4, 3), errors={"kid": "kid_std"}
    )
    assert [ax.get_title() for ax in fig.axes] == ["FID", "KID"]
    for ax, key in zip(fig.axes, ("fid", "kid"), strict=True):
        assert [bar.get_width() for bar in ax.patches] == [values["a"][key], values["b"][key]]
        assert [bar.get_y() + bar.get_height() / 2 for bar in ax.patches] == [0, 1]
    # the labels once, left of the first panel, the first entry at the top
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["model A", "model B"]
    assert fig.axes[0].yaxis_inverted() and fig.axes[1].get_shared_y_axes().joined(*fig.axes)
    assert matplotlib.colors.to_hex(fig.axes[0].patches[1].get_facecolor()) == "#d62728"
    # error bars: KID's standard deviations, zero-length ones on the FID panel
    kid_errors = bars_of(fig.axes[1]).errorbar.lines[2][0].get_segments()
    assert [seg[1, 0] - seg[0, 0] for seg in kid_errors] == pytest.approx([0.2, 0.1])
    fid_errors = bars_of(fig.axes[0]).errorbar.lines[2][0].get_segments()
    assert [seg[1, 0] - seg[0, 0] for seg in fid_errors] == [0, 0]
    plain = plotting.bar_panels_figure(values, panels, labels, colors, figsize=(4, 3))
    assert bars_of(plain.axes[0]).errorbar is None
    plt.close("all")
