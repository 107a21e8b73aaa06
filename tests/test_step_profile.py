"""The DCGAN step profile's record and tables (helpers.step_profile)."""

from __future__ import annotations

from helpers import step_profile
from helpers.runs import atomic_write_json, results_dir


def _step_profile_record():
    def result(scale):
        return {
            "parts": {
                "G forward": 60.0 / scale,
                "Adam updates": 12.0,
                "casts": 0.0 if scale == 1 else 10.0,
            },
            "kinds": {"convolution / matmul": 50.0 / scale, "Adam": 12.0},
            "wall_many_per_call": 170.0 / scale,
        }

    return {
        "batch_size": 100,
        "steps": 20,
        "parts_order": ["G forward", "casts", "Adam updates"],
        "kinds_order": ["convolution / matmul", "Adam"],
        "precisions": {"float32": result(1), "mixed_bfloat16": result(2)},
    }


def test_step_profile_table_has_a_row_per_part_and_the_shares_of_each_precision():
    table = step_profile.step_profile_table(_step_profile_record(), "parts").splitlines()
    assert table[0].count("float32 ms") == 1 and table[0].count("mixed_bfloat16 ms") == 1
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    rows = {label: values for label, *values in cells}
    assert list(rows) == ["G forward", "casts", "Adam updates", "all ops"]  # the record's order
    assert rows["G forward"][:2] == ["60.0", "83%"]  # 60 of 72 op-ms in float32
    assert rows["casts"][2:4] == ["10.0", "19%"]  # 10 of 52 in bfloat16
    assert rows["all ops"][0] == "72.0" and rows["all ops"][2] == "52.0"
    kinds = step_profile.step_profile_table(_step_profile_record(), "kinds").splitlines()
    assert len(kinds) == 2 + 3  # header, rule, two kinds and the total


def test_step_profile_summary_gives_each_wall_time_and_the_speed_ratio():
    text = step_profile.step_profile_summary(_step_profile_record())
    assert "float32 170.0 ms" in text and "mixed_bfloat16 85.0 ms" in text
    assert "mixed_bfloat16 is 2.00× float32" in text


def test_step_profile_is_read_from_the_run_else_from_the_published_results(project_root):
    assert step_profile.read_step_profile("cpu") is None
    published, own = _step_profile_record(), _step_profile_record()
    published["steps"] = 40
    atomic_write_json(project_root / "results" / "cpu" / "dcgan_step_profile.json", published)
    assert step_profile.read_step_profile("cpu")["steps"] == 40
    atomic_write_json(results_dir("cpu") / "dcgan_step_profile.json", own)
    assert step_profile.read_step_profile("cpu")["steps"] == 20
