"""The SEC's quarterly data sets become the same documents the XML parser builds."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from indexer.edgar.datasets import build_documents, read_dataset
from indexer.ownership import build_filing, parse_xml
from indexer.pipeline import open_engine
from insider import settings as settings_module
from insider.errors import BadRequest
from tests.builders import submission_txt
from tests.indexer.edgar.fake_edgar import CORPUS

ROOT = Path(__file__).resolve().parents[3]
QUARTER = CORPUS / "insider_datasets" / "2024q3"
# American Resources Corp, Form 4 of 2024-07-24: in the 2024q3 data set and, as XML, in the corpus.
ACCESSION = "0001477932-24-004351"
XML = CORPUS / "ownership_xml" / "feiseli__edgar-pipeline" / "form4_tz_suffix_date.xml"
# The corpus copy of 2024q3 lacks REPORTINGOWNER and NONDERIV_TRANS; these are the rows the
# SEC publishes for this filing, in the data sets' layout.
REPORTINGOWNER = (
    "ACCESSION_NUMBER\tRPTOWNERCIK\tRPTOWNERNAME\tRPTOWNER_RELATIONSHIP\tRPTOWNER_TITLE\tRPTOWNER_TXT\t"
    "RPTOWNER_STREET1\tRPTOWNER_STREET2\tRPTOWNER_CITY\tRPTOWNER_STATE\tRPTOWNER_ZIPCODE\tRPTOWNER_STATE_DESC\tFILE_NUMBER\n"
    f"{ACCESSION}\t0001662466\tGOLDEN PROPERTIES LTD.\tTenPercentOwner\t\t\t#500\t1177 WEST HASTINGS STREET\t"
    "VANCOUVER\tA1\tV6E 2K3\tBRITISH COLUMBIA, CANADA\t001-38816\n"
)
NONDERIV_TRANS = (
    "ACCESSION_NUMBER\tNONDERIV_TRANS_SK\tSECURITY_TITLE\tSECURITY_TITLE_FN\tTRANS_DATE\tTRANS_DATE_FN\t"
    "DEEMED_EXECUTION_DATE\tDEEMED_EXECUTION_DATE_FN\tTRANS_FORM_TYPE\tTRANS_CODE\tEQUITY_SWAP_INVOLVED\t"
    "EQUITY_SWAP_INVOLVED_FN\tTRANS_TIMELINESS\tTRANS_TIMELINESS_FN\tTRANS_SHARES\tTRANS_SHARES_FN\t"
    "TRANS_PRICEPERSHARE\tTRANS_PRICEPERSHARE_FN\tTRANS_ACQUIRED_DISP_CD\tTRANS_ACQUIRED_DISP_CD_FN\t"
    "SHRS_OWND_FOLWNG_TRANS\tSHRS_OWND_FOLWNG_TRANS_FN\tVALU_OWND_FOLWNG_TRANS\tVALU_OWND_FOLWNG_TRANS_FN\t"
    "DIRECT_INDIRECT_OWNERSHIP\tDIRECT_INDIRECT_OWNERSHIP_FN\tNATURE_OF_OWNERSHIP\tNATURE_OF_OWNERSHIP_FN\n"
    f"{ACCESSION}\t4242\tClass A Common Stock\t\t19-JUL-2024\t\t\t\t4\tP\t0\t\t\t\t800000.0\t\t0.67\t\t"
    "D\t\t14389960.0\t\t\t\tD\t\t\t\n"
)
# The data sets carry no schema version, no acceptance time (only the filing date), and in
# 2024 no aff10b5One column.
NOT_IN_DATASETS = ("schemaVersion", "filedAt", "aff10b5One")


@pytest.fixture
def dataset_folder(tmp_path) -> Path:
    folder = tmp_path / "2024q3"
    folder.mkdir()
    for tsv in QUARTER.glob("*.tsv"):
        lines = tsv.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / tsv.name).write_text(lines[0] + "".join(l for l in lines[1:] if l.startswith(ACCESSION)))
    (folder / "REPORTINGOWNER.tsv").write_text(REPORTINGOWNER)
    (folder / "NONDERIV_TRANS.tsv").write_text(NONDERIV_TRANS)
    return folder


def test_a_data_set_filing_is_the_document_the_xml_parser_builds(dataset_folder):
    dataset = read_dataset(dataset_folder)
    assert dataset.missing == ["FOOTNOTES"]
    [(accession, document, reason)] = list(build_documents(dataset))
    from_xml = build_filing(parse_xml(XML.read_bytes()), ACCESSION, None)
    assert reason is None and accession == ACCESSION
    assert document["filedAt"] == "2024-07-24T00:00:00-04:00"
    assert document["dataSet"] == "2024q3" and "dataSet" not in from_xml
    assert _comparable(document) == _comparable(from_xml)


def _comparable(document: dict) -> dict:
    return {k: v for k, v in document.items() if k not in NOT_IN_DATASETS + ("dataSet",)}


def _stored(settings) -> list[dict]:
    engine = open_engine(settings)
    try:
        return list(engine.iter_filings())
    finally:
        engine.close()


def test_a_parsed_copy_replaces_a_data_set_copy_but_never_the_other_way(dataset_folder, env):
    """The data set's copy has no acceptance time and no SIC (so no sector); the XML's has both."""
    from indexer.pipeline import Source, open_ingestor

    settings = settings_module.load()
    [(_, document, _)] = list(build_documents(read_dataset(dataset_folder)))
    xml = Source("submission.txt", submission_txt(XML.read_bytes(), ACCESSION, accepted="20240724163000", sic="1221"))
    ingestor = open_ingestor(settings, workers=1)
    assert ingestor.ingest_documents([document]).ingested == 1
    assert [f.get("dataSet") for f in _stored(settings)] == ["2024q3"]

    report = ingestor.ingest([xml])
    assert (report.ingested, report.replaced, report.duplicates) == (0, 1, 0)
    [stored] = _stored(settings)
    assert "dataSet" not in stored and stored["schemaVersion"]
    assert stored["filedAt"] == "2024-07-24T16:30:00-04:00" and stored["classification"]["sic"] == "1221"

    again = ingestor.ingest_documents([document])
    assert (again.ingested, again.duplicates) == (0, 1)
    assert ingestor.ingest([xml]).duplicates == 1
    [stored] = _stored(settings)
    assert "dataSet" not in stored
    ingestor.engine.close()


def test_within_one_batch_the_parsed_copy_wins_whichever_comes_first(dataset_folder, env):
    from indexer.pipeline import open_ingestor, prepare, prepare_document

    settings = settings_module.load()
    [(_, document, _)] = list(build_documents(read_dataset(dataset_folder)))
    parsed = prepare("submission.txt", submission_txt(XML.read_bytes(), ACCESSION), settings.max_file_bytes, {})
    rebuilt = prepare_document(document, {}, None)
    ingestor = open_ingestor(settings, workers=1)
    report = ingestor._write([rebuilt, parsed])
    assert (report.ingested, report.duplicates) == (1, 1)
    assert "dataSet" not in _stored(settings)[0]
    ingestor.engine.close()


def test_the_trimmed_2024q3_copy_is_read_and_its_ownerless_filings_rejected():
    dataset = read_dataset(QUARTER)
    assert dataset.missing == ["REPORTINGOWNER", "NONDERIV_TRANS", "FOOTNOTES"]
    results = list(build_documents(dataset))
    assert len(results) == 36075
    assert {reason for _, _, reason in results} == {"no reporting owner (REPORTINGOWNER.tsv missing)"}


def test_load_datasets_from_a_zip_then_again_stores_each_filing_once(dataset_folder, tmp_path, env):
    archive = tmp_path / "2024q3_form345.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for tsv in dataset_folder.glob("*.tsv"):
            out.write(tsv, tsv.name)
    command = [sys.executable, "-m", "insider.cli", "load-datasets", str(archive)]
    environment = {"PATH": "/usr/bin:/bin", "INSIDER_DATA_DIR": env["INSIDER_DATA_DIR"], "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60)
    again = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60)
    # FOOTNOTES.tsv is absent: loaded all the same, said so, and the exit status says so too.
    assert first.returncode == 1 and "no FOOTNOTES.tsv" in first.stderr
    assert "ingested 1, already stored 0, rejected 0" in first.stdout
    assert "ingested 0, already stored 1, rejected 0" in again.stdout
    engine = open_engine(settings_module.load())
    try:
        [stored] = list(engine.iter_filings())
    finally:
        engine.close()
    assert stored["issuer"]["tradingSymbol"] == "AREC"
    assert stored["nonDerivativeTable"]["transactions"][0]["amounts"]["shares"] == 800000


def test_a_path_that_is_no_data_set_is_refused_with_its_name(tmp_path):
    not_zip = tmp_path / "2024q3.zip"
    not_zip.write_text("not a zip")
    for path in (tmp_path / "nowhere", not_zip):
        with pytest.raises(BadRequest, match=str(path)):
            read_dataset(path)


def test_a_blank_not_subject_box_is_false_as_in_a_parsed_document(dataset_folder):
    # Thousands of SUBMISSION.tsv rows leave NOT_SUBJECT_SEC16 blank; the parsed XML always has it.
    submission = dataset_folder / "SUBMISSION.tsv"
    header, row = submission.read_text(encoding="utf-8").splitlines()[:2]
    column = header.split("\t").index("NOT_SUBJECT_SEC16")
    cells = row.split("\t")
    cells[column] = ""
    submission.write_text(header + "\n" + "\t".join(cells) + "\n", encoding="utf-8")
    [(_, document, _)] = list(build_documents(read_dataset(dataset_folder)))
    assert document["notSubjectToSection16"] is False
