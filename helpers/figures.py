"""The report's own figures, one function per figure, named after it: the drawing of each
notebook's `# Figure N — ...` cell. Arrays (or dicts of them) and numbers in, a matplotlib
figure out; no model is built or called here. Generic pieces (grids, curves, bars) are in
helpers.plotting."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.ticker import MaxNLocator

from helpers.plotting import bar_panels_figure, grid_row_figure, plot_curves
from helpers.theory import LOG_4

# One colour per model in every comparison figure (05_comparison.ipynb, Figures 19-23).
MODEL_COLORS = {
    "real": "0.55",
    "dcgan": "tab:blue",
    "vae": "tab:orange",
    "vaegan": "tab:green",
    "vae_z16": "tab:red",
    "vaegan_z16": "tab:purple",
    "control": "tab:olive",
    "control_z16": "tab:brown",
}


# --- 01_theory -----------------------------------------------------------------------------


def optimal_discriminator_figure(
    x,
    data_density,
    generator_density,
    d_formula,
    d_numerical,
    title: str,
    marker_every: int = 8,
    data_label: str = r"$p_\mathrm{data}$ (mixture)",
    generator_label: str = r"$p_g = \mathcal{N}(0.5, 1.5^2)$",
):
    """Figure 12: the two densities on x [G] (left axis) and D* [G] by formula and by
    numerical argmax (every `marker_every`-th point) on the right axis, legend below."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    ax.fill_between(x, data_density, alpha=0.25, color="C0")
    ax.plot(x, data_density, color="C0", label=data_label)
    ax.fill_between(x, generator_density, alpha=0.25, color="C1")
    ax.plot(x, generator_density, color="C1", label=generator_label)
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    right = ax.twinx()
    right.plot(
        x,
        d_formula,
        color="k",
        lw=2,
        label=r"$D^*$ formula $p_\mathrm{data}/(p_\mathrm{data}+p_g)$",
    )
    right.plot(
        x[::marker_every],
        d_numerical[::marker_every],
        "o",
        mfc="none",
        color="C3",
        label="numerical argmax",
    )
    right.axhline(0.5, color="k", ls=":", lw=1)
    right.set_ylim(0, 1.02)
    right.set_ylabel("$D(x)$")
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + right.get_legend_handles_labels()[1]
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        ncol=2,
        fontsize=9.5,
        frameon=False,
    )
    ax.set_title(title)
    return fig


def criterion_figure(
    x, data_density, generator_densities: dict, shifts, criterion, coarse_shifts, jsd, title: str
):
    """Figure 13. Left: p_data [G] on x [G] and p_g = N(m, 1) for each m -> density [G] of
    `generator_densities` (three of them). Right: C(G) [S] against the generator mean `shifts`
    [S], -log 4 + 2 JSD at `coarse_shifts` (jsd [C]), and a square at each shown m."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(9.2, 3.8), gridspec_kw={"width_ratios": [1, 1.3]}
    )
    left.plot(x, data_density, color="k", lw=2, label=r"$p_\mathrm{data} = \mathcal{N}(0, 1)$")
    colours = ("C0", "C1", "C2")
    for colour, (m, density) in zip(colours, generator_densities.items(), strict=True):
        left.plot(x, density, color=colour, ls="--", label=rf"$p_g = \mathcal{{N}}({m:g}, 1)$")
    left.set_xlabel("$x$")
    left.set_ylabel("density")
    left.legend(fontsize=9, framealpha=0.9)
    left.set_title("the generator's distribution slides")

    right.plot(shifts, criterion, color="k", lw=2, label=r"$C(G) = V(D^*, G)$ by quadrature")
    right.plot(
        coarse_shifts,
        -LOG_4 + 2 * jsd,
        "o",
        mfc="none",
        color="C3",
        label=r"$-\log 4 + 2\,\mathrm{JSD}$",
    )
    right.axhline(-LOG_4, color="C0", ls=":", lw=1)
    right.axhline(0.0, color="grey", ls=":", lw=1)
    right.annotate(
        rf"minimum $-\log 4 = {-LOG_4:.4f}$" + "\n" + r"at $\mu = 0$",
        xy=(0.0, -LOG_4),
        xytext=(2.2, -1.28),
        arrowprops=dict(arrowstyle="->", lw=0.8),
        fontsize=9.5,
    )
    for colour, m in zip(colours, generator_densities, strict=True):
        right.plot(m, np.interp(m, shifts, criterion), "s", color=colour, ms=6)
    right.set_ylim(-LOG_4 - 0.1, 0.1)
    right.set_xlabel(r"generator mean $\mu$")
    right.set_ylabel("$C(G)$ (nats)")
    right.legend(fontsize=9, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2)
    right.set_title("the criterion the generator minimises")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --- 02_dcgan ------------------------------------------------------------------------------


def gan_losses_figure(history: dict[str, list[float]], title: str):
    """Figure 3: L_D and L_G per epoch (history keys d_loss, g_loss) with their values at the
    equilibrium D = 1/2 (2 log 2 and log 2) as dashed lines."""
    fig = plot_curves(history, ["d_loss", "g_loss"], title=title)
    ax = fig.axes[0]
    ax.axhline(
        2 * np.log(2), color="tab:blue", linestyle="--", linewidth=1, label="2 log 2 (D at 1/2)"
    )
    ax.axhline(np.log(2), color="tab:orange", linestyle="--", linewidth=1, label="log 2 (G at 1/2)")
    ax.legend(["D loss $L_D$", "G loss $L_G$", r"$2\log 2$", r"$\log 2$"])
    return fig


def discriminator_outputs_figure(history: dict[str, list[float]], title: str):
    """Figure 14: mean D on real and on generated digits per epoch (history keys d_real,
    d_fake) in [0, 1], with the equilibrium 1/2 as a dashed line."""
    fig = plot_curves(history, ["d_real", "d_fake"], title=title, ylabel="D")
    ax = fig.axes[0]
    ax.axhline(0.5, color="0.4", linestyle="--", linewidth=1)
    ax.set_ylim(0, 1)
    ax.legend(["on real digits, mean D(x)", "on generated digits, mean D(G(z))", "equilibrium 1/2"])
    return fig


# --- 03_vae --------------------------------------------------------------------------------

# Figure 8's panels: history key (train; "val_" + key is the validation curve) -> panel title
VAE_LOSS_PANELS = {
    "loss": "total = −ELBO",
    "reconstruction": "reconstruction  −log p(x | z)",
    "kl": "KL(q(z | x) ‖ N(0, I))",
}


def vae_losses_figure(history: dict[str, list[float]], title: str):
    """Figure 8: one panel per VAE_LOSS_PANELS entry, train and validation curves per epoch."""
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.4))
    for ax, (key, panel) in zip(axes, VAE_LOSS_PANELS.items(), strict=True):
        curves = {"train": history[key], "validation": history["val_" + key]}
        plot_curves(curves, ["train", "validation"], panel, ylabel="nats per image", ax=ax)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def vae_latent_figure(means: np.ndarray, labels: np.ndarray, class_names):
    """Figure 9: posterior means [N, L] (the first two dimensions) coloured by class (labels
    [N] index `class_names`), legend beside the plot, equal axis scales."""
    fig, ax = plt.subplots(figsize=(5.8, 4.4))
    for label, name in enumerate(class_names):
        chosen = labels == label
        ax.scatter(
            means[chosen, 0],
            means[chosen, 1],
            s=2,
            alpha=0.6,
            color=plt.cm.tab10(label),
            label=name,
        )
    ax.legend(
        markerscale=5, title="class", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False
    )
    ax.set_xlabel("$z_1$ (posterior mean)")
    ax.set_ylabel("$z_2$ (posterior mean)")
    latent_dim = means.shape[1]
    shown_dims = "" if latent_dim == 2 else f" (first 2 of {latent_dim} dimensions)"
    ax.set_title(f"{len(means):,} test images in the latent space{shown_dims}")
    ax.set_aspect("equal", adjustable="datalim")
    return fig


def iwae_bound_figure(ks, bounds: np.ndarray, exact: np.ndarray | None = None):
    """Figure 16: the mean IWAE bound over images against k (bounds [len(ks), N], nats), and
    with the exact log p(x) [N] (quadrature) its mean as a line and a second panel of the gap
    log p(x) - L_k per image (floored at 1e-3 for the log scale) with its median."""
    curve = bounds.mean(axis=1)
    has_exact = exact is not None
    fig, axes = plt.subplots(
        1, 2 if has_exact else 1, figsize=(9.4 if has_exact else 6.4, 3.6), squeeze=False
    )
    ax = axes[0, 0]
    ax.plot(ks, curve, marker="o", label="IWAE bound $\\mathcal{L}_k$ (mean)")
    if has_exact:
        gaps = exact[None, :] - bounds  # [len(ks), images], >= 0 up to Monte Carlo noise
        ax.axhline(exact.mean(), color="black", linestyle="--", label="exact log p(x) (quadrature)")
        right = axes[0, 1]
        right.plot(ks, np.maximum(gaps, 1e-3), color="tab:blue", alpha=0.35, linewidth=1)
        right.plot(
            ks,
            np.median(np.maximum(gaps, 1e-3), axis=1),
            color="black",
            marker="o",
            label="median image",
        )
        right.set_xscale("log")
        right.set_yscale("log")
        right.set_xlabel("importance samples k per image")
        right.set_ylabel("log p(x) − $\\mathcal{L}_k$ (nats)")
        right.set_title("the gap, image by image (floored at 0.001)")
        right.grid(alpha=0.3)
        right.legend()
    ax.set_xscale("log")
    ax.set_xlabel("importance samples k per image")
    ax.set_ylabel("mean over images (nats)")
    ax.set_title(f"{bounds.shape[1]} test images: the bound climbs towards log p(x)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


# --- 04_vaegan -----------------------------------------------------------------------------


def vaegan_losses_figure(history: dict[str, list[float]]):
    """Figure 24: L_prior, L_llike, the two GAN losses and D's mean outputs per epoch, in two
    rows of two panels (legends of the lower row below their panel, clear of the curves)."""
    fig, grid = plt.subplots(2, 2, figsize=(8.4, 4.7), sharex=True)
    axes = grid.flat
    plot_curves(history, ["prior"], "encoder: $L_{prior}$ (KL, nats)", ylabel="nats", ax=axes[0])
    plot_curves(
        history,
        ["llike"],
        "encoder and decoder: $L_{llike}$",
        ylabel="½ squared distance",
        ax=axes[1],
    )
    plot_curves(
        history,
        ["d_loss", "g_loss"],
        "discriminator $L_{GAN}$, decoder $L_{GAN}^{dec}$",
        ax=axes[2],
    )
    plot_curves(
        history,
        ["d_real", "d_reconstruction", "d_fake"],
        "discriminator outputs",
        ylabel="mean D",
        ax=axes[3],
    )
    for ax in grid[0]:
        ax.get_legend().remove()  # one curve each: its title says what it is
        ax.set_xlabel("")
    below = dict(loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False, fontsize=10)
    grid[1, 0].legend(["discriminator $L_{GAN}$", "decoder $L_{GAN}^{dec}$"], ncol=2, **below)
    grid[1, 1].legend(
        ["$D(x)$", r"$D(\tilde x)$ reconstructions", "$D(x_p)$ prior samples"], ncol=2, **below
    )
    fig.tight_layout(h_pad=0.6)
    return fig


def vaegan_samples_figure(
    samples: np.ndarray,
    snapshot_rows: np.ndarray,
    snapshot_epochs,
    epochs: int,
    manifold: np.ndarray | None = None,
):
    """Figure 25: the first 100 prior samples after the last of `epochs` epochs, the same ten
    codes after each of `snapshot_epochs` (snapshot_rows: ten images per epoch, a row each),
    and with `manifold` (decoder over a 15x15 grid of z) that grid. uint8 images [N, 28, 28]."""
    manifold_title = "decoder over a\n15x15 grid of z"
    panels = {
        f"prior samples Dec(z),\nz ~ N(0, I), epoch {epochs}": samples[:100],
        "same z after epochs\n" + ", ".join(map(str, snapshot_epochs)) + " (rows)": snapshot_rows,
    }
    if manifold is not None:  # Figure 11's manifold, for the VAE-GAN's decoder
        panels[manifold_title] = manifold
    return grid_row_figure(panels, panel_size=(2.9, 3.3), columns={manifold_title: 15})


# Panels of the VAE-GAN diagnosis: (title, [(history key, legend label)], y label, log scale)
DIAGNOSIS_PANELS = (
    (
        "posterior q(z|x) against the prior N(0, I)",
        [
            ("diag_aggregate_variance", "variance of the aggregate posterior (prior: 1)"),
            ("diag_mean_sigma", "posterior std σ (prior: 1)"),
            ("diag_mean_abs_posterior_mean", "|mean of E[z|x]| (prior: 0)"),
        ],
        "mean over latent dimensions",
        False,
    ),
    (
        "discriminator accuracy (inference mode)",
        [
            ("diag_d_accuracy_real", "real digits called real"),
            ("diag_d_accuracy_reconstruction", "reconstructions called fake"),
            ("diag_d_accuracy_prior", "prior samples called fake"),
        ],
        "share of images",
        False,
    ),
    (
        "decoder gradient per loss term",
        [
            ("diag_grad_feature", "γ · feature reconstruction"),
            ("diag_grad_pixel", "γ · pixel reconstruction"),
            ("diag_grad_gan_reconstruction", "GAN term on reconstructions"),
            ("diag_grad_gan_prior", "GAN term on prior samples"),
        ],
        "gradient norm",
        True,
    ),
)


def diagnosis_figure(histories: dict[str, dict[str, list[float]]]):
    """Three panels per epoch for each run in `histories` (label -> history with the diag_*
    keys of helpers.vaegan_diagnosis.DIAGNOSIS_KEYS): posterior vs prior, D's accuracy, and the
    norm of each loss term's gradient at the decoder. A quantity keeps its colour, a run its
    line style; each panel's legend (the quantities) sits below it, the runs' above the
    panels, so no legend hides a curve."""
    styles = ("-", "--", ":", "-.")
    fig, axes = plt.subplots(1, len(DIAGNOSIS_PANELS), figsize=(9.4, 4.1), layout="constrained")
    for ax, (title, keys, ylabel, log) in zip(axes, DIAGNOSIS_PANELS, strict=True):
        quantities = []
        for index, (key, label) in enumerate(keys):
            drawn = False
            for style, history in zip(styles, histories.values(), strict=False):
                values = history.get(key)
                if not values:
                    continue
                epochs = np.arange(1, len(values) + 1)
                ax.plot(epochs, values, style, marker="o", ms=3, color=f"C{index}")
                drawn = True
            if drawn:
                quantities.append((plt.Line2D([], [], color=f"C{index}", lw=2), label))
        ax.set_title(textwrap.fill(title, 30), fontsize=10)
        ax.set_xlabel("epoch", fontsize=9.5)
        ax.set_ylabel(ylabel, fontsize=9.5)
        ax.tick_params(labelsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs, not fractions of one
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        if quantities:  # a panel whose quantity no run recorded: none
            handles, labels = zip(*quantities, strict=True)
            ax.legend(
                handles,
                [textwrap.fill(label, 28) for label in labels],
                loc="upper center",
                bbox_to_anchor=(0.5, -0.22),
                frameon=False,
                fontsize=9,
                handlelength=1.5,
            )
    if len(histories) > 1:
        runs = [
            plt.Line2D([], [], color="0.3", ls=style, marker="o", ms=3)
            for style, _ in zip(styles, histories, strict=False)
        ]
        fig.legend(
            runs,
            list(histories)[: len(styles)],
            loc="outside upper center",
            ncol=len(runs),
            frameon=False,
            fontsize=9.5,
        )
    return fig


# --- 05_comparison -------------------------------------------------------------------------

# Figure 19's panels: (score key, title); KID carries its standard deviation as error bars
METRIC_PANELS = (
    ("fid", "FID ↓"),
    ("kid", "KID ↓"),
    ("inception_score", "IS ↑"),
    ("precision", "precision ↑"),
    ("recall", "recall ↑"),
    ("coverage", "coverage ↑"),
    ("sharpness", "sharpness"),
)
# Figure 23's panels: (training-cost key, title)
COST_PANELS = (
    ("wall_time_seconds", "wall time (s)"),
    ("images_per_second", "training images / s"),
    ("parameters", "parameters"),
)


def comparison_seeds_figure(seed_rows: dict[str, dict[str, list[float]]], labels: dict[str, str]):
    """Figure 19 over seeds: a bar per model at the mean of each METRIC_PANELS metric over its
    seeds (seed_rows: name -> metric -> values per seed), the error bar its standard deviation
    over seeds (none for the real digits, one set without a seed)."""
    from helpers.seeds import summarise

    keys = [key for key, _ in METRIC_PANELS]
    means = {}
    for name, values in seed_rows.items():
        spreads = {key: summarise(values[key]) for key in keys if key in values}
        means[name] = {key: s.mean for key, s in spreads.items()}
        means[name].update({f"{key}_sd": s.sd for key, s in spreads.items()})
    short = {name: labels[name].replace(" (held-out)", "") for name in seed_rows}
    return bar_panels_figure(
        means,
        METRIC_PANELS,
        short,
        MODEL_COLORS,
        figsize=(9.2, 0.28 * len(means) + 1.0),
        errors={key: f"{key}_sd" for key in keys},
    )


def fid_seeds_figure(stopping: dict[str, list[dict]], labels: dict[str, str]):
    """Figure 20: FID per epoch over the training seeds (stopping: name -> one curve per seed,
    as `helpers.comparison.fid_curve`): the mean over seeds as a line, the band from the lowest
    to the highest seed, each seed's stopping epoch (gain left within 2σ of its noise) as a
    dotted line, and the held-out real digits' floor. The legend stands right of the axes:
    inside, its entries would hide the short runs' curves or the stopping lines."""
    fig, ax = plt.subplots(figsize=(9.2, 4.0), layout="constrained")
    floors = []
    for name, curves in stopping.items():
        color = MODEL_COLORS[name]
        epochs = np.asarray(curves[0]["epochs"])
        fids = np.array([c["fid"] for c in curves], dtype=float)
        n = len(curves)
        ax.plot(
            epochs,
            fids.mean(axis=0),
            marker="o",
            ms=3,
            color=color,
            label=f"{labels[name]}: mean of {n} seed{'s' if n > 1 else ''}",
        )
        if n > 1:
            ax.fill_between(epochs, fids.min(axis=0), fids.max(axis=0), color=color, alpha=0.2)
        stops = [c["within_noise_epoch"] for c in curves]
        for stop in stops:
            ax.axvline(stop, color=color, ls=":", lw=1.2)
        ax.plot(
            [],
            [],
            color=color,
            ls=":",
            label=f"{labels[name]}: gain within noise after epoch "
            + ", ".join(str(s) for s in stops),
        )
        floors += [c["real_fid"] for c in curves]
    if floors:
        floor = float(np.mean(floors))
        ax.axhline(floor, color="0.4", ls="--", lw=1, label=f"held-out real digits: {floor:.1f}")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("FID on the validation split")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    fig.legend(fontsize=9, loc="outside right upper")
    return fig


# The digit pairs the paper calls look-alike: (most probable, runner-up) cells outlined
LOOK_ALIKE_CELLS = ((4, 9), (9, 4), (1, 7), (7, 1))


def hesitation_figure(
    pairs: dict[str, np.ndarray], labels: dict[str, str], hesitant: dict[str, float]
):
    """Figure 21: per model the share of samples (pairs: name -> [10, 10] shares, most probable
    class x runner-up) on one square-root colour scale; `hesitant` (name -> share in [0, 1])
    goes into each title; the LOOK_ALIKE_CELLS are outlined."""
    across = min(len(pairs), 4)  # four panels a row: a row of eight prints too small
    down = -(-len(pairs) // across)
    fig, grid = plt.subplots(
        down,
        across,
        figsize=(1.9 * across + 0.6, 2.1 * down),
        squeeze=False,
        layout="constrained",
    )
    axes = list(grid.flat)
    scale = PowerNorm(0.5, vmin=0, vmax=max(100 * pairs[n].max() for n in pairs))
    for ax in axes[len(pairs) :]:
        ax.set_axis_off()
    for index, (ax, name) in enumerate(zip(axes, pairs, strict=False)):
        image = ax.imshow(100 * pairs[name], cmap="Reds", norm=scale)
        for i, j in LOOK_ALIKE_CELLS:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="tab:blue", lw=1.5))
        ax.set_xticks(range(10))
        ax.set_yticks(range(10))
        ax.tick_params(labelsize=9, length=2, pad=1.5)
        ax.set_title(f"{labels[name]}\n{hesitant[name]:.1%} hesitant", fontsize=10)
        if index + across >= len(pairs):  # the lowest panel of its column
            ax.set_xlabel("runner-up class", fontsize=10)
        if index % across == 0:
            ax.set_ylabel("most probable class", fontsize=10)
    bar = fig.colorbar(image, ax=axes, shrink=0.7, aspect=30)
    bar.set_label("% of samples", fontsize=10)
    bar.ax.tick_params(labelsize=9.5)
    return fig


def coverage_figure(
    class_shares: dict[str, list[float]],
    nearest: dict[str, np.ndarray],
    labels: dict[str, str],
    copy_threshold: float,
):
    """Figure 22. Left: predicted-class shares (name -> [10] in [0, 1]) as grouped bars, the
    uniform 10 % dotted. Right: histograms of each model's pixel distance to the nearest
    training image (name -> [N]), the copy threshold dotted."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.8, 3.4))
    width = 0.8 / len(class_shares)
    bins = np.histogram_bin_edges(np.concatenate([nearest[n] for n in class_shares]), 50)
    for index, name in enumerate(class_shares):
        shares = 100 * np.array(class_shares[name])
        left.bar(
            np.arange(10) + (index - (len(class_shares) - 1) / 2) * width,
            shares,
            width,
            color=MODEL_COLORS[name],
            label=labels[name],
        )
        right.hist(
            nearest[name],
            bins=bins,
            histtype="step",
            lw=1.5,
            color=MODEL_COLORS[name],
            density=True,
            label=labels[name],
        )
    left.axhline(10, color="k", lw=0.8, ls=":")
    left.set(xticks=range(10), xlabel="predicted class", ylabel="% of samples")
    right.axvline(copy_threshold, color="k", lw=0.8, ls=":")
    right.set(xlabel="pixel distance to the nearest training image", ylabel="density")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    # one legend for both panels, below them: inside, eight entries would hide the bars
    fig.legend(
        *left.get_legend_handles_labels(),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=4,
        frameon=False,
        fontsize=9.5,
    )
    return fig


def cost_figure(costs: dict[str, dict], labels: dict[str, str]):
    """Figure 23: wall time, training throughput and parameters per model (costs: name ->
    helpers.results.training_cost), coloured by MODEL_COLORS."""
    return bar_panels_figure(
        costs, COST_PANELS, labels, MODEL_COLORS, figsize=(7.6, 0.28 * len(costs) + 1.0)
    )
