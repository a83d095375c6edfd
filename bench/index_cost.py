"""What one filing costs in CPU, piece by piece, against the end-to-end ingest budget.

The ingest target is 5,000 filings/s on 2 cores: 400 µs of CPU per filing, for everything. This
section measures where a filing's CPU goes, each piece apart, on the corpus's genuine filings:

  parse     XML -> filing document + transaction rows (the compiled parser), one core
  encode    those documents -> the JSON `IndexWriter.add_json` takes (`encode`), one core
  index     tantivy-py writing them (`add_json` + one commit), all of tantivy's threads,
            under four schemas:
              served      the schema the service writes (every field searchable, sortable,
                          aggregatable; the source stored)
              terms-only  the served schema without what it adds for OpenSearch's semantics:
                          no word pairs, no `_present` paths, no day terms, no positions
                          (every field still searchable by its terms)
              no-index    the same fields, stored and columnar as served, with no inverted
                          index at all (nothing searchable)
              store-only  only the stored source and document key (no field searchable,
                          nothing sortable or aggregatable)

Each index variant is written `--index-cost-rounds` times, the variants interleaved, and the
median kept: the machine's speed drifts by tens of percent over minutes. CPU time is the
process's (`time.process_time`, every thread), so tantivy's indexing threads count, and the
machine's idle time does not.

The three lower schemas are not products: they bound what any schema serving the same documents
can cost. Where `cargo` is installed, `tantivy` repeats the four without Python:
bench/tantivy_floor/ (Rust, the tantivy version tantivy-py embeds) parses the same JSON documents
(`parse_json`, what tantivy-py's `add_json` does first) and then writes them (`write`: add, one
commit), each timed apart. Its first build takes a few minutes.

`ceiling_filings_per_s_2_cores` is 2 cores divided by parse + encode + index under each schema,
every other cost of the pipeline (reading files, the worker pool, pickling, the
duplicate check, commits) left out.
"""
from __future__ import annotations

import functools
import json
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

BUDGET_US = 2 * 1e6 / 5000  # 2 cores, 5,000 filings/s
FLOOR_CRATE = Path(__file__).resolve().parent / "tantivy_floor"
VARIANTS = ("served", "terms-only", "no-index", "store-only")


def _lowered(field: dict, variant: str) -> dict:
    """A field of the served schema (as meta.json holds it) with no inverted index ("no-index"),
    and no column either ("store-only"); stored fields stay stored."""
    options = dict(field["options"])
    if field["type"] == "text":
        options["indexing"] = None
    else:
        options["indexed"] = False
        options["fieldnorms"] = False
    if variant == "store-only":
        options["fast"] = False
    return {**field, "options": options}


@functools.cache
def _served_schema() -> str:
    """The served schema as tantivy serializes it (meta.json's "schema"), from an empty index."""
    import tantivy

    from search.engines import tantivy_engine as te

    with tempfile.TemporaryDirectory(prefix="insider-index-cost-") as directory:
        tantivy.Index(te.build_schema(), path=directory)
        return json.dumps(json.loads((Path(directory) / "meta.json").read_text())["schema"])


def _schema_json(variant: str) -> list[dict]:
    """The variant's schema in tantivy's own JSON form: the served schema, lowered field by field
    (tantivy-py's SchemaBuilder cannot: it indexes a text column with its tokenizer)."""
    from search.engines import tantivy_engine as te

    served = json.loads(_served_schema())
    if variant == "served":
        return served
    if variant == "terms-only":
        extras = {te.PRESENT} | {p + te.PAIR_SUFFIX for p in te.PAIR_FIELDS} | {p + te.DAY_SUFFIX for p in te.DAY_FIELDS}
        out = []
        for field in served:
            if field["name"] in extras:
                field = _lowered(field, "no-index")
            elif field["type"] == "text" and field["options"].get("indexing"):
                field = {**field, "options": {**field["options"],
                                              "indexing": {**field["options"]["indexing"], "record": "basic"}}}
            out.append(field)
        return out
    return [_lowered(field, variant) for field in served]


def _open(variant: str, directory: str):
    """An empty tantivy-py index of the variant's schema in `directory`: created with the served
    schema, its meta.json's schema replaced before it is opened."""
    import tantivy

    from search.analysis import ANALYZER_NAME, tantivy_analyzer
    from search.engines import tantivy_engine as te

    tantivy.Index(te.build_schema(), path=directory)
    meta_path = Path(directory) / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["schema"] = _schema_json(variant)
    meta_path.write_text(json.dumps(meta))
    index = tantivy.Index.open(directory)
    index.register_tokenizer(ANALYZER_NAME, tantivy_analyzer())
    index.register_tokenizer(te.STORED_ONLY, te.stored_only_analyzer())
    return index


def _index_cpu_s(variant: str, documents: list[str]) -> float:
    """CPU seconds (all threads) for tantivy-py to write `documents` in one commit."""
    from search.engines import tantivy_engine as te

    directory = tempfile.mkdtemp(prefix="insider-index-cost-")
    try:
        writer = _open(variant, directory).writer(heap_size=te.WRITER_HEAP, num_threads=te.WRITER_THREADS)
        start = time.process_time()
        for document in documents:
            writer.add_json(document)
        writer.commit()
        writer.wait_merging_threads()
        return time.process_time() - start
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def bench_index_cost(filings: int, rounds: int) -> dict:
    from bench.corpus import real_submissions
    from indexer.pipeline import encode_all, prepare
    from search.engines.tantivy_engine import encode

    sources = real_submissions()[:filings]
    start = time.process_time()
    prepared = [prepare(name, data, 50_000_000, {}) for name, data in sources]
    parse_s = time.process_time() - start
    done = [p for p in prepared if p[0] == "ok"]
    start = time.process_time()
    encoded = [encode_all(encode, filing, rows) for _, filing, rows, _ in done]
    encode_s = time.process_time() - start
    documents = [doc for batch in encoded for doc in batch.values()]
    n, rows = len(done), sum(len(p[2]) for p in done)

    cpu: dict[str, list[float]] = {v: [] for v in VARIANTS}
    _index_cpu_s("served", documents[:500])  # warm-up: the tantivy code paged in
    for _ in range(rounds):
        for variant in VARIANTS:
            cpu[variant].append(_index_cpu_s(variant, documents))

    per_filing = lambda seconds: round(seconds / n * 1e6)  # noqa: E731
    parse_us, encode_us = per_filing(parse_s), per_filing(encode_s)
    index_us = {v: per_filing(statistics.median(runs)) for v, runs in cpu.items()}
    return {
        "filings": n, "rows": rows, "documents": len(documents), "rounds": rounds,
        "budget_us_per_filing": round(BUDGET_US),
        "parse_us_per_filing": parse_us, "encode_us_per_filing": encode_us,
        "index_us_per_filing": index_us,
        "index_us_per_filing_runs": {v: [per_filing(s) for s in runs] for v, runs in cpu.items()},
        "ceiling_filings_per_s_2_cores": {v: round(2e6 / (parse_us + encode_us + us)) for v, us in index_us.items()},
        "tantivy": _tantivy_alone(documents, n, rounds),
    }


def _tantivy_alone(documents: list[str], filings: int, rounds: int) -> dict:
    """bench/tantivy_floor run on the same documents under the same four schemas (medians of
    `rounds` interleaved runs, µs per filing), or why not."""
    if not shutil.which("cargo"):
        return {"skipped": "cargo is not installed (rustup.rs): bench/tantivy_floor is Rust"}
    build = subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=FLOOR_CRATE, capture_output=True, text=True)
    if build.returncode != 0:
        return {"skipped": f"bench/tantivy_floor did not build: {build.stderr.strip()[-500:]}"}
    binary = FLOOR_CRATE / "target" / "release" / "tantivy-floor"
    with tempfile.TemporaryDirectory(prefix="insider-index-cost-") as directory:
        lines = Path(directory) / "documents.jsonl"
        lines.write_text("".join(document + "\n" for document in documents))
        schemas = {}
        for variant in VARIANTS:
            schemas[variant] = Path(directory) / f"schema-{variant}.json"
            schemas[variant].write_text(json.dumps(_schema_json(variant)))
        runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for _ in range(rounds):
            for variant in VARIANTS:
                out = subprocess.run([str(binary), str(schemas[variant]), str(lines), str(filings)],
                                     capture_output=True, text=True, check=True)
                runs[variant].append(json.loads(out.stdout))
    return {variant: {key: round(statistics.median(r[key] for r in results)) for key in results[0]}
            | {"write_runs": [r["write_us_per_filing"] for r in results]}
            for variant, results in runs.items()}
