"""The VAE-GAN ablation's variants (benchmarks/ablate_vaegan.py): each is a valid config one
recipe choice away from the recipe, and keeps the recipe's GAN epochs."""

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from helpers.config import make_config

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "ablate_vaegan.py"


@pytest.fixture(scope="module")
def ablate():
    spec = importlib.util.spec_from_file_location("ablate_vaegan", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _changed(config, recipe) -> set[str]:
    return {
        field.name
        for field in dataclasses.fields(recipe)
        if getattr(config, field.name) != getattr(recipe, field.name)
    }


@pytest.mark.parametrize("profile", ["cpu", "paper"])
def test_a_recipe_from_the_vae_is_set_against_the_vaegan_with_its_own_networks(ablate, profile):
    recipe = make_config("vaegan", profile, latent_dim=16)
    assert recipe.start_from_vae  # the recipe these variants are made for
    variants = ablate.variants_of(recipe)
    assert "own-networks" in variants and "recipe" in variants
    assert not {"no-warmup", "short-warmup"} & set(variants)  # no warm-up to shorten
    for name, (_, overrides) in variants.items():
        config = make_config("vaegan", profile, latent_dim=16, **overrides)  # valid
        changed = _changed(config, recipe)
        assert changed == set(overrides) - {k for k, v in overrides.items()
                                            if getattr(recipe, k) == v}  # fmt: skip
        assert (name == "recipe") == (not changed)
        # every variant but half-gan-epochs trains the recipe's GAN epochs, after whatever
        # warm-up it has
        gan_epochs = recipe.epochs // 2 if name == "half-gan-epochs" else recipe.epochs
        assert config.epochs - config.warmup_epochs == gan_epochs
    own = make_config("vaegan", profile, latent_dim=16, **variants["own-networks"][1])
    assert not own.start_from_vae and own.warmup_epochs > 0


def test_a_recipe_with_its_own_networks_is_set_against_other_warmups(ablate):
    recipe = make_config(
        "vaegan", "cpu", latent_dim=16, start_from_vae=False, warmup_epochs=10, epochs=12,
        snapshot_epochs=(1, 12),
    )  # fmt: skip
    variants = ablate.variants_of(recipe)
    assert "own-networks" not in variants and "no-pixel" not in variants
    no_warmup = dataclasses.replace(recipe, **variants["no-warmup"][1])
    assert no_warmup.warmup_epochs == 0 and no_warmup.epochs == 2
    short = dataclasses.replace(recipe, **variants["short-warmup"][1])
    assert short.warmup_epochs == ablate.SHORT_WARMUP and short.epochs == ablate.SHORT_WARMUP + 2
