"""The report's verdicts follow the numbers: each rule flips when its measurement does."""

import dataclasses

import pytest

from helpers import verdicts
from helpers.verdicts import DOES_NOT_HOLD, HOLDS, NOT_MEASURED, PARTLY, Evidence


def _row(**values):
    base = {
        "fid": 10.0,
        "coverage": 0.5,
        "classes_covered": 10,
        "sharpness": 0.18,
        "ambiguous_4_9": 0.01,
        "ambiguous_1_7": 0.01,
        "ambiguous_any": 0.1,
    }
    base.update(values)
    return base


def _evidence(**changes):
    rows = {
        "real": _row(fid=1.0, sharpness=0.18, ambiguous_4_9=0.002, ambiguous_1_7=0.001),
        "dcgan": _row(fid=12.0, sharpness=0.18, ambiguous_4_9=0.01, ambiguous_1_7=0.005),
        "vae": _row(fid=70.0, coverage=0.25, classes_covered=9, sharpness=0.03),
        "vaegan": _row(fid=40.0, coverage=0.6, sharpness=0.17),
    }
    ev = Evidence(
        rows=rows,
        stopping={
            "dcgan": {"epochs": list(range(1, 31)), "within_noise_epoch": 12, "plateaued": True}
        },
        cost={
            "dcgan": {"images_per_second": 900.0, "wall_time_seconds": 600.0, "epochs": 20},
            "vae": {"images_per_second": 9000.0, "wall_time_seconds": 150.0, "epochs": 30},
        },
        latent_knn={"vae": 0.8},
        reconstruction_accuracy={"vae": 0.7, "vaegan": 0.75},
        vae_test_elbo=-135.0,
        vae_iwae=-132.0,
    )
    return dataclasses.replace(ev, **changes)


def _with_metric(ev, row, **values):
    rows = {name: dict(metrics) for name, metrics in ev.rows.items()}
    rows[row].update(values)
    return dataclasses.replace(ev, rows=rows)


def test_blur_verdict_follows_the_sharpness_ratio():
    ev = _evidence()
    assert verdicts.blur_verdict(ev).verdict == HOLDS
    assert verdicts.blur_verdict(_with_metric(ev, "vae", sharpness=0.15)).verdict == PARTLY
    assert verdicts.blur_verdict(_with_metric(ev, "vae", sharpness=0.2)).verdict == DOES_NOT_HOLD


def test_lookalike_verdict_needs_both_pairs_and_says_who_hesitates_more_overall():
    ev = _evidence()
    vae_worse = _with_metric(ev, "vae", ambiguous_4_9=0.04, ambiguous_1_7=0.02, ambiguous_any=0.05)
    verdict = verdicts.lookalike_verdict(vae_worse)
    assert verdict.verdict == HOLDS
    # the complete statement: the DCGAN hesitates more overall here, and the text says so
    assert "the DCGAN hesitates more" in verdict.evidence
    tie = _with_metric(vae_worse, "vae", ambiguous_any=0.1)
    assert "the two tie" in verdicts.lookalike_verdict(tie).evidence
    gan_worse = _with_metric(vae_worse, "dcgan", ambiguous_4_9=0.05, ambiguous_1_7=0.03)
    assert verdicts.lookalike_verdict(gan_worse).verdict == PARTLY
    below_real = _with_metric(ev, "vae", ambiguous_4_9=0.001, ambiguous_1_7=0.0)
    assert verdicts.lookalike_verdict(below_real).verdict == DOES_NOT_HOLD


def test_cost_verdict_compares_cost_per_image_and_total_cost():
    ev = _evidence()
    assert verdicts.cost_verdict(ev).verdict == HOLDS
    cheap_gan = dataclasses.replace(
        ev,
        cost={
            "dcgan": {"images_per_second": 20000.0, "wall_time_seconds": 10.0, "epochs": 10},
            "vae": {"images_per_second": 9000.0, "wall_time_seconds": 150.0, "epochs": 30},
        },
    )
    assert verdicts.cost_verdict(cheap_gan).verdict == DOES_NOT_HOLD
    # fast per image but trained longer in all (more epochs): only half of the claim holds
    longer = dataclasses.replace(
        cheap_gan,
        cost={**cheap_gan.cost, "dcgan": {**cheap_gan.cost["dcgan"], "wall_time_seconds": 900.0}},
    )
    assert verdicts.cost_verdict(longer).verdict == PARTLY
    assert verdicts.cost_verdict(dataclasses.replace(ev, cost={})).verdict == NOT_MEASURED


def test_stopping_verdict_wants_the_rule_to_fire_a_third_before_the_end():
    ev = _evidence()
    assert verdicts.stopping_verdict(ev).verdict == DOES_NOT_HOLD
    late = {"dcgan": {"epochs": list(range(1, 31)), "within_noise_epoch": 29, "plateaued": True}}
    verdict = verdicts.stopping_verdict(dataclasses.replace(ev, stopping=late))
    assert verdict.verdict == PARTLY
    assert "29 of 30" in verdict.evidence


def test_encoder_verdict_reads_the_latent_probe():
    ev = _evidence()
    assert verdicts.encoder_verdict(ev).verdict == HOLDS
    assert verdicts.encoder_verdict(dataclasses.replace(ev, latent_knn={"vae": 0.15})).verdict == (
        DOES_NOT_HOLD
    )
    assert verdicts.encoder_verdict(dataclasses.replace(ev, latent_knn={})).verdict == NOT_MEASURED


def test_vaegan_verdict_lists_every_criterion_it_misses():
    ev = _evidence()
    assert verdicts.vaegan_verdict(ev).verdict == HOLDS
    failed = _with_metric(ev, "vaegan", fid=160.0, coverage=0.02, classes_covered=6)
    verdict = verdicts.vaegan_verdict(
        dataclasses.replace(failed, reconstruction_accuracy={"vae": 0.7, "vaegan": 0.3})
    )
    assert verdict.verdict == PARTLY  # still sharp: one criterion of five met
    assert "FID below the VAE's" in verdict.evidence and "all 10 classes" in verdict.evidence
    blurry = _with_metric(failed, "vaegan", sharpness=0.03)
    blurry = dataclasses.replace(blurry, reconstruction_accuracy={"vae": 0.7, "vaegan": 0.3})
    assert verdicts.vaegan_verdict(blurry).verdict == DOES_NOT_HOLD


def test_paper_verdicts_cover_every_claim_and_missing_data_is_not_measured():
    empty = Evidence()
    result = verdicts.paper_verdicts(empty)
    assert len(result) == 6
    assert all(v.verdict == NOT_MEASURED for v in result)
    counts = verdicts.verdict_counts(verdicts.paper_verdicts(_evidence()))
    assert sum(counts.values()) == 6 and set(counts) == set(verdicts.VERDICTS)


def test_gather_evidence_reads_the_comparison_record():
    from helpers.comparison import ComparisonRecord
    from tests.records import results_record

    comparison = ComparisonRecord(
        profile="smoke",
        dataset="mnist",
        samples_per_row=100,
        reference="test images",
        classifier={"test_accuracy": 0.99},
        rows={"vae": {"fid": 70.0}, "real": {"fid": 1.0}},
        fid_per_epoch={"dcgan": {"epochs": [1, 2, 3], "within_noise_epoch": 2}},
        encoders={"vae": {"latent_knn": 0.81, "label_kept": 0.6}},
        training_cost={"vae": {"seconds_per_epoch": 5.0}},
    )
    bounds = {"test_elbo": {"nats_per_image": -134.5}, "iwae": {"log_px": -132.4}}
    records = {"vae": results_record("vae", metrics=bounds)}
    ev = verdicts.gather_evidence(comparison, records)
    assert ev.metric("vae", "fid") == 70.0
    assert ev.stopping["dcgan"]["within_noise_epoch"] == 2
    assert ev.cost == {"vae": {"seconds_per_epoch": 5.0}}
    assert ev.latent_knn == {"vae": 0.81}
    assert ev.reconstruction_accuracy == {"vae": 0.6}
    assert (ev.vae_test_elbo, ev.vae_iwae) == (-134.5, -132.4)
    no_vae = verdicts.gather_evidence(comparison, {})
    assert (no_vae.vae_test_elbo, no_vae.vae_iwae) == (None, None)


def test_conclusions_markdown_numbers_each_claim_with_its_verdict():
    text = verdicts.conclusions_markdown(verdicts.paper_verdicts(_evidence()))
    for number in range(1, 7):
        assert f"**{number}." in text
    assert text.count("Rule:") == 6


def test_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.Verdict("c", "maybe", "e", "s", "r")


def test_the_vaegan_claim_is_judged_again_at_the_second_latent_size():
    ev = _evidence()
    assert len(verdicts.paper_verdicts(ev)) == 6
    rows = {**ev.rows, "vae_z16": _row(fid=30.0, coverage=0.58), "vaegan_z16": _row(fid=90.0)}
    result = verdicts.paper_verdicts(dataclasses.replace(ev, rows=rows))
    assert len(result) == 7 and "latent dimension 16" in result[-1].claim
    assert "FID VAE-GAN 90.0 vs VAE 30.0" in result[-1].evidence
    assert result[-1].verdict != verdicts.HOLDS  # its FID is worse than the VAE's
