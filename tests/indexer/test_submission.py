"""EDGAR envelopes: which header values belong to the issuer."""
from __future__ import annotations

from indexer.submission import unwrap

XML = b"<XML>\n<?xml version=\"1.0\"?>\n<ownershipDocument><documentType>4</documentType></ownershipDocument>\n</XML>\n"


def txt(*blocks: bytes) -> bytes:
    header = b"ACCESSION NUMBER:\t\t0000000000-24-000001\nCONFORMED SUBMISSION TYPE:\t4\n\n" + b"\n".join(blocks)
    return (b"<SEC-DOCUMENT>0000000000-24-000001.txt : 20240105\n<SEC-HEADER>0000000000-24-000001.hdr.sgml\n"
            + header + b"</SEC-HEADER>\n<DOCUMENT>\n<TYPE>4\n<TEXT>\n" + XML + b"</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n")


def party(name: bytes, company: bytes, sic: bytes | None, indent: bytes = b"\t") -> bytes:
    lines = [name + b":\t", b"", indent + b"COMPANY DATA:", indent * 2 + b"COMPANY CONFORMED NAME:\t\t" + company]
    if sic:
        lines.append(indent * 2 + b"STANDARD INDUSTRIAL CLASSIFICATION:\tSEMICONDUCTORS & RELATED DEVICES [" + sic + b"]")
    lines.append(indent * 2 + b"STATE OF INCORPORATION:\t\tDE")
    return b"\n".join(lines) + b"\n"


def test_the_sic_is_the_issuers_whichever_block_comes_first():
    owner = party(b"REPORTING-OWNER", b"INTEL CORP", b"3674")
    issuer = party(b"ISSUER", b"CLEARWIRE CORP", b"4899")
    assert unwrap(txt(owner, issuer), "a.txt", 10**6).sic == "4899"
    assert unwrap(txt(issuer, owner), "a.txt", 10**6).sic == "4899"


def test_an_issuer_without_a_sic_line_has_none_even_when_a_company_owner_has_one():
    # The owner's code must not classify the issuer (Intel's 3674 would make Clearwire a chip maker).
    issuer = party(b"ISSUER", b"CLEARWIRE CORP", None)
    owner = party(b"REPORTING-OWNER", b"INTEL CORP", b"3674")
    assert unwrap(txt(issuer, owner), "a.txt", 10**6).sic is None
    assert unwrap(txt(owner, issuer), "a.txt", 10**6).sic is None


def test_a_header_flattened_to_one_indentation_keeps_the_issuers_block_whole():
    # Some headers indent every line alike: "COMPANY DATA:" then looks like a block of its own.
    flat = b"        "
    issuer = party(flat + b"ISSUER", b"TESLA, INC.", b"3711", indent=flat).replace(flat * 2, flat)
    owner = party(flat + b"REPORTING-OWNER", b"BAGLINO ANDREW D", None, indent=flat).replace(flat * 2, flat)
    assert unwrap(txt(owner, issuer), "a.txt", 10**6).sic == "3711"


def nc(*blocks: bytes) -> bytes:
    return (b"<SUBMISSION>\n<ACCESSION-NUMBER>0000000000-24-000001\n<TYPE>4\n<FILING-DATE>20240105\n"
            + b"".join(blocks) + b"<DOCUMENT>\n<TYPE>4\n<TEXT>\n" + XML + b"</TEXT>\n</DOCUMENT>\n</SUBMISSION>\n")


def nc_party(tag: bytes, sic: bytes | None) -> bytes:
    data = b"<COMPANY-DATA>\n<CONFORMED-NAME>X\n" + (b"<ASSIGNED-SIC>" + sic + b"\n" if sic else b"") + b"</COMPANY-DATA>\n"
    return b"<" + tag + b">\n" + data + b"</" + tag + b">\n"


def test_a_feed_file_takes_the_sic_from_the_issuer_element_only():
    assert unwrap(nc(nc_party(b"REPORTING-OWNER", b"3674"), nc_party(b"ISSUER", b"4899")), "a.nc", 10**6).sic == "4899"
    assert unwrap(nc(nc_party(b"ISSUER", None), nc_party(b"REPORTING-OWNER", b"3674")), "a.nc", 10**6).sic is None
