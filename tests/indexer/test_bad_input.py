"""Hostile or broken input is rejected with a one-line reason naming the file; the rest of the
batch is ingested and nothing is fetched from the network."""
from __future__ import annotations

import gzip
import http.server
import threading

import pytest

from indexer.pipeline import Ingestor, Source, prepare
from tests.builders import form4_xml

LIMIT = 1_000_000
REFUSED = "XML declares a DTD or entities; refused (XXE / entity-expansion protection)"


def rejected_reason(name: str, data: bytes) -> str:
    result = prepare(name, data, LIMIT, {})
    assert result[0] == "rejected", f"{name} was accepted"
    assert result[1] == name
    return result[2]


def test_malformed_xml_is_rejected_with_its_position():
    reason = rejected_reason("broken.xml", b'<?xml version="1.0"?>\n<ownershipDocument>\n<issuer>\n</ownershipDocument>')
    assert "not well-formed XML" in reason and "line" in reason


def test_xml_that_is_not_an_ownership_document_is_rejected():
    reason = rejected_reason("feed.xml", b'<?xml version="1.0"?><rss><channel/></rss>')
    assert "not an ownership document" in reason and "<rss>" in reason


def test_text_that_is_neither_xml_nor_a_submission_is_rejected():
    assert "not an ownership document" in rejected_reason("notes.txt", b"hello, world\n")


def test_empty_file_is_rejected():
    assert rejected_reason("empty.xml", b"")


def test_a_form_that_is_not_3_4_or_5_is_rejected():
    reason = rejected_reason("10k.xml", form4_xml(document_type="10-K"))
    assert "not a Form 3, 4 or 5" in reason


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's naming)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"SECRET")

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_external_entities_are_refused_and_never_fetched(listener, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    for target in (f"{listener}/xxe", secret.as_uri()):
        xml = form4_xml().replace(
            b'<?xml version="1.0"?>',
            f'<?xml version="1.0"?><!DOCTYPE ownershipDocument [<!ENTITY x SYSTEM "{target}">]>'.encode(),
        ).replace(b"Acme Corp", b"&x;")
        reason = rejected_reason("xxe.xml", xml)
        assert "DTD" in reason
    assert _Recorder.hits == []


def test_a_dtd_in_utf16_is_refused_too_and_plain_utf16_is_read(listener, tmp_path):
    # The fast byte check reads only ASCII-compatible encodings; the parser's record catches the rest.
    from tests.builders import submission_txt

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    declared = '<?xml version="1.0" encoding="UTF-16"?>'
    xxe = form4_xml().decode().replace('<?xml version="1.0"?>', declared + (
        f'<!DOCTYPE ownershipDocument [<!ENTITY x SYSTEM "{secret.as_uri()}">]>')).replace("Acme Corp", "&x;")
    assert "DTD" in rejected_reason("xxe16.xml", xxe.encode("utf-16"))
    assert "DTD" in rejected_reason("xxe16.txt", submission_txt(xxe.encode("utf-16"), "0000999001-25-000001"))
    assert _Recorder.hits == []
    plain = form4_xml().decode().replace('<?xml version="1.0"?>', declared).encode("utf-16")
    result = prepare("0000999001-25-000002.xml", plain, LIMIT, {})
    assert result[0] == "ok" and result[1]["issuer"]["name"] == "Acme Corp"


def test_entity_expansion_bomb_is_refused():
    lol = '<!ENTITY a "lollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    xml = f'<?xml version="1.0"?><!DOCTYPE ownershipDocument [{lol}]><ownershipDocument>&j;</ownershipDocument>'
    assert "entities" in rejected_reason("bomb.xml", xml.encode())


def test_files_over_the_size_limit_are_rejected():
    big = form4_xml() + b" " * (LIMIT + 1)
    assert "over the" in rejected_reason("big.xml", big)


def test_gzip_bombs_are_rejected_before_inflating_fully():
    bomb = gzip.compress(b"<" * (LIMIT * 4))
    assert len(bomb) < LIMIT
    assert "decompresses to more than" in rejected_reason("bomb.xml.gz", bomb)


def test_gzipped_filings_are_accepted():
    result = prepare("ok.xml.gz", gzip.compress(form4_xml()), LIMIT, {})
    assert result[0] == "ok"


def test_bad_files_do_not_stop_the_rest_of_the_batch(tantivy_engine, settings):
    sources = [
        Source("0000999001-25-000001.xml", form4_xml()),
        Source("broken.xml", b"<ownershipDocument><issuer>"),
        Source("0000999001-25-000002.xml", form4_xml(ticker="ACMB")),
        Source("feed.xml", b"<?xml version='1.0'?><rss/>"),
    ]
    report = Ingestor(tantivy_engine, settings, workers=1).ingest(sources)
    assert report.ingested == 2
    assert [name for name, _ in report.rejected] == ["broken.xml", "feed.xml"]
    assert tantivy_engine.known_accessions(["0000999001-25-000001", "0000999001-25-000002"]) == {
        "0000999001-25-000001", "0000999001-25-000002"}


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_a_wide_encoding_dtd_is_refused_before_anything_is_read(tmp_path, codec):
    # libxml2 must never get to open what a DTD names: a FIFO would hang the ingest, and a
    # different message for an existing file would tell an attacker which files exist.
    import concurrent.futures
    import os

    from tests.builders import submission_txt

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    declared = f'<?xml version="1.0" encoding="{codec.upper()}"?>'
    bare, wrapped = [], []
    for target in (fifo, "/etc/hostname", tmp_path / "missing.dtd"):
        for decl in (f'<!DOCTYPE ownershipDocument SYSTEM "{target}">',
                     f'<!DOCTYPE ownershipDocument [<!ENTITY % p SYSTEM "file://{target}"> %p;]>'):
            xml = form4_xml().decode().replace('<?xml version="1.0"?>', declared + decl).encode(codec)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                bare.append(pool.submit(rejected_reason, "dtd.xml", xml).result(timeout=10))
                wrapped.append(pool.submit(rejected_reason, "dtd.txt",
                                           submission_txt(xml, "0000999001-25-000004")).result(timeout=10))
    # a bare file without a byte order mark is not even taken for XML; either way, one message
    assert len(set(bare)) == 1 and set(bare) <= {REFUSED, "not an ownership document: neither XML nor an EDGAR submission"}
    assert set(wrapped) == {REFUSED}


def test_xml_in_an_encoding_the_checks_cannot_read_is_refused():
    ebcdic = '<?xml version="1.0" encoding="EBCDIC-US"?><!DOCTYPE x SYSTEM "/etc/hostname"><ownershipDocument/>'
    reason = rejected_reason("0000999001-25-000003.txt", b"<SEC-DOCUMENT>\n<DOCUMENT>\n<TYPE>4\n<XML>\n"
                             + ebcdic.encode("cp500") + b"\n</XML>\n</DOCUMENT>\n")
    assert "supported encoding" in reason
