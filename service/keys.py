"""API keys: `insider keys create NAME` prints a new key once; only its SHA-256 is stored
(INSIDER_DATA_DIR/keys.json). The file is re-read when it changes, so a revoked key stops
working without a restart."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from datetime import datetime, timezone
from pathlib import Path

import orjson

from insider.errors import BadRequest, NotFound


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    def __init__(self, data_dir: Path):
        self.path = Path(data_dir) / "keys.json"
        self._lock = threading.Lock()
        self._cache: tuple[float, dict] | None = None

    def _load(self) -> dict:
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        with self._lock:
            if self._cache is None or self._cache[0] != mtime:
                self._cache = (mtime, orjson.loads(self.path.read_bytes()))
            return self._cache[1]

    def _save(self, keys: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(keys, option=orjson.OPT_INDENT_2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def create(self, name: str, replace: bool = False) -> str:
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise BadRequest("a key name is letters, digits, '-' and '_'")
        keys = dict(self._load())
        if name in keys and not replace:
            raise BadRequest(f"a key named {name!r} exists; revoke it first or pass --replace")
        key = "isk_" + secrets.token_urlsafe(32)
        keys[name] = {"sha256": _digest(key), "created": datetime.now(timezone.utc).isoformat()}
        self._save(keys)
        return key

    def revoke(self, name: str) -> None:
        keys = dict(self._load())
        if name not in keys:
            raise NotFound(f"no key named {name!r}")
        del keys[name]
        self._save(keys)

    def names(self) -> list[str]:
        return sorted(self._load())

    def identify(self, key: str) -> str | None:
        """The name of the key, or None. Constant-time comparison of digests."""
        digest = _digest(key)
        for name, record in self._load().items():
            if hmac.compare_digest(record["sha256"], digest):
                return name
        return None
