"""The ablation's record (helpers.ablation): where it is read from, whether it describes the
recipe, its table and its sentences."""

from __future__ import annotations

import dataclasses

from helpers import ablation
from helpers.runs import atomic_write_json, results_dir


def _ablation_record(config, **recipe):
    base = {"change": "the profile's recipe", "fid": 24.0, "classes": 9, "coverage": 0.5}
    base.update(sharpness_vs_real=1.1, faint_share=0.052, label_kept=0.966, train_seconds=270.0)
    base.update(recipe)
    variant = dict(base, change="no warm-up", fid=80.5, classes=6, coverage=0.2, label_kept=0.5)
    vae_row = dict(base, change="the VAE (reference)", fid=27.5, train_seconds=float("nan"))
    return {
        "config": config.to_dict(),
        "variants": {"recipe": base, "no-warmup": variant, "vae": vae_row},
    }


def test_ablation_is_read_from_the_results_folder_under_its_latent_name(project_root):
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    assert ablation.ablation_name(2) == "vaegan_ablation"
    assert ablation.ablation_name(16) == "vaegan_z16_ablation"
    assert ablation.read_ablation("smoke", 16) is None
    atomic_write_json(results_dir("smoke") / "vaegan_z16_ablation.json", _ablation_record(config))
    assert ablation.read_ablation("smoke", 16)["variants"]["recipe"]["fid"] == 24.0
    assert ablation.read_ablation("smoke", 2) is None


def test_ablation_falls_back_to_the_published_record_and_prefers_the_runs_own(project_root):
    """A fresh clone has only results/<profile>/ (runs/ is not committed): the notebook must
    find the published table there, and a new `make ablation` record must win over it."""
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    published, own = _ablation_record(config), _ablation_record(config)
    published["variants"]["recipe"]["fid"] = 31.0
    atomic_write_json(project_root / "results" / "cpu" / "vaegan_z16_ablation.json", published)
    assert ablation.read_ablation("cpu", 16)["variants"]["recipe"]["fid"] == 31.0
    assert ablation.read_ablation("cpu", 2) is None
    atomic_write_json(results_dir("cpu") / "vaegan_z16_ablation.json", own)
    assert ablation.read_ablation("cpu", 16)["variants"]["recipe"]["fid"] == 24.0


def test_ablation_names_the_fields_where_the_recipe_has_changed_since():
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16)
    # diagnose_images is the ablation's own field, not part of the recipe
    record = _ablation_record(dataclasses.replace(config, diagnose_images=0))
    assert ablation.ablation_stale_fields(record, config) == []
    record = _ablation_record(dataclasses.replace(config, gamma=0.5, epochs=3))
    assert ablation.ablation_stale_fields(record, config) == ["epochs", "gamma"]


def test_ablation_made_before_a_field_existed_is_stale_only_if_the_field_left_its_default():
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", latent_dim=16, diagnose_images=0)
    record = _ablation_record(config)
    del record["config"]["start_from_vae"]  # as written before the field was added
    assert ablation.ablation_stale_fields(record, config) == []
    started = dataclasses.replace(config, start_from_vae=True, warmup_epochs=0)
    assert "start_from_vae" in ablation.ablation_stale_fields(record, started)


def test_ablation_table_and_effects_are_read_against_the_recipe_row():
    from helpers.config import make_config

    record = _ablation_record(make_config("vaegan", "smoke"))
    table = ablation.ablation_table(record).splitlines()
    assert table[2].startswith("| **the recipe** | 24.0 | 9 | 0.500 | 1.10 | 5.2% | 96.6% | 270 |")
    assert table[3].startswith("| no-warmup: no warm-up | 80.5 | 6 | 0.200 |")
    assert table[4].endswith("| 96.6% | – |")  # the VAE was not trained by the ablation
    effects = ablation.ablation_effects(record)
    assert effects[0] == (
        "no warm-up: FID 80.5 (+56.5), 6 classes (-3), coverage 0.200 (-0.300), "
        "label kept 50.0% (-46.6 points)."
    )
    assert effects[1].startswith("the VAE (reference): FID 27.5 (+3.5), 9 classes (+0)")
