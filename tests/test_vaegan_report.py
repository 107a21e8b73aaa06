"""Notebook 04's report sections: the rows of its reconstruction figure, the numbers of its
closing section, and the closing text that quotes the VAE-GAN run and its measures, in order."""

from types import SimpleNamespace

import numpy as np
import pytest

from helpers import vae, vaegan, vaegan_report
from helpers.config import make_config
from helpers.data import binarize, to_gan_range
from helpers.record import ResultsRecord, Timings


@pytest.fixture(scope="module")
def model():
    """A tiny untrained VAE-GAN: the report functions need its encode/decode, not its skill."""
    config = make_config(
        "vaegan", "smoke", train_size=64, batch_size=32, latent_dim=3, warmup_epochs=0,
        pixel_weight=0.0, discriminator_batchnorm=True,
    )  # fmt: skip
    return vaegan.build(config)


# --- Figure 26's rows ------------------------------------------------------------------------


def test_reconstruction_rows_pick_each_digit_and_line_up_every_model(model):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (30, 28, 28)).astype(np.uint8)
    labels = np.arange(30) % 10
    picked = np.concatenate([np.flatnonzero(labels == digit)[:2] for digit in range(10)])
    vae_config = make_config("vae", "smoke", hidden_units=(8,))
    vae_model = vae.build(vae_config)  # a vae.VAEModel: it carries its config
    others = {"VAE, latent 16": 255 - images, "too short": images[:5]}
    rows = vaegan_report.reconstruction_rows(model, images, labels, vae_model, others)
    assert list(rows) == [
        "test images",
        "VAE-GAN: Dec(E[z|x])",
        "VAE: decoder mean at E[z|x]",
        "VAE, latent 16: Dec(E[z|x])",  # "too short" does not cover the chosen images
    ]
    np.testing.assert_array_equal(rows["test images"], images[picked])
    assert labels[picked].tolist() == [d for d in range(10) for _ in range(2)]
    np.testing.assert_array_equal(
        rows["VAE-GAN: Dec(E[z|x])"], model.reconstruct(to_gan_range(images[picked]))
    )
    binary = binarize(images[picked], vae_config.binarization, seed=vae_config.seed)
    expected = vae.decode_means(vae_model, vae.encode_means(vae_model, binary))
    np.testing.assert_array_equal(  # the decoder means as uint8, rounded
        rows["VAE: decoder mean at E[z|x]"],
        np.clip(np.rint(expected[..., 0] * 255), 0, 255).astype(np.uint8),
    )
    np.testing.assert_array_equal(rows["VAE, latent 16: Dec(E[z|x])"], 255 - images[picked])
    alone = vaegan_report.reconstruction_rows(model, images, labels)
    assert list(alone) == ["test images", "VAE-GAN: Dec(E[z|x])"]
    assert all(row.dtype == np.uint8 and row.shape == (20, 28, 28) for row in rows.values())


# --- the closing section's numbers -----------------------------------------------------------


def test_closing_measures_read_only_the_first_codes_and_images_and_the_vae_when_given(model):
    labels = np.arange(30) % 2
    means = labels[:, None] * 10.0 + np.linspace(0, 1, 30)[:, None] * np.ones((1, 2))
    means[20:] = means[20:][::-1]  # past the scored codes: every label now sits at the other class
    latents = {"VAE-GAN": (means, labels)}
    test_images = np.full((12, 28, 28), 128, np.uint8)  # grey
    test_images[8:] = 0  # past the compared images
    black = np.zeros((5, 28, 28), np.uint8)
    kwargs = dict(scored=20, compared=8)
    alone = vaegan_report.closing_measures(model, test_images, latents, black, 0.5, **kwargs)
    assert alone["knn"] == {"VAE-GAN": 1.0}
    assert alone["grey"] == {"test images": 1.0, "VAE-GAN": 0.0}
    assert alone["pixel_mse"] == {"VAE-GAN": 0.5}  # the record's, over the whole test set
    unscored = vaegan_report.closing_measures(model, test_images, latents, black, 0.5)
    assert unscored["knn"]["VAE-GAN"] < 1.0 and unscored["grey"]["test images"] < 1.0
    # VAE samples count only beside a VAE model, as the side-by-side needs both
    grey_samples = np.full((5, 28, 28), 128, np.uint8)
    no_model = vaegan_report.closing_measures(
        model, test_images, latents, black, 0.5, vae_samples=grey_samples, **kwargs
    )
    assert "VAE" not in no_model["grey"] and "VAE" not in no_model["pixel_mse"]
    vae_model = vae.build(make_config("vae", "smoke", hidden_units=(16, 8)))
    with_vae = vaegan_report.closing_measures(
        model, test_images, latents, black, 0.5, vae_model, vae_samples=grey_samples, **kwargs
    )
    assert with_vae["grey"]["VAE"] == 1.0
    assert list(with_vae["pixel_mse"]) == ["VAE-GAN", "VAE"]
    assert with_vae["pixel_mse"]["VAE-GAN"] != 0.5  # both measured on the same 8 images
    assert all(0.0 <= value <= 1.0 for value in with_vae["pixel_mse"].values())


# --- the closing text ------------------------------------------------------------------------


def _vaegan_record():
    return ResultsRecord(
        name="vaegan_z16",
        model="vaegan",
        config={},
        seed=0,
        environment={},
        history={},
        final={"prior": 3.14159, "llike": 250.26, "d_real": 0.61, "d_reconstruction": 0.444,
               "d_fake": 0.3},
        parameters={"encoder": 1, "total": 1_234_567},
        images_per_epoch=60_000,
        resumed_from_epoch=0,
        timings=Timings(
            epoch_seconds=[30.0, 30.0, 30.0],
            validation_seconds=[0.0, 0.0, 0.0],
            wall_time_seconds=90.0,
            images_per_second=2000.4,
            export_seconds=1.0,
        ),
        metrics={"feature_layer": {"llike_constant_nats": 5791.4}},
    )  # fmt: skip


def _measures(knn_vaegan=0.8, grey_vaegan=0.12, vae=True):
    measures = {
        "knn": {"VAE-GAN": knn_vaegan},
        "grey": {"test images": 0.09, "VAE-GAN": grey_vaegan},
        "pixel_mse": {"VAE-GAN": 0.05},
    }
    if vae:
        measures["knn"]["VAE"] = 0.9
        measures["grey"]["VAE"] = 0.3
        measures["pixel_mse"]["VAE"] = 0.0612345
    return measures


CPU_RUN = SimpleNamespace(latent_dim=16, gamma=0.5, profile="cpu")


def test_vaegan_run_markdown_quotes_the_run_and_every_measure_in_order():
    lines = vaegan_report.vaegan_run_markdown(_vaegan_record(), CPU_RUN, _measures()).splitlines()
    assert lines[0] == (
        "- **Run**: 3 epochs of 60,000 images in 1.5 min (2000 images/s, 1,234,567 parameters, "
        "latent dimension 16, $\\gamma = 0.5$)."
    )
    assert lines[1] == (
        "- **Last epoch**: $\\mathcal L_\\text{prior} = 3.14$ nats, "
        "$\\mathcal L_\\text{llike} = 250.3$ (+ constant 5791), $D(x) = 0.61$, "
        "$D(\\tilde x) = 0.44$, $D(x_p) = 0.30$."
    )
    assert lines[2].endswith("posterior means): VAE-GAN 80.0%, VAE 90.0%.")
    assert lines[3].endswith("intensity): test images 9.0%, VAE-GAN 12.0%, VAE 30.0%.")
    assert lines[4].endswith("whole test set): VAE-GAN 0.0500, VAE 0.0612.")
    assert len(lines) == 6  # the side-by-side sentence; no smoke warning under cpu


@pytest.mark.parametrize(
    "knn_vaegan, grey_vaegan, kept, grey_word",
    [(0.86, 0.12, "kept", "fewer"), (0.84, 0.12, "did not keep", "fewer"),
     (0.95, 0.3, "kept", "more"), (0.5, 0.31, "did not keep", "more")],
)  # fmt: skip
def test_vaegan_keeps_the_latent_organisation_within_five_points_of_the_vae(
    knn_vaegan, grey_vaegan, kept, grey_word
):
    measures = _measures(knn_vaegan=knn_vaegan, grey_vaegan=grey_vaegan)
    text = vaegan_report.vaegan_run_markdown(_vaegan_record(), CPU_RUN, measures)
    verdict = text.splitlines()[-1]
    assert verdict.startswith(f"- In this run the VAE-GAN **{kept}** the VAE's latent")
    assert f"within 5 points counts as kept) and its samples have **{grey_word}** grey" in verdict
    assert f"({grey_vaegan:.1%} vs 30.0%; real digits 9.0%)" in verdict


def test_vaegan_run_markdown_says_why_the_vae_is_missing_and_flags_the_smoke_profile():
    note = "the VAE's results are missing: run 03_vae.ipynb with profile = 'smoke' first"
    smoke = SimpleNamespace(latent_dim=2, gamma=1.0, profile="smoke")
    lines = vaegan_report.vaegan_run_markdown(_vaegan_record(), smoke, _measures(vae=False), note)
    lines = lines.splitlines()
    assert lines[2].endswith("posterior means): VAE-GAN 80.0%.")
    assert lines[4].endswith("whole test set): VAE-GAN 0.0500.")
    assert lines[5] == f"- The side-by-side with the VAE is missing: {note}."
    assert lines[6].startswith("- *Smoke profile*") and len(lines) == 7
    assert not any("In this run" in line for line in lines)
    # the VAE's latent without its samples is not a side-by-side either
    partial = _measures()
    del partial["grey"]["VAE"]
    text = vaegan_report.vaegan_run_markdown(_vaegan_record(), CPU_RUN, partial, note)
    assert "In this run" not in text and text.endswith(f"missing: {note}.")
