"""Ingest is idempotent, treats amendments as documented, and survives kill -9."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer.pipeline import Ingestor, Source, prepare
from mappings.filings import FILINGS
from mappings.transactions import TRANSACTIONS
from search.engines.tantivy_engine import TantivyEngine
from search.query import ast
from tests.builders import Owner, Tx, form4_xml, submission_txt
from tests.conftest import ROOT, make_settings

ORIGINAL = "0000999001-25-000010"
AMENDMENT = "0000999001-25-000011"


def rows_of(engine, accession: str) -> list[dict]:
    return engine.search(TRANSACTIONS, ast.Term("accession_no", accession), [], 0, 1000).documents


def test_ingesting_the_same_filing_twice_keeps_one_copy(tantivy_engine, settings):
    ingestor = Ingestor(tantivy_engine, settings, workers=1)
    source = Source("a.txt", submission_txt(form4_xml(transactions=[Tx(), Tx(code="P", side="A")]), ORIGINAL))
    first = ingestor.ingest([source])
    second = ingestor.ingest([source, source])
    assert (first.ingested, second.ingested, second.duplicates) == (1, 0, 2)
    assert tantivy_engine.search(FILINGS, ast.Term("accessionNo", ORIGINAL), [], 0, 10).total == 1
    assert len(rows_of(tantivy_engine, ORIGINAL)) == 2


def test_the_same_filing_as_txt_and_as_bare_xml_named_by_accession_is_one_filing(tantivy_engine, settings):
    xml = form4_xml()
    report = Ingestor(tantivy_engine, settings, workers=1).ingest(
        [Source("x.txt", submission_txt(xml, ORIGINAL)), Source(f"{ORIGINAL}.xml", xml)])
    assert (report.ingested, report.duplicates) == (1, 1)


def test_a_submission_replaces_a_bare_xml_copy_of_the_same_filing_in_either_order(tmp_path):
    # Bare XML has no filing time and no SIC code; the submission around it has both. Whichever
    # comes first (a directory walk reads ownership_xml/ before submissions_txt/), the filing
    # ends up with them, and so do its rows (filed_at windows, sectors).
    xml = form4_xml()
    txt = Source("x.txt", submission_txt(xml, ORIGINAL, sic="3711"))
    bare = Source(f"{ORIGINAL}.xml", xml)
    for name, batches in {"xml first, one batch": [[bare, txt]], "xml first, two batches": [[bare], [txt]],
                          "txt first, two batches": [[txt], [bare]]}.items():
        settings = make_settings(tmp_path / name.replace(" ", "_").replace(",", ""))
        engine = TantivyEngine(settings.data_dir)
        ingestor = Ingestor(engine, settings, workers=1)
        reports = [ingestor.ingest(batch) for batch in batches]
        # the summary counts one filing, and says when a later copy replaced the stored one
        assert sum(r.ingested for r in reports) == 1, name
        assert [r.replaced for r in reports] == ([0, 1] if name == "xml first, two batches" else [0] * len(batches)), name
        (filing,) = engine.search(FILINGS, ast.MatchAll(), [], 0, 10).documents
        assert filing["filedAt"] == "2025-03-04T16:30:00-05:00", name
        assert filing["classification"]["sic"] == "3711", name
        assert [(r["filed_at"], r["sic"]) for r in rows_of(engine, ORIGINAL)] == [("2025-03-04T16:30:00-05:00", "3711")], name
        engine.close()


def _original_and_amendment(amendment_has_transactions: bool):
    original = submission_txt(form4_xml(transactions=[Tx(shares="100")]), ORIGINAL, accepted="20250304163000")
    restated = form4_xml(document_type="4/A", original_date="2025-03-04",
                         transactions=[Tx(shares="120")] if amendment_has_transactions else [], holdings=1)
    return Source("orig.txt", original), Source("amend.txt", submission_txt(restated, AMENDMENT, accepted="20250310090000"))


def test_an_amendment_restating_transactions_supersedes_the_original_in_either_order(tmp_path):
    for order in ("original first", "amendment first"):
        settings = make_settings(tmp_path / order)
        engine = TantivyEngine(settings.data_dir)
        original, amendment = _original_and_amendment(True)
        sources = [original, amendment] if order == "original first" else [amendment, original]
        ingestor = Ingestor(engine, settings, workers=1, batch_size=1)
        ingestor.ingest(sources)
        assert [r["superseded"] for r in rows_of(engine, ORIGINAL)] == [True], order
        assert [(r["superseded"], r["shares"]) for r in rows_of(engine, AMENDMENT)] == [(False, 120)], order
        engine.close()


def test_a_parsed_original_replacing_its_data_set_copy_beside_its_amendment_keeps_only_parsed_rows(
        tantivy_engine, settings):
    """The batch's original is already stored (from a data set, with an extra line): its stored
    rows are replaced by the parsed ones, marked superseded, never written back."""
    original, amendment = _original_and_amendment(True)
    _, parsed, _, _ = prepare(original.name, original.data, settings.max_file_bytes, {})
    rebuilt = {k: v for k, v in parsed.items() if k != "classification"}
    rebuilt["nonDerivativeTable"] = {"transactions": parsed["nonDerivativeTable"]["transactions"] * 2}
    rebuilt["dataSet"] = "2025q1_form345.zip"
    ingestor = Ingestor(tantivy_engine, settings, workers=1)
    ingestor.ingest_documents([rebuilt])
    assert len(rows_of(tantivy_engine, ORIGINAL)) == 2
    ingestor.ingest([original, amendment])
    rows = rows_of(tantivy_engine, ORIGINAL)
    assert [(r["superseded"], r["line"], r.get("sector")) for r in rows] == [(True, 0, parsed["classification"]["sector"])]


def test_an_amendment_restating_only_holdings_leaves_the_original_counted(tantivy_engine, settings):
    original, amendment = _original_and_amendment(False)
    Ingestor(tantivy_engine, settings, workers=1, batch_size=1).ingest([original, amendment])
    assert [r["superseded"] for r in rows_of(tantivy_engine, ORIGINAL)] == [False]
    assert rows_of(tantivy_engine, AMENDMENT) == []


SECOND_AMENDMENT = "0000999001-25-000012"
OPTION = ("<derivativeTable><derivativeTransaction><securityTitle><value>Stock Option</value></securityTitle>"
          "<conversionOrExercisePrice><value>10</value></conversionOrExercisePrice><transactionDate><value>"
          "2025-03-03</value></transactionDate><transactionCoding><transactionFormType>4</transactionFormType>"
          "<transactionCode>M</transactionCode><equitySwapInvolved>0</equitySwapInvolved></transactionCoding>"
          "<transactionAmounts><transactionShares><value>{shares}</value></transactionShares>"
          "<transactionPricePerShare><value>0</value></transactionPricePerShare><transactionAcquiredDisposedCode>"
          "<value>D</value></transactionAcquiredDisposedCode></transactionAmounts><underlyingSecurity>"
          "<underlyingSecurityTitle><value>Common Stock</value></underlyingSecurityTitle><underlyingSecurityShares>"
          "<value>{shares}</value></underlyingSecurityShares></underlyingSecurity><postTransactionAmounts>"
          "<sharesOwnedFollowingTransaction><value>0</value></sharesOwnedFollowingTransaction>"
          "</postTransactionAmounts><ownershipNature><directOrIndirectOwnership><value>D</value>"
          "</directOrIndirectOwnership></ownershipNature></derivativeTransaction></derivativeTable>")


def _filing(accession: str, accepted: str, stock: list[str], options: list[str] = (), amends: bool = False):
    xml = form4_xml(document_type="4/A" if amends else "4", original_date="2025-03-04" if amends else None,
                    transactions=[Tx(shares=n) for n in stock])
    if options:
        xml = xml.replace(b"<ownerSignature>", "".join(OPTION.format(shares=n) for n in options).encode()
                          + b"<ownerSignature>")
    return Source(f"{accession}.txt", submission_txt(xml, accession, accepted=accepted))


def counted(engine) -> list[tuple[str, str, float]]:
    rows = engine.search(TRANSACTIONS, ast.Term("superseded", False), [], 0, 100).documents
    return sorted((r["accession_no"], r["table"], r["shares"]) for r in rows)


def test_of_two_amendments_only_the_latest_counts_whatever_the_arrival_order(tmp_path):
    import itertools

    sources = [_filing(ORIGINAL, "20250304163000", ["100"]),
               _filing(AMENDMENT, "20250310090000", ["110"], amends=True),
               _filing(SECOND_AMENDMENT, "20250312090000", ["120"], amends=True)]
    for n, order in enumerate(itertools.permutations(sources)):
        for batch_size in (1, 3):
            settings = make_settings(tmp_path / f"{n}-{batch_size}")
            engine = TantivyEngine(settings.data_dir)
            Ingestor(engine, settings, workers=1, batch_size=batch_size).ingest(list(order))
            assert counted(engine) == [(SECOND_AMENDMENT, "nonDerivative", 120.0)], ([s.name for s in order], batch_size)
            engine.close()


def test_an_amendment_restates_only_the_tables_it_has_transactions_in(tantivy_engine, settings):
    # A 4/A correcting an option line leaves the original's stock sales counted.
    Ingestor(tantivy_engine, settings, workers=1, batch_size=1).ingest([
        _filing(ORIGINAL, "20250304163000", ["100", "200"], options=["50"]),
        _filing(AMENDMENT, "20250310090000", [], options=["60"], amends=True),
    ])
    assert counted(tantivy_engine) == sorted([(AMENDMENT, "derivative", 60.0),
                                              (ORIGINAL, "nonDerivative", 100.0), (ORIGINAL, "nonDerivative", 200.0)])
    from indexer.pipeline import rebuild

    before = counted(tantivy_engine)
    assert rebuild(tantivy_engine, settings) == 2
    assert counted(tantivy_engine) == before


def test_reindex_rebuilds_rows_and_keeps_supersession(tantivy_engine, settings):
    from indexer.pipeline import rebuild

    original, amendment = _original_and_amendment(True)
    Ingestor(tantivy_engine, settings, workers=1).ingest([original, amendment])
    assert rebuild(tantivy_engine, settings) == 2
    assert [r["superseded"] for r in rows_of(tantivy_engine, ORIGINAL)] == [True]
    assert tantivy_engine.search(FILINGS, ast.MatchAll(), [], 0, 10).total == 2


def _corpus_dir(tmp_path: Path, count: int) -> dict[str, int]:
    """`count` filings, each with 1-3 rows; returns accession -> expected row count."""
    folder = tmp_path / "in"
    folder.mkdir()
    expected = {}
    for i in range(count):
        accession = f"0000999001-25-{i:06d}"
        rows = 1 + i % 3
        xml = form4_xml(owners=[Owner(cik=f"{2000000 + i % 97:010d}", name=f"Person{i % 97} Pat")],
                        transactions=[Tx(shares=str(10 + k)) for k in range(rows)])
        (folder / f"{accession}.txt").write_bytes(submission_txt(xml, accession))
        expected[accession] = rows
    return expected


def _ingest_command(folder: Path, data_dir: Path):
    env = {**os.environ, "INSIDER_DATA_DIR": str(data_dir), "OPENSEARCH_URL": "", "PYTHONPATH": str(ROOT)}
    return [sys.executable, "-m", "insider.cli", "ingest", str(folder), "--workers", "1", "--quiet"], env


def test_kill_9_during_ingest_never_exposes_half_a_filing_and_a_rerun_completes(tmp_path):
    expected = _corpus_dir(tmp_path, 3000)
    data_dir = tmp_path / "data"
    command, env = _ingest_command(tmp_path / "in", data_dir)
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = TantivyEngine(data_dir)
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until some batches are committed, then kill mid-run
        time.sleep(0.2)
        try:
            stored = engine.search(FILINGS, ast.MatchAll(), [], 0, 0).total
        except Exception:  # noqa: BLE001 - the index may not exist yet
            continue
        if stored >= 500:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = engine.search(FILINGS, ast.MatchAll(), [], 0, 0).total
    assert 0 < stored < len(expected), "the kill did not land mid-run"
    rows = engine.aggregate(TRANSACTIONS, ast.MatchAll(), {"a": {"terms": {"field": "accession_no", "size": 5000}}})
    per_filing = {b["key"]: b["doc_count"] for b in rows["a"]["buckets"]}
    assert len(per_filing) == stored
    assert all(per_filing[a] == expected[a] for a in per_filing), "a visible filing lacks some of its rows"

    rerun = subprocess.run(command, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"duplicates {stored}" in rerun.stdout
    engine = TantivyEngine(data_dir)
    rows = engine.aggregate(TRANSACTIONS, ast.MatchAll(), {"a": {"terms": {"field": "accession_no", "size": 5000}}})
    assert {b["key"]: b["doc_count"] for b in rows["a"]["buckets"]} == expected
    assert engine.search(FILINGS, ast.MatchAll(), [], 0, 0).total == len(expected)


def test_ingest_workers_do_not_inherit_a_file_lock_held_when_they_start(tantivy_engine, settings, tmp_path):
    # tantivy takes flock()-style file locks (the meta lock, briefly, while a commit's clean-up
    # runs on its own thread) and lets go by closing its descriptor. A worker forked from this
    # process while one is held would keep it (the lock belongs to the shared open file) for as
    # long as the pool lives, and the next reader reload would wait on it forever: an ingest
    # into a fresh data dir once hung like this. Workers must start without this process's files.
    import fcntl

    lock_path = tmp_path / "held.lock"
    held = os.open(lock_path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    seen: list[str] = []

    def after_batch(_count: int) -> None:
        if seen:
            return
        os.close(held)  # let go the way tantivy does; the workers are running now
        probe = os.open(lock_path, os.O_RDWR)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append("free")
        except BlockingIOError:
            seen.append("still held by a worker")
        finally:
            os.close(probe)

    sources = [Source(f"{i}.txt", submission_txt(form4_xml(), f"0000999001-25-00002{i}")) for i in range(4)]
    report = Ingestor(tantivy_engine, settings, batch_size=2, workers=2).ingest(sources, progress=after_batch)
    assert report.ingested == 4
    assert seen == ["free"]


def test_the_ingest_command_counts_a_replacement_apart_and_fails_when_it_finds_nothing(tmp_path):
    xml = form4_xml()
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / f"{ORIGINAL}.xml").write_bytes(xml)       # no filing time, no SIC
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "x.txt").write_bytes(submission_txt(xml, ORIGINAL))
    outputs = []
    for folder in ("bare", "txt", "txt"):
        command, env = _ingest_command(tmp_path / folder, tmp_path / "data")
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.strip())
    assert outputs == ["ingested 1, duplicates 0, rejected 0",
                       "ingested 0, replaced 1 (a more complete copy of a stored filing), duplicates 0, rejected 0",
                       "ingested 0, duplicates 1, rejected 0"]

    (tmp_path / "nothing").mkdir()
    command, env = _ingest_command(tmp_path / "nothing", tmp_path / "data")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "no files found under" in done.stderr


def test_reindex_without_an_index_says_so_and_creates_nothing(tmp_path):
    data_dir = tmp_path / "data"
    env = {**os.environ, "INSIDER_DATA_DIR": str(data_dir), "OPENSEARCH_URL": "", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "insider.cli", "reindex"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert "nothing to reindex" in done.stderr and "insider ingest" in done.stderr
    assert not (data_dir / "index").exists()


def test_ingest_refuses_special_files_named_on_the_command_line_and_ingests_the_rest(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.xml")                       # would wait for a writer forever
    good = folder / f"{ORIGINAL}.xml"
    good.write_bytes(form4_xml())
    big = folder / "big.xml"
    big.write_bytes(form4_xml() + b" " * 2_000)
    command, env = _ingest_command(folder, tmp_path / "data")
    command = command[:4] + [str(folder / "pipe.xml"), "/dev/zero", str(big), str(good)] + command[5:]
    env["INSIDER_MAX_FILE_BYTES"] = "2000"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"rejected {folder / 'pipe.xml'}: not a regular file" in done.stderr
    assert "rejected /dev/zero: not a regular file" in done.stderr
    assert f"rejected {big}: file is over the 2000-byte limit" in done.stderr
    assert done.stdout.strip() == "ingested 1, duplicates 0, rejected 3"


def test_ingest_workers_leave_when_the_ingesting_process_is_killed(tmp_path):
    # kill -9 runs no clean-up: the workers would wait on their task queue forever (and keep the
    # fork server alive). They watch the process that started them instead.
    script = tmp_path / "owner.py"
    script.write_text(
        "import os, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from indexer import pipeline\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPoolExecutor(2, mp_context=pipeline._WORKER_START, initializer=pipeline._init_worker,\n"
        "                               initargs=(1000, {}, None, os.getpid()))\n"
        "    pool.submit(os.getpid).result()\n"
        "    print(' '.join(map(str, pool._processes)), flush=True)\n"
        "    time.sleep(120)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    owner = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in owner.stdout.readline().split()]
    assert workers and all(Path(f"/proc/{p}").exists() for p in workers)
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()

    def alive(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.time() + 15
    while any(alive(p) for p in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(p) for p in workers)


def test_what_a_write_depends_on_is_read_under_the_writer_lock(tmp_path):
    # Another process committing between an ingest's reads (is the original stored? which copy?)
    # and its write left both an original and its amendment counted. The ingest now holds the
    # writer before it reads: the other process is told the index is busy, and retries later.
    from insider.errors import EngineUnavailable

    settings = make_settings(tmp_path / "data")
    original, amendment = _original_and_amendment(True)
    first = TantivyEngine(settings.data_dir)
    first.ensure_ready()
    first.release_writer()
    second = TantivyEngine(settings.data_dir)  # another process, as far as tantivy's lock goes
    outcome = []
    reads = first.known_accessions

    def meanwhile(accessions):
        try:
            Ingestor(second, settings, workers=1).ingest([original])
            outcome.append("written")
        except EngineUnavailable:
            outcome.append("busy")
        return reads(accessions)

    first.known_accessions = meanwhile
    Ingestor(first, settings, workers=1).ingest([amendment])
    first.known_accessions = reads
    assert outcome == ["busy"]
    first.release_writer()
    Ingestor(second, settings, workers=1).ingest([original])  # the retry, once the lock is free
    assert [r["superseded"] for r in rows_of(second, ORIGINAL)] == [True]
    assert [r["superseded"] for r in rows_of(second, AMENDMENT)] == [False]
    first.close()
    second.close()


def test_a_parse_worker_that_dies_ends_the_ingest_with_a_message_and_keeps_what_was_written(
        tantivy_engine, settings, monkeypatch):
    import concurrent.futures

    from indexer import pipeline
    from insider.errors import WorkerFailed

    pools = []

    class Recorded(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            pools.append(self)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Recorded)

    def kill_a_worker(_count: int) -> None:
        for pid in list(pools[0]._processes):
            os.kill(pid, signal.SIGKILL)

    sources = [Source(f"{i}.txt", submission_txt(form4_xml(), f"0000999001-25-00003{i}")) for i in range(6)]
    with pytest.raises(WorkerFailed, match="run the same command again") as caught:
        Ingestor(tantivy_engine, settings, batch_size=2, workers=2).ingest(sources, progress=kill_a_worker)
    assert "the 2 filings written before it are stored" in caught.value.message
    assert tantivy_engine.search(FILINGS, ast.MatchAll(), [], 0, 10).total == 2


def test_filings_prepared_in_worker_processes_are_stored_exactly_as_in_one_process(tmp_path, settings):
    from tests.conftest import corpus_sources

    sources = corpus_sources()[::40]  # ~50 genuine filings of every kind and era
    stored = []
    for workers in (1, 2):
        engine = TantivyEngine(tmp_path / f"w{workers}")
        report = Ingestor(engine, settings, batch_size=16, workers=workers).ingest(sources)
        stored.append((report.ingested, sorted(report.rejected),
                       engine.search(FILINGS, ast.MatchAll(), [], 0, 1000).documents,
                       engine.search(TRANSACTIONS, ast.MatchAll(), [], 0, 10_000).documents))
        engine.close()
    assert stored[0][0] > 40 and stored[0][3]
    assert stored[1] == stored[0]


def test_a_worker_result_json_cannot_carry_alike_travels_as_it_is():
    from indexer.pipeline import _packed, _unpacked

    ordinary = ("ok", {"accessionNo": "a", "shares": 1.0, "n": 2, "flag": None}, [{"line": 0}], {("k", "a"): "{}"})
    packed = _packed(ordinary)
    assert packed[0] == "ok-json" and isinstance(packed[1], bytes)
    back = _unpacked(packed)
    assert back == ordinary and type(back[1]["shares"]) is float and type(back[1]["n"]) is int
    huge = ("ok", {"accessionNo": "a", "shares": 10 ** 30}, [], {})
    assert _packed(huge) is huge and _unpacked(huge) is huge
    rejected = ("rejected", "x.xml", "not XML")
    assert _packed(rejected) is rejected


def test_the_cyclic_collector_is_paused_while_batches_are_written_and_back_after(tantivy_engine, settings):
    import gc

    assert gc.isenabled()
    during = []
    sources = [Source(f"{i}.txt", submission_txt(form4_xml(), f"0000999001-25-00004{i}")) for i in range(3)]
    Ingestor(tantivy_engine, settings, batch_size=1, workers=1).ingest(sources, progress=lambda _: during.append(gc.isenabled()))
    assert during == [False, False, False] and gc.isenabled()

    def fail(_count: int) -> None:
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        Ingestor(tantivy_engine, settings, workers=1).ingest(sources, progress=fail)
    assert gc.isenabled()
