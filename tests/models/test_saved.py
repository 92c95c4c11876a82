"""The model saved as data: files that parse, checksums that match, nothing unpickled."""

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from models.artifact import MANIFEST, ModelFileError
from models.saved import KINDS, load_scorer, save_scorer
from models.scorer import LeadScorer
from tests.helpers import tiny_training
from training.demo_data import generate_leads


@pytest.fixture(scope="module")
def scorer() -> LeadScorer:
    return tiny_training().scorer


@pytest.fixture
def folder(scorer, tmp_path) -> Path:
    return save_scorer(scorer, tmp_path / "model")


def test_the_folder_holds_only_text_data_listed_in_the_manifest(folder):
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["kind"] == "lightgbm"
    assert set(manifest["files"]) == {p.name for p in folder.iterdir()} - {MANIFEST}
    assert {"booster.txt", "spec.json", "transform.json", "calibration.json"} <= set(
        manifest["files"]
    )
    for name in manifest["files"]:
        (folder / name).read_text(encoding="utf-8")  # text, never a binary blob
    assert (folder / "booster.txt").read_text().startswith("tree\n")


def test_a_loaded_model_scores_and_explains_exactly_as_the_saved_one(scorer, folder):
    loaded = load_scorer(folder)
    leads = generate_leads(200, seed=21).to_dict(orient="records")
    assert loaded.score_records(leads) == scorer.score_records(leads)
    assert loaded.explain_records(leads[:20]) == scorer.explain_records(leads[:20])
    assert loaded.card == scorer.card
    assert loaded.report == scorer.report
    np.testing.assert_array_equal(
        loaded.transformer.transform_records(leads), scorer.transformer.transform_records(leads)
    )


@pytest.mark.parametrize(
    "name", ["booster.txt", "spec.json", "calibration.json", "loss_reasons.txt", "card.json"]
)
def test_an_altered_file_is_refused_by_name(folder, name):
    path = folder / name
    path.write_text(path.read_text() + " ")
    with pytest.raises(ModelFileError, match=rf"{re.escape(name)}: checksum does not match"):
        load_scorer(folder)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("grades.json", "{not json"),
        ("grades.json", '{"thresholds": {"A": 0.1, "B": 0.5, "C": 0.2}, "method": "threshold"}'),
        ("spec.json", '{"lead": {}}'),
        ("transform.json", '{"min_frequency": 1}'),
        ("booster.txt", "tree\nnonsense"),
    ],
)
def test_a_file_that_does_not_parse_is_refused_by_name(folder, name, content):
    """Even with a matching checksum (someone rewrote the manifest too)."""
    _rewrite(folder, name, content)
    with pytest.raises(ModelFileError, match=rf"{re.escape(name)}: does not parse"):
        load_scorer(folder)


def test_a_missing_file_or_manifest_is_refused_by_name(folder):
    (folder / "routing.json").unlink()
    with pytest.raises(ModelFileError, match=r"routing\.json: cannot be read"):
        load_scorer(folder)
    (folder / MANIFEST).unlink()
    with pytest.raises(ModelFileError, match=r"manifest\.json: cannot be read"):
        load_scorer(folder)


def test_an_unknown_kind_or_format_version_is_refused(folder):
    manifest = json.loads((folder / MANIFEST).read_text())
    (folder / MANIFEST).write_text(json.dumps({**manifest, "kind": "neural"}))
    with pytest.raises(ModelFileError, match=f"kind 'neural' is not one .*{', '.join(KINDS)}"):
        load_scorer(folder)
    (folder / MANIFEST).write_text(json.dumps({**manifest, "format_version": 99}))
    with pytest.raises(ModelFileError, match="format version 99"):
        load_scorer(folder)


def test_a_pickle_in_the_folder_is_never_opened(folder, tmp_path):
    """A manifest may only name text files: a pickle listed there is refused unread."""
    marker = tmp_path / "pwned"
    (folder / "evil.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"]["evil.pkl"] = "0" * 64
    (folder / MANIFEST).write_text(json.dumps(manifest))
    loaded = load_scorer(folder)  # the unknown file is listed but nothing reads it
    assert loaded.card.name == "leadgrade"
    assert not marker.exists()


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "ran"))


def _rewrite(folder: Path, name: str, content: str) -> None:
    import hashlib

    (folder / name).write_text(content)
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["files"][name] = hashlib.sha256(content.encode()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest))
