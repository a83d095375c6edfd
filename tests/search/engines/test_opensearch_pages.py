"""The query API's pages read from OpenSearch responses as text (PageSerializer and the compiled
reader `insider_native.search_page`, native/src/hits.rs).

The contract: a search response becomes `TextPage(total, exact, documents)` where each document
is exactly the text orjson gives when it decodes the hit's `_doc` and encodes it again, so the
bytes the endpoint serves do not depend on how the node spelled the stored JSON (Jackson writes
`2.089971E7` for 20899710.0). Anything else is decoded as before.

Skipped on a developer's machine without the extension; FAILS when CI=true (tests/required.py).
"""
from __future__ import annotations

import math
import random
import struct

import orjson
import pytest

from search.engines import opensearch
from search.engines.opensearch import PageSerializer, TextPage
from tests.required import missing


@pytest.fixture(autouse=True)
def _extension():
    if opensearch._search_page is None:
        missing("the insider_native extension is not built (make setup builds it from native/ with cargo)")


def response(*sources: str, total: int = 1, relation: str = "eq") -> str:
    hits = ",".join(f'{{"_index":"i","_id":"{n}","_score":null,"_source":{s},"sort":[{n},"a"]}}'
                    for n, s in enumerate(sources))
    return (f'{{"took":3,"timed_out":false,"_shards":{{"total":1,"successful":1,"skipped":0,"failed":0}},'
            f'"hits":{{"total":{{"value":{total},"relation":"{relation}"}},"max_score":null,"hits":[{hits}]}}}}')


def orjson_text(doc_json: str) -> str:
    return orjson.dumps(orjson.loads(doc_json)).decode()


def read(text: str):
    return PageSerializer().loads(text)


def java_spelling(x: float) -> str:
    """A number as Java's Double.toString spells large and small ones: d.dddE±n."""
    mantissa, exponent = f"{x:.17e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}E{int(exponent)}"


def test_documents_come_back_in_order_as_the_text_orjson_writes():
    docs = ['{"accessionNo":"b","shares":2.089971E7,"price":1.0E-4,"n":[1,-0.0,3.5]}',
            '{ "accessionNo" : "a" , "owners" : [ { "cik" : "1" } ] , "flag" : true , "none" : null }']
    page = read(response(*(f'{{"_doc":{d}}}' for d in docs), total=10_000, relation="gte"))
    assert page == TextPage(10_000, False, [orjson_text(d) for d in docs])
    assert page.documents[0] == '{"accessionNo":"b","shares":20899710.0,"price":0.0001,"n":[1,-0.0,3.5]}'


def test_every_double_comes_back_as_orjson_writes_it_however_the_node_spelled_it():
    rng = random.Random(7)
    values = [struct.unpack("<d", rng.randbytes(8))[0] for _ in range(3000)]
    values += [rng.uniform(-1e9, 1e9) for _ in range(2000)] + [round(rng.uniform(0, 1e8), 2) for _ in range(2000)]
    values += [0.0, -0.0, 1e7, 1e16, 1e21, 1e22, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3, 123456789.012345]
    values = [v for v in values if math.isfinite(v)]
    for spell in (repr, java_spelling, lambda v: java_spelling(v).replace("E", "e+") if v > 1 else java_spelling(v)):
        doc = "[" + ",".join(spell(v) for v in values) + "]"
        page = read(response(f'{{"_doc":{{"v":{doc}}}}}'))
        assert page.documents == [orjson.dumps({"v": values}).decode()], spell


def test_integers_strings_and_escapes_come_back_as_orjson_writes_them():
    strings = ["".join(map(chr, range(0, 128))), "é ü ß — “quoted” 日本語 🙂", 'back\\slash "quote" /slash',
               "\u2028\u2029\ufeff"]
    doc = orjson.dumps({"s": strings, "ints": [0, -1, 2**53 + 1, 2**63 - 1, -2**63, 2**64 - 1],
                        "nested": {"z": {}, "a": [], "m": [[[]]]}}).decode()
    # the node may escape what orjson writes as it is, and the other way round
    escaped = doc.replace("é", "\\u00e9").replace("\\u001f", "\\u001F").replace("/", "\\/")
    for text in (doc, escaped):
        assert read(response(f'{{"_doc":{text}}}')).documents == [doc]


def test_a_response_that_is_not_a_page_of_stored_documents_is_decoded_as_before():
    for text in (
        response('{"other":{"a":1}}'),                       # no `_doc`
        response('{"_doc":{"a":1}}', relation="about"),      # a relation we do not know
        '{"hits":{"hits":[{"_source":{"_doc":{}}}]}}',        # no total
        '{"hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_id":"x"}]}}',  # no `_source`
        '{"acknowledged":true}',
    ):
        assert read(text) == orjson.loads(text)


def test_a_page_without_hits_is_a_page():
    assert read(response(total=0)) == TextPage(0, True, [])
