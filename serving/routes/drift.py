"""GET /v1/reports/drift: recent leads against the served model's training distributions."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import MetricsDep, ModelDep, SettingsDep, StoreDep
from serving.drift import DriftOut, drift_report
from serving.keys import Role
from serving.schemas import NO_MODEL, error_responses

router = APIRouter(
    prefix="/v1/reports", tags=["reports"], dependencies=[Depends(require_role(Role.MARKETING))]
)


@router.get(
    "/drift",
    response_model=DriftOut,
    responses=error_responses({503: f"{NO_MODEL}, or the lead store failed"}),
)
def get_drift(
    store: StoreDep, model: ModelDep, settings: SettingsDep, metrics: MetricsDep
) -> DriftOut:
    """Population stability index (PSI) of the newest scorings by the served model version,
    for the score and the model's most important fields, against the training holdout.

    `warning` from `LEADGRADE_DRIFT_WARNING` (0.1), `alarm` from `LEADGRADE_DRIFT_ALARM`
    (0.25); `too_few` below `LEADGRADE_DRIFT_MIN_LEADS` scorings. The PSI values also go to
    `/metrics` (`leadgrade_drift_psi`). An alarm names the remedy; nothing retrains itself.
    """
    return drift_report(store, model, settings, metrics)
