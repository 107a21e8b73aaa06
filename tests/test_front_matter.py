"""The report's front matter: the abstract and the differences from the paper, written from the
run's records; and the guard that the published report quotes the published results."""

from __future__ import annotations

import html
import re

import pytest

from helpers import front_matter, verdicts
from helpers.comparison import ComparisonRecord, read_comparison
from helpers.config import PROFILE_FIELDS, make_config
from helpers.reproducibility import PAPER_STATED
from helpers.runs import project_root, read_json

# config fields that say what is measured or kept, not how a model is trained
NOT_SETUP = {
    "snapshot_epochs",
    "export_samples",
    "epoch_samples",
    "iwae_k",
    "iwae_test_size",
    "validation_size",  # one of front_matter.ADDED
}


@pytest.mark.parametrize("profile", ["cpu", "paper"])
@pytest.mark.parametrize("model", ["dcgan", "vae"])
def test_every_setting_a_profile_moves_from_the_paper_is_listed_with_a_reason(model, profile):
    covered = {(d.model, d.field) for d in front_matter.DIFFERENCES}
    config = make_config(model, profile).to_dict()
    unlisted = []
    for name in PROFILE_FIELDS[model][profile]:
        if name in NOT_SETUP or (model, name) in covered:
            continue
        stated = PAPER_STATED[model].get(name)
        if stated is None or config[name] != stated:
            unlisted.append(name)
    assert unlisted == []
    assert all(d.reason and d.label for d in front_matter.DIFFERENCES)


def test_differences_list_a_setting_only_where_the_run_departs_from_the_paper():
    run = {"dcgan": {"epochs": 200, "beta_1": 0.5, "generator_widths": [256, 128, 64]}}
    found = front_matter.differences(run)
    assert [(d.field, value) for d, value in found] == [("beta_1", "0.5")]
    text = front_matter.differences_markdown(run, {}, [0, 1])
    assert "Adam β₁ of the DCGAN**: 0.5" in text and "epochs" not in text.split("\n")[0]
    assert "seeds 0, 1" in text
    assert "The VAE-GAN**" not in text  # no VAE-GAN trained, none described


def test_the_paper_profile_sentence_names_what_it_keeps_and_where_it_departs():
    paper = {m: make_config(m, "paper").to_dict() for m in ("dcgan", "vae")}
    sentence = front_matter.paper_profile_sentence(paper)
    assert "DCGAN epochs 200" in sentence and "VAE latent dimension 2" in sentence
    assert "Adam β₁ of the DCGAN: 0.5" in sentence  # silent in the paper, chosen by the profile
    paper["dcgan"]["epochs"] = 100
    moved = front_matter.paper_profile_sentence(paper)
    assert "every setting the paper states" not in moved
    assert "departs from the paper's DCGAN epochs 100 (the paper: 200)" in moved


def _record(dcgan_fids, vae_fids) -> ComparisonRecord:
    return ComparisonRecord(
        profile="cpu",
        dataset="mnist",
        samples_per_row=5000,
        reference="test digits",
        classifier={},
        rows={},
        seeds=[0, 1, 2],
        seed_rows={"dcgan": {"fid": dcgan_fids}, "vae": {"fid": vae_fids}},
    )


def test_abstract_quotes_the_records_numbers_and_every_verdict():
    claims = [
        verdicts.Verdict("Claim one.", verdicts.HOLDS, "3 seeds", "", "", [], "x 1.0 vs 2.0"),
        verdicts.Verdict("Claim two.", verdicts.NOT_DECIDED, "3 seeds", "", ""),
    ]
    configs = {"dcgan": {"epochs": 36, "train_size": 30000}, "vae": {"epochs": 20}}
    text = front_matter.abstract_markdown(_record([6.0, 6.5, 7.0], [80, 85, 90]), claims, configs)
    assert "DCGAN 6.5 ± 0.5" in text and "VAE 85.0 ± 5.0" in text
    assert "3 seeds" in text and "36 epochs of 30,000 images" in text
    assert "- **Claim one.** *Holds*: x 1.0 vs 2.0." in text
    assert "- **Claim two.** *Not decided at these settings*." in text
    moved = front_matter.abstract_markdown(_record([6.0, 6.5, 8.0], [80, 85, 90]), claims, configs)
    assert "DCGAN 6.5 ± 0.5" not in moved


# --- the published report quotes the published results ----------------------------------------


def plain_text(markup: str) -> str:
    """Markdown or HTML as a reader sees its words: tags, emphasis and code marks dropped,
    entities decoded, white space collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    markup = re.sub(r"<[^>]+>", " ", markup)
    markup = html.unescape(markup).replace("**", "").replace("`", "")
    markup = re.sub(r"(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])", "", markup)  # *emphasis*
    markup = re.sub(r"\s+", " ", markup)
    return re.sub(r" ([.,;:)])", r"\1", markup).replace("( ", "(").strip()


def published_statements(folder) -> list[str]:
    """Every paragraph and bullet that the published run's abstract, differences and
    conclusions state, rebuilt from the published results with the report's own functions."""
    record = read_comparison(folder / "comparison.json")
    configs = {
        name: read_json(folder / f"{name}.json")["config"]
        for name in ("dcgan", "vae", "vaegan", "vaegan_z16")  # as notebook 05 reads them
        if (folder / f"{name}.json").is_file()
    }
    paper = {name: make_config(name, "paper").to_dict() for name in ("dcgan", "vae", "vaegan")}
    claims = verdicts.paper_verdicts(verdicts.gather_evidence(record))
    markdown = "\n\n".join(
        [
            front_matter.abstract_markdown(record, claims, configs),
            front_matter.differences_markdown(configs, paper, record.seeds),
            verdicts.conclusions_markdown(claims),
        ]
    )
    parts = re.split(r"\n\s*\n|\n(?=- )|\n(?=<small>)", markdown)
    return [plain_text(part.lstrip("- ")) for part in parts if part.strip()]


def missing_statements(folder, html_path) -> list[str]:
    text = plain_text(html_path.read_text(encoding="utf-8"))
    return [statement for statement in published_statements(folder) if statement not in text]


PUBLISHED = project_root() / "results" / "cpu"
REPORT_HTML = project_root() / "report" / "vae-vs-gan.html"


def test_published_report_states_what_the_published_results_say():
    """Every sentence of the abstract, the differences and the conclusions, rebuilt from
    results/cpu/*.json, is in the published HTML: change a published result (or a verdict's
    rule) without republishing and this fails."""
    if not REPORT_HTML.is_file():
        pytest.fail(f"{REPORT_HTML} missing: run `make report`")
    statements = published_statements(PUBLISHED)
    assert len(statements) > 20
    assert missing_statements(PUBLISHED, REPORT_HTML) == []


def test_the_guard_fails_when_a_published_result_changes(tmp_path):
    """The same check on a copy of the published results with one FID moved."""
    import shutil

    copy = tmp_path / "cpu"
    shutil.copytree(PUBLISHED, copy)
    comparison = read_json(copy / "comparison.json")
    comparison["seed_rows"]["dcgan"]["fid"][0] += 1.0
    (copy / "comparison.json").write_text(__import__("json").dumps(comparison))
    missing = missing_statements(copy, REPORT_HTML)
    assert any("DCGAN" in statement for statement in missing)


def test_readme_time_table_states_the_published_from_scratch_run():
    """The README's measured Time row is `readme_time_row` of the published timings: paste its
    output there when a run retrains the models."""
    from helpers.report import readme_time_row

    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    assert readme_time_row("cpu") in readme.splitlines()
