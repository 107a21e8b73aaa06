"""Speed of our DCGAN step against the plain TensorFlow-tutorial loop, side by side in one run.

Both train the same architecture (the paper's widths unless --profile says otherwise), float32,
batch 100, on the same in-memory images. Rounds alternate between the contenders so that the
host's fast/slow phases hit both alike; each contender's fastest round is reported, for the
speeds and for the matmul peaks alike (the tutorial loop can run alternate rounds at half
speed, which a median would turn into a flattering ratio; `--verbose` prints every round).
Also timed in the same rounds: our step under the `cpu` profile (half the paper's widths, in
its precision resolved for this machine), our step in mixed bfloat16 (emulated on AVX2-only
CPUs), and a float32 / bfloat16
matmul, the machine's practical peak against which the achieved GFLOP/s are compared.

    .venv/bin/python benchmarks/bench_dcgan.py                 # ~1-2 minutes
    .venv/bin/python benchmarks/bench_dcgan.py --steps 30 --rounds 5   # steadier numbers

FLOPs are counted analytically from the layer shapes (2 per multiply-add): a training step
costs 3 F_G + 7 F_D minus the first layers' unneeded input gradients, where F is one forward
pass per image (G forward; D forward on real and fake; D's weight and input gradients for both
passes; the input gradients through D and the weight and input gradients of G for G's loss).
Element-wise work (batch norm, activations, Adam) is not counted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import dcgan  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import DataError, load_dataset, to_gan_range  # noqa: E402

# --- FLOPs ------------------------------------------------------------------------------------


def layer_macs(layer) -> int:
    """Multiply-adds of one forward pass of `layer` for one image (0 for element-wise layers)."""
    if isinstance(layer, keras.layers.Dense):
        return int(layer.kernel.shape[0] * layer.kernel.shape[1])
    if isinstance(layer, keras.layers.Conv2DTranspose):  # each input pixel scatters a k x k x cout
        _, height, width, channels = layer.input.shape
        k1, k2, cout, _ = layer.kernel.shape
        return int(height * width * k1 * k2 * channels * cout)
    if isinstance(layer, keras.layers.Conv2D):  # each output pixel gathers a k x k x cin
        _, height, width, cout = layer.output.shape
        k1, k2, cin, _ = layer.kernel.shape
        return int(height * width * k1 * k2 * cin * cout)
    return 0


def step_flops_per_image(generator, discriminator) -> float:
    """FLOPs of one simultaneous G/D training step per image (see the module docstring)."""
    g_layers = [layer_macs(layer) for layer in generator.layers if layer_macs(layer)]
    d_layers = [layer_macs(layer) for layer in discriminator.layers if layer_macs(layer)]
    forward_g, forward_d = sum(g_layers), sum(d_layers)
    macs = 3 * forward_g + 7 * forward_d - 2 * d_layers[0] - g_layers[0]
    return 2.0 * macs


# --- the contenders -----------------------------------------------------------------------------


@contextlib.contextmanager
def stock_keras_layers():
    """Build dcgan's networks with Keras' own BatchNormalization and Conv2DTranspose, as the
    tutorial's are (ours compute the same arithmetic with fewer or cheaper ops:
    helpers.dcgan.BatchNormalization, helpers.dcgan.Conv2DTranspose)."""
    ours = dcgan.BatchNormalization, dcgan.Conv2DTranspose
    dcgan.BatchNormalization = keras.layers.BatchNormalization
    dcgan.Conv2DTranspose = keras.layers.Conv2DTranspose
    try:
        yield
    finally:
        dcgan.BatchNormalization, dcgan.Conv2DTranspose = ours


def tutorial_trainer(config, images: np.ndarray):
    """The TensorFlow DCGAN tutorial's loop (tensorflow.org/tutorials/generative/dcgan), with our
    architecture and the paper's optimiser: shuffled tf.data from tensor slices, a tf.function
    step per batch, unseeded tf.random.normal noise, Keras cross-entropy, Keras' batch norm and
    transposed convolutions. Returns run(epoch)."""
    with stock_keras_layers():
        generator = dcgan.build_generator(config)
        discriminator = dcgan.build_discriminator(config)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    generator_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    discriminator_optimizer = keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1)
    batch_size, noise_dim = config.batch_size, config.latent_dim
    dataset = (
        tf.data.Dataset.from_tensor_slices(images)
        .shuffle(len(images))
        .batch(batch_size, drop_remainder=True)
    )

    @tf.function
    def train_step(batch):
        noise = tf.random.normal([batch_size, noise_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(batch, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = cross_entropy(tf.ones_like(fake_output), fake_output)
            disc_loss = cross_entropy(tf.ones_like(real_output), real_output) + cross_entropy(
                tf.zeros_like(fake_output), fake_output
            )
        gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(
            disc_loss, discriminator.trainable_variables
        )
        generator_optimizer.apply_gradients(
            zip(gradients_of_generator, generator.trainable_variables, strict=True)
        )
        discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, discriminator.trainable_variables, strict=True)
        )
        return disc_loss

    def run(epoch: int) -> None:
        for image_batch in dataset:
            loss = train_step(image_batch)
        loss.numpy()  # wait for the last step

    return run, (generator, discriminator)


def our_trainer(config, images: np.ndarray):
    """Our step (helpers.dcgan): distributed tf.function, steps looped inside the graph."""
    model = dcgan.build(config)
    steps = len(images) // config.batch_size

    def run(epoch: int) -> None:
        model.run_steps(dcgan.training_batches(config, images, epoch), steps)

    return run, (model.generator, model.discriminator)


def matmul_peak(dtype, size: int = 2048, repeats: int = 8):
    """A function timing `repeats` [size x size] matmuls; returns their GFLOP/s."""
    a = tf.random.stateless_normal([size, size], seed=[1, 2], dtype=tf.float32)
    a = tf.cast(a, dtype)

    @tf.function
    def chain(x):
        y = x
        for _ in range(repeats):
            y = tf.matmul(y, x) * tf.cast(1.0 / size, dtype)
        return y

    chain(a).numpy()

    def run() -> float:
        began = time.perf_counter()
        chain(a).numpy()
        return 2.0 * size**3 * repeats / (time.perf_counter() - began) / 1e9

    return run


# --- main ---------------------------------------------------------------------------------------


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="paper", help="architecture to compare (paper)")
    parser.add_argument("--batch-size", type=int, default=100, help="batch size (paper: 100)")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--no-cpu-profile", action="store_true", help="skip the cpu-profile step")
    parser.add_argument("--no-bfloat16", action="store_true", help="skip the bfloat16 step")
    parser.add_argument("--verbose", action="store_true", help="print every round's speed")
    args = parser.parse_args(argv)

    tf.config.experimental.enable_op_determinism()  # as in training (seed_everything)
    keras.utils.set_random_seed(0)
    base = make_config("dcgan", args.profile, batch_size=args.batch_size, precision="float32")
    # the cpu profile in the precision it trains in on this machine ("auto" resolved)
    cpu = make_config("dcgan", "cpu", batch_size=args.batch_size).resolved()
    try:
        pixels = load_dataset("mnist").x_train
    except DataError:  # speed does not depend on the pixels
        pixels = np.random.default_rng(0).integers(0, 256, (60000, 28, 28), dtype=np.uint8)
    images = to_gan_range(pixels[: args.steps * args.batch_size])

    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU threads visible", flush=True)
    print(f"images per round: {len(images)} ({args.steps} steps of {args.batch_size})")
    contenders = {
        "tutorial loop, float32": tutorial_trainer(base, images),
        "ours, float32": our_trainer(base, images),
    }
    if not args.no_cpu_profile:
        label = f"ours, cpu profile ({cpu.precision}, G {cpu.generator_widths})"
        contenders[label] = our_trainer(cpu, images)
    if not args.no_bfloat16:  # same widths as the float32 rows: the precision's effect alone
        bf16 = make_config("dcgan", args.profile, batch_size=args.batch_size)
        bf16 = dataclasses.replace(bf16, precision="mixed_bfloat16")
        contenders["ours, mixed_bfloat16"] = our_trainer(bf16, images)
    flops = {name: step_flops_per_image(*models) for name, (_, models) in contenders.items()}
    peaks = {"float32": matmul_peak(tf.float32), "bfloat16": matmul_peak(tf.bfloat16)}

    for run, _ in contenders.values():  # trace and warm up: one untimed round each
        run(0)
    speed = {name: [] for name in contenders}
    peak = {name: [] for name in peaks}
    for round_index in range(1, args.rounds + 1):
        for name, (run, _) in contenders.items():
            began = time.perf_counter()
            run(round_index)
            speed[name].append(len(images) / (time.perf_counter() - began))
        for name, measure in peaks.items():
            peak[name].append(measure())
        print(f"  round {round_index}/{args.rounds} done", file=sys.stderr, flush=True)

    if args.verbose:
        for name, values in speed.items():
            print(f"  {name}: " + " ".join(f"{v:.0f}" for v in values) + " img/s per round")
    ips = {name: max(values) for name, values in speed.items()}  # the least disturbed round
    gflops = {name: max(values) for name, values in peak.items()}
    baseline = ips["tutorial loop, float32"]
    print(f"\nmatmul peak (2048^2, best round): float32 {gflops['float32']:.0f} GFLOP/s, "
          f"bfloat16 {gflops['bfloat16']:.0f} GFLOP/s")  # fmt: skip
    print(f"{'contender':<52} {'img/s':>8} {'ratio':>6} {'GFLOP/img':>10} {'GFLOP/s':>8} "
          f"{'of peak':>8}")  # fmt: skip
    for name in contenders:
        achieved = ips[name] * flops[name] / 1e9
        reference = gflops["bfloat16" if "bfloat16" in name else "float32"]
        print(f"{name:<52} {ips[name]:8.0f} {ips[name] / baseline:6.2f} "
              f"{flops[name] / 1e9:10.3f} {achieved:8.1f} {achieved / reference:8.0%}")  # fmt: skip
    print(f"\nratio ours/tutorial (float32, same architecture and batch): "
          f"{ips['ours, float32'] / baseline:.2f}")  # fmt: skip
    if not args.no_cpu_profile:
        label = next(name for name in contenders if name.startswith("ours, cpu profile"))
        train = cpu.train_size or 60000
        minutes = cpu.epochs * train / ips[label] / 60
        print(f"cpu profile ({cpu.epochs} epochs x {train} images) at this speed: "
              f"{minutes:.1f} min of training steps")  # fmt: skip


if __name__ == "__main__":
    main()
