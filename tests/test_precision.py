"""`precision="auto"`: the exact policy chosen for given CPU flags, oneDNN ISA caps and GPUs,
each injected (as arguments, or by standing in for /proc/cpuinfo, $ONEDNN_MAX_CPU_ISA and
TensorFlow's device list)."""

import sys
import types

import pytest

from helpers import precision
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
        (AVX512_BF16, "mixed_bfloat16"),  # native bfloat16 without AMX
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


def test_cpu_flags_reads_an_arm_features_line_and_no_file():
    assert cpu_flags("processor\t: 0\nFeatures\t: fp asimd bf16\n") == {"fp", "asimd", "bf16"}
    assert cpu_flags("") == set()


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """Stand in for /proc/cpuinfo, $ONEDNN_MAX_CPU_ISA and TensorFlow's GPUs; returns
    set_machine(cpuinfo, cap=None, gpus=[(major, minor) or None per GPU])."""

    def set_machine(cpuinfo: str | None, cap: str | None = None, gpus=()) -> None:
        path = tmp_path / "cpuinfo"
        if cpuinfo is None:
            path.unlink(missing_ok=True)  # not Linux: no file to read
        else:
            path.write_text(cpuinfo)
        monkeypatch.setattr(precision, "CPUINFO", path)
        if cap is None:
            monkeypatch.delenv(precision.ISA_CAP_ENV, raising=False)
        else:
            monkeypatch.setenv(precision.ISA_CAP_ENV, cap)
        devices = [f"GPU:{index}" for index in range(len(gpus))]
        details = dict(zip(devices, gpus, strict=True))
        fake = types.SimpleNamespace(
            config=types.SimpleNamespace(
                list_physical_devices=lambda kind: devices if kind == "GPU" else [],
                experimental=types.SimpleNamespace(
                    get_device_details=lambda device: (
                        {} if details[device] is None else {"compute_capability": details[device]}
                    )
                ),
            )
        )
        monkeypatch.setitem(sys.modules, "tensorflow", fake)

    return set_machine


@pytest.mark.parametrize(
    ("cpuinfo", "cap", "gpus", "expected"),
    [
        (AVX2, None, [], "float32"),
        (AVX512_BF16, None, [], "mixed_bfloat16"),
        (AMX, None, [], "mixed_bfloat16"),
        (AMX, "AVX2", [], "float32"),  # the cap, read from the environment
        (AMX, "avx512_core_amx", [], "mixed_bfloat16"),
        (None, None, [], "float32"),  # no /proc/cpuinfo
        (AVX2, None, [(8, 6)], "mixed_bfloat16"),  # the GPU decides, whatever the CPU
        (AMX, "AVX2", [(7, 5)], "mixed_float16"),
        (AMX, None, [(6, 1)], "float32"),
        (AVX2, None, [(8, 0), (7, 0)], "mixed_float16"),
        (AMX, None, [None], "mixed_bfloat16"),  # a GPU without a reported capability: the CPU
    ],
)
def test_auto_reads_this_machine_when_given_nothing(machine, cpuinfo, cap, gpus, expected):
    machine(cpuinfo, cap, gpus)
    assert auto_precision() == expected
    assert resolve_precision("auto") == expected
    assert resolve_precision("float32") == "float32"  # explicit: the machine is not asked


def test_gpu_compute_capabilities_come_from_tensorflows_devices(machine):
    machine(AVX2, gpus=[(8, 6), None, (7, 5)])
    assert precision.gpu_compute_capabilities() == [(8, 6), (7, 5)]
    machine(AVX2, gpus=[])
    assert precision.gpu_compute_capabilities() == []
