import dataclasses

import pytest

from helpers.config import MODELS, PROFILES, ConfigError, config_from_dict, make_config


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_is_valid(model, profile):
    config = make_config(model, profile)
    assert config.profile == profile
    assert config_from_dict(model, config.to_dict()) == config  # round-trips through JSON


def test_paper_profile_is_the_papers_settings():
    gan, vae = make_config("dcgan", "paper"), make_config("vae", "paper")
    assert (gan.epochs, gan.batch_size, gan.learning_rate) == (200, 100, 1e-3)
    assert gan.train_size is None
    from helpers.precision import auto_precision

    assert gan.precision == auto_precision()  # "auto": what this machine computes natively
    assert gan.snapshot_epochs == (1, 55, 100, 200)
    assert (vae.epochs, vae.batch_size, vae.learning_rate, vae.latent_dim) == (50, 100, 1e-3, 2)
    assert vae.train_size is None


def test_overrides_apply_and_none_keeps_the_default():
    config = make_config(
        "vae", "cpu", dataset="fashion_mnist", epochs=3, seed=None, snapshot_epochs=[1, 3]
    )
    assert (config.dataset, config.epochs, config.seed) == ("fashion_mnist", 3, 0)
    assert config.snapshot_epochs == (1, 3)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(profile="fast"), "unknown profile 'fast'; valid values: smoke, cpu, paper"),
        (dict(model="gan"), "unknown model 'gan'; valid values: dcgan, vae"),
        (dict(dataset="cifar"), "unknown dataset 'cifar'; valid values: mnist, fashion_mnist"),
        (dict(epochs=0), "epochs must be a positive integer, got 0"),
        (dict(epochs=2.5), "epochs must be a positive integer"),
        (dict(batch_size=-4), "batch_size must be a positive integer, got -4"),
        (dict(learning_rate=0), "learning_rate must be a positive number"),
        (dict(precision="fp8"), "valid values: float32, mixed_bfloat16"),
        (dict(epochs=5, snapshot_epochs=(1, 9)), r"snapshot_epochs \[9\] lie outside 1..epochs=5"),
        (dict(train_size=10, batch_size=100), "smaller than batch_size"),
        (dict(widths=(1, 2)), "unknown dcgan config field"),
        (dict(generator_widths=(64, 0)), "non-empty tuple of positive integers"),
        (dict(beta_1=1.0), r"beta_1 must lie in \[0, 1\)"),
        (dict(generator_average=1.0), r"generator_average must lie in \[0, 1\)"),
        (dict(generator_average=-0.5), r"generator_average must lie in \[0, 1\)"),
    ],
)
def test_bad_values_give_clear_errors(kwargs, pattern):
    model = kwargs.pop("model", "dcgan")
    profile = kwargs.pop("profile", "smoke")
    with pytest.raises(ConfigError, match=pattern):
        make_config(model, profile, **kwargs)


def test_fingerprint_tracks_what_training_computes():
    base = make_config("dcgan", "smoke")
    assert base.fingerprint() == make_config("dcgan", "smoke").fingerprint()
    # more epochs or other exports continue the same run ...
    assert base.fingerprint() == dataclasses.replace(base, epochs=5).fingerprint()
    assert base.fingerprint() == make_config("dcgan", "smoke", export_samples=7).fingerprint()
    # ... anything else is another run
    assert base.fingerprint() != make_config("dcgan", "smoke", seed=1).fingerprint()
    assert base.fingerprint() != make_config("dcgan", "smoke", learning_rate=2e-4).fingerprint()


def test_resolve_profile_prefers_the_parameter_then_the_environment_then_the_device():
    from helpers.config import PROFILE_ENV, resolve_profile

    never = lambda: pytest.fail("the device must not be probed when a profile is chosen")  # noqa: E731
    assert resolve_profile("paper", {PROFILE_ENV: "smoke"}, never)[0] == "paper"
    assert resolve_profile(None, {PROFILE_ENV: "smoke"}, never)[0] == "smoke"
    assert resolve_profile(None, {}, lambda: True)[0] == "paper"
    assert resolve_profile(None, {PROFILE_ENV: ""}, lambda: False)[0] == "cpu"


def test_resolve_profile_names_a_bad_environment_value():
    from helpers.config import PROFILE_ENV, ConfigError, resolve_profile

    with pytest.raises(ConfigError, match=f"{PROFILE_ENV}='fast'.*smoke, cpu, paper"):
        resolve_profile(None, {PROFILE_ENV: "fast"}, lambda: False)
    with pytest.raises(ConfigError, match="unknown profile 'gpu'"):
        resolve_profile("gpu", {}, lambda: False)


def test_auto_precision_is_resolved_when_the_config_is_made(monkeypatch):
    from helpers import precision

    monkeypatch.setattr(precision, "auto_precision", lambda: "mixed_float16")
    config = make_config("dcgan", "cpu")
    assert config.precision == "mixed_float16"
    assert config.to_dict()["precision"] == "mixed_float16"  # results never say "auto"
    assert make_config("dcgan", "cpu", precision="float32").precision == "float32"


def test_cpu_profile_on_a_float32_machine_takes_the_float32_budget(monkeypatch):
    from helpers import config as config_module
    from helpers.vae import make_vae_config

    monkeypatch.setattr(config_module, "float32_cpu_machine", lambda: False)
    full = {model: make_config(model, "cpu") for model in ("dcgan", "vae", "vaegan")}
    monkeypatch.setattr(config_module, "float32_cpu_machine", lambda: True)
    for model, fields in config_module.CPU_FLOAT32_FIELDS.items():
        reduced = make_config(model, "cpu")
        assert {name: getattr(reduced, name) for name in fields} == fields
        assert reduced.epochs < full[model].epochs  # a smaller budget, not another model
        unchanged = {"epochs", "snapshot_epochs"}
        assert dataclasses.replace(reduced, **{n: getattr(full[model], n) for n in unchanged}) == (
            dataclasses.replace(full[model], precision=reduced.precision)
        )
        overridden = make_config(model, "cpu", epochs=3, snapshot_epochs=(1,))
        assert overridden.epochs == 3  # overrides win
        for profile in ("smoke", "paper"):  # only cpu has a float32 budget
            expected = config_module.PROFILE_FIELDS[model][profile]["epochs"]
            assert make_config(model, profile).epochs == expected
    assert make_config("vaegan", "cpu") == full["vaegan"]  # GAN epochs unchanged
    # the VAE-GAN starts from the VAE this machine trains
    start = make_config("vaegan", "cpu").start_vae_config()
    assert start.epochs == config_module.CPU_FLOAT32_FIELDS["vae"]["epochs"]
    shortened = make_vae_config("cpu", epochs=2)
    assert shortened.snapshot_epochs == tuple(
        sorted({e for e in config_module.CPU_FLOAT32_FIELDS["vae"]["snapshot_epochs"] if e <= 2}
               | {2})
    )  # fmt: skip


def test_float32_cpu_machine_follows_the_cpus_bfloat16(monkeypatch):
    from helpers import config as config_module
    from helpers import precision

    monkeypatch.setattr(config_module, "_gpu_available", lambda: False)
    monkeypatch.setattr(precision, "cpu_bfloat16_is_native", lambda: False)
    assert config_module.float32_cpu_machine()
    monkeypatch.setattr(precision, "cpu_bfloat16_is_native", lambda: True)
    assert not config_module.float32_cpu_machine()
    monkeypatch.setattr(precision, "cpu_bfloat16_is_native", lambda: False)
    monkeypatch.setattr(config_module, "_gpu_available", lambda: True)
    assert not config_module.float32_cpu_machine()  # a GPU: float32 is not slow there
