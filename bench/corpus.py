"""The benchmark corpus: the real filings of ../shared/corpus, scaled up by a documented generator.

Scaling rule (`scaled_sources`): copy k of a complete submission `.txt` gets a new accession number
(the original's filer prefix, year `90+k % 10`, and a sequence unique per copy) substituted in the
header, so every copy is a distinct filing with the real XML body. Nothing else changes: parse and
ingest costs are those of real filings.

Document-level scaling (`scaled_filings`, for the 1M-filing query benchmarks) copies parsed filings
with a new accession number, shifts every date by whole weeks (so copies spread over ~20 years of
filedAt), and maps the issuer to one of 5,000 synthetic issuers (ticker `T0000`..`T4999`, same
sector as the original issuer) — the shape of the real market (many issuers, few filings each)
instead of 1M filings on the corpus's few hundred tickers.
"""
from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

from indexer.pipeline import Source, prepare

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "raw"
_ACCESSION = re.compile(rb"ACCESSION NUMBER:\s*(\d{10})-(\d{2})-(\d{6})")


def real_submissions() -> list[tuple[str, bytes]]:
    """Every genuine complete submission .txt of the corpus that holds an accession number."""
    out = []
    for path in sorted((CORPUS / "submissions_txt").rglob("*.txt")):
        data = path.read_bytes()
        if _ACCESSION.search(data[:4000]):
            out.append((str(path), data))
    return out


def scaled_sources(count: int) -> Iterator[Source]:
    base = real_submissions()
    for i in range(count):
        name, data = base[i % len(base)]
        m = _ACCESSION.search(data[:4000])
        old = b"-".join(m.groups())
        new = b"%s-%02d-%06d" % (m.group(1)[:4] + b"%06d" % (i % 1_000_000), 90 + i // 1_000_000 % 10, i % 1_000_000)
        yield Source(f"{name}#{i}", data.replace(old, new))


def parsed_corpus() -> list[dict]:
    filings = []
    for name, data in real_submissions():
        result = prepare(name, data, 50_000_000, {})
        if result[0] == "ok" and result[1]["filedAt"]:
            filings.append(result[1])
    return filings


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _shift(value, weeks: int):
    if isinstance(value, str) and _DATE.match(value):
        try:
            if len(value) == 10:
                return (date.fromisoformat(value) + timedelta(weeks=weeks)).isoformat()
            return (datetime.fromisoformat(value) + timedelta(weeks=weeks)).isoformat()
        except ValueError:
            return value
    if isinstance(value, dict):
        return {k: _shift(v, weeks) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift(v, weeks) for v in value]
    return value


def scaled_filings(count: int, seed: int = 42, order: str = "filed") -> Iterator[dict]:
    """`count` filings drawn as the module docstring says. `order="filed"` (the default) yields them
    in filing order (`filedAt`, then the draw), as `insider sync` and `insider follow` deliver
    EDGAR's filings and `insider reindex` rewrites an index; `order="drawn"` yields them in the
    order drawn, every copy's dates scattered over 20 years (the layout of an index ingested in
    no particular order; the benchmarks' only layout before session 8). Both yield the same
    documents."""
    import hashlib

    if order not in ("filed", "drawn"):
        raise ValueError(f"order must be 'filed' or 'drawn', not {order!r}")
    base = parsed_corpus()
    rng = random.Random(seed)
    draws = [(i, rng.randrange(-520, 260), rng.randrange(5000)) for i in range(count)]
    if order == "filed":
        filed = [datetime.fromisoformat(doc["filedAt"]) for doc in base]
        draws.sort(key=lambda d: (filed[d[0] % len(base)] + timedelta(weeks=d[1]), d[0]))
    for i, weeks, issuer_no in draws:
        original = base[i % len(base)]
        doc = _shift(original, weeks)
        accession = f"{9000000000 + i // 1_000_000:010d}-{(i // 100_000) % 100:02d}-{i % 1_000_000:06d}"
        doc["accessionNo"] = accession
        doc["id"] = hashlib.md5(accession.encode()).hexdigest()
        doc["issuer"] = {"cik": str(5_000_000 + issuer_no), "name": f"Synthetic Issuer {issuer_no}",
                         "tradingSymbol": f"T{issuer_no:04d}"}
        yield doc
