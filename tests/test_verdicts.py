"""The report's verdicts follow the numbers over seeds: each rule flips when its per-seed
measurement does, stays undecided within the noise or on one seed, and is not measured when
its inputs are missing."""

from __future__ import annotations

import dataclasses

import pytest

from helpers import verdicts
from helpers.seeds import CONTRADICTED, SUPPORTED, UNDECIDED, SeedTest
from helpers.verdicts import (
    DOES_NOT_HOLD,
    HOLDS,
    NOT_DECIDED,
    NOT_MEASURED,
    PARTLY,
    Evidence,
)

SEEDS = (0, 1, 2)


def _rows() -> dict[str, dict[str, list[float]]]:
    """Per-seed rows where every claim of the paper holds with margin on all three seeds."""
    return {
        "real": {
            "fid": [1.0],
            "sharpness": [0.18],
            "ambiguous_4_9": [0.002],
            "ambiguous_1_7": [0.001],
            "coverage": [0.95],
            "classes_covered": [10.0],
        },
        "dcgan": {
            "fid": [12.0, 13.0, 11.0],
            "sharpness": [0.17, 0.18, 0.19],
            "ambiguous_4_9": [0.010, 0.012, 0.011],
            "ambiguous_1_7": [0.005, 0.006, 0.004],
            "coverage": [0.8, 0.82, 0.79],
            "classes_covered": [10.0, 10.0, 10.0],
        },
        "vae": {
            "fid": [70.0, 72.0, 75.0],
            "sharpness": [0.030, 0.035, 0.040],
            "ambiguous_4_9": [0.040, 0.050, 0.045],
            "ambiguous_1_7": [0.030, 0.035, 0.040],
            "coverage": [0.25, 0.27, 0.26],
            "classes_covered": [9.0, 10.0, 9.0],
        },
        "vaegan": {
            "fid": [40.0, 42.0, 41.0],
            "sharpness": [0.170, 0.175, 0.180],
            "ambiguous_4_9": [0.02, 0.02, 0.02],
            "ambiguous_1_7": [0.01, 0.01, 0.01],
            "coverage": [0.60, 0.62, 0.61],
            "classes_covered": [10.0, 10.0, 10.0],
        },
    }


def _pixel() -> dict[str, dict[str, list[float]]]:
    """The second feature space, agreeing with the first: the VAE-GAN better on every seed."""
    return {
        "real": {"fid": [5.0], "coverage": [0.9]},
        "vae": {"fid": [900.0, 920.0, 910.0], "coverage": [0.20, 0.22, 0.21]},
        "vaegan": {"fid": [500.0, 510.0, 505.0], "coverage": [0.50, 0.52, 0.51]},
    }


def _curve(stop: int, last: int = 30, drop_after_10: float = 0.5, tolerance: float = 2.0):
    """A stopping record: FID per epoch 1..last, falling by 10 an epoch to 20 + `drop_after_10`
    at epoch 10, then evenly to 20 at the end; the stopping rule fired after epoch `stop`."""
    epochs = list(range(1, last + 1))
    fid = [
        20.0 + drop_after_10 + 10.0 * (10 - e)
        if e < 10
        else 20.0 + drop_after_10 * (last - e) / (last - 10)
        for e in epochs
    ]
    return {
        "epochs": epochs,
        "fid": fid,
        "within_noise_epoch": stop,
        "tolerance": tolerance,
        "noise": tolerance / 2,
        "real_fid": 1.5,
        "plateaued": stop < last,
    }


def _evidence(**changes) -> Evidence:
    ev = Evidence(
        seeds=SEEDS,
        rows=_rows(),
        pixel=_pixel(),
        stopping={"dcgan": [_curve(12), _curve(11), _curve(13)]},
        cost={
            "dcgan": {
                "images_per_second": [900.0, 950.0, 920.0],
                "wall_time_seconds": [600.0, 610.0, 590.0],
                "epochs": [30.0, 30.0, 30.0],
            },
            "vae": {
                "images_per_second": [9000.0, 9100.0, 8900.0],
                "wall_time_seconds": [150.0, 160.0, 155.0],
                "epochs": [20.0, 20.0, 20.0],
            },
        },
        encoders={
            "vae": {"latent_knn": [0.80, 0.82, 0.79], "label_kept": [0.70, 0.70, 0.71]},
            "vaegan": {"latent_knn": [0.7, 0.72, 0.71], "label_kept": [0.75, 0.76, 0.77]},
        },
        likelihood={
            "vae": {"test_elbo": [-134.0, -135.0, -136.0], "iwae": [-131.0, -132.0, -133.0]}
        },
    )
    return dataclasses.replace(ev, **changes)


def _with(ev: Evidence, row: str, **values) -> Evidence:
    """`ev` with metrics of `row` replaced (per-seed lists)."""
    rows = {name: dict(metrics) for name, metrics in ev.rows.items()}
    rows.setdefault(row, {}).update(values)
    return dataclasses.replace(ev, rows=rows)


def _without(ev: Evidence, metric: str) -> Evidence:
    rows = {name: {k: v for k, v in m.items() if k != metric} for name, m in ev.rows.items()}
    return dataclasses.replace(ev, rows=rows)


def _one_seed(ev: Evidence) -> Evidence:
    """`ev` cut to its first seed (the real row keeps its one value)."""

    def first(table):
        return {name: {k: v[:1] for k, v in m.items()} for name, m in table.items()}

    return dataclasses.replace(
        ev,
        seeds=(0,),
        rows=first(ev.rows),
        pixel=first(ev.pixel),
        stopping={m: curves[:1] for m, curves in ev.stopping.items()},
        cost=first(ev.cost),
        encoders=first(ev.encoders),
        likelihood=first(ev.likelihood),
    )


# --- the pieces: differences per seed and the grade of a claim --------------------------------


def test_differences_are_per_seed_and_the_real_row_is_compared_with_every_seed():
    assert verdicts.differences([3.0, 5.0], [1.0, 2.0]) == [2.0, 3.0]
    assert verdicts.differences([0.18], [0.03, 0.08]) == pytest.approx([0.15, 0.10])
    assert verdicts.differences([0.03, 0.08], [0.18]) == pytest.approx([-0.15, -0.10])
    assert verdicts.differences([2.0], [1.0]) == [1.0]
    assert verdicts.differences(None, [1.0]) is None
    assert verdicts.differences([1.0], None) is None
    with pytest.raises(ValueError, match="unequal length"):
        verdicts.differences([1.0, 2.0], [1.0, 2.0, 3.0])


def _seed_test(outcome: str) -> SeedTest:
    return SeedTest("part", (1.0, 2.0), outcome)


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([SUPPORTED, SUPPORTED], HOLDS),
        ([SUPPORTED], HOLDS),
        ([CONTRADICTED, CONTRADICTED], DOES_NOT_HOLD),
        ([UNDECIDED, UNDECIDED], NOT_DECIDED),
        ([SUPPORTED, CONTRADICTED], PARTLY),
        ([SUPPORTED, UNDECIDED], PARTLY),
        ([], NOT_MEASURED),
    ],
)
def test_grade_of_a_claim_from_its_parts(outcomes, verdict):
    assert verdicts.grade([_seed_test(o) for o in outcomes]) == verdict


def test_a_claim_without_any_supported_part_does_not_hold_even_partly():
    # "holds partly" needs at least one part decided in the claim's favour (the VAE-GAN rule
    # says so: "partly when only some of these are decided in its favour")
    assert verdicts.grade([_seed_test(CONTRADICTED), _seed_test(UNDECIDED)]) != PARTLY


def test_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.Verdict("c", "maybe", "e", "s", "r")


# --- blur -------------------------------------------------------------------------------------


def test_blur_holds_when_the_dcgan_and_real_digits_are_sharper_on_every_seed():
    verdict = verdicts.blur_verdict(_evidence())
    assert verdict.verdict == HOLDS
    assert verdict.evidence == "3 seeds"
    assert len(verdict.tests) == 2
    gan = verdict.tests[0]
    assert gan.startswith("sharpness, DCGAN minus VAE: difference per seed")
    assert "0.1700, 0.1800, 0.1900 vs 0.0300, 0.0350, 0.0400" in gan  # DCGAN vs VAE per seed
    assert SUPPORTED in gan
    assert "0.1800 vs 0.0300, 0.0350, 0.0400" in verdict.tests[1]  # one real set vs each seed


def test_blur_is_not_decided_when_one_seed_disagrees():
    # seed 2's VAE is sharper than the DCGAN and the real digits: neither part is decided
    ev = _with(_evidence(), "vae", sharpness=[0.030, 0.035, 0.25])
    verdict = verdicts.blur_verdict(ev)
    assert verdict.verdict == NOT_DECIDED
    assert all(UNDECIDED in test for test in verdict.tests)
    # only the DCGAN blurry on one seed: the real digits are still sharper, half the claim
    partly = _with(_evidence(), "dcgan", sharpness=[0.17, 0.18, 0.02])
    assert verdicts.blur_verdict(partly).verdict == PARTLY


def test_blur_is_not_decided_when_the_difference_is_within_twice_its_standard_error():
    # sharper on every seed, but by 0.001, 0.001 and 0.1: mean 0.034 < 2 × 0.033
    ev = _with(_evidence(), "dcgan", sharpness=[0.2, 0.2, 0.2])
    ev = _with(ev, "real", sharpness=[0.2])
    ev = _with(ev, "vae", sharpness=[0.199, 0.199, 0.1])
    assert verdicts.blur_verdict(ev).verdict == NOT_DECIDED


def test_blur_does_not_hold_when_the_vae_is_sharper_on_every_seed():
    ev = _with(_evidence(), "vae", sharpness=[0.25, 0.26, 0.27])
    verdict = verdicts.blur_verdict(ev)
    assert verdict.verdict == DOES_NOT_HOLD
    assert all(CONTRADICTED in test for test in verdict.tests)


def test_blur_on_one_seed_is_not_decided_and_says_so():
    verdict = verdicts.blur_verdict(_one_seed(_evidence()))
    assert verdict.verdict == NOT_DECIDED  # the same numbers hold on three seeds
    assert "one seed" in verdict.evidence
    assert "standard error" not in verdict.tests[0]


def test_blur_is_not_measured_without_sharpness():
    verdict = verdicts.blur_verdict(_without(_evidence(), "sharpness"))
    assert verdict.verdict == NOT_MEASURED and verdict.tests == []


# --- look-alike digits ------------------------------------------------------------------------


def test_lookalike_holds_when_the_vae_hesitates_more_on_both_pairs_on_every_seed():
    verdict = verdicts.lookalike_verdict(_evidence())
    assert verdict.verdict == HOLDS
    assert len(verdict.tests) == 4  # two pairs, each against the real digits and the DCGAN
    assert any(t.startswith("4↔9 hesitation, VAE minus DCGAN") for t in verdict.tests)
    assert any(t.startswith("1↔7 hesitation, VAE minus real digits") for t in verdict.tests)


def test_lookalike_flips_with_who_hesitates_more():
    # the DCGAN hesitates more than the VAE, which still hesitates more than the real digits
    gan_worse = _with(_evidence(), "dcgan", ambiguous_4_9=[0.08, 0.09, 0.1])
    gan_worse = _with(gan_worse, "dcgan", ambiguous_1_7=[0.07, 0.08, 0.09])
    assert verdicts.lookalike_verdict(gan_worse).verdict == PARTLY
    # and below the real digits too: every part contradicted
    below = _with(gan_worse, "vae", ambiguous_4_9=[0.0, 0.0005, 0.001])
    below = _with(below, "vae", ambiguous_1_7=[0.0, 0.0, 0.0001])
    assert verdicts.lookalike_verdict(below).verdict == DOES_NOT_HOLD
    # one seed the other way on every part: nothing decided
    mixed = _with(_evidence(), "vae", ambiguous_4_9=[0.04, 0.05, 0.0])
    mixed = _with(mixed, "vae", ambiguous_1_7=[0.03, 0.035, 0.0])
    assert verdicts.lookalike_verdict(mixed).verdict == NOT_DECIDED


def test_lookalike_is_not_measured_without_the_pairs():
    ev = _without(_without(_evidence(), "ambiguous_4_9"), "ambiguous_1_7")
    assert verdicts.lookalike_verdict(ev).verdict == NOT_MEASURED


# --- training cost ----------------------------------------------------------------------------


def _costs(gan_speed, gan_wall, vae_speed=(9000.0, 9100.0, 8900.0), vae_wall=(150.0, 160.0, 155.0)):
    return {
        "dcgan": {"images_per_second": list(gan_speed), "wall_time_seconds": list(gan_wall)},
        "vae": {"images_per_second": list(vae_speed), "wall_time_seconds": list(vae_wall)},
    }


def test_cost_holds_when_the_dcgan_is_slower_per_image_and_longer_in_all():
    verdict = verdicts.cost_verdict(_evidence())
    assert verdict.verdict == HOLDS
    assert verdict.tests[0].startswith("images per second, VAE minus DCGAN")
    assert "9,000, 9,100, 8,900 vs 900, 950, 920" in verdict.tests[0]
    assert verdict.tests[1].startswith("wall time (s), DCGAN minus VAE")


def test_cost_flips_with_the_measured_cost():
    cheap_gan = _costs((20000.0, 21000.0, 19000.0), (10.0, 12.0, 11.0))
    assert verdicts.cost_verdict(_evidence(cost=cheap_gan)).verdict == DOES_NOT_HOLD
    # faster per image but longer in all (more epochs): half of the claim
    longer = _costs((20000.0, 21000.0, 19000.0), (900.0, 950.0, 910.0))
    assert verdicts.cost_verdict(_evidence(cost=longer)).verdict == PARTLY
    # slower on two seeds, faster on one, and the wall time of one seed reversed too
    mixed = _costs((900.0, 950.0, 20000.0), (600.0, 610.0, 10.0))
    assert verdicts.cost_verdict(_evidence(cost=mixed)).verdict == NOT_DECIDED


def test_cost_is_not_measured_without_both_models():
    assert verdicts.cost_verdict(_evidence(cost={})).verdict == NOT_MEASURED
    only_gan = {"dcgan": _evidence().cost["dcgan"]}
    assert verdicts.cost_verdict(_evidence(cost=only_gan)).verdict == NOT_MEASURED


# --- when to stop -----------------------------------------------------------------------------


def test_stopping_does_not_hold_when_the_rule_fires_early_on_every_seed():
    verdict = verdicts.stopping_verdict(_evidence())  # stops after 12, 11, 13 of 30
    assert verdict.verdict == DOES_NOT_HOLD
    assert "seed 0: stops after epoch 12 of 30" in verdict.evidence
    assert "seed 1: stops after epoch 11 of 30" in verdict.evidence
    assert "seed 2: stops after epoch 13 of 30" in verdict.evidence
    assert verdict.evidence.endswith("(3 seeds)")
    assert len(verdict.tests) == 1 and CONTRADICTED in verdict.tests[0]


def test_stopping_holds_partly_when_the_rule_fires_late_on_every_seed():
    late = {"dcgan": [_curve(28), _curve(29), _curve(30)]}
    verdict = verdicts.stopping_verdict(_evidence(stopping=late))
    assert verdict.verdict == PARTLY
    assert "stops after epoch 29 of 30" in verdict.evidence
    assert SUPPORTED in verdict.tests[0]


def test_stopping_is_not_decided_when_the_seeds_disagree():
    mixed = {"dcgan": [_curve(12), _curve(29), _curve(28)]}
    assert verdicts.stopping_verdict(_evidence(stopping=mixed)).verdict == NOT_DECIDED


def test_stopping_on_one_seed_is_not_decided_and_says_so():
    verdict = verdicts.stopping_verdict(_one_seed(_evidence()))
    assert verdict.verdict == NOT_DECIDED  # stopped early, but one draw decides nothing
    assert "seed 0: stops after epoch 12 of 30" in verdict.evidence
    assert "one seed" in verdict.evidence and "seed 1" not in verdict.evidence


def test_stopping_checks_the_papers_little_change_after_about_ten_epochs():
    # the FID falls by 0.5 after epoch 10, within its noise (2σ = 2) on every seed
    settled = verdicts.stopping_verdict(_evidence())
    assert "little change after about 10 epochs" in settled.evidence
    assert "holds on 3 of 3 seeds" in settled.evidence
    assert "FID fell by 0.5 after epoch 10 (noise 2σ 2.0)" in settled.evidence
    # it falls by 8 on every seed: the paper's remark does not hold here
    falling = {"dcgan": [_curve(12, drop_after_10=8.0) for _ in SEEDS]}
    verdict = verdicts.stopping_verdict(_evidence(stopping=falling))
    assert "FID fell by 8.0 after epoch 10" in verdict.evidence
    assert 'little change after about 10 epochs": holds on 0 of 3 seeds' in verdict.evidence
    # a run shorter than 10 epochs cannot test the remark: no sentence
    short = {"dcgan": [_curve(3, last=8) for _ in SEEDS]}
    assert "little change" not in verdicts.stopping_verdict(_evidence(stopping=short)).evidence


def test_the_little_change_sentence_counts_the_seeds_it_holds_on():
    # settles on seed 0 only: the sentence must not read "does not hold on 1 of 3 seeds"
    curves = [_curve(12), _curve(12, drop_after_10=8.0), _curve(12, drop_after_10=8.0)]
    evidence = verdicts.stopping_verdict(_evidence(stopping={"dcgan": curves})).evidence
    assert "holds on 1 of 3 seeds" in evidence


def test_stopping_is_not_measured_without_fid_per_epoch():
    assert verdicts.stopping_verdict(_evidence(stopping={})).verdict == NOT_MEASURED
    no_gan = {"vaegan": [_curve(12)] * 3}
    assert verdicts.stopping_verdict(_evidence(stopping=no_gan)).verdict == NOT_MEASURED


# --- the encoder ------------------------------------------------------------------------------


def test_encoder_holds_when_the_probe_beats_three_times_chance_on_every_seed():
    verdict = verdicts.encoder_verdict(_evidence())
    assert verdict.verdict == HOLDS
    assert "0.800, 0.820, 0.790 vs 0.300" in verdict.tests[0]
    # the likelihood bounds, mean ± sd over seeds: -135 ± 1 and -132 ± 1
    assert "test ELBO of -135.0 ± 1.0 nats" in verdict.evidence
    assert "IWAE bound of -132.0 ± 1.0" in verdict.evidence
    assert verdict.evidence.endswith("(3 seeds)")


def test_encoder_flips_with_the_probe():
    weak = {"vae": {"latent_knn": [0.15, 0.2, 0.12]}}
    assert verdicts.encoder_verdict(_evidence(encoders=weak)).verdict == DOES_NOT_HOLD
    one_bad = {"vae": {"latent_knn": [0.8, 0.82, 0.1]}}
    assert verdicts.encoder_verdict(_evidence(encoders=one_bad)).verdict == NOT_DECIDED
    assert verdicts.encoder_verdict(_one_seed(_evidence())).verdict == NOT_DECIDED


def test_encoder_is_not_measured_without_the_probe_and_bounds_are_optional():
    verdict = verdicts.encoder_verdict(_evidence(encoders={}))
    assert verdict.verdict == NOT_MEASURED
    assert "test ELBO" in verdict.evidence  # what was measured is still said
    bare = verdicts.encoder_verdict(_evidence(likelihood={}))
    assert bare.verdict == HOLDS and "ELBO" not in bare.evidence
    elbo_only = verdicts.encoder_verdict(
        _evidence(likelihood={"vae": {"test_elbo": [-134.0, -135.0, -136.0]}})
    )
    assert "test ELBO of -135.0 ± 1.0 nats" in elbo_only.evidence
    assert "IWAE" not in elbo_only.evidence


# --- the VAE-GAN ------------------------------------------------------------------------------


def test_vaegan_holds_when_every_part_is_decided_in_its_favour():
    verdict = verdicts.vaegan_verdict(_evidence())
    assert verdict.verdict == HOLDS
    assert "latent dimension 2" in verdict.claim
    assert len(verdict.tests) == 5
    fid, coverage, classes, sharp, kept = verdict.tests
    assert fid.startswith("FID, VAE minus VAE-GAN") and "70.0, 72.0, 75.0 vs 40.0" in fid
    assert coverage.startswith("coverage, VAE-GAN minus VAE")
    assert classes.startswith("classes covered minus 9.5")
    assert "real 0.1800" in sharp
    assert kept.startswith("reconstructions keep their label, VAE-GAN minus VAE")
    # FID and coverage were measured again in the pixel-PCA space, which agrees
    assert "[pixel-PCA space agrees]" in fid and "[pixel-PCA space agrees]" in coverage
    assert all("pixel-PCA" not in t for t in (classes, sharp, kept))


def test_vaegan_says_when_the_second_feature_space_disagrees():
    pixel = _pixel()
    pixel["vaegan"] = {**pixel["vaegan"], "fid": [950.0, 960.0, 955.0]}  # worse than the VAE
    verdict = verdicts.vaegan_verdict(_evidence(pixel=pixel))
    fid, coverage = verdict.tests[:2]
    assert "[pixel-PCA space disagrees: not decided]" in fid
    assert "[pixel-PCA space agrees]" in coverage
    # a part one feature space decides and the other does not is not a finding: only partly
    assert verdict.verdict == PARTLY
    # without the second space there is nothing to agree with
    alone = verdicts.vaegan_verdict(_evidence(pixel={}))
    assert all("pixel-PCA" not in t for t in alone.tests)


def test_vaegan_flips_part_by_part():
    ev = _evidence()
    # worse FID and coverage, a class lost, blurry and losing labels on every seed
    failed = _with(ev, "vaegan", fid=[160.0, 170.0, 165.0], coverage=[0.02, 0.03, 0.025])
    failed = _with(failed, "vaegan", classes_covered=[6.0, 7.0, 6.0], sharpness=[0.03, 0.03, 0.035])
    encoders = {**ev.encoders, "vaegan": {"label_kept": [0.3, 0.31, 0.29]}}
    assert verdicts.vaegan_verdict(dataclasses.replace(failed, encoders=encoders)).verdict == (
        DOES_NOT_HOLD
    )
    # still sharp: one part of five in its favour
    sharp = _with(failed, "vaegan", sharpness=[0.17, 0.175, 0.18])
    assert verdicts.vaegan_verdict(dataclasses.replace(sharp, encoders=encoders)).verdict == (
        PARTLY
    )
    # one class lost on one seed only: that part is not decided, the rest holds
    lost = _with(ev, "vaegan", classes_covered=[10.0, 9.0, 10.0])
    verdict = verdicts.vaegan_verdict(lost)
    assert verdict.verdict == PARTLY and UNDECIDED in verdict.tests[2]


def test_vaegan_is_not_measured_without_its_fid_and_skips_missing_parts():
    ev = _evidence()
    no_fid = _without(ev, "fid")
    assert verdicts.vaegan_verdict(no_fid).verdict == NOT_MEASURED
    rows = {name: m for name, m in ev.rows.items() if name != "vaegan"}
    assert verdicts.vaegan_verdict(dataclasses.replace(ev, rows=rows)).verdict == NOT_MEASURED
    # without reconstructions or sharpness the remaining parts still decide
    fewer = _without(dataclasses.replace(ev, encoders={}), "sharpness")
    verdict = verdicts.vaegan_verdict(fewer)
    assert verdict.verdict == HOLDS and len(verdict.tests) == 3


def test_the_vaegan_claim_is_judged_again_only_when_both_z16_rows_exist():
    ev = _evidence()
    assert len(verdicts.paper_verdicts(ev)) == 6
    only_vae = _with(ev, "vae_z16", fid=[30.0, 31.0, 29.0], coverage=[0.58, 0.6, 0.59])
    assert len(verdicts.paper_verdicts(only_vae)) == 6
    both = _with(only_vae, "vaegan_z16", fid=[90.0, 95.0, 92.0], coverage=[0.4, 0.41, 0.42])
    result = verdicts.paper_verdicts(both)
    assert len(result) == 7
    z16 = result[-1]
    assert "latent dimension 16" in z16.claim and "latent dimension 2" in result[5].claim
    # its own rows: the z16 VAE-GAN is worse than the z16 VAE on FID and coverage
    assert "29.0 vs 90.0, 95.0, 92.0" in z16.tests[0]
    assert CONTRADICTED in z16.tests[0] and CONTRADICTED in z16.tests[1]
    assert z16.verdict == DOES_NOT_HOLD
    assert result[5].verdict == HOLDS  # the latent-2 claim is unchanged


# --- all claims -------------------------------------------------------------------------------


def test_paper_verdicts_on_empty_evidence_are_all_not_measured():
    result = verdicts.paper_verdicts(Evidence())
    assert len(result) == 6
    assert all(v.verdict == NOT_MEASURED for v in result)


def test_verdict_counts_cover_every_verdict():
    counts = verdicts.verdict_counts(verdicts.paper_verdicts(_evidence()))
    assert set(counts) == set(verdicts.VERDICTS) and sum(counts.values()) == 6
    # all hold on this evidence except the stopping claim, which it contradicts
    assert counts[HOLDS] == 5 and counts[DOES_NOT_HOLD] == 1
    one = verdicts.verdict_counts(verdicts.paper_verdicts(_one_seed(_evidence())))
    assert one[NOT_DECIDED] == 6


def test_conclusions_markdown_numbers_each_claim_and_lists_each_test():
    claims = verdicts.paper_verdicts(_evidence())
    text = verdicts.conclusions_markdown(claims)
    for number, claim in enumerate(claims, start=1):
        assert f"**{number}. {claim.claim}** — *{claim.verdict}.*" in text
        for test in claim.tests:
            assert f"\n- {test}" in text
    assert text.count("Rule:") == 6
    assert text.count("\n- ") == sum(len(c.tests) for c in claims)
    # a claim without tests has no list
    empty = verdicts.conclusions_markdown(verdicts.paper_verdicts(Evidence()))
    assert "\n- " not in empty and empty.count("Rule:") == 6


def test_gather_evidence_maps_the_seed_fields_of_a_comparison_record(tmp_path):
    from helpers.comparison import ComparisonRecord, read_comparison, write_comparison

    ev = _evidence()
    comparison = ComparisonRecord(
        profile="smoke",
        dataset="mnist",
        samples_per_row=100,
        reference="test images",
        classifier={"test_accuracy": 0.99},
        rows={"vae": {"fid": 70.0}, "real": {"fid": 1.0}},  # seed 0's, not read by the verdicts
        seeds=list(SEEDS),
        seed_rows=ev.rows,
        seed_pixel=ev.pixel,
        seed_stopping=ev.stopping,
        seed_encoders=ev.encoders,
        seed_costs=ev.cost,
        seed_likelihood=ev.likelihood,
    )
    gathered = verdicts.gather_evidence(comparison, {"vae": object()})
    assert gathered.seeds == SEEDS
    assert gathered.rows == ev.rows and gathered.pixel == ev.pixel
    assert gathered.stopping == ev.stopping and gathered.cost == ev.cost
    assert gathered.encoders == ev.encoders and gathered.likelihood == ev.likelihood
    assert gathered.values("vae", "fid") == [70.0, 72.0, 75.0]  # the seeds', not seed 0's row
    assert gathered.values("vae", "fid", "pixel") == [900.0, 920.0, 910.0]
    assert gathered.values("vae", "precision") is None
    # the same verdicts from the record as from the evidence, also after a JSON round trip
    expected = [v.verdict for v in verdicts.paper_verdicts(ev)]
    assert [v.verdict for v in verdicts.paper_verdicts(gathered)] == expected
    read = read_comparison(write_comparison(comparison, tmp_path))
    assert [v.verdict for v in verdicts.paper_verdicts(verdicts.gather_evidence(read))] == expected
    # a record from before the seeds: nothing to decide on
    old = ComparisonRecord("smoke", "mnist", 100, "test images", {}, {"vae": {"fid": 70.0}})
    assert all(
        v.verdict == NOT_MEASURED for v in verdicts.paper_verdicts(verdicts.gather_evidence(old))
    )
