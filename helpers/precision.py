"""`precision="auto"`: the dtype policy that is native, and faster, on this machine.

- GPU (compute capability from TensorFlow): >= 8.0 (Ampere+) mixed_bfloat16 (no loss
  scaling), 7.x (Volta/Turing tensor cores) mixed_float16, older float32.
- CPU with AMX (`amx_bf16`, `amx_tile`): mixed_bfloat16.
- CPU with AVX512-BF16 but no AMX: mixed_bfloat16 — native (vdpbf16ps), and faster than
  float32 for our steps (`python benchmarks/bench_dcgan.py --steps 30 --rounds 5` and
  `python benchmarks/bench_vaegan.py` time both policies side by side).
- anything else (AVX2-only): float32 — bfloat16 would be emulated, many times slower (the same
  `bench_dcgan.py` rows on such a CPU).
- $ONEDNN_MAX_CPU_ISA below AVX512_CORE_BF16 (e.g. AVX2): float32 whatever the flags, because
  oneDNN, which runs the convolutions and matmuls, then does not use the CPU's bfloat16
  instructions (the variable also stands in for an AVX2-only CPU on a newer one).

A config keeps "auto" (helpers.config); `TrainConfig.resolved()` asks `resolve_precision` when a
model is built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CPUINFO = Path("/proc/cpuinfo")
# CPU flags -> policy, first match wins; flags are the `flags` words of /proc/cpuinfo
CPU_RULES = (
    ({"amx_bf16", "amx_tile"}, "mixed_bfloat16"),
    ({"avx512_bf16"}, "mixed_bfloat16"),  # native, and faster than float32 (see above)
)


# oneDNN's ISA caps ($ONEDNN_MAX_CPU_ISA) that exclude its bfloat16 instructions; the others
# (AVX512_CORE_BF16, AVX10_1_512 / AVX512_CORE_FP16, the AMX ones, DEFAULT, ALL) keep them
ISA_CAPS_WITHOUT_BFLOAT16 = frozenset(
    {"SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI"}
)
ISA_CAP_ENV = "ONEDNN_MAX_CPU_ISA"
# Lowest GPU compute capabilities whose tensor cores compute the policy: Ampere (8.0) bfloat16,
# Volta (7.0) float16
GPU_BFLOAT16_CAPABILITY = (8, 0)
GPU_FLOAT16_CAPABILITY = (7, 0)


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The flags of the first processor in /proc/cpuinfo text (read from the file if None)."""
    if cpuinfo is None:
        try:
            cpuinfo = CPUINFO.read_text()
        except OSError:  # not Linux: no flags, so the float32 fallback
            return set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def gpu_compute_capabilities() -> list[tuple[int, int]]:
    """(major, minor) of every GPU TensorFlow sees (empty on a CPU-only machine)."""
    import tensorflow as tf

    capabilities = []
    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability:
            capabilities.append(tuple(capability))
    return capabilities


def onednn_isa_cap(environ: Mapping[str, str] | None = None) -> str | None:
    """The ISA $ONEDNN_MAX_CPU_ISA holds oneDNN to (upper case), or None when it is unset."""
    environ = os.environ if environ is None else environ
    return environ.get(ISA_CAP_ENV, "").strip().upper() or None


def cpu_bfloat16_is_native(
    cpuinfo: str | None = None, environ: Mapping[str, str] | None = None
) -> bool:
    """Whether this CPU computes bfloat16 natively for oneDNN: its flags (see CPU_RULES) and
    no $ONEDNN_MAX_CPU_ISA cap below AVX512_CORE_BF16."""
    if onednn_isa_cap(environ) in ISA_CAPS_WITHOUT_BFLOAT16:
        return False
    flags = cpu_flags(cpuinfo)
    return any(required <= flags for required, _ in CPU_RULES)


def auto_precision(
    cpuinfo: str | None = None,
    gpu_capabilities: list[tuple[int, int]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The dtype policy "auto" resolves to: float32 | mixed_bfloat16 | mixed_float16.

    `cpuinfo` (text of /proc/cpuinfo), `gpu_capabilities` ((major, minor) per GPU) and
    `environ` are read from the machine when None; pass them to decide for another machine.
    """
    if gpu_capabilities is None:
        gpu_capabilities = gpu_compute_capabilities()
    if gpu_capabilities:
        oldest = min(tuple(c) for c in gpu_capabilities)  # every replica must support it
        if oldest >= GPU_BFLOAT16_CAPABILITY:
            return "mixed_bfloat16"
        if oldest >= GPU_FLOAT16_CAPABILITY:
            return "mixed_float16"
        return "float32"
    if not cpu_bfloat16_is_native(cpuinfo, environ):
        return "float32"
    flags = cpu_flags(cpuinfo)
    return next(policy for required, policy in CPU_RULES if required <= flags)


def resolve_precision(precision: str, **machine) -> str:
    """`precision` itself, or what "auto" means on this machine (see `auto_precision`)."""
    return auto_precision(**machine) if precision == "auto" else precision
