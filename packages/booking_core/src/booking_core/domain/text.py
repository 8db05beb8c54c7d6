"""Text that every supported database can store."""

from __future__ import annotations


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
