"""The server secret: manage tokens (and other links' tokens) are derived from it, so that no
secret is stored in clear or recovered from message text.

``BOOKING_SECRET_KEY`` sets it; required on PostgreSQL. On the embedded SQLite database a key is
generated once and kept in a file beside the database (``<database>.secret``, mode 0600), so
that links already sent keep working after a restart.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from sqlalchemy.engine import make_url

from booking_core.settings import BookingSettings

_in_memory: dict[str, bytes] = {}
_guard = threading.Lock()


class MissingSecretKey(RuntimeError):
    """The server secret is required here and not set."""


def server_secret(settings: BookingSettings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    if not settings.is_sqlite:
        raise MissingSecretKey(
            "BOOKING_SECRET_KEY must be set on PostgreSQL (generate one with "
            '`python -c "import secrets; print(secrets.token_urlsafe(32))"`).'
        )
    database = make_url(settings.database_url).database
    if not database or database == ":memory:":
        with _guard:
            return _in_memory.setdefault(settings.database_url, secrets.token_bytes(32))
    return _key_file_secret(Path(f"{database}.secret"))


def _key_file_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: of processes starting together, one key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode("utf-8")
