"""One interface for every trained model: the same operations with the same signatures, and
one export that returns the same record type (helpers.training.GenerativeModel)."""

from __future__ import annotations

import inspect

import pytest

from helpers import dcgan, vae, vaegan
from helpers.record import ResultsRecord
from helpers.training import GenerativeModel, TrainedModel, TrainingRun, train

MODULES = {"dcgan": dcgan, "vae": vae, "vaegan": vaegan}
CLASSES = {"dcgan": dcgan.DCGAN, "vae": vae.VAEModel, "vaegan": vaegan.VAEGAN}
# what the shared loop and the notebooks call on every model
METHODS = ("use_data", "train_epoch", "validate_epoch", "epoch_samples", "progress_metrics",
           "parameters", "sample", "generate", "export")  # fmt: skip


def _parameters(function) -> list[tuple[str, object]]:
    """(name, kind) of each parameter, `self` left out: what makes two signatures alike."""
    return [(p.name, p.kind) for p in inspect.signature(function).parameters.values()][
        1 if "self" in inspect.signature(function).parameters else 0 :
    ]


@pytest.mark.parametrize("method", METHODS)
def test_every_model_class_offers_each_method_with_the_protocols_signature(method):
    expected = _parameters(getattr(GenerativeModel, method))
    for name, cls in CLASSES.items():
        assert issubclass(cls, TrainedModel), name
        assert _parameters(getattr(cls, method)) == expected, f"{name}.{method}"


def test_every_export_is_the_one_shared_export_returning_a_results_record():
    for name, cls in CLASSES.items():
        assert cls.export is TrainedModel.export, f"{name} overrides the shared export"
    for function in (TrainedModel.export, GenerativeModel.export):
        assert inspect.signature(function).return_annotation in (ResultsRecord, "ResultsRecord")
    # the shared export builds the record once and writes it once
    source = inspect.getsource(TrainedModel.export)
    assert source.count("build_record(") == 1 and source.count("write_record(") == 1


def test_load_has_one_signature_and_build_differs_only_by_what_the_model_needs():
    loads = {name: _parameters(module.load) for name, module in MODULES.items()}
    assert len({tuple(v) for v in loads.values()}) == 1, loads
    builds = {name: [p for p, _ in _parameters(module.build)] for name, module in MODULES.items()}
    assert all(params[0] == "config" for params in builds.values()), builds
    assert builds["vaegan"] == ["config", "start_vae"]  # the trained VAE, passed in


def test_train_is_one_function_for_every_model_with_no_model_specific_arguments():
    names = [p for p, _ in _parameters(train)]
    assert names == ["model", "data", "resume", "progress", "on_epoch_end"]
    assert inspect.signature(train).return_annotation in (TrainingRun, "TrainingRun")
    for name, module in MODULES.items():
        assert not hasattr(module, "train"), f"helpers.{name} has a train of its own"
        assert not hasattr(module, "export_results"), f"helpers.{name}.export_results"


def test_a_start_from_vae_vaegan_needs_its_vae_as_an_argument_not_a_file():
    from helpers.config import make_config

    config = make_config("vaegan", "smoke", start_from_vae=True, warmup_epochs=0)
    with pytest.raises(ValueError, match="start_vae"):
        vaegan.VAEGAN(config)
