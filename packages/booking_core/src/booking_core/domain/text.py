"""Text that every supported database can store, and the lengths the business accepts."""

from __future__ import annotations

import re

#: Longest client name, provider or service name, notes and e-mail address accepted (after
#: surrounding spaces are stripped). The HTTP and MCP schemas publish the same limits.
MAX_CLIENT_NAME = 200
MAX_CATALOG_NAME = 120
MAX_NOTES = 2000
MAX_EMAIL = 254

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


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


def is_one_line_text(text: str) -> bool:
    """Storable, and without control characters (line breaks, tabs, terminal escapes): a name
    goes into messages and calendars as it is."""
    return is_storable_text(text) and not _CONTROL.search(text)
