"""The serving benchmarks' generator: both load orders give the same filings, and "filed" gives
them in filing order (the layout sync, follow and reindex write), so the two layouts measured in
BENCHMARKS.md differ only in where the rows lie."""
from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from bench.corpus import scaled_filings
from tests.conftest import CORPUS
from tests.required import missing


def _canonical(filings) -> list[bytes]:
    return sorted(orjson.dumps(f, option=orjson.OPT_SORT_KEYS) for f in filings)


def test_both_orders_give_the_same_filings_and_filed_gives_them_in_filing_order():
    if not CORPUS.is_dir():
        missing(f"the shared corpus is not mounted at {CORPUS}")
    filed = list(scaled_filings(5000))
    drawn = list(scaled_filings(5000, order="drawn"))
    assert _canonical(filed) == _canonical(drawn)
    assert len({f["accessionNo"] for f in filed}) == 5000
    moments = [datetime.fromisoformat(f["filedAt"]) for f in filed]
    assert moments == sorted(moments)
    assert [datetime.fromisoformat(f["filedAt"]) for f in drawn] != moments  # the drawn layout is scattered


def test_an_unknown_order_is_refused():
    with pytest.raises(ValueError, match="order"):
        next(scaled_filings(1, order="shuffled"))
