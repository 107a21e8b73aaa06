"""The VAE-GAN started from notebook 03's trained VAE, scored before and after each GAN epoch.

This is how the `cpu` and `paper` recipes build the VAE-GAN (`start_from_vae=True`,
`vaegan.networks_from_vae`): the VAE's dense encoder and decoder with their trained weights (the
encoder reads images rescaled from [-1, 1] to [0, 1]; the decoder's Bernoulli logits l become
tanh(l / 2) = 2 sigmoid(l) - 1, the VAE's mean image in the tanh range), then the profile's
VAE-GAN losses with no warm-up. The difference between the two models is then the GAN's losses
alone, at the VAE's budget. (`ablate_vaegan.py --variants recipe own-networks` sets this
against a VAE-GAN with networks of its own, trained as a plain VAE first.)

It scores, like `ablate_vaegan.py`, on the validation split (the end of the training set, held
out of training): 2,000 prior samples against half of it, 1,000 reconstructed digits of the other
half; before any GAN step (the VAE itself, through the wrappers) and after each GAN epoch. The
test set is left to score the report's tables. Nothing is written; the VAE must have been
exported by notebook 03 (`make report` or papermill).

    .venv/bin/python benchmarks/vaegan_from_vae.py --latent 2 --epochs 3
    .venv/bin/python benchmarks/vaegan_from_vae.py --latent 16 --epochs 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from ablate_vaegan import RECONSTRUCTED, SAMPLES, score_images  # noqa: E402

from helpers import dcgan, metrics, vae, vaegan  # noqa: E402
from helpers.classifier import load_classifier  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import load_dataset, validation_split  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--latent", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3, help="GAN epochs after the VAE")
    args = parser.parse_args(argv)

    config = make_config(
        "vaegan", args.profile, latent_dim=args.latent, diagnose_images=0, warmup_epochs=0,
        epochs=args.epochs, snapshot_epochs=(1, args.epochs), start_from_vae=True,
    )  # fmt: skip
    data = load_dataset(config.dataset)
    classifier = load_classifier(args.profile, data=data)
    x_valid, y_valid = validation_split(data, config.validation_size)
    reference = x_valid[0::2][:SAMPLES]
    reference_features, _ = classifier.outputs(reference)
    radii = metrics.knn_radii(reference_features, metrics.DENSITY_K)
    real_sharpness = metrics.sharpness(reference)

    model = vaegan.build(config, start_vae=vae.load(vaegan.start_vae_config(config)))
    model.use_data(data)
    x = model.images
    scored = dcgan.validation_images(config, data)[1::2]  # the half that is not the reference
    labels = y_valid[1::2]
    z = np.random.default_rng(config.seed + 1).standard_normal((SAMPLES, args.latent))
    z = z.astype(np.float32)
    print(f"VAE-GAN from the VAE: profile {args.profile}, latent {args.latent}, "
          f"{len(x)} training images per epoch", flush=True)  # fmt: skip
    print(f"{'GAN epoch':>9} {'FID':>6} {'classes':>7} {'coverage':>8} {'sharp/real':>10} "
          f"{'label kept':>10} {'5-NN':>6} {'seconds':>7}", flush=True)  # fmt: skip
    began = time.perf_counter()
    for epoch in range(args.epochs + 1):
        if epoch:
            model.train_epoch(epoch)
        row = score_images(
            model.generate(z), model.reconstruct(scored[:RECONSTRUCTED]),
            labels[:RECONSTRUCTED], classifier, reference_features, radii,
        )  # fmt: skip
        knn = metrics.latent_knn_accuracy(model.encode_means(scored[:4000]), labels[:4000])
        print(f"{epoch:>9} {row['fid']:6.1f} {row['classes']:7d} {row['coverage']:8.3f} "
              f"{row['sharpness'] / real_sharpness:10.2f} {row['label_kept']:10.1%} "
              f"{knn:6.1%} {time.perf_counter() - began:7.0f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
