"""The report's figures: each draws the arrays it is given, with the titles, reference lines
and legends its notebook cell promises."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from helpers import figures  # noqa: E402
from helpers.theory import LOG_4  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def horizontal_lines(ax) -> list[float]:
    """y of every axhline of `ax` (two-point lines spanning the axes)."""
    return [
        float(line.get_ydata()[0])
        for line in ax.get_lines()
        if list(line.get_xdata()) == [0, 1] and len(set(line.get_ydata())) == 1
    ]


def legend_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --- 01_theory -----------------------------------------------------------------------------


def test_optimal_discriminator_figure_draws_both_densities_and_both_discriminators():
    x = np.linspace(-1.0, 1.0, 17)
    p_data, p_g, d = np.exp(-(x**2)), np.exp(-((x - 0.5) ** 2)), np.linspace(0.1, 0.9, 17)
    fig = figures.optimal_discriminator_figure(x, p_data, p_g, d, d + 0.01, title="Figure 12")
    left, right = fig.axes
    np.testing.assert_array_equal(left.get_lines()[0].get_ydata(), p_data)
    np.testing.assert_array_equal(left.get_lines()[1].get_ydata(), p_g)
    np.testing.assert_array_equal(right.get_lines()[0].get_ydata(), d)
    np.testing.assert_array_equal(right.get_lines()[1].get_xdata(), x[::8])  # every 8th point
    np.testing.assert_array_equal(right.get_lines()[1].get_ydata(), (d + 0.01)[::8])
    assert horizontal_lines(right) == [0.5] and right.get_ylim() == (0, 1.02)
    assert len(legend_texts(left)) == 4 and legend_texts(left)[-1] == "numerical argmax"
    assert left.get_title() == "Figure 12"


def test_criterion_figure_draws_the_path_of_c_of_g_and_its_minimum():
    x = np.linspace(-3.0, 3.0, 11)
    shifts = np.linspace(-2.0, 2.0, 9)
    criterion = -LOG_4 + 0.1 * shifts**2
    coarse, jsd = shifts[::4], 0.05 * shifts[::4] ** 2
    densities = {m: np.exp(-((x - m) ** 2)) for m in (0.0, 1.5, 4.0)}
    fig = figures.criterion_figure(
        x, np.exp(-(x**2)), densities, shifts, criterion, coarse, jsd, title="Figure 13"
    )
    left, right = fig.axes
    assert [line.get_label() for line in left.get_lines()][1:] == [
        r"$p_g = \mathcal{N}(0, 1)$",
        r"$p_g = \mathcal{N}(1.5, 1)$",
        r"$p_g = \mathcal{N}(4, 1)$",
    ]
    np.testing.assert_array_equal(left.get_lines()[3].get_ydata(), densities[4.0])
    np.testing.assert_array_equal(right.get_lines()[0].get_ydata(), criterion)
    np.testing.assert_allclose(right.get_lines()[1].get_ydata(), -LOG_4 + 2 * jsd)
    assert horizontal_lines(right) == [-LOG_4, 0.0]
    squares = [line for line in right.get_lines() if line.get_marker() == "s"]
    assert [float(s.get_ydata()[0]) for s in squares] == pytest.approx(
        [np.interp(m, shifts, criterion) for m in densities]
    )
    assert fig._suptitle.get_text() == "Figure 13"


# --- 02_dcgan ------------------------------------------------------------------------------


def test_gan_losses_figure_marks_the_equilibrium_losses():
    history = {"d_loss": [1.5, 1.2], "g_loss": [0.9, 0.8]}
    ax = figures.gan_losses_figure(history, title="losses").axes[0]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), history["d_loss"])
    assert horizontal_lines(ax) == pytest.approx([2 * np.log(2), np.log(2)])
    assert legend_texts(ax) == ["D loss $L_D$", "G loss $L_G$", r"$2\log 2$", r"$\log 2$"]
    assert ax.get_title() == "losses"


def test_discriminator_outputs_figure_marks_one_half_in_the_unit_interval():
    history = {"d_real": [0.8, 0.7], "d_fake": [0.2, 0.3]}
    ax = figures.discriminator_outputs_figure(history, title="D").axes[0]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), history["d_fake"])
    assert horizontal_lines(ax) == [0.5] and ax.get_ylim() == (0, 1)
    assert legend_texts(ax)[-1] == "equilibrium 1/2" and ax.get_ylabel() == "D"


# --- 03_vae --------------------------------------------------------------------------------


def test_vae_losses_figure_draws_train_and_validation_per_term():
    history = {}
    for offset, key in enumerate(figures.VAE_LOSS_PANELS):
        history[key], history["val_" + key] = [10.0 + offset, 9.0], [11.0 + offset, 10.0]
    fig = figures.vae_losses_figure(history, title="VAE")
    assert [ax.get_title() for ax in fig.axes] == list(figures.VAE_LOSS_PANELS.values())
    for ax, key in zip(fig.axes, figures.VAE_LOSS_PANELS, strict=True):
        train, validation = ax.get_lines()
        np.testing.assert_array_equal(validation.get_ydata(), history["val_" + key])
        assert (train.get_label(), validation.get_label()) == ("train", "validation")
    assert fig._suptitle.get_text() == "VAE"


def test_vae_latent_figure_draws_each_class_at_its_codes():
    rng = np.random.default_rng(0)
    means, labels = rng.normal(size=(30, 3)), np.arange(30) % 3
    ax = figures.vae_latent_figure(means, labels, ["zero", "one", "two"]).axes[0]
    assert len(ax.collections) == 3
    np.testing.assert_allclose(ax.collections[1].get_offsets(), means[labels == 1, :2])
    assert legend_texts(ax) == ["zero", "one", "two"]
    assert ax.get_title() == "30 test images in the latent space (first 2 of 3 dimensions)"
    flat = figures.vae_latent_figure(means[:, :2], labels, ["zero", "one", "two"]).axes[0]
    assert flat.get_title() == "30 test images in the latent space"


def test_iwae_bound_figure_adds_the_gap_panel_only_with_the_exact_value():
    ks = [1, 10, 100]
    bounds = np.array([[-110.0, -100.0], [-105.0, -98.0], [-103.0, -97.5]])
    alone = figures.iwae_bound_figure(ks, bounds)
    assert len(alone.axes) == 1
    np.testing.assert_array_equal(alone.axes[0].get_lines()[0].get_ydata(), bounds.mean(axis=1))
    assert alone.axes[0].get_title().startswith("2 test images")
    exact = np.array([-102.0, -97.0])
    left, right = figures.iwae_bound_figure(ks, bounds, exact).axes
    assert horizontal_lines(left) == [exact.mean()]
    gaps = [line.get_ydata() for line in right.get_lines()]
    assert len(gaps) == 3  # one line per image, then the median
    np.testing.assert_array_equal(gaps[0], [8.0, 3.0, 1.0])
    np.testing.assert_array_equal(gaps[2], np.median(exact[None] - bounds, axis=1))
    assert right.get_yscale() == "log" and left.get_xscale() == "log"


# --- 04_vaegan -----------------------------------------------------------------------------


def test_vaegan_losses_figure_draws_each_loss_in_its_panel():
    keys = ("prior", "llike", "d_loss", "g_loss", "d_real", "d_reconstruction", "d_fake")
    history = {key: [float(i), float(i) / 2] for i, key in enumerate(keys, start=1)}
    fig = figures.vaegan_losses_figure(history)
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1, 2, 3]
    np.testing.assert_array_equal(fig.axes[3].get_lines()[2].get_ydata(), history["d_fake"])
    assert legend_texts(fig.axes[3]) == [
        "$D(x)$",
        r"$D(\tilde x)$ reconstructions",
        "$D(x_p)$ prior samples",
    ]


def test_vaegan_samples_figure_shows_the_manifold_only_when_given():
    samples = np.zeros((120, 28, 28), np.uint8)
    rows = np.full((20, 28, 28), 7, np.uint8)
    fig = figures.vaegan_samples_figure(samples, rows, [1, 2], 2)
    assert [ax.get_title() for ax in fig.axes] == [
        "prior samples Dec(z),\nz ~ N(0, I), epoch 2",
        "same z after epochs\n1, 2 (rows)",
    ]
    assert fig.axes[0].get_images()[0].get_array().shape == (10 * 30 - 2, 10 * 30 - 2)  # 100
    manifold = np.zeros((225, 28, 28), np.uint8)
    fig = figures.vaegan_samples_figure(samples, rows, [1, 2], 2, manifold=manifold)
    assert fig.axes[2].get_title() == "decoder over a\n15x15 grid of z"
    assert fig.axes[2].get_images()[0].get_array().shape == (15 * 30 - 2, 15 * 30 - 2)


def test_diagnosis_figure_draws_every_diagnosed_quantity_of_every_run():
    keys = [key for _, pairs, _, _ in figures.DIAGNOSIS_PANELS for key, _ in pairs]
    history = {key: [1.0, 0.5, 0.25] for key in keys}
    fig = figures.diagnosis_figure({"z=2": history, "z=16": history})
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    assert len(fig.axes) == 3 and len(lines) == 2 * len(keys)
    assert all(len(line.get_xdata()) == 3 for line in lines)
    assert fig.axes[2].get_yscale() == "log"  # gradient norms span orders of magnitude
    partial = figures.diagnosis_figure({"run": {keys[0]: [1.0]}})  # missing keys: no line
    assert sum(len(ax.get_lines()) for ax in partial.axes) == 1


# --- 05_comparison -------------------------------------------------------------------------

LABELS = {"real": "real (held-out)", "dcgan": "DCGAN", "vae": "VAE"}


def test_comparison_seeds_figure_draws_the_mean_over_seeds_with_its_spread():
    keys = [key for key, _ in figures.METRIC_PANELS]
    seed_rows = {
        "real": {key: [1.0] for key in keys},  # one set, no seed
        "dcgan": {key: [1.0, 3.0] for key in keys},
        "vae": {key: [2.0, 4.0, 6.0] for key in keys},
    }
    fig = figures.comparison_seeds_figure(seed_rows, LABELS)
    assert [ax.get_title() for ax in fig.axes] == [title for _, title in figures.METRIC_PANELS]
    bars = [p for p in fig.axes[0].patches]
    assert [bar.get_width() for bar in bars] == [1.0, 2.0, 4.0]  # the means
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [
        to_hex(figures.MODEL_COLORS[name]) for name in LABELS
    ]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["real", "DCGAN", "VAE"]
    segments = fig.axes[0].collections[0].get_segments()  # the error bars: mean ± sd
    spans = [float(seg[1][0] - seg[0][0]) for seg in segments]
    np.testing.assert_allclose(spans, [0.0, 2 * np.sqrt(2.0), 4.0])


def test_cost_figure_has_a_panel_per_cost():
    costs = {
        name: {"wall_time_seconds": 10.0 * i, "images_per_second": 100.0, "parameters": i}
        for i, name in enumerate(("dcgan", "vae"), start=1)
    }
    fig = figures.cost_figure(costs, LABELS)
    assert [ax.get_title() for ax in fig.axes] == [title for _, title in figures.COST_PANELS]
    assert [bar.get_width() for bar in fig.axes[0].patches] == [10.0, 20.0]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["DCGAN", "VAE"]


def test_hesitation_figure_shares_one_colour_scale_and_outlines_the_look_alikes():
    pairs = {"real": np.full((10, 10), 0.01), "dcgan": np.full((10, 10), 0.04)}
    fig = figures.hesitation_figure(pairs, LABELS, {"real": 0.05, "dcgan": 0.2})
    panels = [ax for ax in fig.axes if ax.get_images()]
    assert len(panels) == 2 and len(fig.axes) == 3  # two panels and the colour bar
    np.testing.assert_allclose(panels[1].get_images()[0].get_array(), 4.0)  # percent
    assert {ax.get_images()[0].norm.vmax for ax in panels} == {4.0}
    assert [len(ax.patches) for ax in panels] == [4, 4]
    corner = panels[0].patches[0].get_xy()
    assert corner == (9 - 0.5, 4 - 0.5)  # the (4, 9) cell: row 4, column 9
    assert panels[1].get_title() == "DCGAN\n20.0% hesitant"


def test_coverage_figure_draws_class_shares_and_nearest_distance_histograms():
    shares = {"real": [0.1] * 10, "vae": [0.0, 0.2] * 5}
    nearest = {"real": np.linspace(1.0, 5.0, 50), "vae": np.linspace(2.0, 9.0, 50)}
    fig = figures.coverage_figure(shares, nearest, LABELS, copy_threshold=3.0)
    left, right = fig.axes
    heights = [bar.get_height() for bar in left.patches]
    assert heights == pytest.approx([10.0] * 10 + [0.0, 20.0] * 5)
    assert horizontal_lines(left) == [10]
    assert [p.get_label() for p in right.patches] == ["real (held-out)", "VAE"]
    threshold = [line for line in right.get_lines() if list(line.get_xdata()) == [3.0, 3.0]]
    assert len(threshold) == 1
    (legend,) = fig.legends  # one for both panels, below them
    assert [text.get_text() for text in legend.get_texts()] == ["real (held-out)", "VAE"]


def test_fid_seeds_figure_draws_the_mean_the_band_and_each_seeds_stop():
    curves = [
        {"epochs": [1, 2, 3], "fid": fid, "within_noise_epoch": stop, "real_fid": 2.0}
        for fid, stop in (([30.0, 10.0, 8.0], 2), ([34.0, 12.0, 9.0], 3))
    ]
    fig = figures.fid_seeds_figure({"dcgan": curves}, {"dcgan": "DCGAN"})
    ax = fig.axes[0]
    mean = next(line for line in ax.get_lines() if line.get_label().startswith("DCGAN: mean"))
    np.testing.assert_allclose(mean.get_ydata(), [32.0, 11.0, 8.5])
    assert "2 seeds" in mean.get_label()
    stops = sorted(
        line.get_xdata()[0]
        for line in ax.get_lines()
        if line.get_linestyle() == ":" and len(line.get_xdata())
    )
    assert stops == [2, 3]  # one dotted line per seed
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == 8.0 and band.max() == 34.0  # from the lowest to the highest seed
