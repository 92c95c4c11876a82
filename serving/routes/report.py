"""GET /v1/model/report: what drives lead quality, as stored in the served model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from serving.auth import require_role
from serving.deps import ModelDep
from serving.explaining import model_report
from serving.keys import Role
from serving.schemas import NO_MODEL, ReportOut, error_responses

router = APIRouter(tags=["model"], dependencies=[Depends(require_role(Role.MARKETING))])

_RESPONSES = error_responses({404: "The model was trained before reports existed", 503: NO_MODEL})


@router.get("/v1/model/report", response_model=ReportOut, responses=_RESPONSES)
def get_model_report(model: ModelDep) -> Any:
    """Importance per field, conversion per value and bin, the grade table and calibration.

    Computed at training time on the model's own data and stored in the model, so it
    always describes the model being served.
    """
    return model_report(model)
