"""Keyed hashing of respondent e-mail and name: personal data never leaves the raw export.

The warehouse keeps at most an HMAC-SHA256 of the respondent, enough to see that two
responses came from the same person, useless for finding out who. The key comes from
``FRISKLIV_PSEUDONYM_KEY`` or, failing that, a random key file created once under the data
directory (mode 0600) so hashes stay stable across runs on one installation.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from friskliv_pipeline.core.settings import ENV_PSEUDONYM_KEY

KEY_FILE_NAME = ".pseudonym_key"


def load_key(data_dir: Path) -> bytes:
    env = os.environ.get(ENV_PSEUDONYM_KEY, "").strip()
    if env:
        return env.encode("utf-8")
    path = Path(data_dir) / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip().encode("utf-8")


def respondent_hash(key: bytes, email: str | None, name: str | None) -> str | None:
    """A 16-hex-digit keyed hash of the respondent, or None for an anonymous response."""
    ident = (email or "").strip().casefold()
    if not ident or ident == "anonymous":
        ident = (name or "").strip().casefold()
    if not ident:
        return None
    return hmac.new(key, ident.encode("utf-8"), hashlib.sha256).hexdigest()[:16]
