"""The dashboard refuses whoever lacks this run's link, and binds only to loopback
unless told otherwise. Against the real `mindprint ui` process, over real HTTP."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.server.support import MINDPRINT_BIN, snapshot
from tests.ui.support import BIDI_RESPONSE, Dashboard, start_ui, stop

PAGES = ["/", "/knows", "/history", "/feedback", "/controls", "/export.json"]


@contextmanager
def signed_in(d: Dashboard) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=d.origin, timeout=30) as c:
        r = c.get(d.url)
        assert r.status_code == 303 and r.headers["location"] == "/"
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_no_token_is_refused(dashboard: Dashboard, path: str) -> None:
    r = httpx.get(dashboard.origin + path, timeout=30)
    assert r.status_code == 401
    assert "the link `mindprint ui` printed" in r.text
    assert "Vortex" not in r.text and "durability" not in r.text  # no user data


def test_wrong_token_and_wrong_cookie_are_refused(dashboard: Dashboard) -> None:
    wrong = dashboard.token[:-4] + ("AAAA" if not dashboard.token.endswith("AAAA") else "BBBB")
    r = httpx.get(f"{dashboard.origin}/?token={wrong}", timeout=30)
    assert r.status_code == 401 and "set-cookie" not in r.headers
    cookies = {f"mindprint_ui_{dashboard.port}": wrong}
    assert httpx.get(dashboard.origin + "/", cookies=cookies, timeout=30).status_code == 401
    # The cookie of another port's dashboard is not this one's.
    other = {f"mindprint_ui_{dashboard.port + 1}": dashboard.token}
    assert httpx.get(dashboard.origin + "/", cookies=other, timeout=30).status_code == 401


def test_the_link_sets_a_strict_http_only_cookie_then_pages_load(dashboard: Dashboard) -> None:
    with httpx.Client(base_url=dashboard.origin, timeout=30) as c:
        r = c.get(dashboard.url)
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert dashboard.token not in r.headers["location"]  # the token leaves the address bar
        for path in PAGES:
            page = c.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert page.headers["x-frame-options"] == "DENY"


def test_another_host_name_is_refused_even_with_the_cookie(dashboard: Dashboard) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 under its own host name."""
    with signed_in(dashboard) as c:
        r = c.get("/", headers={"Host": f"evil.example:{dashboard.port}"})
        assert r.status_code == 403 and "answers only at 127.0.0.1" in r.text


def test_stored_markup_is_escaped_in_every_page(dashboard: Dashboard) -> None:
    with signed_in(dashboard) as c:
        for path in ("/history?q=Hostile", "/feedback"):
            body = c.get(path).text
            assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body, path
            assert "<script>window" not in body and "<img src=x" not in body


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com"])
def test_a_non_loopback_host_needs_allow_remote(ui_env: dict[str, str], host: str) -> None:
    r = subprocess.run([MINDPRINT_BIN, "ui", "--no-open", "--host", host], env=ui_env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "--allow-remote" in r.stderr and r.stdout == ""  # no link: nothing was served


def csrf_of(c: httpx.Client) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', c.get("/controls").text)
    assert m
    return m.group(1)


def first_factor(c: httpx.Client) -> str:
    m = re.search(r'name="factor_id" value="([^"]+)"', c.get("/controls").text)
    assert m
    return m.group(1)


@pytest.mark.parametrize("case", ["no token", "wrong token", "other origin", "cross-site fetch",
                                  "no cookie"])
def test_a_write_without_this_pages_csrf_token_changes_nothing(dashboard: Dashboard, case: str) -> None:
    """What another site's page could send: the cookie travels (or not), the token does not."""
    with signed_in(dashboard) as c:
        token, factor = csrf_of(c), first_factor(c)
        form = {"factor_id": factor, "action": "veto", "csrf": token}
        headers = {"Origin": dashboard.origin}
        if case == "no token":
            form.pop("csrf")
        elif case == "wrong token":
            form["csrf"] = "0" * 64
        elif case == "other origin":
            headers["Origin"] = "https://evil.example"
        elif case == "cross-site fetch":
            headers["Sec-Fetch-Site"] = "cross-site"
        else:
            c.cookies.clear()
        before = snapshot(dashboard.db)
        r = c.post("/controls/factor", data=form, headers=headers)
        assert r.status_code in (401, 403), r.text
        assert snapshot(dashboard.db) == before


def test_the_same_write_with_the_token_works_and_is_undone(dashboard: Dashboard) -> None:
    """The control for the test above: its form is right, only the token was missing."""
    with signed_in(dashboard) as c:
        form = {"factor_id": first_factor(c), "action": "veto", "csrf": csrf_of(c)}
        r = c.post("/controls/factor", data=form, headers={"Origin": dashboard.origin})
        assert r.status_code == 303
        page = c.get(r.headers["location"]).text
        assert "Vetoed: done" in page
        log_id = re.search(r'name="log_id" value="(\d+)"', page)
        assert log_id
        r = c.post("/controls/undo", data={"log_id": log_id.group(1), "csrf": form["csrf"]})
        assert "Undid: vetoed" in c.get(r.headers["location"]).text


NOT_WHOLE = ["²", "٣", "１２", "99999999999999999999", "9223372036854775808", "-1", "1e3", "0x10"]
WHOLE = "must be a whole number between 0 and 9,223,372,036,854,775,807"


@pytest.mark.parametrize("value", NOT_WHOLE)
def test_integers_in_addresses_and_forms_are_checked_never_a_500(dashboard: Dashboard, value: str) -> None:
    """Issue 27, finding 4: what int() takes but SQLite cannot (or should not)."""
    with signed_in(dashboard) as c:
        for param in ("offset", "item"):
            r = c.get("/history", params={param: value})
            assert r.status_code == 400 and f"{param} {WHOLE}" in r.text, (param, r.text[-500:])
        token = csrf_of(c)
        before = snapshot(dashboard.db)
        for path, field in (("/items/delete", "item_id"), ("/controls/undo", "log_id")):
            r = c.post(path, data={field: value, "csrf": token}, headers={"Origin": dashboard.origin})
            assert r.status_code == 303, r.text
            notice = c.get(r.headers["location"]).text
            assert f"Nothing changed: {field} {WHOLE}" in notice
        assert snapshot(dashboard.db) == before


def test_the_largest_sqlite_integer_is_a_page_not_an_error(dashboard: Dashboard) -> None:
    with signed_in(dashboard) as c:
        r = c.get("/history", params={"item": str(2**63 - 1)})
        assert r.status_code == 200 and "0 items" in r.text


@pytest.mark.parametrize(("host", "shown"), [("127.0.0.2", "127.0.0.2"), ("::1", "[::1]"),
                                              ("localhost", "127.0.0.1")])
def test_the_printed_link_and_the_host_check_follow_host(ui_env: dict[str, str], host: str, shown: str) -> None:
    """Issue 27, finding 6: the link named 127.0.0.1 whatever --host said."""
    proc, url = start_ui(ui_env, "--host", host)
    try:
        d = Dashboard(url, Path(ui_env["MINDPRINT_DB"]), ui_env)
        assert d.origin == f"http://{shown}:{d.port}"
        with signed_in(d) as c:
            assert c.get("/controls").status_code == 200
            names = {f"{shown}:{d.port}", f"localhost:{d.port}"} if shown != "127.0.0.2" else {f"{shown}:{d.port}"}
            for name in names:
                assert c.get("/", headers={"Host": name}).status_code == 200, name
            for other in {"127.0.0.1", "[::1]", "127.0.0.2", "localhost"} - {n.rsplit(":", 1)[0] for n in names}:
                r = c.get("/", headers={"Host": f"{other}:{d.port}"})
                assert r.status_code == 403 and f"answers only at {shown}:{d.port}" in r.text, other
    finally:
        stop(proc)


@pytest.mark.parametrize("path", ["//evil.example/", "/%2F%2Fevil.example/", "/%5Cevil.example/",
                                  "/%5C%5Cevil.example", "/%09/evil.example"])
def test_signing_in_redirects_only_to_a_path_of_this_site(dashboard: Dashboard, path: str) -> None:
    """Issue 27, finding 7: the Location kept //evil.example/ (another site, for a browser)."""
    with httpx.Client(base_url=dashboard.origin, timeout=30) as c:
        r = c.get(f"{dashboard.origin}{path}?token={dashboard.token}&q=x")
        assert r.status_code == 303 and r.headers["location"] == "/?q=x", r.headers["location"]
        r = c.get(f"{dashboard.origin}/history?token={dashboard.token}&q=x")
        assert r.headers["location"] == "/history?q=x"


def test_format_characters_are_shown_inert(dashboard: Dashboard) -> None:
    """Issue 27, finding 7: bidi overrides in stored text reached the page raw."""
    with signed_in(dashboard) as c:
        factor = first_factor(c)
        r = c.post("/controls/edit", data={"factor_id": factor, "name": "gear \u202eevil", "description": "",
                                           "csrf": csrf_of(c)}, headers={"Origin": dashboard.origin})
        assert r.status_code == 303
        pages = {path: c.get(path).text for path in ("/history?q=Trail", "/controls", "/")}
        for path, body in pages.items():
            assert not any(ch in body for ch in "\u202e\u202c\u2066\u2069\u200b\ufeff"), path
        assert "the \\u202eTrail 9\\u202c shoe, \\u2066240 g\\u2069, $99\\u200b\\ufeff." in pages["/history?q=Trail"]
        assert BIDI_RESPONSE in pages["/history?q=Trail"]  # the emoji's joiner stays
        assert "gear \\u202eevil" in pages["/controls"]
        log_id = re.search(r'name="log_id" value="(\d+)"', pages["/controls"])
        assert log_id
        c.post("/controls/undo", data={"log_id": log_id.group(1), "csrf": csrf_of(c)})
