"""`make bench` / `python -m bench.run`: every measurement behind BENCHMARKS.md, in one run.

Sections (all by default; `--only parse,ingest` to pick):
  parse       XML -> filing document + transaction rows, one core (corpus scaled to --parse-filings)
  edgartools  edgartools' parser on the same XML, one core (sample, see bench/edgartools_parse.py)
  ingest      end to end into the embedded engine on all cores (--ingest-filings new filings)
  ingest-opensearch  the same into the OpenSearch node (--ingest-opensearch-filings; indexes
              `bench-ingest-*`, removed afterwards)
  index-cost  a filing's CPU piece by piece (parse, encode, tantivy under the served schema and
              three lower bounds) against the ingest budget (bench/index_cost.py)
  query       query-API latency, a fixed mix, both engines at --query-filings filings
  analytics   summary/by-ticker and aggregation/by-sector latency, both engines
  http        requests/s of ticker queries through gunicorn, load from `wrk` on loopback
Results go to bench/results/latest.json and are printed as Markdown.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _cpu_times() -> list[int] | None:
    try:
        with open("/proc/stat") as f:
            return [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


class CpuSteal:
    """The share of the machine's CPU time the hypervisor gave to other guests while a measurement
    ran (`steal` in /proc/stat, Linux): on a shared virtual machine a slow run shows here, not in
    the code. `pct` is None where /proc/stat is not there."""

    def __enter__(self):
        self.before, self.pct = _cpu_times(), None
        return self

    def __exit__(self, *exc):
        after = _cpu_times()
        if self.before and after and len(after) > 7:
            delta = [b - a for a, b in zip(self.before, after)]
            self.pct = round(100 * delta[7] / max(1, sum(delta[:8])), 1)


def latency_summary(samples_ms: list[float]) -> dict:
    return {"n": len(samples_ms), "median_ms": round(statistics.median(samples_ms), 2),
            "p99_ms": round(percentile(samples_ms, 99), 2)}


def bench_parse(n: int) -> dict:
    from bench.corpus import scaled_sources
    from indexer.pipeline import prepare

    from indexer import native

    sources = [(s.name, s.data) for s in scaled_sources(min(n, 2016))]
    done = rows = 0
    first_pass = None
    start = time.perf_counter()
    while done < n:
        for name, data in sources:
            result = prepare(name, data, 50_000_000, {})
            rows += len(result[2]) if result[0] == "ok" else 0
            done += 1
            if done >= n:
                break
        if first_pass is None:  # every text new to the derive rules' caches, as in a real backfill
            first_pass = done / (time.perf_counter() - start)
    seconds = time.perf_counter() - start
    return {"filings": done, "rows": rows, "seconds": round(seconds, 2), "filings_per_s_one_core": round(done / seconds),
            "first_pass_filings_per_s": round(first_pass), "first_pass_filings": min(n, len(sources)),
            "parser": "native" if native.enabled() else "python"}


def bench_edgartools(n: int) -> dict:
    from bench.corpus import real_submissions
    from bench.edgartools_parse import measure
    from indexer.submission import unwrap

    xmls = [unwrap(d, name, 50_000_000).xml for name, d in real_submissions()]
    sample = (xmls * (n // len(xmls) + 1))[:n]
    return {"documents": len(sample), "documents_per_s_one_core": round(measure(sample))}


def bench_ingest(n: int, workers: int) -> dict:
    from bench.corpus import scaled_sources
    from indexer.pipeline import Ingestor
    from insider import settings as settings_module
    from search.engines.tantivy_engine import TantivyEngine

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSIDER_DATA_DIR"] = tmp
        settings = settings_module.load()
        engine = TantivyEngine(Path(tmp))
        ingestor = Ingestor(engine, settings, batch_size=2000, workers=workers)
        start = time.perf_counter()
        report = ingestor.ingest(scaled_sources(n))
        seconds = time.perf_counter() - start
        engine.close()
    return {"filings": report.ingested, "rejected": len(report.rejected), "workers": workers,
            "seconds": round(seconds, 1), "filings_per_s": round(report.ingested / seconds)}


def bench_ingest_opensearch(n: int, workers: int, encode_on_write: bool = False) -> dict:
    """End to end into OpenSearch (OPENSEARCH_TEST_URL, default 127.0.0.1:9200). `encode_on_write`:
    the writing process encodes every bulk document itself, as before the workers did (session 5)."""
    from bench.corpus import scaled_sources
    from indexer.pipeline import Ingestor
    from insider import settings as settings_module
    from search.engines.opensearch import OpenSearchEngine

    url = os.environ.get("OPENSEARCH_TEST_URL", "http://127.0.0.1:9200")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSIDER_DATA_DIR"] = tmp
        engine = OpenSearchEngine(url, prefix="bench-ingest")
        if encode_on_write:
            engine.encoder = None
        engine.client.indices.delete(index="bench-ingest-*", ignore_unavailable=True)
        try:
            ingestor = Ingestor(engine, settings_module.load(), batch_size=2000, workers=workers)
            start = time.perf_counter()
            report = ingestor.ingest(scaled_sources(n))
            seconds = time.perf_counter() - start
        finally:
            engine.client.indices.delete(index="bench-ingest-*", ignore_unavailable=True)
            engine.close()
    return {"filings": report.ingested, "rejected": len(report.rejected), "workers": workers,
            "encoded_in": "the writing process" if encode_on_write else "the workers",
            "seconds": round(seconds, 1), "filings_per_s": round(report.ingested / seconds)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="parse,edgartools,ingest,ingest-opensearch,index-cost,query,analytics,http")
    parser.add_argument("--parse-filings", type=int, default=100_000)
    parser.add_argument("--edgartools-documents", type=int, default=2_000)
    parser.add_argument("--ingest-filings", type=int, default=100_000)
    parser.add_argument("--ingest-opensearch-filings", type=int, default=20_000)
    parser.add_argument("--opensearch-encode-on-write", action="store_true",
                        help="ingest-opensearch: encode in the writing process, not the workers (the earlier way)")
    parser.add_argument("--index-cost-filings", type=int, default=2016,
                        help="index-cost: how many of the corpus's genuine submissions (all 2,016 by default)")
    parser.add_argument("--index-cost-rounds", type=int, default=5,
                        help="index-cost: each schema written this many times, interleaved; the median kept")
    parser.add_argument("--query-filings", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--engines", default="tantivy,opensearch", help="serving benchmarks: which engines")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="serving benchmarks: keep the embedded index here and reuse it on the next run with "
                             "the same --query-filings (default: a temporary directory, removed afterwards)")
    parser.add_argument("--serving-order", choices=("filed", "drawn"), default="filed",
                        help="serving benchmarks: load the scaled filings in filing order (as `insider sync`, "
                             "`insider follow` and `insider reindex` write them) or in the order drawn, dates "
                             "scattered (an index ingested in no particular order)")
    parser.add_argument("--analytics-rounds", type=int, default=1000,
                        help="analytics: requests timed per endpoint (before session 15: 100, whose p99 is the "
                             "second slowest)")
    args = parser.parse_args(argv)
    sections = args.only.split(",")
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if "parse" in sections:
        results["parse"] = bench_parse(args.parse_filings)
        print("parse", results["parse"], flush=True)
    if "edgartools" in sections:
        results["edgartools"] = bench_edgartools(args.edgartools_documents)
        print("edgartools", results["edgartools"], flush=True)
    if "ingest" in sections:
        results["ingest"] = bench_ingest(args.ingest_filings, args.workers)
        print("ingest", results["ingest"], flush=True)
    if "ingest-opensearch" in sections:
        results["ingest_opensearch"] = bench_ingest_opensearch(args.ingest_opensearch_filings, args.workers,
                                                               args.opensearch_encode_on_write)
        print("ingest-opensearch", results["ingest_opensearch"], flush=True)
    if "index-cost" in sections:
        from bench.index_cost import bench_index_cost

        with CpuSteal() as steal:
            results["index_cost"] = bench_index_cost(args.index_cost_filings, args.index_cost_rounds)
        results["index_cost"]["steal_pct"] = steal.pct
        print("index-cost", results["index_cost"], flush=True)
    if {"query", "analytics", "http"} & set(sections):
        from bench.serving import bench_serving

        results.update(bench_serving(args.query_filings, sections, tuple(args.engines.split(",")), args.data_dir,
                                     args.serving_order, args.analytics_rounds))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"latest-{'-'.join(sections)}.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
