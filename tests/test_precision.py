"""`precision="auto"`: resolved from CPU flags and GPU compute capability, injected here."""

import pytest

from helpers.precision import (
    auto_precision,
    cpu_bfloat16_is_native,
    cpu_flags,
    resolve_precision,
)

AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma\n"
AVX512_BF16 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512bw avx512_bf16 avx512_vnni\n"
AMX = AVX512_BF16.rstrip("\n") + " amx_bf16 amx_tile amx_int8\n"


def test_cpu_flags_reads_the_flags_line():
    assert cpu_flags(AMX) >= {"amx_bf16", "avx512_bf16", "avx2"}
    assert cpu_flags("processor\t: 0\nmodel name\t: x\n") == set()


@pytest.mark.parametrize(
    ("cpuinfo", "expected"),
    [
        (AVX2, "float32"),  # bfloat16 would be emulated
        (AVX2.replace("fma", "fma avx512f avx512bw"), "float32"),  # AVX-512 without BF16
        (AVX512_BF16, "mixed_bfloat16"),  # native bfloat16 without AMX: measured faster
        (AMX, "mixed_bfloat16"),
        ("", "float32"),
    ],
)
def test_cpu_choice_follows_the_flags(cpuinfo, expected):
    assert auto_precision(cpuinfo, gpu_capabilities=[], environ={}) == expected


@pytest.mark.parametrize(
    ("cap", "expected"),
    [
        ("AVX2", "float32"),  # oneDNN kept off its bfloat16 instructions: an AVX2 machine
        ("avx512_core", "float32"),
        (" AVX512_CORE_BF16 ", "mixed_bfloat16"),
        ("AVX10_1_512_AMX", "mixed_bfloat16"),
        ("DEFAULT", "mixed_bfloat16"),
        ("", "mixed_bfloat16"),
    ],
)
def test_onednn_isa_cap_below_bfloat16_means_float32(cap, expected):
    environ = {"ONEDNN_MAX_CPU_ISA": cap}
    assert auto_precision(AMX, gpu_capabilities=[], environ=environ) == expected
    assert cpu_bfloat16_is_native(AMX, environ) == (expected == "mixed_bfloat16")
    assert not cpu_bfloat16_is_native(AVX2, {})


@pytest.mark.parametrize(
    ("capabilities", "expected"),
    [
        ([(6, 1)], "float32"),
        ([(7, 0)], "mixed_float16"),
        ([(7, 5)], "mixed_float16"),
        ([(8, 0)], "mixed_bfloat16"),
        ([(9, 0), (7, 5)], "mixed_float16"),  # the oldest GPU decides for all replicas
    ],
)
def test_gpu_choice_beats_the_cpu(capabilities, expected):
    assert auto_precision(AMX, gpu_capabilities=capabilities) == expected


def test_explicit_precision_is_kept():
    assert resolve_precision("mixed_bfloat16", cpuinfo=AVX2, gpu_capabilities=[]) == (
        "mixed_bfloat16"
    )
    assert resolve_precision("auto", cpuinfo=AMX, gpu_capabilities=[], environ={}) == (
        "mixed_bfloat16"
    )


def test_this_machine_resolves_to_a_known_policy():
    assert auto_precision(gpu_capabilities=[]) in {"float32", "mixed_bfloat16", "mixed_float16"}
