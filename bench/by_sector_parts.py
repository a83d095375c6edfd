"""What aggregation/by-sector's engine request costs, piece by piece, on a loaded embedded index.

    .venv/bin/python -m bench.by_sector_parts --data-dir /tmp/bench-1m [--days 365]

`--data-dir` is the directory `bench.run --data-dir` keeps its 1M-filing index in. Each line is
the median of seven runs of one aggregation over the rows of the default by-sector filter
(`filed_at_days` = --days, "now" pinned as in the serving bench); the first line is the whole
request as by_sector() sends it, the others its parts alone, through tantivy-py's own aggregation
and, in a second column, through the compiled one when it is built (native/aggregate/). The
process keeps freed memory as the server does (INSIDER_MALLOC_KEEP_MB).
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH_NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)  # bench.serving pins INSIDER_NOW to this


def median_ms(run, times: int = 7) -> float:
    """The median of `times` runs of `run()` after one unmeasured run, in milliseconds."""
    run()
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(argv=None) -> int:
    from mappings.transactions import TRANSACTIONS
    from search.analytics.by_sector import distinct_counts, group_size, sector_filters, sums_aggs
    from search.analytics.filters import filter_node
    from search.analytics.slices import RIDE_ALONG_SIZE, distinct_aggs, planned, terms_size
    from search.engines.tantivy_engine import TantivyEngine, _agg_request

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args(argv)

    from insider import settings
    from insider.memory import keep_freed_memory

    keep_freed_memory(settings.load().malloc_keep_mb)
    engine = TantivyEngine(args.data_dir)
    engine.ensure_ready()
    filters = sector_filters(filed_at_days=args.days)
    searcher = engine._searcher()
    query = engine._kind_query(TRANSACTIONS, filter_node(filters, BENCH_NOW))
    rows = searcher.search(query, 1, count=True).count

    counts = planned(distinct_counts("sector"), filters.filing_level)
    size = terms_size(counts, RIDE_ALONG_SIZE, group_size("sector"))
    distinct = distinct_aggs(counts, size, group_size("sector"))
    groups = sums_aggs("sector")["groups"]
    parts = {
        "whole request": {**sums_aggs("sector"), **distinct},
        "rows: count only": {"n": {"value_count": {"field": "line"}}},
        "groups (sector)": {"g": {"terms": groups["terms"]}},
        "groups + flow (side sums)": {"g": {"terms": groups["terms"], "aggs": {"side": groups["aggs"]["side"]}}},
        "groups + issuers": {"g": {"terms": groups["terms"], "aggs": {"issuers": groups["aggs"]["issuers"]}}},
        "groups + issuers as terms buckets": {"g": {"terms": groups["terms"], "aggs": {
            "issuers": {"terms": {"field": "issuer_cik", "size": groups["aggs"]["issuers"]["distinct"]["size"]}}}}},
        **{f"distinct: {name}": {name: agg} for name, agg in distinct.items()},
    }
    compiled = engine._compiled()
    spec = engine._kind_query(TRANSACTIONS, filter_node(filters, BENCH_NOW), engine.translate.for_spec())
    print(f"{rows} rows in the {args.days}-day window; medians in ms: tantivy-py, compiled")
    for name, aggs in parts.items():
        request = _agg_request(aggs)
        line = f"{name:34s} {median_ms(lambda: searcher.aggregate(query, request)):7.1f}"
        if compiled is not None:
            line += f" {median_ms(lambda: compiled.aggregate(spec, aggs)):7.1f}"
        print(line)
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
