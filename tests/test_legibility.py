"""Every figure of the report is legible on paper: built with small synthetic data the way its
notebook cell builds it, no text prints below MIN_PRINTED_PT once the PDF has scaled the
figure to fit, and no two texts (tick labels, titles, legends) run into each other."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from helpers import figures, plotting  # noqa: E402
from helpers.report.rendering import (  # noqa: E402
    A4_WIDTH_MM,
    CSS_PIXELS_PER_INCH,
    MM_PER_INCH,
    PRINT_MARGINS_MM,
    PRINT_SCALE,
)

MIN_PRINTED_PT = 7.0
INLINE_DPI = 100  # the notebooks' inline figures, which the report embeds
TEMPLATE = Path(__file__).parents[1] / "helpers" / "templates" / "vae_vs_gan" / "index.html.j2"


def print_limits() -> tuple[float, float, float]:
    """(printed inches per figure inch at natural size, the widest and the highest a printed
    figure may be in inches): an inline PNG is shown at one CSS pixel per pixel, at most the
    text's width and the template's print max-height, and Chromium prints at PRINT_SCALE."""
    natural = INLINE_DPI / CSS_PIXELS_PER_INCH * PRINT_SCALE
    text_width_mm = A4_WIDTH_MM - PRINT_MARGINS_MM["left"] - PRINT_MARGINS_MM["right"]
    print_css = TEMPLATE.read_text(encoding="utf-8").split("@media print", 1)[1]
    image_rule = print_css[print_css.index(".jp-RenderedImage img") :]
    max_height_mm = float(re.search(r"max-height:\s*([\d.]+)mm", image_rule).group(1))
    return natural, text_width_mm / MM_PER_INCH, max_height_mm * PRINT_SCALE / MM_PER_INCH


def printed_scale(fig) -> float:
    """Printed size / drawn size of `fig` in the PDF (its tight bounding box, as saved)."""
    natural, widest, highest = print_limits()
    fig.set_dpi(INLINE_DPI)
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    return min(natural, widest / box.width, highest / box.height)


def drawn_texts(fig) -> list[Text]:
    """The texts a reader sees: visible and non-empty, without the tick labels of hidden axes
    or of ticks outside the axes' view."""
    fig.canvas.draw()
    hidden = set()
    for ax in fig.axes:
        for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            low, high = sorted(limits)
            slack = 1e-9 * (high - low)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or not low - slack <= tick.get_loc() <= high + slack:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return [
        text
        for text in fig.findobj(Text)
        if text.get_visible() and text.get_text().strip() and id(text) not in hidden
    ]


def digits(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, 28, 28), dtype=np.uint8)


# The comparison's models as notebook 05 labels them (helpers.results.model_label)
LABELS = {
    "real": "real (held-out)",
    "dcgan": "DCGAN",
    "vae": "VAE",
    "vaegan": "VAE-GAN",
    "control": "control (no D)",
    "vae_z16": "VAE (z=16)",
    "vaegan_z16": "VAE-GAN (z=16)",
    "control_z16": "control (no D) (z=16)",
}
MODELS = list(LABELS)
EPOCHS = 12


def curve(start: float, end: float) -> list[float]:
    return list(np.linspace(start, end, EPOCHS))


def architecture():
    generator = [("Input", "100", 0), ("Dense", "6272", 633_472)]
    generator += [("BatchNormalization", "14×14×32", 128), ("Conv2DTranspose", "28×28×1", 800)] * 5
    generator += [("Activation", "28×28×1", 0)]  # 13 rows, as the DCGAN's generator
    critic = [("Input", "28×28×1", 0), ("Conv2D", "14×14×32", 832), ("Dense", "1", 3137)]
    return plotting.architecture_figure(
        {"Generator G": generator, "Discriminator D": critic},
        title="DCGAN, cpu profile: layers and output shapes",
    )


def optimal_discriminator():
    x = np.linspace(-5, 8, 200)
    p_data, p_g = np.exp(-(x**2)), np.exp(-((x - 1) ** 2))
    d = p_data / (p_data + p_g)
    return figures.optimal_discriminator_figure(x, p_data, p_g, d, d, title="Figure 12 — D*")


def criterion():
    x, shifts = np.linspace(-5, 8, 200), np.linspace(-5, 5, 41)
    return figures.criterion_figure(
        x,
        np.exp(-(x**2)),
        {m: np.exp(-((x - m) ** 2)) for m in (0.0, 1.5, 4.0)},
        shifts,
        -1.386 + 0.05 * shifts**2,
        shifts[::10],
        0.02 * shifts[::10] ** 2,
        title="Figure 13 — C(G) = −log 4 + 2·JSD as the generator moves",
    )


def gan_losses():
    history = {"d_loss": curve(1.4, 1.1), "g_loss": curve(0.7, 1.3)}
    return figures.gan_losses_figure(history, title="DCGAN losses per epoch")


def discriminator_outputs():
    history = {"d_real": curve(0.6, 0.55), "d_fake": curve(0.3, 0.45)}
    return figures.discriminator_outputs_figure(history, title="Mean discriminator output")


def vae_losses():
    history = {}
    for key in figures.VAE_LOSS_PANELS:
        history[key], history["val_" + key] = curve(200, 140), curve(190, 145)
    return figures.vae_losses_figure(history, title="VAE loss per epoch (mnist, profile cpu)")


def vae_latent():
    rng = np.random.default_rng(0)
    return figures.vae_latent_figure(
        rng.normal(size=(500, 2)), rng.integers(0, 10, 500), [str(d) for d in range(10)]
    )


def iwae_bound():
    rng = np.random.default_rng(0)
    exact = -rng.uniform(80, 140, 20)
    bounds = exact[None] - np.array([5.0, 3.0, 2.0, 1.2, 0.8])[:, None] * rng.uniform(1, 2, 20)
    return figures.iwae_bound_figure([1, 10, 100, 1000, 10000], bounds, exact)


def vaegan_losses():
    keys = ("prior", "llike", "d_loss", "g_loss", "d_real", "d_reconstruction", "d_fake")
    return figures.vaegan_losses_figure({key: curve(1.0, 0.5) for key in keys})


def vaegan_samples():
    return figures.vaegan_samples_figure(digits(100), digits(20), [1, 2], 2, manifold=digits(225))


def diagnosis():
    keys = [key for _, pairs, _, _ in figures.DIAGNOSIS_PANELS for key, _ in pairs]
    return figures.diagnosis_figure(
        {
            "z=2": {key: curve(1.0, 0.5) for key in keys},
            "z=16": {key: curve(0.8, 0.2) for key in keys},
        }
    )


def comparison_seeds():
    keys = [key for key, _ in figures.METRIC_PANELS]
    scale = {"fid": 90, "kid": 4.4, "inception_score": 9.7}
    rows = {
        name: {key: [scale.get(key, 1.0) * (i + 1) / 8] * 3 for key in keys}
        for i, name in enumerate(MODELS)
    }
    return figures.comparison_seeds_figure(rows, LABELS)


def fid_seeds():
    curves = [
        {
            "epochs": list(range(1, EPOCHS + 1)),
            "fid": curve(250, 10),
            "within_noise_epoch": 9,
            "real_fid": 1.0,
        }  # fmt: skip
    ] * 3
    return figures.fid_seeds_figure({name: curves for name in MODELS[1:]}, LABELS)


def hesitation():
    pairs = {name: np.random.default_rng(i).dirichlet(np.ones(100)).reshape(10, 10)
             for i, name in enumerate(MODELS)}  # fmt: skip
    return figures.hesitation_figure(pairs, LABELS, {name: 0.05 for name in MODELS})


def coverage():
    rng = np.random.default_rng(0)
    return figures.coverage_figure(
        {name: list(rng.dirichlet(np.ones(10) * 20)) for name in MODELS},
        {name: rng.normal(8, 1.5, 300) for name in MODELS},
        LABELS,
        copy_threshold=5.0,
    )


def cost():
    costs = {
        name: {
            "wall_time_seconds": 330.0 * i,
            "images_per_second": 3400.0 / i,
            "parameters": 940_322 * i,
        }  # fmt: skip
        for i, name in enumerate(MODELS[1:], start=1)
    }
    return figures.cost_figure(costs, LABELS)


# As the notebooks call the generic figures (their sizes are arguments of those cells)
def gan_snapshot():
    return plotting.show_grid(digits(100), title="DCGAN samples after epoch 36 of 36",
                              figsize=(3.6, 3.9))  # fmt: skip


def gan_evolution():
    epochs = ", ".join(str(e) for e in range(1, 37, 3))
    return plotting.show_grid(
        digits(120), title=f"Ten fixed noise vectors (columns) after epochs {epochs}"
    )


def vae_snapshots():
    return plotting.grid_stack_figure(
        {f"epoch {e}": digits(10, e) for e in (1, 5, 10, 20, 40)},
        columns=10,
        width=7.5,
        row_height=0.8,
        extra_height=0.6,
        labels_left=True,
        title="The decoder's means for the same 10 codes z ~ N(0, I), after each snapshot epoch",
    )


def vae_manifold():
    return plotting.show_grid(
        digits(400),
        title="Decoder means on a 20×20 grid  z = Φ⁻¹(p),  p = 0.05 … 0.95 per axis",
        columns=20,
        figsize=(5.6, 5.9),
    )


def vae_prior_samples():
    return plotting.show_grid(digits(100), title="100 samples: z ~ N(0, I), decoder means")


def comparison_samples():
    return plotting.grid_row_figure({LABELS[n]: digits(100) for n in MODELS}, per_row=4)


def reconstructions():
    rows = {"test images": digits(20)}
    rows.update({f"{LABELS[n]}, latent 16: Dec(E[z|x])": digits(20) for n in MODELS[1:7]})
    return plotting.grid_stack_figure(rows, columns=20, width=7.5, row_height=0.62)


def latent_planes():
    rng = np.random.default_rng(0)
    planes = {name: (rng.normal(size=(500, 2)), rng.integers(0, 10, 500)) for name in
              ("VAE-GAN", "VAE")}  # fmt: skip
    return plotting.latent_scatter(planes)


FIGURES = {
    "01 architecture": architecture,
    "03 GAN losses": gan_losses,
    "04-07 GAN snapshots": gan_snapshot,
    "08 VAE losses": vae_losses,
    "09 VAE latent": vae_latent,
    "10 VAE snapshots": vae_snapshots,
    "11 VAE manifold": vae_manifold,
    "12 optimal discriminator": optimal_discriminator,
    "13 criterion": criterion,
    "14 discriminator outputs": discriminator_outputs,
    "15 GAN evolution": gan_evolution,
    "16 IWAE bound": iwae_bound,
    "17 VAE prior samples": vae_prior_samples,
    "18 comparison samples": comparison_samples,
    "19 comparison metrics": comparison_seeds,
    "20 FID per epoch": fid_seeds,
    "21 hesitation": hesitation,
    "22 coverage": coverage,
    "23 cost": cost,
    "24 VAE-GAN losses": vaegan_losses,
    "25 VAE-GAN samples": vaegan_samples,
    "26 reconstructions": reconstructions,
    "27 latent planes": latent_planes,
    "28 diagnosis": diagnosis,
}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_print_limits_follow_the_report_layout():
    natural, widest, highest = print_limits()
    assert natural == pytest.approx(100 / 96 * 0.8)  # 100 dpi PNG, 96 CSS px/in, zoom 0.8
    assert widest == pytest.approx(186 / 25.4)  # A4 minus 2 x 12 mm
    assert highest == pytest.approx(84 / 25.4)  # 105 mm of CSS at zoom 0.8


@pytest.mark.parametrize("build", FIGURES.values(), ids=FIGURES.keys())
def test_every_text_prints_at_least_7_pt(build):
    fig = build()
    scale = printed_scale(fig)
    small = {
        text.get_text()[:40]: round(text.get_fontsize() * scale, 1)
        for text in drawn_texts(fig)
        if text.get_fontsize() * scale < MIN_PRINTED_PT
    }
    assert not small, f"printed at {scale:.2f} x its size, these texts are below 7 pt: {small}"


@pytest.mark.parametrize("build", FIGURES.values(), ids=FIGURES.keys())
def test_no_two_texts_overlap(build):
    fig = build()
    texts = drawn_texts(fig)
    renderer = fig.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in texts]
    clashes = [
        (texts[i].get_text()[:30], texts[j].get_text()[:30])
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if boxes[i].overlaps(boxes[j])
    ]
    assert not clashes, f"texts run into each other: {clashes[:5]}"


def test_the_check_catches_an_illegible_figure():
    """The old Figure 19: seven panels 16 inches wide, rotated labels that overlap."""
    fig, axes = plt.subplots(1, 7, figsize=(16, 3.2))
    for ax in axes:
        ax.bar(range(8), np.arange(8))
        ax.set_xticks(range(8), list(LABELS.values()), rotation=45, ha="right")
    assert 10 * printed_scale(fig) < MIN_PRINTED_PT
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(range(8), np.arange(8))
    ax.set_xticks(range(8), list(LABELS.values()))
    texts = drawn_texts(fig)
    boxes = [text.get_window_extent(fig.canvas.get_renderer()) for text in texts]
    assert any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
