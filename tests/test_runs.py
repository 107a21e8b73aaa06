import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from helpers import runs
from helpers.config import make_config


def test_run_directories_live_under_runs(project_root):
    assert runs.results_dir("smoke") == project_root / "runs" / "smoke" / "results"
    assert runs.figures_dir("cpu").is_dir()
    # the published results sit outside runs/ and are only read here, never created
    assert runs.published_results_dir("cpu") == project_root / "results" / "cpu"
    assert not (project_root / "results").exists()


def test_project_root_found_from_a_subdirectory(tmp_path, monkeypatch):
    monkeypatch.delenv(runs.ROOT_ENV, raising=False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "vae-vs-gan"\n')
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert runs.project_root() == tmp_path


def test_atomic_json_and_npz_round_trip(tmp_path):
    runs.atomic_write_json(tmp_path / "a.json", {"x": np.float32(1.5), "y": np.arange(3)})
    assert json.loads((tmp_path / "a.json").read_text()) == {"x": 1.5, "y": [0, 1, 2]}
    runs.atomic_write_npz(tmp_path / "b.npz", images=np.ones((2, 28, 28), np.uint8))
    with np.load(tmp_path / "b.npz", allow_pickle=False) as saved:
        assert saved["images"].shape == (2, 28, 28)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.npz"]  # no temp files


def test_a_crash_mid_write_keeps_the_old_file(tmp_path):
    """Kill a process while it writes: the target holds the old content or the new, never half."""
    target = tmp_path / "results.json"
    runs.atomic_write_json(target, {"version": "old"})
    script = textwrap.dedent(
        f"""
        import os
        from helpers import runs
        real_fsync = os.fsync
        def crash(fd):  # the new bytes are written to the temp file; die before the rename
            os._exit(9)
        os.fsync = crash
        runs.atomic_write_json({str(target)!r}, {{"version": "new", "pad": "x" * 100000}})
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd())
    assert result.returncode == 9
    assert json.loads(target.read_text()) == {"version": "old"}


def test_an_exception_mid_write_leaves_no_temp_file(tmp_path):
    with pytest.raises(TypeError):
        runs.atomic_write_json(tmp_path / "c.json", {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_environment_record_has_versions(project_root):
    record = runs.environment_record(seed=3, precision="float32")
    for key in ("python", "numpy", "tensorflow", "keras", "device", "seed", "git_commit"):
        assert key in record
    assert record["seed"] == 3
    assert record["cpu_features"] == runs.cpu_features()  # this machine's flags, as a list


def test_environment_record_names_a_onednn_isa_cap(project_root, monkeypatch):
    from helpers.reproducibility import cpu_label

    monkeypatch.delenv("ONEDNN_MAX_CPU_ISA", raising=False)
    assert "onednn_max_cpu_isa" not in runs.environment_record()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    record = runs.environment_record()
    assert record["onednn_max_cpu_isa"] == "AVX2"  # an AMX CPU measured as an AVX2 one says so
    label = cpu_label({**record, "cpu_model": "Xeon", "cpu_features": ["avx2", "amx_bf16"]})
    assert label == "Xeon (avx2, amx_bf16), oneDNN held to AVX2 (ONEDNN_MAX_CPU_ISA)"


def test_write_kept_record_carries_config_seed_and_environment(project_root):
    config = make_config("vae", "smoke", seed=5)
    path = runs.write_kept_record("smoke", "vae_ablation", {"variants": {"a": 1}}, config)
    saved = runs.read_json(path)
    assert path == runs.results_dir("smoke") / "vae_ablation.json"
    assert saved["seed"] == 5 and saved["config"]["seed"] == 5
    assert saved["environment"]["seed"] == 5 and saved["variants"] == {"a": 1}


def test_atomic_writes_give_files_the_mode_of_a_plain_write(tmp_path):
    """A temporary file is private (0600); the written file must be readable as a plain
    `open(path, "w")` would leave it (0666 less the umask), e.g. by other users of a machine."""
    import os
    import stat

    previous = os.umask(0o022)
    try:
        written = [
            runs.atomic_write_json(tmp_path / "a.json", {"a": 1}),
            runs.atomic_write_npz(tmp_path / "b.npz", images=np.zeros(3)),
            runs.atomic_write_bytes(tmp_path / "c.bin", b"x"),
        ]
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        expected = stat.S_IMODE(plain.stat().st_mode)
    finally:
        os.umask(previous)
    assert expected == 0o644
    assert [stat.S_IMODE(path.stat().st_mode) for path in written] == [expected] * 3


class FakeVariable:
    def __init__(self, value):
        self.value = np.asarray(value, dtype=np.float32)

    def numpy(self):
        return self.value

    def assign(self, value):
        self.value = np.asarray(value)


def test_checkpointer_saves_restores_and_prunes(project_root):
    config = make_config("dcgan", "smoke")
    checkpoints = runs.Checkpointer("smoke", "dcgan", config)
    assert checkpoints.latest_epoch == 0 and checkpoints.restore({}) is None
    weights = [FakeVariable([1.0, 2.0]), FakeVariable(3.0)]
    for epoch in (1, 2, 3):
        weights[1].assign(float(epoch))
        checkpoints.save(epoch, {"generator": weights}, {"history": {"loss": [0.0] * epoch}})
    assert checkpoints.latest_epoch == 3
    assert len(list(checkpoints.directory.glob("state-*.npz"))) == 2  # keeps the last two
    fresh = [FakeVariable([0.0, 0.0]), FakeVariable(0.0)]
    state = runs.Checkpointer("smoke", "dcgan", config).restore({"generator": fresh})
    assert state["epoch"] == 3 and len(state["history"]["loss"]) == 3
    np.testing.assert_array_equal(fresh[0].value, [1.0, 2.0])
    assert float(fresh[1].value) == 3.0


def test_checkpoints_of_another_config_are_not_reused(project_root):
    first = runs.Checkpointer("smoke", "dcgan", make_config("dcgan", "smoke"))
    first.save(1, {"g": [FakeVariable(1.0)]}, {})
    other = runs.Checkpointer("smoke", "dcgan", make_config("dcgan", "smoke", seed=9))
    assert other.directory != first.directory and other.latest_epoch == 0


def test_a_changed_architecture_is_refused(project_root):
    config = make_config("dcgan", "smoke")
    runs.Checkpointer("smoke", "dcgan", config).save(1, {"g": [FakeVariable(1.0)]}, {})
    with pytest.raises(RuntimeError, match="architecture changed"):
        runs.Checkpointer("smoke", "dcgan", config).restore(
            {"g": [FakeVariable(1.0), FakeVariable(2.0)]}
        )


def test_git_commit_is_dirty_for_code_changes_not_for_published_outputs(project_root):
    def git(*args):
        subprocess.run(["git", *args], cwd=project_root, check=True, capture_output=True)

    git("init", "-q")
    for name in ("README.md", "figures/01.png", "helpers/model.py"):
        (project_root / name).parent.mkdir(parents=True, exist_ok=True)
        (project_root / name).write_text("v1\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    clean = runs.git_commit()
    assert len(clean) == 40 and not clean.endswith("+dirty")
    (project_root / "README.md").write_text("results\n")  # what `make report` rewrites
    (project_root / "figures" / "01.png").write_text("new figure\n")
    assert runs.git_commit() == clean
    (project_root / "helpers" / "model.py").write_text("v2\n")  # code: the results may differ
    assert runs.git_commit() == clean + "+dirty"


def test_cpu_model_reads_the_model_name_line():
    from helpers.runs import cpu_model

    text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9B14\nflags\t: fpu\n"
    assert cpu_model(text) == "AMD EPYC 9B14"
    assert cpu_model("processor\t: 0\n") is None


def test_cpu_features_tell_an_avx2_only_cpu_from_one_with_native_bfloat16():
    from helpers.runs import cpu_features

    avx2_only = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma\n"
    bf16 = "model name\t: AMD EPYC\nflags\t\t: avx2 avx512f avx512_bf16 avx512vl\n"
    amx = "flags\t\t: avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n"
    assert cpu_features(avx2_only) == ["avx2"]
    assert cpu_features(bf16) == ["avx2", "avx512f", "avx512_bf16"]
    assert cpu_features(amx) == ["avx2", "avx512f", "avx512_bf16", "amx_bf16"]
    assert cpu_features("processor\t: 0\n") == []  # no flags line: nothing claimed
