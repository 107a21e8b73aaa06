"""Epoch throughput of our VAE training against the plain Keras-example style, side by side.

Baseline ("keras-io style", as in keras-io's `vae.py`): the same encoder and decoder, a model
whose `train_step` decodes to sigmoid probabilities and sums `keras.losses.binary_crossentropy`
over the image, trained with a plain `fit(x_numpy, batch_size=...)` on the unbatched NumPy
array. Ours: `helpers.vae.VAE` (logits, BCE from logits) fed by `make_batches` (tf.data,
shuffled by (seed, epoch)), one `fit` per epoch exactly as `vae.train` does it. Validation is
left out of both. The two alternate round by round so the machine's slow and fast phases hit
both; the medians and their ratio are printed, by wall-clock time and by the process's CPU time
(all threads), which a busy shared machine distorts less.

    .venv/bin/python benchmarks/bench_vae.py                  # dense, 12,000 images, 3 rounds
    .venv/bin/python benchmarks/bench_vae.py --architectures  # also dense vs conv (ours)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import vae  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import load_dataset, make_batches  # noqa: E402
from helpers.training import seed_everything  # noqa: E402


class KerasExampleVAE(keras.Model):
    """keras-io `vae.py` style: probabilities out, mean over the batch of summed BCE + KL."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.noise = keras.random.SeedGenerator(1)
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.reconstruction_loss_tracker, self.kl_loss_tracker]

    def train_step(self, data):
        with tf.GradientTape() as tape:
            z_mean, z_log_var = self.encoder(data)
            eps = keras.random.normal(keras.ops.shape(z_mean), seed=self.noise)
            z = z_mean + keras.ops.exp(0.5 * z_log_var) * eps
            reconstruction = keras.ops.sigmoid(self.decoder(z))
            reconstruction_loss = keras.ops.mean(
                keras.ops.sum(keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2))
            )
            kl_loss = -0.5 * (1 + z_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var))
            kl_loss = keras.ops.mean(keras.ops.sum(kl_loss, axis=1))
            total_loss = reconstruction_loss + kl_loss
        grads = tape.gradient(total_loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        self.total_loss_tracker.update_state(total_loss)
        self.reconstruction_loss_tracker.update_state(reconstruction_loss)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def timed(function) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) spent in `function()`."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def compare_with_keras_example(config, images: np.ndarray, rounds: int) -> dict:
    baseline = KerasExampleVAE(vae.build_encoder(config), vae.build_decoder(config))
    baseline.compile(optimizer=keras.optimizers.Adam(config.learning_rate), jit_compile=False)
    ours = vae.build_vae(config)
    warm = images[: 2 * config.batch_size]
    baseline.fit(warm, batch_size=config.batch_size, verbose=0)  # tracing, excluded
    ours.fit(make_batches(warm, config.batch_size, 0), verbose=0, shuffle=False)
    seconds = {"keras-example": [], "ours": []}
    for round_index in range(1, rounds + 1):
        seconds["keras-example"].append(
            timed(lambda: baseline.fit(images, batch_size=config.batch_size, epochs=1, verbose=0))
        )
        batches = make_batches(images, config.batch_size, config.seed, round_index)
        seconds["ours"].append(timed(lambda b=batches: ours.fit(b, verbose=0, shuffle=False)))
        print(
            f"round {round_index}: keras-example {seconds['keras-example'][-1][0]:.2f} s "
            f"(cpu {seconds['keras-example'][-1][1]:.2f} s), ours {seconds['ours'][-1][0]:.2f} s "
            f"(cpu {seconds['ours'][-1][1]:.2f} s)",
            file=sys.stderr,
        )
    return {
        name: (
            len(images) / statistics.median(w for w, _ in s),
            len(images) / statistics.median(c for _, c in s),
        )
        for name, s in seconds.items()
    }


def compare_architectures(config, images: np.ndarray, rounds: int) -> dict:
    rates = {"dense": [], "conv": []}
    for _ in range(rounds):
        for architecture in rates:
            changed = make_config("vae", config.profile, architecture=architecture)
            rates[architecture].append(vae.training_images_per_second(changed, images, steps=20))
    return {name: statistics.median(r) for name, r in rates.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default="paper", help="config profile (architecture sizes)")
    parser.add_argument("--images", type=int, default=12_000, help="images per timed epoch")
    parser.add_argument("--rounds", type=int, default=3, help="alternating timed epochs each")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument(
        "--architectures", action="store_true", help="also time ours dense vs conv (20 steps)"
    )
    args = parser.parse_args(argv)
    config = make_config("vae", args.profile, dataset=args.dataset)
    seed_everything(config.seed)
    images, _ = vae.prepare_images(config, load_dataset(args.dataset))
    images = images[: args.images]
    print(
        f"VAE {config.architecture} {config.hidden_units}, latent {config.latent_dim}, "
        f"batch {config.batch_size}, {len(images)} images per epoch, {args.rounds} rounds; "
        f"{tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()} threads"
    )
    rates = compare_with_keras_example(config, images, args.rounds)
    for name, (wall, cpu) in rates.items():
        print(
            f"{name:>14}: {wall:8.0f} images/s  ({60_000 / wall:5.1f} s per 60k-image epoch); "
            f"{cpu:8.0f} images per CPU-second"
        )
    ours, baseline = rates["ours"], rates["keras-example"]
    print(
        f"ratio ours / keras-example throughput: {ours[0] / baseline[0]:.2f} (wall clock), "
        f"{ours[1] / baseline[1]:.2f} (CPU time)"
    )
    if args.architectures:
        rates = compare_architectures(config, images, args.rounds)
        for name, rate in rates.items():
            print(f"{'ours ' + name:>14}: {rate:8.0f} images/s  ({60_000 / rate:5.1f} s per epoch)")
        print(f"ratio dense / conv throughput: {rates['dense'] / rates['conv']:.2f}")


if __name__ == "__main__":
    main()
