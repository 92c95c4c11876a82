"""GET /metrics: Prometheus' text format; the admin role once keys are configured."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from serving.auth import require_role
from serving.keys import Role
from serving.metrics import Metrics

router = APIRouter(tags=["operations"])


# Not in the OpenAPI document: it is Prometheus' text format for a scraper, not JSON API.
@router.get(
    "/metrics",
    response_class=Response,
    include_in_schema=False,
    dependencies=[Depends(require_role(Role.ADMIN))],
)
def metrics(request: Request) -> Response:
    """Requests, latency, leads by grade, outcomes by reason, model and store health, drift."""
    registry: Metrics = request.app.state.metrics
    return Response(generate_latest(registry.registry), media_type=CONTENT_TYPE_LATEST)
