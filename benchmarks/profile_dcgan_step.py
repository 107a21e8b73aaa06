"""Where one DCGAN training step spends its time, by part, in float32 and mixed bfloat16.

Our step (helpers.dcgan.DCGAN, the paper's widths unless --profile says otherwise, batch 100)
runs under the TensorFlow profiler; every op of the trace is charged its self time (nested
events subtracted) and sorted into the part of the step it belongs to, from its name scope:
G forward, D forward on the real and on the generated batch, the losses, the backward pass
through D for the real batch (D's loss) and for the generated batch (D's weight gradients and
G's input gradients, computed in one pass), G's own backward pass, the two Adam updates, the
dtype casts (every Cast op, whichever part it sits in) and the input pipeline's ops in the step.
Two costs outside the ops are timed on their own in the same run: the tf.data pipeline alone
(batches per second when nothing trains) and the per-call overhead of a `tf.function` call
(one step per call against STEPS_PER_CALL steps per call).

    .venv/bin/python benchmarks/profile_dcgan_step.py             # ~2 minutes on 2 cores
    .venv/bin/python benchmarks/profile_dcgan_step.py --steps 40  # steadier shares
    .venv/bin/python benchmarks/profile_dcgan_step.py --publish cpu  # for notebook 02

`--publish PROFILE` writes the tables as runs/PROFILE/results/dcgan_step_profile.json (with the
machine, the versions and the git commit, like every results file), which notebook 02 prints in
its precision section and `make report` publishes to results/PROFILE/.

Op time is summed over the threads that ran the ops; with inter-op parallelism it can exceed
the wall time of the step, so "ms" columns are op milliseconds per step and "share" the part's
share of all op time. The wall time per step is printed beside them.
"""

from __future__ import annotations

import argparse
import collections
import glob
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from helpers import dcgan  # noqa: E402
from helpers.config import make_config  # noqa: E402
from helpers.data import DataError, load_dataset, to_gan_range  # noqa: E402
from helpers.runs import write_kept_record  # noqa: E402
from helpers.step_profile import STEP_PROFILE_NAME  # noqa: E402

PARTS = (
    "data pipeline (in step)",
    "G forward",
    "D forward, real",
    "D forward, fake",
    "losses",
    "D backward, real batch",
    "D backward, fake batch",
    "G backward (through G)",
    "Adam updates",
    "casts",
    "other ops",
)
# ops that only wrap other ops (their self time is the executor's bookkeeping)
WRAPPERS = {"While", "StatefulPartitionedCall", "PartitionedCall", "If", "StatelessIf"}
OP_EVENT = re.compile(r"^(?P<name>[^:]+):(?P<type>_?[A-Z][A-Za-z0-9_]*)$")
KINDS = (  # (label, test on (op name, op type)), first match wins
    ("casts", lambda name, kind: "Cast" in kind),
    ("convolution / matmul", lambda name, kind: bool(re.search(r"Conv|MatMul|Einsum", kind))),
    ("batch norm (fwd + bwd)", lambda name, kind: "_bn" in name),
    ("activations (fwd + bwd)", lambda name, kind: bool(re.search(r"relu|tanh", name))),
    ("Adam", lambda name, kind: bool(re.search(r"(?:^|/)adam(?:_\d+)?/", name))),
    ("data", lambda name, kind: bool(re.search(r"Iterator|OptionalGetValue", kind))),
    ("element-wise / other", lambda name, kind: True),
)


# --- trace parsing ---------------------------------------------------------------------------


def op_self_times(xspace_path: str) -> list[tuple[str, str, float]]:
    """(op name, op type, self time in ms) for every op event of the host plane's threads."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2  # the profiler's trace format

    space = xplane_pb2.XSpace()
    space.ParseFromString(Path(xspace_path).read_bytes())
    events = []
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        metadata = plane.event_metadata
        for line in plane.lines:
            stack: list[list] = []  # [end_ps, name, type, self_ps]
            for event in sorted(line.events, key=lambda e: (e.offset_ps, -e.duration_ps)):
                start, end = event.offset_ps, event.offset_ps + event.duration_ps
                while stack and stack[-1][0] <= start:
                    events.append(_finished(stack.pop()))
                for parent in stack[-1:]:
                    parent[3] -= event.duration_ps  # the parent's self time excludes the child
                match = OP_EVENT.match(metadata[event.metadata_id].name)
                name, kind = (match["name"], match["type"]) if match else ("", "")
                stack.append([end, name, kind, event.duration_ps])
            events.extend(_finished(item) for item in reversed(stack))
    return [event for event in events if event[1] and event[1] not in WRAPPERS]


def _finished(item) -> tuple[str, str, float]:
    return item[1], item[2], max(item[3], 0) / 1e9


def _scope_index(name: str, model: str) -> int | None:
    """Which call of `model` an op belongs to: generator/... -> 0, generator_1/... -> 1."""
    match = re.search(rf"(?:^|/){model}(?:_(\d+))?/", name)
    if match is None:
        return None
    return int(match[1] or 0)


def classify(name: str, kind: str, d_calls: list[int]) -> str:
    """The part of the step an op of `name` and type `kind` belongs to (see PARTS).

    Both tapes' gradient ops share the scope `gradient_tape/`: the fake batch's backward pass
    through D serves D's loss (weight gradients) and G's loss (input gradients) at once, so
    it is one part; only G's own backward pass belongs to g_tape alone.
    """
    if "Cast" in kind:
        return "casts"
    if "Iterator" in kind or "OptionalGetValue" in kind:
        return "data pipeline (in step)"
    if re.search(r"(?:^|/)adam(?:_\d+)?/", name) or "Adam" in kind:
        return "Adam updates"
    d_call = _scope_index(name, "discriminator")
    if "gradient_tape" in name:
        if _scope_index(name, "generator") is not None:
            return "G backward (through G)"
        if d_call is not None:
            return "D backward, real batch" if d_call == min(d_calls) else "D backward, fake batch"
        return "losses"  # the gradients of the losses themselves
    if _scope_index(name, "generator") is not None:
        return "G forward"
    if d_call is not None:
        return "D forward, real" if d_call == min(d_calls) else "D forward, fake"
    if re.search(r"Softplus|Sigmoid|Sum|Mul|Add|Neg|Stack|Pack", kind):
        return "losses"
    return "other ops"


def kind_of(name: str, kind: str) -> str:
    return next(label for label, test in KINDS if test(name, kind))


def breakdown(events, steps: int) -> tuple[dict[str, float], dict[str, float]]:
    """ms per step by part and by op kind."""
    calls = {_scope_index(name, "discriminator") for name, _, _ in events}
    d_calls = sorted(i for i in calls if i is not None) or [0]
    parts, kinds = collections.Counter(), collections.Counter()
    for name, kind, ms in events:
        parts[classify(name, kind, d_calls)] += ms / steps
        kinds[kind_of(name, kind)] += ms / steps
    return dict(parts), dict(kinds)


# --- measurements ----------------------------------------------------------------------------


def profiled_step(config, images: np.ndarray, steps: int):
    """Trace `steps` steps of our training step; returns (events, wall ms per step)."""
    model = dcgan.build(config)
    model.run_steps(dcgan.training_batches(config, images, 0), steps)  # trace, warm up
    logdir = tempfile.mkdtemp(prefix="profile-dcgan-")
    tf.profiler.experimental.start(logdir)
    began = time.perf_counter()
    model.run_steps(dcgan.training_batches(config, images, 1), steps)
    wall = (time.perf_counter() - began) * 1000 / steps
    tf.profiler.experimental.stop()
    path = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0]
    return op_self_times(path), wall, model


def untraced_step_ms(model, config, images, per_call: int, rounds: int = 3) -> dict:
    """Median wall and CPU ms per step for each `per_call` (steps inside one tf.function call),
    profiler off, the call sizes alternating round by round."""
    steps = len(images) // config.batch_size
    wall = {n: [] for n in per_call}
    cpu = {n: [] for n in per_call}
    for round_index in range(rounds + 1):  # round 0 traces each call shape
        for n in per_call:
            dataset = dcgan.training_batches(config, images, 2 + round_index)
            iterator = iter(model.strategy.experimental_distribute_dataset(dataset))
            calls = steps // n
            began, began_cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                model._run_steps(iterator, tf.constant(n)).numpy()
            if round_index:
                wall[n].append((time.perf_counter() - began) * 1000 / (calls * n))
                cpu[n].append((time.process_time() - began_cpu) * 1000 / (calls * n))
    return {n: (statistics.median(wall[n]), statistics.median(cpu[n])) for n in per_call}


def pipeline_ms(config, images: np.ndarray) -> float:
    """Wall ms per batch of the input pipeline alone (images and noise, nothing trains)."""
    dataset = dcgan.training_batches(config, images, 3)
    for _ in dataset.take(2):
        pass
    began = time.perf_counter()
    count = sum(1 for _ in dataset)
    return (time.perf_counter() - began) * 1000 / count


# --- main ------------------------------------------------------------------------------------


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="paper", help="architecture (paper widths)")
    parser.add_argument("--batch-size", type=int, default=100, help="batch size (paper: 100)")
    parser.add_argument("--steps", type=int, default=20, help="profiled steps per precision")
    parser.add_argument(
        "--precisions", default="float32,mixed_bfloat16", help="comma-separated dtype policies"
    )
    parser.add_argument(
        "--publish",
        metavar="PROFILE",
        help="write the tables to runs/PROFILE/results/ for notebook 02 (needs two precisions)",
    )
    args = parser.parse_args(argv)
    if args.publish and len(args.precisions.split(",")) < 2:
        parser.error("--publish needs two precisions: the notebook compares them")

    tf.config.experimental.enable_op_determinism()  # as in training (seed_everything)
    try:
        pixels = load_dataset("mnist").x_train
    except DataError:  # speed does not depend on the pixels
        pixels = np.random.default_rng(0).integers(0, 256, (60000, 28, 28), dtype=np.uint8)
    images = to_gan_range(pixels[: 2 * args.steps * args.batch_size])
    precisions = args.precisions.split(",")
    print(
        f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU threads visible; "
        f"{args.profile} widths, batch {args.batch_size}, {args.steps} profiled steps"
    )

    results = {}
    for precision in precisions:
        config = make_config("dcgan", args.profile, batch_size=args.batch_size, precision=precision)
        events, traced_wall, model = profiled_step(config, images, args.steps)
        parts, kinds = breakdown(events, args.steps)
        timed = untraced_step_ms(model, config, images, (1, args.steps))
        results[precision] = {
            "parts": parts,
            "kinds": kinds,
            "traced_wall": traced_wall,
            "wall_one_per_call": timed[1][0],
            "wall_many_per_call": timed[args.steps][0],
            "cpu_one_per_call": timed[1][1],
            "cpu_many_per_call": timed[args.steps][1],
            "pipeline": pipeline_ms(config, images),
            "widths": (config.generator_widths, config.discriminator_widths),
        }
        print(f"  {precision}: profiled", file=sys.stderr, flush=True)

    header = f"{'part of the step':<28}" + "".join(
        f"{p + ' ms':>18}{'share':>7}" for p in precisions
    )
    for title, key, rows in (
        ("by part of the step", "parts", PARTS),
        ("by op kind", "kinds", [label for label, _ in KINDS]),
    ):
        print(f"\n{title} (op ms per step, summed over threads)")
        print(header)
        for row in rows:
            line = f"{row:<28}"
            for precision in precisions:
                values = results[precision][key]
                total = sum(values.values())
                ms = values.get(row, 0.0)
                line += f"{ms:18.2f}{ms / total:7.1%}"
            print(line)
        line = f"{'all ops':<28}"
        for precision in precisions:
            line += f"{sum(results[precision][key].values()):18.2f}{1:7.0%}"
        print(line)

    print("\nwall time per step (ms)")
    print(f"{'measurement':<44}" + "".join(f"{p:>18}" for p in precisions))
    for label, key in (
        ("profiled steps (profiler on)", "traced_wall"),
        (f"{args.steps} steps per tf.function call", "wall_many_per_call"),
        ("1 step per tf.function call", "wall_one_per_call"),
        (f"{args.steps} steps per call, process CPU ms", "cpu_many_per_call"),
        ("1 step per call, process CPU ms", "cpu_one_per_call"),
        ("input pipeline alone, per batch", "pipeline"),
    ):
        print(f"{label:<44}" + "".join(f"{results[p][key]:18.2f}" for p in precisions))
    line = f"{'per-call overhead (1/call - many/call)':<44}"
    for precision in precisions:
        result = results[precision]
        line += f"{result['wall_one_per_call'] - result['wall_many_per_call']:18.2f}"
    print(line)
    if len(precisions) > 1:
        first, *rest = precisions
        for precision in rest:
            a, b = results[first], results[precision]
            wall = a["wall_many_per_call"] / b["wall_many_per_call"]
            cpu = a["cpu_many_per_call"] / b["cpu_many_per_call"]
            print(f"\nstep speed {precision} / {first}: {wall:.2f}x wall, {cpu:.2f}x CPU time")
    if args.publish:
        make_config("dcgan", args.publish)  # an unknown profile fails here, with the choices
        record = {
            "architecture_profile": args.profile,
            "batch_size": args.batch_size,
            "steps": args.steps,
            "parts_order": list(PARTS),
            "kinds_order": [label for label, _ in KINDS],
            "precisions": {
                precision: {**result, "widths": [list(w) for w in result["widths"]]}
                for precision, result in results.items()
            },
        }
        path = write_kept_record(args.publish, STEP_PROFILE_NAME, record)
        print(f"published {path}", flush=True)


if __name__ == "__main__":
    main()
