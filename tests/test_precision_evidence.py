"""bfloat16 against float32 over seeds: the summary notebook 02's appendix prints."""

from helpers.precision_evidence import (
    BFLOAT16,
    FLOAT32,
    epoch_rows,
    outside_spread_epochs,
    precision_fid_finding,
    precision_fid_table,
)


def _record(f32_runs, bf16_runs) -> dict:
    return {
        "runs": {
            str(seed): {FLOAT32: {"fid": a}, BFLOAT16: {"fid": b}}
            for seed, (a, b) in enumerate(zip(f32_runs, bf16_runs, strict=True))
        }
    }


def test_rows_hold_the_means_their_difference_and_the_float32_spread():
    record = _record([[10.0, 6.0], [12.0, 8.0]], [[11.0, 9.0], [13.0, 11.0]])
    rows = epoch_rows(record)
    assert [r["epoch"] for r in rows] == [1, 2]
    assert rows[0][FLOAT32] == 11.0 and rows[0][BFLOAT16] == 12.0
    assert rows[0]["difference"] == 1.0 and rows[0]["spread"] == 2.0
    assert rows[1]["difference"] == 3.0 and rows[1]["spread"] == 2.0
    assert outside_spread_epochs(record) == [2]
    assert "| epoch 2 | 7.00 | 10.00 | +3.00 | 2.00 |" in precision_fid_table(record)


def test_the_finding_says_whether_bfloat16_stays_within_the_seed_spread():
    inside = _record([[10.0], [12.0]], [[10.5], [12.5]])
    outside = _record([[10.0], [12.0]], [[14.0], [16.0]])
    assert "within float32's spread" in precision_fid_finding(inside)
    text = precision_fid_finding(outside)
    assert "exceeds float32's spread between seeds at 1 of 1 epochs" in text
    assert "not within the seed noise" in text
