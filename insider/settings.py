"""Every setting the product reads, declared once as (name, default, help).

The README's settings table is checked against this list by a test, so the two cannot drift.
Settings are read from the environment when `load()` is called, never at import time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from insider.errors import ConfigurationError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


COLUMN_CACHE_MB = 256  # INSIDER_COLUMN_CACHE_MB's default

SETTINGS: tuple[Setting, ...] = (
    Setting("INSIDER_DATA_DIR", "./data", "Where the embedded engine keeps its indexes, the API keys and the EDGAR checkpoints."),
    Setting("OPENSEARCH_URL", None, "OpenSearch base URL (e.g. http://127.0.0.1:9200). Unset: the embedded tantivy engine is used."),
    Setting("OPENSEARCH_INDEX_PREFIX", "insider", "Prefix of the OpenSearch index and alias names (`<prefix>-filings`, `<prefix>-transactions`)."),
    Setting("INSIDER_NOW", None, "Pins \"now\" (ISO-8601, e.g. 2024-06-30T00:00:00Z) for every lookback window. Unset: the wall clock."),
    Setting("EDGAR_BASE_URL", "https://www.sec.gov", "Where EDGAR is reached; tests point it at a local server."),
    Setting("SEC_USER_AGENT", None, "Required by EDGAR fair-access rules for any command that talks to EDGAR: \"Company Name admin@example.com\"."),
    Setting("EDGAR_MAX_RPS", "8", "Process-wide ceiling on EDGAR requests per second (SEC allows at most 10)."),
    Setting("INSIDER_SECTOR_OVERRIDES", None, "Optional CSV (key,sector,industry) keyed by ticker or CIK that overrides the SIC-derived classification."),
    Setting("INSIDER_AUTH", "on", "`off` (or 0/false/no) disables API-key checks (local demos only); `on` (or 1/true/yes) requires a key made with `insider keys create`; any other value is refused."),
    Setting("INSIDER_MAX_FILE_BYTES", str(20 * 1024 * 1024), "Largest input file `insider ingest` accepts; larger ones are rejected."),
    Setting("INSIDER_PURE_PYTHON", None, "`1`: use the reference code even where the compiled fast paths (native/, built by `make setup` when cargo is installed) are available: the pure-Python parser, and tantivy-py's own aggregations in the embedded engine. The results are identical either way."),
    Setting("INSIDER_MALLOC_KEEP_MB", "64", "Freed memory (MiB, 0-1024) each glibc malloc arena of the server keeps for the next request instead of returning it to the kernel (insider/memory.py): a year-long by-sector request otherwise faults ~10 MB back in. 0: glibc's own thresholds."),
    Setting("INSIDER_COLUMN_CACHE_MB", str(COLUMN_CACHE_MB), "Memory (MiB, 0-65536) each server process may keep the embedded engine's aggregated columns in, decoded (native/aggregate/src/decoded.rs): by-sector's columns take ~25 bytes a transaction row or filing (~140 MB at 1M filings). A column that does not fit is read from the index, as with 0. OpenSearch ignores it."),
    Setting("INSIDER_RATE_LIMIT", "6000/minute", "Per-key HTTP rate limit, e.g. 6000/minute or 100/second (per client address when INSIDER_AUTH=off); 429 with Retry-After beyond it. Counted in memory by each server worker process, so N workers admit up to N times the limit."),
)


PURE_PYTHON_ENV = "INSIDER_PURE_PYTHON"


def pure_python() -> bool:
    """INSIDER_PURE_PYTHON=1: the compiled fast paths stay unused (read at each call)."""
    return os.environ.get(PURE_PYTHON_ENV) == "1"


def _env(name: str) -> str | None:
    for s in SETTINGS:
        if s.name == name:
            value = os.environ.get(name)
            return value if value not in (None, "") else s.default
    raise KeyError(name)


def parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConfigurationError(f"INSIDER_NOW={text!r} is not an ISO-8601 date-time") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    opensearch_url: str | None
    opensearch_index_prefix: str
    now: datetime | None
    edgar_base_url: str
    sec_user_agent: str | None
    edgar_max_rps: float
    sector_overrides: Path | None
    auth_enabled: bool
    max_file_bytes: int
    rate_limit: str
    malloc_keep_mb: int = 64
    column_cache_mb: int = COLUMN_CACHE_MB
    extra: dict = field(default_factory=dict)

    def clock(self) -> datetime:
        """"Now" for lookbacks: pinned by INSIDER_NOW, else the wall clock (UTC)."""
        return self.now or datetime.now(timezone.utc)

    def require_user_agent(self) -> str:
        if not self.sec_user_agent or "@" not in self.sec_user_agent:
            raise ConfigurationError(
                "SEC_USER_AGENT must be set to 'Company Name admin@example.com' before talking to "
                "EDGAR (SEC fair-access rules require a declared User-Agent with a contact e-mail)"
            )
        return self.sec_user_agent


def _number(name: str, kind: type):
    text = _env(name)
    try:
        return kind(text)
    except ValueError:
        raise ConfigurationError(f"{name}={text!r} is not {'an integer' if kind is int else 'a number'}") from None


_ON, _OFF = ("on", "1", "true", "yes"), ("off", "0", "false", "no")


def _switch(name: str) -> bool:
    text = _env(name).strip().lower()
    if text not in _ON + _OFF:
        # a typo must not silently pick a side (for INSIDER_AUTH, either side would surprise someone)
        raise ConfigurationError(f"{name}={_env(name)!r} is neither on ({'/'.join(_ON)}) nor off ({'/'.join(_OFF)})")
    return text in _ON


def load() -> Settings:
    now = _env("INSIDER_NOW")
    overrides = _env("INSIDER_SECTOR_OVERRIDES")
    rps = _number("EDGAR_MAX_RPS", float)
    max_bytes = _number("INSIDER_MAX_FILE_BYTES", int)
    if max_bytes <= 0:
        raise ConfigurationError(f"INSIDER_MAX_FILE_BYTES must be a positive number of bytes, not {max_bytes}")
    keep_mb = _number("INSIDER_MALLOC_KEEP_MB", int)
    if not 0 <= keep_mb <= 1024:
        raise ConfigurationError(f"INSIDER_MALLOC_KEEP_MB must be from 0 to 1024 (MiB), not {keep_mb}")
    cache_mb = _number("INSIDER_COLUMN_CACHE_MB", int)
    if not 0 <= cache_mb <= 65536:
        raise ConfigurationError(f"INSIDER_COLUMN_CACHE_MB must be from 0 to 65536 (MiB), not {cache_mb}")
    if not 0 < rps <= 10:
        raise ConfigurationError("EDGAR_MAX_RPS must be in (0, 10]: SEC allows at most 10 requests/s")
    return Settings(
        data_dir=Path(_env("INSIDER_DATA_DIR")),
        opensearch_url=_env("OPENSEARCH_URL"),
        opensearch_index_prefix=_env("OPENSEARCH_INDEX_PREFIX"),
        now=parse_now(now) if now else None,
        edgar_base_url=_env("EDGAR_BASE_URL").rstrip("/"),
        sec_user_agent=_env("SEC_USER_AGENT"),
        edgar_max_rps=rps,
        sector_overrides=Path(overrides) if overrides else None,
        auth_enabled=_switch("INSIDER_AUTH"),
        max_file_bytes=max_bytes,
        rate_limit=_env("INSIDER_RATE_LIMIT"),
        malloc_keep_mb=keep_mb,
        column_cache_mb=cache_mb,
    )
