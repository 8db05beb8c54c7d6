"""Text that every supported database can store, and the lengths the business accepts."""

from __future__ import annotations

#: Longest client name, provider or service name, notes and e-mail address accepted (after
#: surrounding spaces are stripped). The HTTP and MCP schemas publish the same limits.
MAX_CLIENT_NAME = 200
MAX_CATALOG_NAME = 120
MAX_NOTES = 2000
MAX_EMAIL = 254


def is_storable_text(text: str) -> bool:
    """No NUL (PostgreSQL text cannot hold it) and no lone surrogate (UTF-8 cannot encode one;
    a JSON string may still carry it as an escape, and Python decodes it as given)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
