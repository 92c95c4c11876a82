"""A run the leakage audit stopped still leaves a record: a FAILED MLflow run.

The record holds what a data scientist needs to fix the spec without rerunning with
``--allow-leaky``: the whole audit table (``leakage_audit.json``: every field with its
single-feature AUC, gain share, date check and flags), the spec, the run's parameters, and
the reason in the tags ``leadgrade.stopped_by`` and ``leadgrade.failure_reason``.
"""

from __future__ import annotations

import json
from typing import Any

import mlflow

from features.spec import LeadSpec
from training.leakage import LeakageError
from training.settings import TrainSettings
from training.tracking import use_tracking

_TAG_LIMIT = 5000  # MLflow's limit on a tag value


def record_stopped_run(
    error: LeakageError,
    spec: LeadSpec,
    settings: TrainSettings,
    *,
    spec_text: str | None,
    extra_params: dict[str, Any],
) -> str:
    """Log the audit that stopped a run as a FAILED MLflow run; returns its id."""
    use_tracking(settings)
    audit = error.audit
    run = mlflow.start_run()
    try:
        mlflow.log_params({k: str(v) for k, v in extra_params.items()})
        mlflow.log_param("allow_leaky", json.dumps(list(audit.checks.allow_leaky)))
        if spec_text is None:
            mlflow.log_dict(spec.model_dump(mode="json"), "spec.json")
        else:
            mlflow.log_text(spec_text, "spec.toml")
        table = {"checks": audit.checks.model_dump(mode="json"), "features": audit.table()}
        mlflow.log_dict(table, "leakage_audit.json")
        mlflow.set_tags(
            {
                "leadgrade.stopped_by": "leakage_audit",
                "leadgrade.leaky_fields": ",".join(f.field for f in audit.blocking),
                "leadgrade.failure_reason": error.message[:_TAG_LIMIT],
            }
        )
    finally:
        mlflow.end_run(status="FAILED")
    return str(run.info.run_id)
