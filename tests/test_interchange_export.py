"""REFI-QDA and CSV exports of the example study, validated against the QDA-XML schemas,
and the round trip: export → import into an empty folder → the same data structure."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import xmlschema

from gioia import pipeline
from gioia.errors import JournalError
from gioia.interchange import build_csv, build_qdc, build_qdpx, import_qdpx, project_import
from gioia.models import (
    Codebook,
    Coding,
    Concept,
    Dimension,
    Participant,
    PlacedCoding,
    Theme,
    Transcript,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"
SCHEMAS = Path(__file__).parent / "data" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}
Q = "{urn:QDA-XML:project:1.0}"
ATTRIBUTES = ["sex", "role", "years_registered", "region", "practice_gps"]


@pytest.fixture(scope="module")
def project_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Project.xsd")


@pytest.fixture(scope="module")
def codebook_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "Codebook.xsd")


def analysed(root: Path):
    loaded = pipeline.load_study(root)
    corpus = pipeline.ingest(loaded)
    return loaded, corpus, pipeline.analyse(loaded, corpus)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    study = tmp_path_factory.mktemp("interchange") / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    return analysed(study)


def export(example) -> bytes:
    loaded, corpus, analysis = example
    return build_qdpx(
        title=loaded.codebook.title,
        codebook=loaded.codebook,
        transcripts=corpus.transcripts,
        participants=corpus.participants,
        codings=analysis.counted,
        attributes=ATTRIBUTES,
    )


def test_qdpx_is_valid_and_selects_every_quote(example, project_schema):
    loaded, corpus, analysis = example
    data = export(example)
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names == sorted(names) and names[0] == "project.qde"
    qde = archive.read("project.qde")
    project_schema.validate(qde.decode("utf-8"))
    root = ElementTree.fromstring(qde)

    texts = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath").removeprefix("internal://")
        texts[source.get("name")] = archive.read(f"sources/{path}").decode("utf-8")
    assert texts == {t.id: t.text for t in corpus.transcripts}

    code_names = {c.get("guid"): c.get("name") for c in root.iter(Q + "Code")}
    labels = {c.id: c.label for c in loaded.codebook.concepts}
    exported = []
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            code = selection.find("q:Coding/q:CodeRef", NS).get("targetGUID")
            exported.append((source.get("name"), texts[source.get("name")][start:end], code))
    expected = [
        (p.coding.transcript, corpus.by_id()[p.coding.transcript].text[p.start : p.end], p)
        for p in analysis.counted
    ]
    assert len(exported) == len(analysis.counted) == 57
    assert sorted((t, q, code_names[c]) for t, q, c in exported) == sorted(
        (t, q, labels[p.concept]) for t, q, p in expected
    )
    users = [u.get("name") for u in root.iterfind("q:Users/q:User", NS)]
    assert users == ["hb"]
    memos = [d.text for d in root.iter(Q + "Description")]
    assert "no keyword; the care is in the gesture" in memos


def test_qdpx_cases_carry_reportable_attributes_only(example):
    loaded, corpus, analysis = example
    data = build_qdpx(
        title="t",
        codebook=loaded.codebook,
        transcripts=corpus.transcripts,
        participants=corpus.participants,
        codings=analysis.counted,
        attributes=["sex", "years_registered"],
    )
    root = ElementTree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("project.qde"))
    variables = {v.get("name"): v.get("typeOfVariable") for v in root.iter(Q + "Variable")}
    assert variables == {"sex": "Text", "years_registered": "Integer"}
    cases = root.findall("q:Cases/q:Case", NS)
    assert [c.get("name") for c in cases] == [f"GP{n}" for n in range(1, 9)]
    assert all(len(c.findall("q:SourceRef", NS)) == 1 for c in cases)
    assert "GP partner" not in ElementTree.tostring(root, encoding="unicode")


def test_qdpx_bytes_are_deterministic(example):
    assert export(example) == export(example)


def test_qdc_is_valid(example, codebook_schema):
    loaded, _, _ = example
    data = build_qdc(loaded.codebook)
    codebook_schema.validate(data.decode("utf-8"))
    root = ElementTree.fromstring(data)
    codes = list(root.iter("{urn:QDA-XML:codebook:1.0}Code"))
    assert len(codes) == 2 + 7 + 22
    codable = [c.get("name") for c in codes if c.get("isCodable") == "true"]
    assert sorted(codable) == sorted(c.label for c in loaded.codebook.concepts)
    assert build_qdc(loaded.codebook) == data


def test_a_bare_study_exports_valid_files(project_schema, codebook_schema):
    """No participants, no codings, no attributes; awkward characters in labels."""
    concept = Concept("c", 'a "quoted" <label> & \x07bell', "t", "d", definition="Line 1\nLine 2")
    codebook = Codebook(
        "x", (Dimension("d", "D", themes=(Theme("t", "T", "d", concepts=(concept,)),)),)
    )
    data = build_qdpx(
        title="", codebook=codebook, transcripts=(), participants=(), codings=(), attributes=()
    )
    project_schema.validate(zipfile.ZipFile(io.BytesIO(data)).read("project.qde").decode())
    codebook_schema.validate(build_qdc(codebook).decode())


def test_csv_has_a_row_per_coding(example):
    loaded, corpus, analysis = example
    folder = loaded.study.paths.transcripts
    file_texts = {
        t.id: (folder / t.path).read_text(encoding="utf-8").replace("\r\n", "\n")
        for t in corpus.transcripts
    }
    text = build_csv(
        codebook=loaded.codebook,
        transcripts=corpus.transcripts,
        participants=corpus.participants,
        codings=analysis.counted,
        attributes=["sex", "role"],
        file_texts=file_texts,
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(analysis.counted)
    assert list(rows[0]) == [
        "transcript",
        "participant",
        "sex",
        "role",
        "dimension",
        "dimension_label",
        "theme",
        "theme_label",
        "concept",
        "concept_label",
        "start",
        "end",
        "file_line",
        "file_start",
        "file_end",
        "quote",
        "coder",
        "source",
        "at",
        "memo",
        "power",
    ]
    texts = {t.id: t.text for t in corpus.transcripts}
    labels = {node_id: label for node_id, _, label, _ in loaded.codebook.iter_nodes()}
    for row in rows:
        assert texts[row["transcript"]][int(row["start"]) : int(row["end"])] == row["quote"]
        concept = loaded.codebook.concept(row["concept"])
        assert (row["theme"], row["dimension"]) == (concept.theme, concept.dimension)
        assert (row["dimension_label"], row["theme_label"], row["concept_label"]) == (
            labels[concept.dimension],
            labels[concept.theme],
            concept.label,
        )
        if row["file_start"]:
            in_file = file_texts[row["transcript"]]
            start, end = int(row["file_start"]), int(row["file_end"])
            assert in_file[start:end] == row["quote"]
            first_line = row["quote"].split("\n")[0]
            assert first_line in in_file.split("\n")[int(row["file_line"]) - 1]
    # The example's plain-text transcripts keep their quotes as written.
    assert sum(bool(row["file_start"]) for row in rows) >= len(rows) // 2
    first = rows[0]
    assert (first["transcript"], first["participant"], first["sex"]) == ("GP1", "GP1", "female")
    journal = [json.loads(x) for x in (EXAMPLE / "codings" / "hb.jsonl").read_text().splitlines()]
    power = {(j["transcript"], j["quote"]) for j in journal if "power" in j.get("flags", [])}
    assert power, "the example has power quotes"
    assert {(r["transcript"], r["quote"]) for r in rows if r["power"] == "true"} == power
    assert all(r["at"].endswith("Z") and r["coder"] == "hb" for r in rows)
    order = [(r["transcript"], int(r["start"])) for r in rows]
    assert order == sorted(order, key=lambda k: (int(k[0][2:]), k[1]))


def test_csv_keeps_fixed_columns_apart_from_attributes():
    codebook = Codebook("x", ())
    text = build_csv(
        codebook=codebook,
        transcripts=(),
        participants=(Participant("P1", {"source": "web"}),),
        codings=(),
        attributes=["source"],
    )
    assert text.splitlines()[0].split(",")[2] == "attribute_source"


def test_csv_names_every_participant_a_coding_overlaps_and_finds_it_in_the_file():
    concept = Concept("c", "C", "t", "d")
    codebook = Codebook(
        "x", (Dimension("d", "D", themes=(Theme("t", "T", "d", concepts=(concept,)),)),)
    )
    text = "A: one two\nB: three"
    transcript = Transcript("T1", "T1.txt", "txt", "utf-8", text, ())
    coding = Coding("T1", 3, 17, "c", "accept", "hb", "human", text[3:17], "2026-01-02T03:04:05Z")
    rows = list(
        csv.DictReader(
            io.StringIO(
                build_csv(
                    codebook=codebook,
                    transcripts=[transcript],
                    participants=(),
                    codings=[PlacedCoding(coding, "c", 3, 17, ("A1", "B1"))],
                    attributes=(),
                    file_texts={"T1": "[00:00:01] A: one two\nB: three"},
                )
            )
        )
    )
    assert [(r["participant"], r["file_line"], r["file_start"], r["file_end"]) for r in rows] == [
        ("A1;B1", "1", "14", "28")
    ]


def test_round_trip_keeps_the_data_structure(example, tmp_path):
    loaded, corpus, analysis = example
    archive = tmp_path / "peer-support.qdpx"
    archive.write_bytes(export(example))
    study = tmp_path / "imported"
    result = import_qdpx(archive, study)
    assert result.levels == "1,2,3+"
    assert (result.sources, result.codes, result.nodes_added) == (8, 31, 31)
    assert (result.codings, result.unplaced, result.duplicates, result.codings_skipped) == (
        57,
        0,
        0,
        0,
    )
    assert result.coders == ("hb",) and result.participants == 8

    again_loaded, again_corpus, again = analysed(study)
    journal = (study / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(journal) == len(analysis.counted) == len(again.counted)
    assert all(json.loads(line)["source"] == "import" for line in journal)
    assert not again.orphans
    assert [p.id for p in again_corpus.participants] == [p.id for p in corpus.participants]
    assert [p.attributes for p in again_loaded.participants] == [
        {k: p.attributes[k] for k in ATTRIBUTES} for p in loaded.participants
    ]

    def by_label(loaded_study, nodes):
        path = {}
        for node_id, _, label, parent in loaded_study.codebook.iter_nodes():
            path[node_id] = (path[parent] if parent else ()) + (label,)
        return {path[n.id]: (n.participants, n.segments) for n in nodes}

    assert by_label(again_loaded, again.nodes) == by_label(loaded, analysis.nodes)
    originals = {c.label: c for c in loaded.codebook.concepts}
    for concept in again_loaded.codebook.concepts:
        original = originals[concept.label]
        assert (concept.definition, concept.include, concept.exclude) == (
            original.definition,
            original.include,
            original.exclude,
        )

    repeat = import_qdpx(archive, study)
    assert (repeat.codings, repeat.duplicates, repeat.sources_unchanged) == (0, 57, 8)
    assert repeat.nodes_added == 0 and repeat.participants == 0
    assert (study / "codings" / "hb.jsonl").read_text(encoding="utf-8").splitlines() == journal


HOLD_JOURNAL = """
import sys
from pathlib import Path
from gioia.journal import lock
with lock(Path(sys.argv[1])):
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_an_import_into_a_journal_another_process_writes_appends_nothing(
    example, tmp_path, monkeypatch
):
    """The import takes the lock of every journal it appends to before it writes
    anything: while a review (here, a process holding the lock) writes hb.jsonl, an
    import waits briefly, then stops with the lock's message, having written nothing,
    rather than half-importing or adding lines between the review's."""
    archive = tmp_path / "peer-support.qdpx"
    archive.write_bytes(export(example))
    study = tmp_path / "imported"
    journal_file = study / "codings" / "hb.jsonl"
    journal_file.parent.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_JOURNAL, str(journal_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "holding\n"
        monkeypatch.setattr(project_import, "APPEND_WAIT_SECONDS", 0.1)
        with pytest.raises(JournalError, match="being written by another gioia process"):
            import_qdpx(archive, study)
        assert sorted(p.name for p in study.rglob("*")) == [".hb.jsonl.lock", "codings"]
    finally:
        holder.kill()
        holder.wait()
    assert import_qdpx(archive, study).codings == 57
