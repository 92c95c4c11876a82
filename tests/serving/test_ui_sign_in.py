"""The marketing pages with keys: sign in with a marketing key, a session cookie, CSRF."""

import re
import time

import pytest

from serving.keys import KeyRing
from serving.ui.session import SESSION_COOKIE, open_session
from tests.serving.support import write_keys

KEYS = {
    "crm": ("crm-key-0123456789abcdef", ["crm"]),
    "marketing": ("marketing-key-0123456789", ["marketing"]),
    "admin": ("admin-key-0123456789abcdef", ["admin"]),
    "retired": ("retired-key-0123456789abc", ["marketing"]),
}
PAGES = ["/ui", "/ui/model", "/ui/funnel", "/ui/alignment"]


@pytest.fixture
def keys_path(tmp_path):
    return write_keys(tmp_path / "keys.toml", KEYS)


@pytest.fixture
def pages(make_client, keys_path):
    return make_client(keys_file=keys_path)


def sign_in(client, key: str, then: str = "/ui"):
    form = client.get("/ui/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/ui/sign-in", data={"key": key, "csrf": token, "then": then}, follow_redirects=False
    )


def csrf_of(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_without_a_session_every_page_sends_the_browser_to_sign_in(pages, path):
    r = pages.get(path, follow_redirects=False)

    assert r.status_code == 303
    assert r.headers["location"] == f"/ui/sign-in?then={path}"


def test_a_marketing_key_signs_in_with_an_httponly_strict_expiring_cookie(pages):
    r = sign_in(pages, KEYS["marketing"][0], then="/ui/model")

    assert (r.status_code, r.headers["location"]) == (303, "/ui/model")
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Max-Age=28800" in cookie
    assert "Path=/ui" in cookie
    assert all(pages.get(path).status_code == 200 for path in PAGES)


@pytest.mark.parametrize(
    ("caller", "status"),
    [("crm", 401), ("marketing", 200), ("admin", 200), ("revoked", 401), ("none", 401)],
)
def test_each_kind_of_key_gets_the_pages_as_its_roles_say(pages, keys_path, caller, status):
    write_keys(keys_path, {k: v for k, v in KEYS.items() if k != "retired"})
    key = {"revoked": KEYS["retired"][0], "none": "not-a-key-of-anyone"}.get(caller)

    r = sign_in(pages, key or KEYS[caller][0])

    assert r.status_code == 303
    assert (SESSION_COOKIE in r.headers.get("set-cookie", "")) == (status == 200)
    for path in PAGES:
        page = pages.get(path, follow_redirects=False)
        assert page.status_code == (200 if status == 200 else 303), (caller, path)


def test_a_wrong_key_shows_the_form_again_with_a_401(pages):
    r = sign_in(pages, KEYS["crm"][0])

    again = pages.get(r.headers["location"])
    assert again.status_code == 401
    assert "use a marketing key" in again.text


def test_the_sign_in_form_refuses_a_post_without_its_token(pages):
    r = pages.post("/ui/sign-in", data={"key": KEYS["marketing"][0], "csrf": "guess"})

    assert r.status_code == 403
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_the_lead_form_needs_the_sessions_csrf_token(pages):
    sign_in(pages, KEYS["marketing"][0])
    token = csrf_of(pages.get("/ui"))
    lead = {"lead_id": "L-1", "employees": "400", "job_title": "VP Marketing"}

    forged = pages.post("/ui", data=lead)
    sent = pages.post("/ui", data={**lead, "csrf": token})

    assert forged.status_code == 403
    assert sent.status_code == 200
    assert 'id="score"' in sent.text


def test_revoking_the_key_ends_its_sessions_at_the_next_request(pages, keys_path):
    sign_in(pages, KEYS["retired"][0])
    assert pages.get("/ui/model").status_code == 200

    write_keys(keys_path, {k: v for k, v in KEYS.items() if k != "retired"})

    assert pages.get("/ui/model", follow_redirects=False).status_code == 303


def test_an_expired_or_forged_cookie_is_no_session(pages, keys_path):
    ring = KeyRing(keys_path)
    expired = open_session(ring, KEYS["marketing"][0], lifetime=60, now=time.time() - 120)
    valid = open_session(ring, KEYS["marketing"][0], lifetime=60)
    forged = valid.replace("marketing:", "admin:", 1)

    for cookie in (expired, forged, "marketing:1:2:3", "x"):
        pages.cookies.set(SESSION_COOKIE, cookie, path="/ui")
        assert pages.get("/ui/model", follow_redirects=False).status_code == 303


def test_signing_out_needs_the_token_and_ends_the_session(pages):
    sign_in(pages, KEYS["marketing"][0])
    token = csrf_of(pages.get("/ui/model"))

    refused = pages.post("/ui/sign-out", data={"csrf": "nope"}, follow_redirects=False)
    out = pages.post("/ui/sign-out", data={"csrf": token}, follow_redirects=False)

    assert refused.status_code == 403
    assert out.status_code == 303
    assert pages.get("/ui/model", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("then", ["//evil.example/ui", "https://evil.example", "/ui\\..\\x"])
def test_sign_in_never_redirects_to_another_site(pages, then):
    assert sign_in(pages, KEYS["marketing"][0], then=then).headers["location"] == "/ui"


def test_without_keys_the_pages_stay_open(api):
    assert api.get("/ui/model").status_code == 200
    assert "Sign out" not in api.get("/ui/model").text
