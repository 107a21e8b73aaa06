"""The report's verdicts follow the numbers: each rule flips when its measurement does."""

import dataclasses
from types import SimpleNamespace

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
    comparison = {
        "rows": {"vae": {"fid": 70.0}, "real": {"fid": 1.0}},
        "fid_per_epoch": {"dcgan": {"epochs": [1, 2, 3], "within_noise_epoch": 2}},
        "training_cost": {"vae": {"seconds_per_epoch": 5.0}},
        "latent_knn_accuracy": {"vae": 0.81, "vaegan": None},
        "reconstruction_label_accuracy": {"vae": 0.6},
    }
    records = {"vae": {"test_elbo": {"nats_per_image": -134.5}, "iwae": {"log_px": -132.4}}}
    ev = verdicts.gather_evidence(comparison, records)
    assert ev.metric("vae", "fid") == 70.0
    assert ev.stopping["dcgan"]["within_noise_epoch"] == 2
    assert ev.latent_knn == {"vae": 0.81}
    assert ev.reconstruction_accuracy == {"vae": 0.6}
    assert (ev.vae_test_elbo, ev.vae_iwae) == (-134.5, -132.4)


def test_conclusions_markdown_numbers_each_claim_with_its_verdict():
    text = verdicts.conclusions_markdown(verdicts.paper_verdicts(_evidence()))
    for number in range(1, 7):
        assert f"**{number}." in text
    assert text.count("Rule:") == 6


def test_unknown_verdict_and_unknown_citation_are_refused():
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.Verdict("c", "maybe", "e", "s", "r")
    with pytest.raises(KeyError, match="unknown reference"):
        verdicts.cite("nobody2020")


def test_bibliography_lists_every_reference_the_issue_names():
    text = verdicts.bibliography_markdown()
    for name in (
        "Goodfellow", "Radford", "Kingma", "Larsen", "Heusel", "Bińkowski", "Salimans",
        "Kynkäänniemi", "Naeem", "Burda", "Jalam",
    ):  # fmt: skip
        assert name in text
    assert verdicts.cite("heusel2017", "binkowski2018") == (
        "[Heusel et al. 2017; Bińkowski et al. 2018]"
    )


def test_settings_rows_put_the_paper_beside_the_run_and_mark_what_it_leaves_open():
    run = {
        "dcgan": {"learning_rate": 0.001, "batch_size": 100, "epochs": 20, "beta_1": 0.5,
                  "generator_widths": [128, 64, 32], "train_size": None, "precision": "float32"},
        "vae": {"learning_rate": 0.001, "batch_size": 100, "epochs": 30, "latent_dim": 2},
    }  # fmt: skip
    paper = {"dcgan": {"epochs": 200, "beta_1": 0.5, "generator_widths": [256, 128, 64]}}
    rows = {(model, setting): rest for model, setting, *rest in verdicts.settings_rows(run, paper)}
    assert rows[("DCGAN", "epochs")] == ["200", "200", "20"]
    assert rows[("DCGAN", "Adam β₁")][0] == "not stated"
    assert rows[("DCGAN", "generator widths")] == ["not stated", "(256, 128, 64)", "(128, 64, 32)"]
    assert rows[("VAE", "latent dimension")][0] == "2"
    assert not any(model == "VAE-GAN" for model, _ in rows)  # no record, no rows
    table = verdicts.settings_markdown(run, paper)
    assert table.splitlines()[0].count("|") == 6


def test_settings_rows_leave_out_the_own_networks_of_a_vaegan_started_from_the_vae():
    own = {"epochs": 13, "encoder_widths": [32, 64], "generator_widths": [64, 32, 16],
           "decoder_batchnorm": True, "warmup_epochs": 10, "start_from_vae": False}  # fmt: skip
    from_vae = {**own, "epochs": 2, "warmup_epochs": 0, "start_from_vae": True}
    for record, shown in ((own, True), (from_vae, False)):
        settings = {s for _, s, *_ in verdicts.settings_rows({"vaegan": record})}
        assert ("encoder widths" in settings) is shown
        assert ("generator widths" in settings) is shown
        assert ("warm-up epochs (VAE only, before the GAN)" in settings) is shown
        assert "encoder and decoder: notebook 03's trained VAE" in settings
        assert "epochs" in settings


def test_the_vaegan_claim_is_judged_again_at_the_second_latent_size():
    ev = _evidence()
    assert len(verdicts.paper_verdicts(ev)) == 6
    rows = {**ev.rows, "vae_z16": _row(fid=30.0, coverage=0.58), "vaegan_z16": _row(fid=90.0)}
    result = verdicts.paper_verdicts(dataclasses.replace(ev, rows=rows))
    assert len(result) == 7 and "latent dimension 16" in result[-1].claim
    assert "FID VAE-GAN 90.0 vs VAE 30.0" in result[-1].evidence
    assert result[-1].verdict != verdicts.HOLDS  # its FID is worse than the VAE's


# --- notebook 04's closing section ----------------------------------------------------------


def _vaegan_record():
    return {
        "epoch_seconds": [30.0, 30.0, 30.0],
        "images_per_epoch": 60_000,
        "wall_time_seconds": 90.0,
        "images_per_second": 2000.4,
        "parameters": {"encoder": 1, "total": 1_234_567},
        "final": {"prior": 3.14159, "llike": 250.26, "d_real": 0.61, "d_reconstruction": 0.444,
                  "d_fake": 0.3},
        "feature_layer": {"llike_constant_nats": 5791.4},
    }  # fmt: skip


def _measures(knn_vaegan=0.8, grey_vaegan=0.12, vae=True):
    measures = {
        "knn": {"VAE-GAN": knn_vaegan},
        "grey": {"test images": 0.09, "VAE-GAN": grey_vaegan},
        "pixel_mse": {"VAE-GAN": 0.05},
    }
    if vae:
        measures["knn"]["VAE"] = 0.9
        measures["grey"]["VAE"] = 0.3
        measures["pixel_mse"]["VAE"] = 0.0612345
    return measures


CPU_RUN = SimpleNamespace(latent_dim=16, gamma=0.5, profile="cpu")


def test_vaegan_run_markdown_quotes_the_run_and_every_measure_in_order():
    lines = verdicts.vaegan_run_markdown(_vaegan_record(), CPU_RUN, _measures()).splitlines()
    assert lines[0] == (
        "- **Run**: 3 epochs of 60,000 images in 1.5 min (2000 images/s, 1,234,567 parameters, "
        "latent dimension 16, $\\gamma = 0.5$)."
    )
    assert lines[1] == (
        "- **Last epoch**: $\\mathcal L_\\text{prior} = 3.14$ nats, "
        "$\\mathcal L_\\text{llike} = 250.3$ (+ constant 5791), $D(x) = 0.61$, "
        "$D(\\tilde x) = 0.44$, $D(x_p) = 0.30$."
    )
    assert lines[2].endswith("posterior means): VAE-GAN 80.0%, VAE 90.0%.")
    assert lines[3].endswith("intensity): test images 9.0%, VAE-GAN 12.0%, VAE 30.0%.")
    assert lines[4].endswith("whole test set): VAE-GAN 0.0500, VAE 0.0612.")
    assert len(lines) == 6  # the side-by-side sentence; no smoke warning under cpu


@pytest.mark.parametrize(
    "knn_vaegan, grey_vaegan, kept, grey_word",
    [(0.86, 0.12, "kept", "fewer"), (0.84, 0.12, "did not keep", "fewer"),
     (0.95, 0.3, "kept", "more"), (0.5, 0.31, "did not keep", "more")],
)  # fmt: skip
def test_vaegan_keeps_the_latent_organisation_within_five_points_of_the_vae(
    knn_vaegan, grey_vaegan, kept, grey_word
):
    measures = _measures(knn_vaegan=knn_vaegan, grey_vaegan=grey_vaegan)
    text = verdicts.vaegan_run_markdown(_vaegan_record(), CPU_RUN, measures)
    verdict = text.splitlines()[-1]
    assert verdict.startswith(f"- In this run the VAE-GAN **{kept}** the VAE's latent")
    assert f"within 5 points counts as kept) and its samples have **{grey_word}** grey" in verdict
    assert f"({grey_vaegan:.1%} vs 30.0%; real digits 9.0%)" in verdict


def test_vaegan_run_markdown_says_why_the_vae_is_missing_and_flags_the_smoke_profile():
    note = "the VAE's results are missing: run 03_vae.ipynb with profile = 'smoke' first"
    smoke = SimpleNamespace(latent_dim=2, gamma=1.0, profile="smoke")
    lines = verdicts.vaegan_run_markdown(_vaegan_record(), smoke, _measures(vae=False), note)
    lines = lines.splitlines()
    assert lines[2].endswith("posterior means): VAE-GAN 80.0%.")
    assert lines[4].endswith("whole test set): VAE-GAN 0.0500.")
    assert lines[5] == f"- The side-by-side with the VAE is missing: {note}."
    assert lines[6].startswith("- *Smoke profile*") and len(lines) == 7
    assert not any("In this run" in line for line in lines)
    # the VAE's latent without its samples is not a side-by-side either
    partial = _measures()
    del partial["grey"]["VAE"]
    text = verdicts.vaegan_run_markdown(_vaegan_record(), CPU_RUN, partial, note)
    assert "In this run" not in text and text.endswith(f"missing: {note}.")


def test_hardware_table_names_the_cpu_flags_where_the_record_has_them():
    with_flags = {"cpu_model": "AMD EPYC", "cpu_features": ["avx2"]}
    older = {"cpu_model": "AMD EPYC"}  # a record written before cpu_features existed
    none = {"cpu_model": "Old CPU", "cpu_features": []}
    assert dict(verdicts.hardware_rows(with_flags, {}))["CPU"] == "AMD EPYC (avx2)"
    assert dict(verdicts.hardware_rows(older, {}))["CPU"] == "AMD EPYC"
    assert dict(verdicts.hardware_rows(none, {}))["CPU"] == "Old CPU (no AVX2)"
