"""``LeadScorer`` saved as data: one model folder (see :mod:`models.artifact`).

| file | holds |
|---|---|
| ``manifest.json`` | format, model ``kind`` and the SHA-256 of every other file |
| ``spec.json`` | the lead spec the model was trained with |
| ``transform.json`` | what the feature transform learned (columns, category codes) |
| ``calibration.json`` | the calibrator's parameters |
| ``grades.json``, ``routing.json`` | grade cut-offs; follow-up hours and nurture tracks |
| ``card.json``, ``report.json`` | model card; model report (evidence for reasons) |
| ``booster.txt`` | kind ``lightgbm``: LightGBM's own model text |
| ``linear.json`` | kind ``linear``: the logistic model's terms (:mod:`models.linear`) |
| ``loss_reasons.json`` + ``.txt`` | the loss-reason classes and their LightGBM model text |

The ``kind`` names how the scoring estimator is stored: :data:`KINDS` maps each kind to
its writer and reader; each kind adds one entry and leaves every other file as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb

from features.spec import LeadSpec
from features.transform import LeadTransformer
from models.artifact import ModelFileError, ModelReader, ModelWriter
from models.calibration import ScoreCalibrator
from models.card import ModelCard
from models.linear import LinearModel
from models.loss_reasons import LossReasonModel
from models.policy import GradePolicy, RoutingPolicy
from models.report import ModelReport
from models.scorer import LeadScorer


@dataclass(frozen=True)
class EstimatorKind:
    """How one kind of scoring estimator is written to and read from a model folder."""

    matches: Callable[[Any], bool]
    write: Callable[[Any, ModelWriter], None]
    read: Callable[[ModelReader], Any]


def _write_booster(booster: lgb.Booster, writer: ModelWriter) -> None:
    writer.text("booster.txt", booster.model_to_string())


def _read_booster(reader: ModelReader) -> lgb.Booster:
    return reader.parse("booster.txt", lambda text: lgb.Booster(model_str=text))


def _write_linear(model: LinearModel, writer: ModelWriter) -> None:
    writer.json("linear.json", model.get_state())


def _read_linear(reader: ModelReader) -> LinearModel:
    return reader.build("linear.json", LinearModel.from_state)


KINDS: dict[str, EstimatorKind] = {
    "lightgbm": EstimatorKind(lambda e: isinstance(e, lgb.Booster), _write_booster, _read_booster),
    "linear": EstimatorKind(lambda e: isinstance(e, LinearModel), _write_linear, _read_linear),
}


def kind_of(estimator: object) -> str:
    """The kind name of a scoring estimator; ValueError for one no kind can save."""
    for name, kind in KINDS.items():
        if kind.matches(estimator):
            return name
    raise ValueError(f"no model kind saves a {type(estimator).__name__}")


def save_scorer(scorer: LeadScorer, folder: str | Path) -> Path:
    """Write ``scorer`` as a model folder of data files; returns the folder."""
    kind = kind_of(scorer.estimator)
    writer = ModelWriter(folder)
    writer.json("spec.json", scorer.spec.model_dump(mode="json"))
    writer.json("transform.json", scorer.transformer.get_state())
    writer.json("calibration.json", scorer.calibrator.get_state())
    writer.json("grades.json", {"thresholds": dict(scorer.grades.thresholds),
                                "method": scorer.grades.method})  # fmt: skip
    writer.json("routing.json", _routing_state(scorer.routing))
    writer.json("card.json", scorer.card.model_dump(mode="json"))
    if scorer.report is not None:
        writer.json("report.json", scorer.report.model_dump(mode="json"))
    if scorer.loss_reasons is not None:
        writer.json("loss_reasons.json", {"classes": list(scorer.loss_reasons.classes)})
        writer.text("loss_reasons.txt", scorer.loss_reasons.booster.model_to_string())
    KINDS[kind].write(scorer.estimator, writer)
    return writer.finish(kind)


def load_scorer(folder: str | Path) -> LeadScorer:
    """Read a model folder; :class:`ModelFileError` names the first file that is unusable."""
    reader = ModelReader(folder)
    if reader.kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise ModelFileError(
            f"{reader.folder / 'manifest.json'}: model kind {reader.kind!r} is not one this "
            f"leadgrade reads ({known})"
        )
    spec = reader.parse("spec.json", LeadSpec.model_validate_json)
    return LeadScorer(
        spec=spec,
        transformer=reader.build("transform.json", lambda s: LeadTransformer.from_state(spec, s)),
        estimator=KINDS[reader.kind].read(reader),
        calibrator=reader.build("calibration.json", ScoreCalibrator.from_state),
        grades=reader.build("grades.json", lambda s: GradePolicy(**s)),
        routing=reader.build("routing.json", lambda s: RoutingPolicy(**s)),
        card=reader.parse("card.json", ModelCard.model_validate_json),
        report=(
            reader.parse("report.json", ModelReport.model_validate_json)
            if reader.has("report.json")
            else None
        ),
        loss_reasons=_read_loss_reasons(reader),
    )


def _read_loss_reasons(reader: ModelReader) -> LossReasonModel | None:
    if not reader.has("loss_reasons.json"):
        return None
    classes = reader.build("loss_reasons.json", lambda s: tuple(map(str, s["classes"])))
    return reader.parse(
        "loss_reasons.txt", lambda text: LossReasonModel(lgb.Booster(model_str=text), classes)
    )


def _routing_state(routing: RoutingPolicy) -> dict[str, Any]:
    return {
        "follow_up_hours": dict(routing.follow_up_hours),
        "re_engage_after_days": routing.re_engage_after_days,
        "tracks": None if routing.tracks is None else dict(routing.tracks),
    }
