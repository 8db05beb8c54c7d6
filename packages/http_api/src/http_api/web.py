"""Web pages: the client booking page (``/``), the client's manage page (``/booking/{id}``) and the
provider calendar (``/admin``), plus their static files under ``/static/``.

The pages are plain HTML, CSS and JavaScript modules in ``static/`` (no build step, nothing from a
CDN); they call only the public and admin JSON APIs, exactly like any other client.
"""

from __future__ import annotations

from pathlib import Path

from booking_core import BookingSettings
from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from http_api.deps import SettingsDep
from http_api.embedding import embed_origins

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

# Pages load only their own files and talk only to this server (images may come from any https
# site: providers' photos). No referrer is sent, so nothing of a page's URL leaks to another
# site. `no-cache` still allows caching but revalidates (ETag), so a deploy is picked up at once.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
)
SECURITY_HEADERS = {
    "Content-Security-Policy": _POLICY + "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def client_page_headers(settings: BookingSettings) -> dict[str, str]:
    """A client page's headers: framed by this site and BOOKING_EMBED_ORIGINS when it is set
    (X-Frame-Options cannot name other sites, so it is not sent then), else by nobody."""
    origins = embed_origins(settings.embed_origins)
    if not origins:
        return SECURITY_HEADERS
    headers = {k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"}
    headers["Content-Security-Policy"] = _POLICY + "frame-ancestors 'self' " + " ".join(origins)
    return headers


def _file(path: Path, headers: dict[str, str] = SECURITY_HEADERS) -> FileResponse:
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)


@router.get("/")
def booking_page(settings: SettingsDep) -> FileResponse:
    """Choose a service, provider and time, then book."""
    return _file(STATIC_DIR / "book.html", client_page_headers(settings))


@router.get("/booking/{appointment_id}")
def manage_page(appointment_id: str, settings: SettingsDep) -> FileResponse:
    """View, cancel or reschedule one's appointment; the token is in the URL fragment, which
    browsers never send, so the id is all this request carries."""
    return _file(STATIC_DIR / "manage.html", client_page_headers(settings))


@router.get("/admin")
def admin_page() -> FileResponse:
    """The provider calendar (signs in with the admin token in the browser session): never
    framed by another site."""
    return _file(STATIC_DIR / "admin.html")


@router.get("/embed.js")
def embed_script() -> FileResponse:
    """The snippet an embedding site loads: it inserts the booking page in an iframe that sizes
    itself (see docs/web.md)."""
    return _file(STATIC_DIR / "js" / "embed.js")


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
