"""edgartools' Form 3/4/5 parse rate: ownership XML -> `edgar.ownership.Ownership`, one core, offline.

`measure(documents)` is what bench/run.py calls. `python -m bench.edgartools_parse` parses the
corpus's ownership XML (every primary document and every XML block cut from a submission, 2,047
documents) and prints the rate. edgartools parses about 130 documents per CPU-second, so 100,000
documents take over ten minutes: by default one pass over the corpus is timed and the time for
100,000 is extrapolated from it, with the sample size printed; `--documents 100000` repeats the
corpus until that many are parsed instead.

edgartools resolves every reporting owner on sec.gov while parsing (`ReportingOwners.
from_reporting_owner_tags` builds `edgar.entity.Entity(cik)` and reads `.data.is_company`, only to
decide whether to print a person's name surname-last). No edgartools setting turns that off:
`EDGAR_USE_LOCAL_DATA` still downloads what the local store lacks. `parse_offline` swaps the look-up
for "a person, not a company" while it parses, which changes nothing but the display name.
"""
from __future__ import annotations

import argparse
import time
from importlib.metadata import version
from contextlib import contextmanager
from pathlib import Path

import edgar.ownership.owners as edgartools_owners
from edgar.ownership import Ownership

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "raw"
XML_DIRS = ("ownership_xml", "ownership_xml_extracted_from_txt")
EXTRAPOLATE_TO = 100_000


class _NotLookedUp:
    """Stands in for `edgar.entity.Entity`: every owner reads as a person, nothing is fetched."""

    class data:
        is_company = False

    def __init__(self, cik) -> None:
        pass


@contextmanager
def _owner_lookup_cut_off():
    looked_up = edgartools_owners.Entity
    edgartools_owners.Entity = _NotLookedUp
    try:
        yield
    finally:
        edgartools_owners.Entity = looked_up


def parse_offline(xml: bytes) -> Ownership:
    with _owner_lookup_cut_off():
        return Ownership.from_xml(xml)


def measure(documents: list[bytes]) -> float:
    """Documents per second of `Ownership.from_xml` over `documents`, in this process (one core)."""
    with _owner_lookup_cut_off():
        for xml in documents[:20]:  # warm-up: first-call imports and caches are not parse cost
            Ownership.from_xml(xml)
        start = time.perf_counter()
        for xml in documents:
            Ownership.from_xml(xml)
        seconds = time.perf_counter() - start
    return len(documents) / seconds


def corpus_documents() -> list[bytes]:
    return [p.read_bytes() for d in XML_DIRS for p in sorted((CORPUS / d).rglob("*.xml"))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=0,
                        help="parse this many documents (the corpus repeated); default: one pass over the corpus")
    args = parser.parse_args()
    corpus = corpus_documents()
    count = args.documents or len(corpus)
    sample = (corpus * (count // len(corpus) + 1))[:count]
    cpu_start = time.process_time()
    rate = measure(sample)
    cpu_rate = len(sample) / (time.process_time() - cpu_start)
    print(f"edgartools {version('edgartools')}: {rate:.1f} documents/s on one core, "
          f"measured on {len(sample):,} documents ({len(corpus):,} distinct ownership XML documents of the corpus)")
    # Wall time is what measure() reports; CPU time shows how much of it other processes took.
    print(f"CPU time alone: {cpu_rate:.1f} documents/s")
    if len(sample) < EXTRAPOLATE_TO:
        print(f"extrapolated, not measured: {EXTRAPOLATE_TO:,} documents would take about "
              f"{EXTRAPOLATE_TO / rate / 60:.0f} min at this rate")


if __name__ == "__main__":
    main()
