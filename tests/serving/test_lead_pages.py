"""A lead's history a page at a time: one lead scored many times is no megabyte answer."""

from tests.serving.support import LEAD, error


def test_a_long_history_comes_a_page_at_a_time_newest_first(api):
    for pages_viewed in range(7):
        api.post("/v1/leads/score", json={**LEAD, "pages_viewed": pages_viewed})
    api.post("/v1/leads/score?explain=true", json={**LEAD, "pages_viewed": 7})

    seen, cursor, latest = [], None, set()
    for _ in range(5):
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(f"/v1/leads/L-1{query}").json()
        seen += [s["fields"]["pages_viewed"] for s in page["scores"]]
        latest.add(page["latest_score"]["score_id"])
        assert page["latest_reasons"] is not None
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == [7, 6, 5, 4, 3, 2, 1, 0]
    assert len(latest) == 1


def test_without_a_limit_a_page_holds_up_to_100_scores(api):
    api.post("/v1/leads/score", json=[{**LEAD, "lead_id": "L-1"}])

    page = api.get("/v1/leads/L-1").json()

    assert len(page["scores"]) == 1
    assert page["next_cursor"] is None


def test_a_cursor_not_handed_out_here_is_a_422_naming_it(api):
    api.post("/v1/leads/score", json=LEAD)

    r = api.get("/v1/leads/L-1?cursor=not-a-cursor")
    too_many = api.get("/v1/leads/L-1?limit=501")

    assert r.status_code == 422
    assert error(r)["details"]["field"] == "cursor"
    assert too_many.status_code == 422
