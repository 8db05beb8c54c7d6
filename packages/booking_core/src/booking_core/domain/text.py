"""Text that every supported database can store, and the lengths the business accepts."""

from __future__ import annotations

import re
import unicodedata

#: Longest client name, provider or service name, notes and e-mail address accepted (after
#: surrounding spaces are stripped). The HTTP and MCP schemas publish the same limits.
MAX_CLIENT_NAME = 200
MAX_CATALOG_NAME = 120
MAX_NOTES = 2000
MAX_EMAIL = 254

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
# Bidirectional overrides and isolates: they make a name read backwards in a message or a
# calendar (U+202E turns "Ann Lee" into something else on screen).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


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
    """Storable, and without control characters (line breaks, tabs, terminal escapes) or
    bidirectional overrides, and not made only of invisible characters: a name goes into
    messages and calendars as it is, and must show as something."""
    return (
        is_storable_text(text)
        and not _CONTROL.search(text)
        and not _BIDI.search(text)
        and has_visible_character(text)
    )


def has_visible_character(text: str) -> bool:
    """Something a reader sees: not only spaces and format characters (zero-width spaces,
    joiners, the invisible separators of category Cf/Z)."""
    return any(
        not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Zs", "Zl", "Zp", "Mn", "Me")
        for ch in text
    )
