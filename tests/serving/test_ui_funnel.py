"""The campaigns page (/ui/funnel), on a history built through the real API (SQLite, PostgreSQL)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from features.reasons import DESCRIPTIONS, CanonicalReason
from serving.ui.funnel import ordered, reason_words
from store.funnel import FunnelRow
from tests.serving.support import LEAD, write_keys

# lead, campaign, outcome, reason as sales wrote it (None: still open)
HISTORY = [
    ("S1", "spring", "won", None),
    ("S2", "spring", "lost", "No budget"),
    ("S3", "spring", "lost", "too expensive"),
    ("S4", "spring", "disqualified", "Duplicate / invalid"),
    ("A1", "autumn", "lost", "Went with a competitor"),
    ("A2", "autumn", None, None),
]
# campaign → leads, worked, won, lost, win rate, loss reasons in words; largest first
EXPECTED = [
    ("spring", "4", "4", "1", "3", "25 %", ["no budget (2)", "invalid or duplicate (1)"]),
    ("autumn", "2", "1", "0", "1", "0 %", ["lost to a competitor (1)"]),
]
EMPTY_STATE = (
    "No outcomes yet: post outcomes to /v1/leads/{id}/outcome or run leadgrade demo-feedback"
)


class _Table(HTMLParser):
    """The body rows of the page's funnel table, each cell as text (list items one by one)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str | list[str]]] = []
        self._in_body, self._in_item = False, False
        self._cell: list[str] = []
        self._items: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell, self._items = [], None
        elif self._in_body and tag == "ul":
            self._items = []
        elif self._items is not None and tag == "li":
            self._items.append("")
            self._in_item = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        elif tag == "li":
            self._in_item = False
        elif self._in_body and tag == "td":
            cell = "".join(self._cell).strip()
            self.rows[-1].append([i.strip() for i in self._items] if self._items else cell)

    def handle_data(self, data: str) -> None:
        if self._in_item and self._items:
            self._items[-1] += data
        elif self._in_body:
            self._cell.append(data)


def table(page: str) -> list[list[str | list[str]]]:
    parser = _Table()
    parser.feed(page)
    return parser.rows


def text(page: str) -> str:
    """The page as a reader sees it: tags gone, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def history(api):
    """Six leads of two campaigns scored through the API, five with an outcome."""
    for lead_id, campaign, outcome, reason in HISTORY:
        scored = api.post(
            "/v1/leads/score", json={**LEAD, "lead_id": lead_id, "campaign": campaign}
        )
        assert scored.status_code == 200, scored.text
        if outcome is not None:
            body = {"outcome": outcome, "reason": reason}
            assert api.post(f"/v1/leads/{lead_id}/outcome", json=body).status_code == 201
    return api


def test_the_page_shows_each_campaign_with_its_counts_and_loss_reasons_in_words(history):
    response = history.get("/ui/funnel")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    # campaign, leads, A or B, worked, won, lost, win rate, median days, loss reasons
    rows = [(r[0], r[1], *r[5:9], r[10]) for r in table(response.text)]
    assert rows == [tuple(expected) for expected in EXPECTED]
    assert "no_budget" not in response.text
    assert response.text.count("<svg") == 1
    assert "<script" not in response.text


def test_the_page_shows_the_numbers_of_the_funnel_api(history):
    report = history.get("/v1/reports/funnel").json()["rows"]
    shown = {row[0]: row for row in table(history.get("/ui/funnel").text)}

    for row in report:
        line = shown[row["group"]["campaign"]]
        assert line[2] == f"{row['share_a_or_b'] * 100:.0f} %"
        assert line[3:5] == [str(row["accepted"]), str(row["opportunities"])]
        assert line[9] == f"{row['median_days_to_outcome']:.1f}"


@pytest.mark.parametrize(
    ("by", "columns", "groups"),
    [
        ("campaign", ["Campaign"], [["spring"], ["autumn"]]),
        ("source", ["Source"], [["webinar"]]),
        ("campaign,month", ["Campaign", "Month"], [["autumn"], ["spring"]]),
        ("Campaign, Month", ["Campaign", "Month"], [["autumn"], ["spring"]]),
    ],
)
def test_the_grouping_is_chosen_in_the_selector(history, by, columns, groups):
    response = history.get("/ui/funnel", params={"by": by})

    assert response.status_code == 200
    headers = re.findall(r"<th>([^<]+)</th>", response.text)
    assert headers[: len(columns)] == columns
    assert [row[: len(groups[0])] for row in table(response.text)] == groups
    selected = re.search(r'<option value="([^"]+)" selected>', response.text)
    assert selected is not None
    assert selected.group(1) == by.lower().replace(" ", "")


def test_a_grouping_the_selector_lacks_is_shown_and_offered(history):
    response = history.get("/ui/funnel?by=grade&by=campaign")

    assert response.status_code == 200
    assert '<option value="grade,campaign" selected>Grade × Campaign</option>' in response.text


@pytest.mark.parametrize(
    ("by", "message"),
    [
        ("region", "'region' is not a funnel dimension; use campaign, source, grade, month."),
        ("grade,grade", "'grade' is given twice."),
    ],
)
def test_a_bad_grouping_is_explained_on_the_page_with_a_422(history, by, message):
    response = history.get("/ui/funnel", params={"by": by})

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f"The leads cannot be grouped that way: {message}" in text(response.text)
    assert 'id="funnel-form"' in response.text
    assert table(response.text) == []


def test_an_empty_store_shows_how_to_get_outcomes(api):
    response = api.get("/ui/funnel")

    assert response.status_code == 200
    assert EMPTY_STATE in text(response.text)
    assert "<svg" not in response.text
    assert table(response.text) == []


def test_scored_leads_without_outcomes_are_listed_under_the_empty_state(api):
    api.post("/v1/leads/score/batch", json=[{**LEAD, "lead_id": f"L-{i}"} for i in range(3)])

    response = api.get("/ui/funnel")

    assert EMPTY_STATE in text(response.text)
    assert [row[:2] for row in table(response.text)] == [["spring", "3"]]


def test_the_page_needs_a_sign_in_when_the_api_needs_keys(make_client, tmp_path):
    keys = write_keys(tmp_path / "keys.toml", {"crm": ("crm-key-0123456789abcdef", ["crm"])})
    secured = make_client(keys_file=keys)

    assert secured.get("/v1/reports/funnel").status_code == 401
    assert secured.get("/ui/funnel", follow_redirects=False).status_code == 303


def test_every_page_links_to_the_campaigns_page(api):
    assert 'href="/ui/funnel" aria-current="page"' in api.get("/ui/funnel").text
    assert 'href="/ui/funnel"' in api.get("/ui/model").text


def test_a_failing_store_is_a_503_page_not_a_500(make_client):
    api = make_client(migrate_on_start=False)  # an empty database: no tables to read

    response = api.get("/ui/funnel")

    assert response.status_code == 503
    assert "The lead store failed while building the funnel report" in text(response.text)


@pytest.mark.parametrize(
    ("reason", "words"),
    [*((r.value, DESCRIPTIONS[r]) for r in CanonicalReason), ("price_too_high", "price too high")],
)
def test_loss_reasons_are_put_in_plain_words(reason, words):
    assert reason_words(reason) == words


def _row(campaign: str | None, leads: int) -> FunnelRow:
    return FunnelRow(
        group={"campaign": campaign},
        leads=leads,
        share_a_or_b=0.5,
        accepted=0,
        opportunities=0,
        worked=0,
        won=0,
        lost=0,
        win_rate=None,
        median_days_to_outcome=None,
        top_loss_reasons=[],
    )


def test_campaigns_go_largest_first_and_leads_without_one_last():
    rows = [_row("autumn", 2), _row("spring", 5), _row("summer", 2), _row(None, 9)]

    shown = [row.group["campaign"] for row in ordered(rows, ["campaign"])]

    assert shown == ["spring", "autumn", "summer", None]
    assert ordered(rows, ["campaign", "month"]) == rows  # months keep the report's order
