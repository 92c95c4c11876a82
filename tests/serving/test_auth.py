"""API keys with roles: every route × every kind of caller answers exactly as the roles say."""

import logging
import re

import pytest

from serving.keys import KeysUnavailable, hash_key
from tests.serving.support import LEAD, bearer, error, write_keys

KEYS = {
    "crm": ("crm-key-0123456789abcdef", ["crm"]),
    "marketing": ("marketing-key-0123456789", ["marketing"]),
    "admin": ("admin-key-0123456789abcdef", ["admin"]),
    "retired": ("retired-key-0123456789abc", ["admin"]),
}
CALLERS = {
    "none": {},
    "crm": bearer(KEYS["crm"][0]),
    "marketing": bearer(KEYS["marketing"][0]),
    "admin": bearer(KEYS["admin"][0]),
    "revoked": bearer(KEYS["retired"][0]),
}

# Every operation → the status each caller gets. A new route must be added here.
OK = {"crm", "marketing", "admin"}
ACCESS: dict[tuple[str, str], tuple[int, set[str]]] = {
    ("POST", "/v1/leads/score"): (200, {"crm", "admin"}),
    ("POST", "/v1/leads/score/batch"): (200, {"crm", "admin"}),
    ("POST", "/v1/leads/explain"): (200, OK),
    ("POST", "/v1/leads/{lead_id}/outcome"): (201, {"crm", "admin"}),
    ("GET", "/v1/leads/{lead_id}"): (200, {"crm", "admin"}),
    ("GET", "/v1/model"): (200, OK),
    ("GET", "/v1/model/report"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/funnel"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/overdue"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/kpis"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/follow-up"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/target-accounts"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/campaign-changes"): (200, {"marketing", "admin"}),
    ("GET", "/v1/reports/drift"): (200, {"marketing", "admin"}),
    ("POST", "/v1/admin/reload"): (200, {"admin"}),
    ("DELETE", "/v1/leads/{lead_id}"): (200, {"admin"}),
}
OPEN_PATHS = ["/health", "/ready", "/docs", "/openapi.json"]


@pytest.fixture
def keys_path(tmp_path):
    return write_keys(tmp_path / "keys.toml", KEYS)


@pytest.fixture
def secured(make_client, keys_path):
    client = make_client(keys_file=keys_path)
    assert client.post("/v1/leads/score", json=LEAD, headers=CALLERS["admin"]).status_code == 200
    # The retired key worked until now; it is revoked without a restart.
    write_keys(keys_path, {k: v for k, v in KEYS.items() if k != "retired"})
    return client


def documented_operations(api) -> set[tuple[str, str]]:
    paths = api.get("/openapi.json").json()["paths"]
    return {(m.upper(), path) for path, ops in paths.items() if path.startswith("/v1") for m in ops}


def test_the_access_table_covers_every_v1_operation(secured):
    assert documented_operations(secured) == set(ACCESS)


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize(("method", "path"), list(ACCESS))
def test_each_route_answers_each_caller_as_its_roles_say(secured, method, path, caller):
    success, allowed = ACCESS[(method, path)]
    expected = 401 if caller in {"none", "revoked"} else success if caller in allowed else 403

    url = re.sub(r"\{[^}]+\}", "L-1", path)
    r = secured.request(method, url, headers=CALLERS[caller], json=LEAD if "lead" in path else None)
    if method == "POST" and path.endswith("outcome"):
        r = secured.post(url, headers=CALLERS[caller], json={"outcome": "won"})
    if method == "POST" and path.endswith("batch"):
        r = secured.post(url, headers=CALLERS[caller], json=[LEAD])

    assert r.status_code == expected, r.text
    if expected in {401, 403}:
        assert error(r)["code"] == {401: "unauthorized", 403: "forbidden"}[expected]
    if expected == 401:
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", OPEN_PATHS)
def test_operations_and_docs_stay_open(secured, path):
    assert secured.get(path).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [bearer("not-a-key-of-anyone-here"), {"Authorization": f"Basic {KEYS['crm'][0]}"}],
    ids=["unknown key", "not bearer"],
)
def test_a_key_that_is_not_a_configured_bearer_key_is_a_401(secured, headers):
    r = secured.post("/v1/leads/score", json=LEAD, headers=headers)

    assert r.status_code == 401
    assert error(r)["code"] == "unauthorized"


def test_a_new_key_works_from_the_next_request_without_a_restart(secured, keys_path):
    rotated = "crm-key-rotated-0123456789"
    assert secured.get("/v1/model", headers=bearer(rotated)).status_code == 401

    write_keys(keys_path, {**KEYS, "crm": (rotated, ["crm"])})

    assert secured.get("/v1/model", headers=bearer(rotated)).status_code == 200
    assert secured.get("/v1/model", headers=CALLERS["crm"]).status_code == 401


def test_a_broken_keys_file_fails_closed_until_it_is_fixed(secured, keys_path):
    keys_path.write_text("[[key]]\nclient = 'crm'\n", encoding="utf-8")

    broken = secured.get("/v1/model", headers=CALLERS["crm"])
    write_keys(keys_path, KEYS)

    assert broken.status_code == 503
    assert error(broken)["code"] == "keys_unavailable"
    assert secured.get("/v1/model", headers=CALLERS["crm"]).status_code == 200


def test_the_key_names_the_client_that_scored_and_reported(secured):
    secured.post("/v1/leads/score", json={**LEAD, "lead_id": "L-2"}, headers=CALLERS["crm"])
    secured.post("/v1/leads/L-2/outcome", json={"outcome": "won"}, headers=CALLERS["admin"])

    lead = secured.get("/v1/leads/L-2", headers=CALLERS["crm"]).json()

    assert lead["scores"][0]["client"] == "crm"
    assert lead["outcomes"][0]["reported_by"] == "admin"


def test_idempotency_keys_belong_to_one_client(secured):
    statuses = [
        secured.post(
            "/v1/leads/L-1/outcome",
            json={"outcome": "won"},
            headers={**CALLERS[caller], "Idempotency-Key": "k"},
        ).status_code
        for caller in ("crm", "admin", "crm")
    ]

    assert statuses == [201, 201, 200]


def test_without_keys_the_service_is_open_and_says_so(make_client, caplog):
    with caplog.at_level(logging.WARNING, logger="leadgrade.auth"):
        api = make_client()

    assert api.post("/v1/leads/score", json=LEAD).status_code == 200
    assert api.get("/v1/leads/L-1").json()["scores"][0]["client"] == "anonymous"
    assert "no keys file configured" in caplog.text


def test_a_client_over_its_rate_limit_gets_a_429_with_retry_after(make_client, keys_path):
    limited = make_client(keys_file=keys_path, rate_limit_per_minute=3)

    statuses = [limited.get("/v1/model", headers=CALLERS["crm"]).status_code for _ in range(4)]
    other = limited.get("/v1/model", headers=CALLERS["marketing"])
    refused = limited.get("/v1/model", headers=CALLERS["crm"])

    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200  # the limit is per client
    assert error(refused)["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[key]]\nclient = 'crm'\nroles = ['crm']\nsha256 = 'abc'\n", "not a SHA-256"),
        (f"[[key]]\nclient = 'crm'\nroles = ['boss']\nsha256 = '{hash_key('x')}'\n", "roles"),
        (f"[[key]]\nclient = 'anonymous'\nroles = ['crm']\nsha256 = '{hash_key('x')}'\n", "anon"),
        ("[[key]\n", "not valid TOML"),
        (
            f"[[key]]\nclient = 'a'\nroles = ['crm']\nsha256 = '{hash_key('x')}'\n"
            f"[[key]]\nclient = 'b'\nroles = ['crm']\nsha256 = '{hash_key('x')}'\n",
            "listed twice",
        ),
    ],
)
def test_an_unusable_keys_file_stops_the_service_at_start(make_client, tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(KeysUnavailable, match=message):
        make_client(keys_file=path)


def test_keys_new_prints_a_key_whose_hash_it_prints(run_cli):
    result = run_cli("keys", "new", "--client", "crm", "--role", "crm", "--role", "marketing")

    assert result.exit_code == 0, result.output
    key = next(line for line in result.output.splitlines() if line.startswith("lg_"))
    assert len(key) >= 40
    assert f'sha256 = "{hash_key(key)}"' in result.output
    assert 'roles = ["crm", "marketing"]' in result.output


def test_keys_new_refuses_an_unknown_role_in_one_line(run_cli):
    result = run_cli("keys", "new", "--client", "crm", "--role", "boss")

    assert result.exit_code == 2
    assert "roles" in result.output
    assert "Traceback" not in result.output
