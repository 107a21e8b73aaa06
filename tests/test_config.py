import dataclasses

import pytest

from helpers.config import (
    MODELS,
    PROFILE_FIELDS,
    PROFILES,
    ConfigError,
    config_from_dict,
    make_config,
)


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
    assert gan.precision == "auto"  # resolved when the model is built (TrainConfig.resolved)
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


# CPU flags of three kinds of machine (/proc/cpuinfo's `flags`), and the policy "auto" means there
AVX2_ONLY = {"fpu", "sse2", "avx", "avx2", "fma"}
AVX512_BF16 = AVX2_ONLY | {"avx512f", "avx512bw", "avx512_bf16"}
AMX = AVX512_BF16 | {"amx_bf16", "amx_tile"}
MACHINES = {"avx2": AVX2_ONLY, "avx512_bf16": AVX512_BF16, "amx": AMX}


def _pretend_machine(monkeypatch, flags: set[str], gpus: list[tuple[int, int]] = ()) -> None:
    """helpers.precision reads these CPU flags and GPU compute capabilities, no ISA cap."""
    from helpers import precision

    monkeypatch.setattr(precision, "cpu_flags", lambda cpuinfo=None: set(flags))
    monkeypatch.setattr(precision, "gpu_compute_capabilities", lambda: list(gpus))
    monkeypatch.delenv(precision.ISA_CAP_ENV, raising=False)


def test_a_profile_is_the_same_on_every_machine(monkeypatch):
    from helpers import precision

    seen = {}
    for machine, flags in MACHINES.items():
        _pretend_machine(monkeypatch, flags)
        seen[machine] = {
            (model, profile): (config.to_dict(), config.fingerprint())
            for model in MODELS
            for profile in PROFILES
            for config in [make_config(model, profile)]
        }
        seen[machine]["auto means"] = precision.auto_precision()
    # the pretended machines do differ in what "auto" means ...
    assert [seen[m].pop("auto means") for m in MACHINES] == [
        "float32", "mixed_bfloat16", "mixed_bfloat16"
    ]  # fmt: skip
    # ... and not in any field of any profile, nor in the VAE-GAN's start VAE
    assert seen["avx2"] == seen["avx512_bf16"] == seen["amx"]
    assert seen["avx2"][("dcgan", "cpu")][0]["precision"] == "auto"
    assert seen["avx2"][("vae", "cpu")][0]["epochs"] == PROFILE_FIELDS["vae"]["cpu"]["epochs"]
    assert seen["avx2"][("dcgan", "cpu")][0]["epochs"] == PROFILE_FIELDS["dcgan"]["cpu"]["epochs"]


@pytest.mark.parametrize(
    ("flags", "gpus", "expected"),
    [
        (AVX2_ONLY, [], "float32"),
        (AVX512_BF16, [], "mixed_bfloat16"),
        (AMX, [], "mixed_bfloat16"),
        (AVX2_ONLY, [(7, 5)], "mixed_float16"),
        (AVX2_ONLY, [(8, 0)], "mixed_bfloat16"),
    ],
)
def test_resolved_gives_the_policy_of_the_machine_that_builds(monkeypatch, flags, gpus, expected):
    from helpers.precision import resolve_precision

    _pretend_machine(monkeypatch, flags, gpus)
    config = make_config("dcgan", "cpu")
    resolved = config.resolved()
    assert resolved.precision == resolve_precision("auto") == expected
    assert type(resolved) is type(config)
    assert dataclasses.replace(resolved, precision="auto") == config  # nothing else changes
    assert config.precision == "auto"  # the config itself is left as it was
    assert resolved.resolved() == resolved


def test_resolved_keeps_an_explicit_precision(monkeypatch):
    _pretend_machine(monkeypatch, AMX)
    config = make_config("dcgan", "cpu", precision="float32")
    assert config.resolved() is config
    assert make_config("vae", "cpu").resolved().precision == "float32"  # the VAE's default


def test_resolved_configs_of_different_policies_have_different_fingerprints(monkeypatch):
    fingerprints = {}
    for machine in ("avx2", "amx"):
        _pretend_machine(monkeypatch, MACHINES[machine])
        fingerprints[machine] = make_config("dcgan", "cpu").resolved().fingerprint()
    assert fingerprints["avx2"] != fingerprints["amx"]  # no checkpoint crosses policies


def test_seeds_come_from_the_argument_the_environment_or_the_profile():
    from helpers.config import PROFILE_SEEDS, SEEDS_ENV, resolve_seeds

    assert resolve_seeds("cpu", environ={}) == tuple(range(PROFILE_SEEDS["cpu"]))
    assert resolve_seeds("smoke", environ={}) == tuple(range(PROFILE_SEEDS["smoke"]))
    assert resolve_seeds("cpu", environ={SEEDS_ENV: "1"}) == (0,)
    assert resolve_seeds("cpu", 5, environ={SEEDS_ENV: "1"}) == (0, 1, 2, 3, 4)  # argument first
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="positive integer"):
            resolve_seeds("cpu", bad, environ={})
    with pytest.raises(ConfigError, match=SEEDS_ENV):
        resolve_seeds("cpu", environ={SEEDS_ENV: "three"})


def test_the_seed_and_the_validation_split_name_different_checkpoints():
    config = make_config("dcgan", "smoke")
    seeds = {dataclasses.replace(config, seed=s).fingerprint() for s in range(3)}
    assert len(seeds) == 3
    assert dataclasses.replace(config, validation_size=5000).fingerprint() != config.fingerprint()
    with pytest.raises(ConfigError, match="validation_size"):
        make_config("vae", "smoke", validation_size=0)


def test_latent_fields_apply_to_their_latent_size_unless_the_epochs_are_set():
    from helpers.config import LATENT_FIELDS

    fields = LATENT_FIELDS["vaegan"]["cpu"][16]
    second = make_config("vaegan", "cpu", latent_dim=16)
    first = make_config("vaegan", "cpu", latent_dim=2)
    assert second.epochs == fields["epochs"] != first.epochs
    assert second.snapshot_epochs == fields["snapshot_epochs"]
    assert make_config("vaegan", "cpu", latent_dim=16, epochs=3).epochs == 3  # caller's budget
    assert make_config("vaegan", "cpu").epochs == first.epochs  # the profile's latent size
