"""API keys: `insider keys create NAME` prints a new key once; only its SHA-256 is stored
(INSIDER_DATA_DIR/keys.json). The file is re-read when it changes, so a revoked key stops
working without a restart."""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
from contextlib import contextmanager
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
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        # A replace is a new inode: a revoke is seen even within the clock's resolution.
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if self._cache is None or self._cache[0] != stamp:
                self._cache = (stamp, orjson.loads(self.path.read_bytes()))
            return self._cache[1]

    @contextmanager
    def _changing(self):
        """The stored keys to change, under an exclusive lock across processes: two `insider
        keys` commands at once must not lose each other's change."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                keys = orjson.loads(self.path.read_bytes()) if self.path.exists() else {}
                yield keys
                self._save(keys)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _save(self, keys: dict) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".keys-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(orjson.dumps(keys, option=orjson.OPT_INDENT_2))
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create(self, name: str, replace: bool = False) -> str:
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise BadRequest("a key name is letters, digits, '-' and '_'")
        with self._changing() as keys:
            if name in keys and not replace:
                raise BadRequest(f"a key named {name!r} exists; revoke it first or pass --replace")
            key = "isk_" + secrets.token_urlsafe(32)
            keys[name] = {"sha256": _digest(key), "created": datetime.now(timezone.utc).isoformat()}
        return key

    def revoke(self, name: str) -> None:
        with self._changing() as keys:
            if name not in keys:
                raise NotFound(f"no key named {name!r}")
            del keys[name]

    def names(self) -> list[str]:
        return sorted(self._load())

    def identify(self, key: str) -> str | None:
        """The name of the key, or None. Constant-time comparison of digests."""
        digest = _digest(key)
        for name, record in self._load().items():
            if hmac.compare_digest(record["sha256"], digest):
                return name
        return None
