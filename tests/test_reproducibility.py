"""The report's reproducibility appendix: the paper's settings beside the run's, and the
hardware the run used."""

from helpers import reproducibility


def test_settings_rows_put_the_paper_beside_the_run_and_mark_what_it_leaves_open():
    run = {
        "dcgan": {"learning_rate": 0.001, "batch_size": 100, "epochs": 20, "beta_1": 0.5,
                  "generator_widths": [128, 64, 32], "train_size": None, "precision": "float32"},
        "vae": {"learning_rate": 0.001, "batch_size": 100, "epochs": 30, "latent_dim": 2},
    }  # fmt: skip
    paper = {"dcgan": {"epochs": 200, "beta_1": 0.5, "generator_widths": [256, 128, 64]}}
    rows = {
        (model, setting): rest
        for model, setting, *rest in reproducibility.settings_rows(run, paper)
    }
    assert rows[("DCGAN", "epochs")] == ["200", "200", "20"]
    assert rows[("DCGAN", "Adam β₁")][0] == "not stated"
    assert rows[("DCGAN", "generator widths")] == ["not stated", "(256, 128, 64)", "(128, 64, 32)"]
    assert rows[("VAE", "latent dimension")][0] == "2"
    assert not any(model == "VAE-GAN" for model, _ in rows)  # no record, no rows
    table = reproducibility.settings_markdown(run, paper)
    assert table.splitlines()[0].count("|") == 6


def test_settings_rows_leave_out_the_own_networks_of_a_vaegan_started_from_the_vae():
    own = {"epochs": 13, "encoder_widths": [32, 64], "generator_widths": [64, 32, 16],
           "decoder_batchnorm": True, "warmup_epochs": 10, "start_from_vae": False}  # fmt: skip
    from_vae = {**own, "epochs": 2, "warmup_epochs": 0, "start_from_vae": True}
    for record, shown in ((own, True), (from_vae, False)):
        settings = {s for _, s, *_ in reproducibility.settings_rows({"vaegan": record})}
        assert ("encoder widths" in settings) is shown
        assert ("generator widths" in settings) is shown
        assert ("warm-up epochs (VAE only, before the GAN)" in settings) is shown
        assert "encoder and decoder: notebook 03's trained VAE" in settings
        assert "epochs" in settings


def test_hardware_table_names_the_cpu_flags_where_the_record_has_them():
    with_flags = {"cpu_model": "AMD EPYC", "cpu_features": ["avx2"]}
    older = {"cpu_model": "AMD EPYC"}  # no cpu_features in the record: the name alone
    none = {"cpu_model": "Old CPU", "cpu_features": []}
    assert dict(reproducibility.hardware_rows(with_flags, {}))["CPU"] == "AMD EPYC (avx2)"
    assert dict(reproducibility.hardware_rows(older, {}))["CPU"] == "AMD EPYC"
    assert dict(reproducibility.hardware_rows(none, {}))["CPU"] == "Old CPU (no AVX2)"


def test_hardware_table_gives_each_models_training_time_under_its_report_label():
    rows = dict(reproducibility.hardware_rows({}, {"dcgan": 600.0, "vaegan_z16": 90.0}))
    assert rows["DCGAN training time"] == "10.0 min"
    assert rows["VAE-GAN (z=16) training time"] == "1.5 min"
    assert rows["device"] == "unknown" and rows["CPU"] == "unknown"
