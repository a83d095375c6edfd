"""Transaction rows: values, sanity bounds and the integer sums the engines add."""
from __future__ import annotations

from indexer.pipeline import prepare
from tests.builders import Tx, form4_xml


def rows_of(*txs: Tx) -> list[dict]:
    result = prepare("0000999001-25-000001.xml", form4_xml(transactions=list(txs)), 10**6, {})
    assert result[0] == "ok", result
    return result[2]


def test_a_row_is_valued_in_cents_and_its_shares_in_thousandths():
    (row,) = rows_of(Tx(shares="1234.5678", price="10.07"))
    assert (row["value_cents"], row["shares_milli"], row["price_suspect"]) == (1243210, 1234568, False)  # 12,432.097746 dollars


def test_a_price_outside_the_bounds_keeps_the_row_but_not_its_value():
    (row,) = rows_of(Tx(shares="100", price="100000"))
    assert row["price_suspect"] is True and "value" not in row and "value_cents" not in row
    assert row["shares_milli"] == 100_000


def test_an_absurd_share_count_keeps_the_filing_and_the_row_but_no_sums():
    # A typo of 1E+20 shares used to reject the whole filing (its thousandths overflow 64 bits).
    good, typo = rows_of(Tx(shares="100"), Tx(shares="1E+20"))
    assert good["shares_milli"] == 100_000 and good["price_suspect"] is False
    assert typo["shares"] == 1e20 and typo["price_suspect"] is True
    assert "shares_milli" not in typo and "value_cents" not in typo and "value" not in typo
