"""What notebook 04's report sections compute and print about the trained VAE-GAN: the rows
of its reconstruction figure (`reconstruction_rows`), the numbers of its closing section
(`closing_measures`), the closing summary (`vaegan_run_markdown`) and the threshold it
applies. Not training code: the model, its losses and its training loop live in
`helpers.vaegan`; the models arrive here as objects with the common interface (`encode`,
`decode`, `reconstruct`), so this module imports no model module.

    measures = closing_measures(model, test_images, latents, samples, pixel_mse, vae_model)
    display(Markdown(vaegan_run_markdown(record, config, measures, vae_note)))
"""

from __future__ import annotations

import numpy as np

from helpers.data import binarize, to_gan_range, to_uint8_images, to_unit_range
from helpers.record import ResultsRecord

LATENT_KEPT = 0.05  # the VAE-GAN "kept" the VAE's latent organisation: 5-NN within 5 points


def _named_values(values: dict[str, float], spec: str) -> str:
    return ", ".join(f"{name} {value:{spec}}" for name, value in values.items())


def reconstruction_rows(
    model,
    images: np.ndarray,
    labels: np.ndarray,
    vae_model=None,
    exported: dict[str, np.ndarray] | None = None,
    per_class: int = 2,
) -> dict[str, np.ndarray]:
    """Figure 26's rows, title -> uint8 [M, 28, 28], for the first `per_class` test images of
    each digit (images uint8 [N, 28, 28], labels [N]): the images, the VAE-GAN `model`'s
    Dec(E[z|x]), the VAE's decoder means at E[z|x] when `vae_model` is given (its inputs
    binarised as its config says), and each of `exported` (title -> reconstructions of all N
    images, from another run's exports) that covers the chosen images."""
    picked = np.concatenate([np.flatnonzero(labels == digit)[:per_class] for digit in range(10)])
    originals = images[picked]
    rows = {
        "test images": originals,
        "VAE-GAN: Dec(E[z|x])": model.reconstruct(to_gan_range(originals)),
    }
    if vae_model is not None:
        means = vae_model.encode(_binarised(vae_model, originals))
        rows["VAE: decoder mean at E[z|x]"] = to_uint8_images(vae_model.decode(means), (0.0, 1.0))
    for title, reconstructions in (exported or {}).items():
        if picked.max() < len(reconstructions):
            rows[f"{title}: Dec(E[z|x])"] = reconstructions[picked]
    return rows


def _binarised(vae_model, images: np.ndarray) -> np.ndarray:
    """uint8 test images as the VAE `vae_model` reads them (its config's binarisation)."""
    config = vae_model.config
    return binarize(images, config.binarization, seed=config.seed)


def closing_measures(
    model,
    test_images: np.ndarray,
    latents: dict[str, tuple[np.ndarray, np.ndarray]],
    samples: np.ndarray,
    test_pixel_mse: float,
    vae_model=None,
    vae_samples: np.ndarray | None = None,
    scored: int = 4000,
    compared: int = 2000,
) -> dict[str, dict[str, float]]:
    """The numbers of notebook 04's closing section, each a dict model name -> value:

    - `knn`: 5-NN accuracy (`metrics.latent_knn_accuracy`) on the first `scored` codes of each
      of `latents` (name -> (means [N, L], labels [N])), half reference, half classified;
    - `grey`: grey-pixel share of the first `compared` test images (uint8 [N, 28, 28]), of the
      VAE-GAN's `samples` and, with `vae_model`, of `vae_samples` when given;
    - `pixel_mse`: `test_pixel_mse` (the VAE-GAN's, over the whole test set) or, with
      `vae_model`, both models' MSE in [0, 1] intensities on the first `compared` test images
      (the VAE's on its binarised inputs, as its config says).
    """
    from helpers import metrics

    picked = slice(0, scored)
    knn = {
        name: metrics.latent_knn_accuracy(m[picked], y[picked]) for name, (m, y) in latents.items()
    }
    originals = test_images[:compared]
    grey = {
        "test images": metrics.grey_pixel_share(originals),
        "VAE-GAN": metrics.grey_pixel_share(samples),
    }
    if vae_model is not None and vae_samples is not None:
        grey["VAE"] = metrics.grey_pixel_share(vae_samples)
    pixel_mse = {"VAE-GAN": test_pixel_mse}
    if vae_model is not None:
        vae_reconstruction = vae_model.decode(vae_model.encode(_binarised(vae_model, originals)))
        pixel_mse["VAE"] = float(np.mean((vae_reconstruction - to_unit_range(originals)) ** 2))
        ours = np.asarray(model.reconstruct(to_gan_range(originals)), np.float32) / 255
        pixel_mse["VAE-GAN"] = float(np.mean((ours[..., None] - to_unit_range(originals)) ** 2))
    return {"knn": knn, "grey": grey, "pixel_mse": pixel_mse}


def vaegan_run_markdown(record: ResultsRecord, config, measures: dict, vae_note: str = "") -> str:
    """What the VAE-GAN run of notebook 04 shows, as Markdown bullets: the run and its last
    epoch (from `record`, its results record), then `measures` (`closing_measures`: knn,
    grey, pixel_mse by model name) and, when the VAE's numbers are there, whether the VAE-GAN
    kept its latent organisation (5-NN within `LATENT_KEPT`) and has fewer grey pixels;
    `vae_note` says why the VAE is missing otherwise. `config`: the run's VAEGANConfig."""
    knn, grey, pixel_mse = measures["knn"], measures["grey"], measures["pixel_mse"]
    final, timings = record.final, record.timings
    lines = [
        f"- **Run**: {timings.epochs} epochs of {record.images_per_epoch:,} "
        f"images in {timings.wall_time_seconds / 60:.1f} min "
        f"({timings.images_per_second:.0f} images/s, {record.total_parameters:,} "
        f"parameters, latent dimension {config.latent_dim}, $\\gamma = {config.gamma:g}$).",
        f"- **Last epoch**: $\\mathcal L_\\text{{prior}} = {final['prior']:.2f}$ nats, "
        f"$\\mathcal L_\\text{{llike}} = {final['llike']:.1f}$ (+ constant "
        f"{record.metrics['feature_layer']['llike_constant_nats']:.0f}), "
        f"$D(x) = {final['d_real']:.2f}$, $D(\\tilde x) = {final['d_reconstruction']:.2f}$, "
        f"$D(x_p) = {final['d_fake']:.2f}$.",
        "- **Latent class separation** (5-NN accuracy on posterior means): "
        f"{_named_values(knn, '.1%')}.",
        f"- **Grey pixels** (share between 10 % and 90 % intensity): {_named_values(grey, '.1%')}.",
        "- **Reconstruction error** (pixel MSE against the grey test images, intensities in "
        "[0, 1], first 2000 test images when the VAE is there, else the whole test set): "
        f"{_named_values(pixel_mse, '.4f')}.",
    ]
    if "VAE" in knn and "VAE" in grey:
        kept = "kept" if knn["VAE-GAN"] >= knn["VAE"] - LATENT_KEPT else "did not keep"
        fewer = "fewer" if grey["VAE-GAN"] < grey["VAE"] else "more"
        lines.append(
            f"- In this run the VAE-GAN **{kept}** the VAE's latent organisation (5-NN accuracy "
            f"{knn['VAE-GAN']:.1%} vs {knn['VAE']:.1%}, within {LATENT_KEPT * 100:.0f} points "
            f"counts as kept) and its samples have **{fewer}** grey pixels "
            f"({grey['VAE-GAN']:.1%} vs {grey['VAE']:.1%}; real digits "
            f"{grey['test images']:.1%}) — speckle lowers this share too, so chapter 05's "
            "FID, coverage and sharpness against real digits decide whether they are better digits."
        )
    else:
        lines.append(f"- The side-by-side with the VAE is missing: {vae_note}.")
    if config.profile == "smoke":
        lines.append(
            "- *Smoke profile*: a few hundred images and two epochs; the numbers only show "
            "that everything runs. The `cpu` profile is the one to read."
        )
    return "\n".join(lines)


__all__ = [
    "LATENT_KEPT",
    "closing_measures",
    "reconstruction_rows",
    "vaegan_run_markdown",
]
