"""What bfloat16 does to the DCGAN's FID: the record `benchmarks/precision_fid.py --publish`
writes (FID per epoch of the same DCGAN trained in float32 and in mixed bfloat16, per seed, on
the validation split), read and summarised for the report:

    record = read_precision_fid("cpu")          # None until the benchmark was published
    print(precision_fid_table(record))          # mean FID per epoch, difference, float32 spread
    print(precision_fid_finding(record))        # where the difference leaves the seed spread
"""

from __future__ import annotations

from helpers.results import read_kept_record
from helpers.tables import markdown_table

PRECISION_FID_NAME = "dcgan_precision_fid"
FLOAT32, BFLOAT16 = "float32", "mixed_bfloat16"


def read_precision_fid(profile: str) -> dict | None:
    """The published record for `profile` (this run's, else results/<profile>/), or None."""
    return read_kept_record(profile, PRECISION_FID_NAME)


def epoch_rows(record: dict) -> list[dict]:
    """Per epoch: mean FID of each precision over the seeds, their difference (bfloat16 minus
    float32) and float32's spread between seeds (max - min), the yardstick of the difference."""
    runs = list(record["runs"].values())
    epochs = len(runs[0][FLOAT32]["fid"])
    rows = []
    for epoch in range(epochs):
        f32 = [run[FLOAT32]["fid"][epoch] for run in runs]
        bf16 = [run[BFLOAT16]["fid"][epoch] for run in runs]
        mean32, mean16 = sum(f32) / len(f32), sum(bf16) / len(bf16)
        rows.append(
            {
                "epoch": epoch + 1,
                FLOAT32: mean32,
                BFLOAT16: mean16,
                "difference": mean16 - mean32,
                "spread": max(f32) - min(f32),
            }
        )
    return rows


def precision_fid_table(record: dict) -> str:
    """`epoch_rows` as a Markdown table."""
    rows = {f"epoch {row['epoch']}": row for row in epoch_rows(record)}
    columns = [
        (FLOAT32, "float32 FID", ".2f"),
        (BFLOAT16, "bfloat16 FID", ".2f"),
        ("difference", "bfloat16 − float32", "+.2f"),
        ("spread", "float32 spread over seeds", ".2f"),
    ]
    return markdown_table(rows, columns)


def outside_spread_epochs(record: dict) -> list[int]:
    """Epochs at which |bfloat16 - float32| (means over the seeds) exceeds float32's spread."""
    return [row["epoch"] for row in epoch_rows(record) if abs(row["difference"]) > row["spread"]]


def precision_fid_finding(record: dict) -> str:
    """One sentence: whether bfloat16's mean FID stays within float32's seed spread."""
    rows = epoch_rows(record)
    seeds = len(record["runs"])
    outside = outside_spread_epochs(record)
    last = rows[-1]
    head = (
        f"Over {seeds} seeds and {len(rows)} epochs, the mean FID after the last epoch is "
        f"{last[FLOAT32]:.2f} in float32 and {last[BFLOAT16]:.2f} in bfloat16 "
        f"({last['difference']:+.2f}, against a float32 spread of {last['spread']:.2f} between "
        "seeds)."
    )
    if not outside:
        return head + " At every epoch the difference is within float32's spread between seeds."
    return head + (
        f" The difference exceeds float32's spread between seeds at {len(outside)} of "
        f"{len(rows)} epochs (epochs {', '.join(map(str, outside))}): at these settings bfloat16 "
        "is not within the seed noise, so results trained in bfloat16 and in float32 are "
        "different experiments, and the results records say which precision each model used."
    )


__all__ = [
    "BFLOAT16",
    "FLOAT32",
    "PRECISION_FID_NAME",
    "epoch_rows",
    "outside_spread_epochs",
    "precision_fid_finding",
    "precision_fid_table",
    "read_precision_fid",
]
