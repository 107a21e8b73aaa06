"""FID per epoch of the DCGAN trained in float32 and in mixed bfloat16, side by side.

Both runs train the DCGAN of one profile (default `cpu`) with the same seed, images, noise and
epochs; only `precision` differs. After every epoch the 1,000 fixed-noise samples of
`DCGAN.epoch_samples` are scored as notebook 05 scores its FID-per-epoch curve: FID in the
project classifier's features against the even-indexed half of the validation split (held out
of training; the classifier is cached under runs/<profile>/classifier/, trained there if
missing). The last line says, for
each precision, where the report's stopping rule (`metrics.stopping_epoch`, 2 sigma of the
bootstrap noise) puts the end of the improvement, and the seconds per epoch.

    .venv/bin/python benchmarks/precision_fid.py               # cpu profile, 12 epochs, ~6 min
    .venv/bin/python benchmarks/precision_fid.py --epochs 24 --json fid.json
    .venv/bin/python benchmarks/precision_fid.py --seeds 0,1,2   # ~15 min: the seeds' spread
    .venv/bin/python benchmarks/precision_fid.py --seeds 0,1,2 --publish   # for the report

`--publish` writes runs/<profile>/results/dcgan_precision_fid.json (the curves, with the config,
the versions, the machine and the git commit), which notebook 02's appendix prints and
`make report` publishes to results/<profile>/.

With several seeds (each changes the initial weights, the batches and the noise) it also prints
the mean FID per epoch of each precision and the spread between seeds, min to max, of float32:
the yardstick for whether bfloat16's difference is more than another seed would make.

On a CPU without native bfloat16 (AVX2 only) the bfloat16 run is emulated and many times slower.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import dcgan, metrics  # noqa: E402
from helpers.classifier import load_classifier  # noqa: E402
from helpers.comparison import validation_reference  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import load_dataset  # noqa: E402
from helpers.precision_evidence import PRECISION_FID_NAME  # noqa: E402
from helpers.runs import atomic_write_json, write_kept_record  # noqa: E402

PRECISIONS = ("float32", "mixed_bfloat16")


def fid_curve(config, data, classifier, reference_features) -> dict:
    """Train `config` from scratch, in memory; FID of the epoch samples after every epoch."""
    model = dcgan.build(config)  # seeded
    model.use_data(data)
    fids, seconds, features = [], [], None
    for epoch in range(1, config.epochs + 1):
        began = time.perf_counter()
        model.train_epoch(epoch)
        seconds.append(time.perf_counter() - began)
        features = classifier.features(model.epoch_samples())
        fids.append(metrics.frechet_distance(reference_features, features))
        print(f"  {config.precision} epoch {epoch}: FID {fids[-1]:.2f}", file=sys.stderr,
              flush=True)  # fmt: skip
    noise = metrics.fid_noise(reference_features, features, seed=config.seed)
    stop = metrics.stopping_epoch(range(1, config.epochs + 1), fids, noise)
    return {"fid": fids, "epoch_seconds": seconds, "noise": noise, **stop}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--json", type=Path, help="also write the curves to this JSON file")
    parser.add_argument(
        "--publish",
        action="store_true",
        help=f"write runs/<profile>/results/{PRECISION_FID_NAME}.json",
    )
    args = parser.parse_args(argv)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = {}
    for seed in seeds:
        configs = {
            p: make_config(
                "dcgan", args.profile, epochs=args.epochs, precision=p, snapshot_epochs=(),
                seed=seed,
            )
            for p in PRECISIONS
        }  # fmt: skip
        if not runs:
            data = load_dataset(configs["float32"].dataset)
            classifier = load_classifier(args.profile, data=data)
            reference, _ = validation_reference(data, configs["float32"].validation_size)
            reference_features = classifier.features(reference)
        runs[seed] = {
            p: fid_curve(c, data, classifier, reference_features) for p, c in configs.items()
        }
    base = configs["float32"]
    print(f"DCGAN, profile {args.profile}: G {base.generator_widths}, D "
          f"{base.discriminator_widths}, {base.train_size or 60000} images per epoch; FID of "
          f"{base.epoch_samples} fixed-noise samples per epoch")  # fmt: skip
    for seed, curves in runs.items():
        print(f"seed {seed}")
        print_curves(curves, args.epochs)
    if len(seeds) > 1:
        print_spread(runs, args.epochs)
    document = {"profile": args.profile, "runs": {str(s): c for s, c in runs.items()}}
    if args.json:
        atomic_write_json(args.json, document)
    if args.publish:
        path = write_kept_record(args.profile, PRECISION_FID_NAME, document, config=base)
        print(f"published {path}")
    return 0


def print_curves(curves: dict, epochs: int) -> None:
    """One seed's FID per epoch of both precisions, and where each stopped improving."""
    print(f"{'epoch':>5} {'float32':>9} {'bfloat16':>9} {'bf16 - f32':>10}")
    for epoch in range(epochs):
        a, b = curves["float32"]["fid"][epoch], curves["mixed_bfloat16"]["fid"][epoch]
        print(f"{epoch + 1:5d} {a:9.2f} {b:9.2f} {b - a:+10.2f}")
    for precision, curve in curves.items():
        per_epoch = sum(curve["epoch_seconds"]) / len(curve["epoch_seconds"])
        print(f"{precision}: best FID {curve['best_fid']:.2f} at epoch {curve['best_epoch']}, "
              f"within 2 sigma ({curve['noise']:.2f}) of it from epoch "
              f"{curve['within_noise_epoch']}; {per_epoch:.1f} s per epoch")  # fmt: skip


def print_spread(runs: dict, epochs: int) -> None:
    """Mean FID per epoch over the seeds for each precision, and float32's min-max spread."""
    print(f"over seeds {', '.join(map(str, runs))}: mean FID per epoch")
    print(f"{'epoch':>5} {'float32':>9} {'bfloat16':>9} {'bf16 - f32':>10} {'f32 spread':>11}")
    for epoch in range(epochs):
        by_precision = {
            p: [curves[p]["fid"][epoch] for curves in runs.values()] for p in PRECISIONS
        }
        a, b = (sum(v) / len(v) for v in by_precision.values())
        spread = max(by_precision["float32"]) - min(by_precision["float32"])
        print(f"{epoch + 1:5d} {a:9.2f} {b:9.2f} {b - a:+10.2f} {spread:11.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
