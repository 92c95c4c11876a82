"""The marketing pages, rendered on the server (the browser test drives them in Chromium)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from models.saved import save_scorer
from serving.app import create_app
from serving.settings import ServeSettings
from tests.helpers import tiny_training

FORM = {
    "lead_id": "ui-1",
    "industry": "Software",
    "employees": "450",
    "job_title": "VP Marketing",
    "email": "jane@northwind.com",
    "demo_requested": "yes",
    "pages_viewed": "9",
    "lead_source": "Referral",
}
# The same lead as the API model parses it.
PARSED = {**FORM, "employees": 450.0, "demo_requested": True, "pages_viewed": 9.0}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("ui")
    path = save_scorer(tiny_training().scorer, tmp / "model")
    settings = ServeSettings(model_uri=str(path), model_poll_seconds=0, home=tmp / "home")
    with TestClient(create_app(settings)) as c:
        yield c


def _text(page: str) -> str:
    """The page as a reader sees it: tags gone, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _input_value(page: str, name: str) -> str | None:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


def test_lead_page_has_a_form_built_from_the_spec(client):
    response = client.get("/ui")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for field in tiny_training().scorer.spec.feature_fields:
        assert f'name="{field}"' in response.text
    assert "Who the lead is (fit)" in response.text
    assert "<script" not in response.text  # works without JavaScript


def test_submitting_a_lead_shows_grade_route_and_reasons(client):
    response = client.post("/ui", data=FORM)
    assert response.status_code == 200
    text = _text(response.text)
    assert re.search(r'id="grade"[^>]*>[ABCD]<', response.text)
    assert "Sales: follow up within" in text or "Marketing nurture" in text
    assert "Fit" in text
    assert "Engagement" in text
    ((_, explained),) = tiny_training().scorer.explain_records([PARSED])
    assert explained["reasons"]
    for reason in explained["reasons"]:  # the model's own reasons for this lead, in words
        assert reason["sentence"] in text
    assert response.text.count("<svg") == 1


def test_the_form_comes_back_filled_in_for_a_what_if(client):
    first = client.post("/ui", data=FORM)
    assert _input_value(first.text, "industry") == "Software"
    previous = _input_value(first.text, "__previous_score")
    assert previous is not None

    second = client.post("/ui", data={**FORM, "demo_requested": "no", "__previous_score": previous})
    assert "before your change this lead scored" in _text(second.text)


def test_a_pasted_lead_replaces_the_fields_and_fills_the_form(client):
    pasted = json.dumps({"lead_id": "p-1", "industry": "Retail", "demo_requested": False})
    response = client.post("/ui", data={**FORM, "__json": pasted})
    assert response.status_code == 200
    assert _input_value(response.text, "industry") == "Retail"
    assert _input_value(response.text, "job_title") == ""
    assert re.search(r'<option value="no" selected>', response.text)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {**FORM, "employees": "lots"},
            "Employees must be a number, such as 250 (you wrote 'lots').",
        ),
        ({**FORM, "demo_requested": "maybe"}, "Demo requested must be yes or no"),
        ({**FORM, "industry": "x" * 1001}, "Industry is too long"),
        ({"__json": '{"industry": '}, "The pasted lead is not valid JSON"),
        ({"__json": "[1, 2]"}, "The pasted JSON must be one lead"),
        ({"__json": '{"shoe_size": 44}'}, "Shoe size is not a field this model knows."),
    ],
    ids=["number", "yes-no", "too-long", "broken-json", "json-list", "unknown-field"],
)
def test_bad_input_is_explained_on_the_page_in_plain_words(client, form, message):
    response = client.post("/ui", data=form)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert message in _text(response.text)
    assert 'id="grade"' not in response.text


def test_an_empty_form_scores_an_all_unknown_lead(client):
    response = client.post("/ui", data={})
    assert response.status_code == 200
    assert 'id="grade"' in response.text


def test_the_example_link_fills_in_a_typical_lead(client):
    response = client.get("/ui?example=true")
    assert response.status_code == 200
    assert _input_value(response.text, "job_title") == "Marketing Manager"


def test_model_page_shows_importance_grades_calibration_and_window(client):
    response = client.get("/ui/model")
    assert response.status_code == 200
    text = _text(response.text)
    card = tiny_training().scorer.card
    assert f"{card.data.window_start:%Y-%m-%d} to {card.data.window_end:%Y-%m-%d}" in text
    assert response.text.count("<svg") == 3
    for heading in ("Which fields matter most", "Conversion by grade", "Are the chances right?"):
        assert heading in text
    assert "vice-president title" in text


def test_pages_without_a_model_say_so(tmp_path):
    settings = ServeSettings(
        model_uri=str(tmp_path / "absent-model"), model_poll_seconds=0, home=tmp_path
    )
    with TestClient(create_app(settings)) as c:
        for response in (c.get("/ui"), c.post("/ui", data=FORM), c.get("/ui/model")):
            assert response.status_code == 503
            assert "No model is being served yet" in _text(response.text)


def test_templates_ship_inside_the_serving_package():
    # hatch puts every file under a listed package into the wheel; the pages need these.
    folder = resources.files("serving").joinpath("templates")
    pages = {"base.html", "lead.html", "model.html", "funnel.html"}
    assert {p.name for p in folder.iterdir()} >= pages
