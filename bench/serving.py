"""Serving benchmarks at scale: query-API and analytics latency on both engines, HTTP throughput.

Both engines are loaded with the same `bench.corpus.scaled_filings(N)` documents. Latency is
measured in-process (the engine call behind the endpoint) for a fixed query mix, sequentially,
after a warm-up pass; HTTP throughput uses gunicorn on 127.0.0.1 and `wrk` for load.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.run import CpuSteal, latency_summary

QUERY_MIX = [
    "issuer.tradingSymbol:{ticker}",
    "issuer.tradingSymbol:{ticker} AND nonDerivativeTable.transactions.coding.code:S",
    "reportingOwner.relationship.isDirector:true AND issuer.tradingSymbol:{ticker}",
    "nonDerivativeTable.transactions.coding.code:P AND filedAt:[2019-01-01 TO 2019-12-31]",
    "footnotes.text:10b5-1 AND issuer.tradingSymbol:{ticker}",
    'footnotes.text:"weighted average"',
    "reportingOwner.name:brin",
    "documentType:(3 OR 5) AND NOT derivativeTable:*",
    "issuer.tradingSymbol:T00*",
    "nonDerivativeTable.transactions.amounts.shares:>100000",
]
SORTS = [None, [{"periodOfReport": {"order": "asc"}}]]
WARMUP_ROUNDS = 5


def _load(engine, settings, filings: int, order: str = "filed") -> float:
    from bench.corpus import scaled_filings
    from indexer.pipeline import Ingestor

    start = time.perf_counter()
    Ingestor(engine, settings, batch_size=5000, workers=os.cpu_count() or 2).ingest_documents(scaled_filings(filings, order=order))
    return time.perf_counter() - start


def _query_latency(engine, rounds: int) -> dict:
    """The query API's search (`raw`, as the endpoint serves it: stored JSON passed through) for
    the fixed mix, each query sorted two ways at two offsets, after a warm-up; the slowest
    templates listed."""
    from search.filings import SearchParams, search_filings

    def mix(seed: int, n: int) -> list[tuple]:
        rng = random.Random(seed)
        return [(template, template.format(ticker=f"T{rng.randrange(5000):04d}"), sort, offset)
                for _ in range(n) for template in QUERY_MIX for sort in SORTS for offset in (0, 500)]

    # Warm-up: five rounds of the mix on other tickers, not measured. A node started just before
    # (caches empty, its JIT not yet compiled) otherwise puts its first minute into the tail.
    for _, query, sort, offset in mix(0, WARMUP_ROUNDS):
        search_filings(engine, SearchParams.from_raw(query, offset, 50, sort), raw=True)
    cases = mix(1, rounds)
    samples, by_case = [], {}
    for template, query, sort, offset in cases:
        start = time.perf_counter()
        search_filings(engine, SearchParams.from_raw(query, offset, 50, sort), raw=True)
        ms = (time.perf_counter() - start) * 1000
        samples.append(ms)
        by_case.setdefault(f"{template} | sort={'periodOfReport' if sort else 'filedAt'} from={offset}", []).append(ms)
    out = latency_summary(samples)
    slowest = sorted(by_case.items(), key=lambda kv: -max(kv[1]))[:6]
    out["slowest_cases"] = {case: latency_summary(values) for case, values in slowest}
    return out


def _analytics_latency(app, engine, rounds: int) -> dict:
    from mappings.transactions import TRANSACTIONS
    from search.query import ast

    client = app.test_client()
    rng = random.Random(2)
    out = {}
    # Tickers that have rows (a small corpus leaves some of the 5,000 synthetic ones without any).
    result = engine.aggregate(TRANSACTIONS, ast.MatchAll(), {"t": {"terms": {"field": "ticker", "size": 5000}}})
    tickers = sorted(b["key"] for b in result["t"]["buckets"])
    urls = {
        "summary_by_ticker": lambda: f"/insider-module/api/insiders/summary/by-ticker/{rng.choice(tickers)}?filed_at_days=3650",
        "aggregation_by_sector": lambda: f"/insider-module/api/insiders/aggregation/by-sector?filed_at_days={rng.choice([30, 365])}",
    }
    for name, url in urls.items():
        for _ in range(5):
            client.get(url())
        samples: dict[str, list[float]] = {}
        with CpuSteal() as steal:
            for _ in range(rounds):
                target = url()
                start = time.perf_counter()
                response = client.get(target)
                samples.setdefault(target, []).append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.get_data(as_text=True)
        out[name] = {**latency_summary([ms for values in samples.values() for ms in values]),
                     "cpu_steal_pct": steal.pct}
        if name == "aggregation_by_sector":  # the two windows of the mix, apart
            for target, values in sorted(samples.items()):
                out[f"{name}_{target.rsplit('=', 1)[1]}d"] = latency_summary(values)
    return out


def _http_throughput(data_dir: Path, seconds: int = 10, runs: int = 3) -> dict:
    """Ticker queries (size 10, 5,000 tickers in turn) through gunicorn as `make serve` runs it,
    from `wrk` on loopback: a 5 s warm-up run, then `runs` runs of `seconds` each, median
    reported (on this 2-core machine one run differs from the next by up to ±30 %)."""
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    env = {**os.environ, "INSIDER_DATA_DIR": str(data_dir), "OPENSEARCH_URL": "", "INSIDER_AUTH": "off",
           "INSIDER_RATE_LIMIT": "100000000/minute"}
    port = "8765"
    server = subprocess.Popen(
        [str(Path(os.sys.executable).parent / "gunicorn"), "--config", "service/gunicorn.conf.py",
         "service.app:create_app()", "--bind", f"127.0.0.1:{port}"], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        script = Path(tempfile.mkdtemp()) / "ticker.lua"
        script.write_text(
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            "counter = 0\nrequest = function()\n  counter = counter + 1\n"
            '  local body = string.format(\'{"query": "issuer.tradingSymbol:T%04d", "size": "10"}\', counter % 5000)\n'
            '  return wrk.format(nil, "/insider-trading", nil, body)\nend\n')
        # One short run first, not counted: each worker opens the index and faults its pages in
        # on its first requests (a cold first run measured 607 req/s where the next ones gave 1,012
        # and 1,078).
        subprocess.run(["wrk", "-t2", "-c32", "-d5s", "-s", str(script), f"http://127.0.0.1:{port}"],
                       capture_output=True, text=True)
        rates, cpu, errors, stolen = [], [], [], []
        for _ in range(runs):
            before = _workers_cpu_s(server.pid)
            with CpuSteal() as steal:
                result = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script),
                                         f"http://127.0.0.1:{port}"], capture_output=True, text=True)
            stolen.append(steal.pct)
            text = result.stdout
            rates.append(float(next(line.split()[1] for line in text.splitlines() if line.startswith("Requests/sec"))))
            cpu.append((_workers_cpu_s(server.pid) - before) / (rates[-1] * seconds) * 1000)
            errors += [line.strip() for line in text.splitlines() if "Non-2xx" in line or "Socket errors" in line]
        shutil.rmtree(script.parent, ignore_errors=True)
        # The workers' CPU time per request (user + system, from /proc) shows how much of a change
        # between runs is the machine's: the same code measured 1.4-2.1 ms in one session.
        return {"requests_per_s": round(statistics.median(rates)), "runs": [round(r) for r in rates],
                "worker_cpu_ms_per_request": [round(c, 2) for c in cpu], "cpu_steal_pct": stolen,
                "connections": 32, "seconds_per_run": seconds, "errors": errors}
    finally:
        server.terminate()
        server.wait()


def _workers_cpu_s(server_pid: int) -> float:
    """CPU seconds (user + system) spent so far by gunicorn's worker processes (Linux /proc)."""
    try:
        children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
        ticks = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _opensearch_holds(engine, filings: int) -> bool:
    """The bench indexes of an earlier run hold exactly the scaled corpus of this size (it is
    deterministic) under this version's mappings, so a second run measures them instead of
    loading for an hour."""
    from mappings.filings import FILINGS
    from search.engines.opensearch import index_definition
    from search.engines.tantivy_engine import SPECS

    try:
        if engine.client.count(index=engine.alias(FILINGS))["count"] != filings:
            return False
        for spec in SPECS:
            live = engine.client.indices.get_mapping(index=engine.alias(spec))
            (mapping,) = (m["mappings"] for m in live.values())
            if mapping.get("properties") != index_definition(spec)["mappings"]["properties"]:
                return False
        return True
    except Exception:  # noqa: BLE001 - no index yet
        return False


def _opensearch_settle(engine, limit_s: int = 900) -> float:
    """Refresh, then wait until the node runs no merge, so that measurements do not share the
    two cores with the merges a bulk load leaves behind (the embedded engine waits likewise)."""
    start = time.perf_counter()
    from search.engines.tantivy_engine import SPECS

    engine.client.indices.refresh(index=",".join(engine.alias(spec) for spec in SPECS))
    while time.perf_counter() - start < limit_s:
        stats = engine.client.nodes.stats(metric="indices", index_metric="merge")
        if all(node["indices"]["merges"]["current"] == 0 for node in stats["nodes"].values()):
            break
        time.sleep(2)
    return round(time.perf_counter() - start, 1)


LOADED_MARK = "bench-loaded-filings"


def _mark(filings: int, order: str = "filed") -> str:
    """What a reusable embedded index holds: the number of filings, the order they were loaded in
    and the schema it was written with (an index from another schema would be served in its
    legacy mode)."""
    from search.engines import tantivy_engine as te

    layout = repr((sorted((p, f.type) for p, f in te.FIELDS.items()), sorted(te.FAST), sorted(te.DAY_FIELDS),
                   te._source_is_text(te.build_schema()), sorted(te.PAIR_FIELDS)))
    suffix = "" if order == "drawn" else f" {order}"  # "drawn" indexes predate the choice: their marks stay valid
    return f"{filings} {hashlib.sha256(layout.encode()).hexdigest()[:16]}{suffix}"


def bench_serving(filings: int, sections: list[str], engine_names: tuple[str, ...] = ("tantivy", "opensearch"),
                  data_dir: Path | None = None, order: str = "filed", analytics_rounds: int = 1000) -> dict:
    """`data_dir`: keep the embedded index there, and reuse it when an earlier run already loaded
    the same number of filings into it (loading 1M filings takes ~25 minutes); otherwise the
    index lives in a temporary directory that is removed afterwards. `analytics_rounds`: requests
    timed per analytics endpoint (a p99 needs many more than 100, whose p99 is the second slowest)."""
    from insider import settings as settings_module
    from search.engines.tantivy_engine import TantivyEngine

    results: dict = {}
    keep = data_dir is not None
    tmp = Path(data_dir) if keep else Path(tempfile.mkdtemp(prefix="bench-serving-"))
    tmp.mkdir(parents=True, exist_ok=True)
    mark = tmp / LOADED_MARK
    os.environ.update(INSIDER_DATA_DIR=str(tmp), OPENSEARCH_URL="", INSIDER_AUTH="off",
                      INSIDER_NOW="2026-01-01T00:00:00Z")
    settings = settings_module.load()
    engines = ({"tantivy": TantivyEngine(tmp, column_cache_mb=settings.column_cache_mb)}
               if "tantivy" in engine_names else {})
    url = os.environ.get("OPENSEARCH_TEST_URL", "http://127.0.0.1:9200")
    try:
        if "opensearch" not in engine_names:
            raise OSError("not asked for")
        urllib.request.urlopen(f"{url}/_cluster/health", timeout=2)
        from search.engines.opensearch import OpenSearchEngine

        engines["opensearch"] = OpenSearchEngine(url, prefix="bench")
    except OSError as exc:
        results["opensearch"] = {"skipped": f"no OpenSearch at {url}: {exc}"}
    try:
        _measure(engines, settings, filings, sections, results, tmp, mark, order, analytics_rounds)
    finally:
        for engine in engines.values():
            engine.close()
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


def _measure(engines: dict, settings, filings: int, sections: list[str], results: dict, tmp: Path, mark: Path,
             order: str, analytics_rounds: int) -> None:
    from service.app import create_app

    for name, engine in engines.items():
        if name == "tantivy" and mark.exists() and mark.read_text().strip() == _mark(filings, order):
            engine.ensure_ready()
            entry = {"filings": filings, "order": order, "load_seconds": None, "reused_index": str(tmp)}
        elif name == "opensearch" and _opensearch_holds(engine, filings):
            entry = {"filings": filings, "load_seconds": None, "reused_index": "bench-* indexes",
                     "merges_waited_s": _opensearch_settle(engine)}
        else:
            if name == "tantivy":  # another size, another schema, or a load that did not finish
                mark.unlink(missing_ok=True)
                shutil.rmtree(tmp / "index", ignore_errors=True)
            else:  # likewise: the bench indexes start empty, under this version's mappings
                engine.client.indices.delete(index=f"{engine.prefix}-*", ignore_unavailable=True)
            engine.ensure_ready()
            entry = {"filings": filings, "order": order, "load_seconds": round(_load(engine, settings, filings, order))}
            if name == "tantivy":
                engine.close()  # lets tantivy finish merging segments: measurements start on a settled index
                mark.write_text(_mark(filings, order))
            else:
                entry["merges_waited_s"] = _opensearch_settle(engine)
        if "query" in sections:
            entry["query"] = _query_latency(engine, rounds=20)
        if "analytics" in sections:
            entry["analytics"] = _analytics_latency(create_app(settings, engine), engine, rounds=analytics_rounds)
        results[name] = entry
        print(name, entry, flush=True)
    if "http" in sections and "tantivy" in engines:
        results["http_tantivy"] = _http_throughput(tmp)
        print("http", results["http_tantivy"], flush=True)
