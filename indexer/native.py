"""Optional compiled fast path for `pipeline.prepare` (the Rust extension `insider_native`, built
from native/ by `make setup` when cargo is available).

The Python modules (submission, ownership, derive, documents, sectors) stay the reference
implementation. `prepare` here returns exactly what the Python pipeline would return for an
accepted filing, or None: the input is one the Python code rejects, or one the extension is not
certain to read identically (unusual encodings, DTDs, odd number spellings, ...), or the
extension is not installed. The caller then runs the Python path, so rejection messages and
every edge case stay the reference's. The regex-heavy derive rules (officer roles, Rule 10b5-1
text, owner names) are called back in Python from the extension (they are lru_cached).

INSIDER_PURE_PYTHON=1 in the environment turns the fast path off (read at each call).
"""
from __future__ import annotations

from indexer import derive, sectors
from indexer.submission import decompress
from insider.errors import RejectedInput
from insider.settings import pure_python
from mappings.transactions import OWNER_PARTITIONS

try:
    import insider_native as _ext
except ImportError:  # not built: the pure-Python pipeline is used
    _ext = None

AVAILABLE = _ext is not None

_preparer = None
if _ext is not None:
    _preparer = _ext.Preparer(
        derive.normalize_role, derive.owner_role, derive.is_10b5_1_text, derive._classify_owner,
        derive.normalize_ticker, list(derive.ROLES), sorted(derive.CSUITE_ROLES),
        dict(sectors._BY_SIC), OWNER_PARTITIONS,
    )


def enabled() -> bool:
    return _preparer is not None and not pure_python()


def _input(data: bytes, max_bytes: int) -> bytes | None:
    """What the extension reads: the size limit and gzip are the Python code's own."""
    if len(data) > max_bytes:
        return None
    if data[:2] == b"\x1f\x8b":
        try:
            return decompress(data, max_bytes)
        except RejectedInput:
            return None
    return data


def prepare(name: str, data: bytes, max_bytes: int, overrides: dict):
    """(filing, rows) exactly as the Python pipeline builds them, or None (run the Python path)."""
    if not enabled():
        return None
    raw = _input(data, max_bytes)
    if raw is None:
        return None
    try:
        return _preparer.prepare(name, raw, overrides or None)
    except Exception:  # noqa: BLE001 - never worse than the Python path
        return None


def explain(name: str, data: bytes, max_bytes: int, overrides: dict | None = None) -> str | None:
    """Why `prepare` returns None for an input (None when it does not); for tests and tuning."""
    if _preparer is None:
        return "extension not installed"
    raw = _input(data, max_bytes)
    if raw is None:
        return "over the size limit or bad gzip"
    return _preparer.explain(name, raw, overrides or None)
