"""Speed of the VAE-GAN's training step in float32 and in mixed bfloat16, side by side.

The `cpu` recipe: notebook 03's trained VAE (its dense encoder and decoder) fine-tuned with
Larsen et al.'s losses against the profile's discriminator. In the bfloat16 contender the VAE's
networks are built under the mixed policy with the same trained weights, so that every network
computes in bfloat16, not only the discriminator; `precision="auto"` picks it where bfloat16 is
native. Rounds alternate; each contender's fastest round is reported, and their ratio. The VAE
must have been exported by notebook 03 under the profile (`make report`). Nothing is written.

    .venv/bin/python benchmarks/bench_vaegan.py                # latent 16, ~1-2 minutes
    .venv/bin/python benchmarks/bench_vaegan.py --latent 2 --rounds 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import vae, vaegan  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import DataError, load_dataset  # noqa: E402
from helpers.training import seed_everything  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16")


def trainer(config, images):
    """A VAE-GAN of `config` (started from the VAE in its precision); returns run(epoch)."""
    start = vae.load(vaegan.start_vae_config(config)) if config.start_from_vae else None
    model = vaegan.build(config, start_vae=start)
    model.images = images
    model.train_epoch(1)  # traces the step

    def run(epoch: int) -> None:
        model.train_epoch(epoch)

    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--latent", type=int, default=16, help="latent size (2 or 16)")
    parser.add_argument("--images", type=int, default=3000, help="images per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    args = parser.parse_args(argv)
    try:
        data = load_dataset("mnist")
    except DataError as error:
        parser.exit(2, f"bench_vaegan: {error}\n")
    configs = {
        p: make_config("vaegan", args.profile, latent_dim=args.latent, precision=p)
        for p in PRECISIONS
    }
    seed_everything(configs["float32"].seed)
    images, _ = vaegan.prepare_images(configs["float32"], data)
    images = images[: args.images]
    try:
        runs = {p: trainer(c, images) for p, c in configs.items()}
    except FileNotFoundError as error:
        parser.exit(2, f"bench_vaegan: {error}\n")
    best = dict.fromkeys(PRECISIONS, float("inf"))
    for round_index in range(args.rounds):
        for precision, run in runs.items():
            began = time.perf_counter()
            run(2 + round_index)
            best[precision] = min(best[precision], time.perf_counter() - began)
    config = configs["float32"]
    print(
        f"VAE-GAN, profile {args.profile}, latent {args.latent}: D {config.discriminator_widths}, "
        f"batch {config.batch_size}, {len(images)} images per round, best of {args.rounds}"
    )
    for precision in PRECISIONS:
        speed = len(images) / best[precision]
        ratio = best["float32"] / best[precision]
        print(f"  {precision:15s} {speed:7.0f} img/s   {ratio:.2f}x float32")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
