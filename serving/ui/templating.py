"""The pages' Jinja2 templates, and the one page that says what went wrong."""

from __future__ import annotations

import functools
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@functools.cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


def message_page(request: Request, heading: str, message: str, status: int) -> HTMLResponse:
    """A page with a heading and one message, for errors a person reads."""
    context = {"page": None, "model": None, "heading": heading, "message": message}
    return templates().TemplateResponse(request, "message.html", context, status_code=status)
