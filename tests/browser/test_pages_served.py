"""How web.py serves the pages and their files (plain HTTP, no browser needed)."""

from __future__ import annotations

import httpx
import pytest
from browser_helpers import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", "/static/js/book.js"),
        ("/booking/3f1c2a7e-9a55-4a43-9f57-0c6a1c8f2b10", "/static/js/manage.js"),
        ("/admin", "/static/js/admin.js"),
    ],
)
def test_pages_are_html_with_a_strict_policy(
    live_server: LiveServer, path: str, marker: str
) -> None:
    response = httpx.get(live_server.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert marker in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-cache"


def test_static_files_and_nothing_else(live_server: LiveServer) -> None:
    js = httpx.get(live_server.url + "/static/js/book.js")
    assert js.status_code == 200
    assert js.headers["content-type"] == "text/javascript; charset=utf-8"
    assert httpx.get(live_server.url + "/static/css/app.css").status_code == 200
    for path in ("/static/nope.js", "/static/js", "/static/%2e%2e/web.py", "/static/..%2fweb.py"):
        response = httpx.get(live_server.url + path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_pages_stay_out_of_the_api_document(live_server: LiveServer) -> None:
    paths = set(httpx.get(live_server.url + "/openapi.json").json()["paths"])
    assert not paths & {"/", "/admin", "/booking/{appointment_id}", "/static/{file_path}"}
    assert not [p for p in paths if p.startswith("/static")]
