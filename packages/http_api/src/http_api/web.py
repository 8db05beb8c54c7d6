"""Web pages: the client booking page (``/``), the client's manage page (``/booking/{id}``) and the
provider calendar (``/admin``), plus their static files under ``/static/``.

The pages are plain HTML, CSS and JavaScript modules in ``static/`` (no build step, nothing from a
CDN); they call only the public and admin JSON APIs, exactly like any other client.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).parent / "static"

#: The only file types served from ``static/`` (anything else there is not for browsers).
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

# Pages load only their own files and talk only to this server. No referrer is sent, so nothing
# of a page's URL leaks to another site. `no-cache` still allows caching but revalidates (ETag),
# so a deploy is picked up at once.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.get("/")
def booking_page() -> FileResponse:
    """Choose a service, provider and time, then book."""
    return _file(STATIC_DIR / "book.html")


@router.get("/booking/{appointment_id}")
def manage_page(appointment_id: str) -> FileResponse:
    """View, cancel or reschedule one's appointment; the token is in the URL fragment, which
    browsers never send, so the id is all this request carries."""
    return _file(STATIC_DIR / "manage.html")


@router.get("/admin")
def admin_page() -> FileResponse:
    """The provider calendar (signs in with the admin token in the browser session)."""
    return _file(STATIC_DIR / "admin.html")


@router.get("/static/{file_path:path}")
def static_file(file_path: str) -> FileResponse:
    root = STATIC_DIR.resolve()
    try:
        path = (root / file_path).resolve()
        # Refuse anything outside static/ (../ tricks), directories and unknown file types.
        found = path.is_relative_to(root) and path.is_file() and path.suffix in MEDIA_TYPES
    except (OSError, ValueError):  # a NUL byte, a name too long for the file system
        found = False
    if not found:
        raise HTTPException(status_code=404)
    return _file(path)
