"""Importing projects as real QDA programs write them, from small hand-written fixtures
(one per known quirk), what cannot come in, and importing into a study that has data."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
import yaml

from gioia import pipeline
from gioia.errors import ConfigError
from gioia.interchange import import_qdpx

PROJECT = 'xmlns="urn:QDA-XML:project:1.0"'
USER = "0d1c9a3e-0000-4000-8000-000000000001"
SOURCE = "0d1c9a3e-0000-4000-8000-0000000000a1"


def guid(n: int) -> str:
    return f"0d1c9a3e-0000-4000-8000-{n:012d}"


def qdpx(path: Path, qde: str, files: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def project(codes: str, sources: str, extra: str = "", origin: str = "test") -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Project {PROJECT} name="p" origin="{origin}">'
        f'<Users><User guid="{USER}" name="Ana María"/></Users>'
        f"<CodeBook><Codes>{codes}</Codes></CodeBook>{extra}<Sources>{sources}</Sources>"
        "</Project>"
    )


def selection(start: int, end: int, code: str, n: int, memo: str = "") -> str:
    description = f"<Description>{memo}</Description>" if memo else ""
    return (
        f'<PlainTextSelection guid="{guid(1000 + n)}" startPosition="{start}" '
        f'endPosition="{end}">{description}<Coding guid="{guid(2000 + n)}" '
        f'creatingUser="{USER}"><CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


THREE_LEVELS = (
    f'<Code guid="{guid(1)}" name="Support" isCodable="true"><Description>What helps.</Description>'
    f'<Code guid="{guid(2)}" name="Emotional" isCodable="true">'
    f'<Code guid="{guid(3)}" name="feeling understood" isCodable="true">'
    f'<Code guid="{guid(4)}" name="by peers" isCodable="true"/></Code></Code></Code>'
)


def inline_source(name: str, text: str, selections: str = "") -> str:
    return (
        f'<TextSource guid="{SOURCE}" name="{name}">'
        f"<PlainTextContent>{text}</PlainTextContent>{selections}</TextSource>"
    )


def journal(study: Path, coder: str) -> list[dict]:
    path = study / "codings" / f"{coder}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def codebook(study: Path) -> dict:
    return yaml.safe_load((study / "codebook.yaml").read_text(encoding="utf-8"))


def counted(study: Path):
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    return corpus, pipeline.analyse(loaded, corpus)


# --------------------------------------------------------------------------- qc


def test_qc_line_selections_of_hard_wrapped_text(tmp_path):
    """qc selects whole lines ("line:N") of hard-wrapped text, trailing spaces and
    newline included; a short answer that occurs twice is told apart by its offsets."""
    text = (
        "Interviewer:   How did you start?\n\n"
        "Ana:   I started in 2019 because a friend \n"
        "showed me the club. \n\n"
        "Interviewer: Did you like it?\n\n"
        "Ana: Yes.\n\n"
        "Interviewer: And the people?\n\n"
        "Ana: Yes.\n"
    )
    first_line = text.index("I started")
    second_line_end = text.index("club. \n") + len("club. \n")
    second_yes = text.rindex("Yes.")
    sources = (
        f'<TextSource guid="{SOURCE}" plainTextPath="ana.txt">'
        f'<PlainTextSelection guid="{guid(1001)}" name="line:2" startPosition="{first_line}" '
        f'endPosition="{second_line_end}"><Coding guid="{guid(2001)}" creatingUser="{USER}">'
        f'<CodeRef targetGUID="{guid(3)}"/></Coding></PlainTextSelection>'
        + selection(second_yes, second_yes + 4, guid(3), 2)
        + "</TextSource>"
    )
    archive = qdpx(
        tmp_path / "qc.qdpx",
        project(THREE_LEVELS, sources, origin="qc 1.3.2"),
        {"sources/ana.txt": text.encode()},
    )
    study = tmp_path / "study"
    result = import_qdpx(archive, study)
    assert (result.codings, result.unplaced) == (2, 0)
    lines = journal(study, "Ana-Maria")
    assert lines[0]["quote"] == "I started in 2019 because a friend showed me the club."
    assert (lines[0]["start"], lines[0]["end"]) == (-1, -1)
    assert lines[1]["quote"] == "Yes." and lines[1]["start"] != -1
    corpus, analysis = counted(study)
    placed = [p for p in analysis.counted if p.coding.quote == "Yes."]
    assert len(placed) == 1 and placed[0].start == corpus.transcripts[0].text.rindex("Yes.")


# --------------------------------------------------------------------------- line endings


@pytest.mark.parametrize("count_crlf_as", [1, 2])
def test_positions_counted_with_either_line_ending_convention(tmp_path, count_crlf_as):
    lines = ["Interviewer: Why?", "", "Bo: Because the staff room is warm.", ""] * 3
    lines[6] = "Bo: Because the coffee is good."
    text = "\r\n".join(lines)
    wanted = ["staff room", "coffee", "staff room"]
    counted_text = text if count_crlf_as == 2 else text.replace("\r\n", "\n")
    spans, at = [], 0
    for word in wanted:
        at = counted_text.index(word, at + 1)
        spans.append((at, at + len(word)))
    sources = (
        f'<TextSource guid="{SOURCE}" name="bo.txt" plainTextPath="internal://{SOURCE}.txt">'
        + "".join(selection(s, e, guid(3), n) for n, (s, e) in enumerate(spans))
        + "</TextSource>"
    )
    archive = qdpx(
        tmp_path / "p.qdpx",
        project(THREE_LEVELS, sources),
        {f"sources/{SOURCE}.txt": text.encode()},
    )
    study = tmp_path / "study"
    result = import_qdpx(archive, study)
    assert result.codings == 3 and result.unplaced == 0
    assert [line["quote"] for line in journal(study, "Ana-Maria")] == wanted
    assert (study / "transcripts" / "bo.txt").read_bytes() == text.replace("\r\n", "\n").encode()
    _, analysis = counted(study)
    assert len(analysis.counted) == 3 and not analysis.orphans


# --------------------------------------------------------------------------- NVivo for Mac


def word_document(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_nvivo_mac_guid_docx_sources_behind_placeholders(tmp_path):
    paragraphs = ["Interviewer: What helps?", "Cy: Honestly, the coffee room helps most."]
    plain = "\n".join(paragraphs)
    start = plain.index("the coffee room")
    docx_guid = "d097e6fd-7671-4d95-a8b6-7795fa4a72e1"
    sources = (
        f'<TextSource guid="{docx_guid}" name="{guid(77)}" '
        f'plainTextPath="internal://{docx_guid}.txt" richTextPath="internal://{docx_guid}.docx">'
        + selection(start, start + len("the coffee room"), guid(2), 1)
        + "</TextSource>"
    )
    archive = qdpx(
        tmp_path / "nvivo.qdpx",
        project(THREE_LEVELS, sources, origin="NVivo for Mac 15.0.0"),
        {
            f"sources/{docx_guid}.docx": word_document(paragraphs),
            f"sources/{docx_guid}.txt": b"\n",
            "sources/.root": b"",
        },
    )
    study = tmp_path / "study"
    result = import_qdpx(archive, study)
    assert (result.sources, result.codings, result.unplaced) == (1, 1, 0)
    assert (study / "transcripts" / f"{guid(77)}.txt").read_text() == plain
    assert any("Word document" in w.message for w in result.warnings)
    # The coding was made on a theme ("Emotional"): it goes to the theme's own concept.
    assert journal(study, "Ana-Maria")[0]["concept"] == "emotional-2"
    theme = codebook(study)["dimensions"][0]["themes"][0]
    assert [c["label"] for c in theme["concepts"]] == [
        "feeling understood",
        "feeling understood / by peers",
        "Emotional",
    ]


# --------------------------------------------------------------------------- projects


def test_cases_variables_and_what_cannot_come_in(tmp_path):
    """Cases become participants.csv rows; codings of unknown codes, whole sources and
    PDF sources are counted and reported, never silently dropped."""
    text = "Interviewer: Hi.\n\nDee: We eat lunch together every day."
    start = text.index("We eat")
    variables = (
        f'<Variables><Variable guid="{guid(500)}" name="role" typeOfVariable="Text"/>'
        f'<Variable guid="{guid(501)}" name="years" typeOfVariable="Integer"/></Variables>'
        f'<Cases><Case guid="{guid(600)}" name="P-Dee">'
        f'<VariableValue><VariableRef targetGUID="{guid(500)}"/>'
        "<TextValue>nurse</TextValue></VariableValue>"
        f'<VariableValue><VariableRef targetGUID="{guid(501)}"/>'
        "<IntegerValue>7</IntegerValue></VariableValue>"
        f'<SourceRef targetGUID="{SOURCE}"/></Case></Cases>'
    )
    sources = (
        f'<TextSource guid="{SOURCE}" name="Dee interview.docx">'
        f"<PlainTextContent>{text}</PlainTextContent>"
        + selection(start, len(text), guid(3), 1, memo="lunch as ritual")
        + selection(start, len(text), guid(999), 2)
        + f'<Coding guid="{guid(3001)}"><CodeRef targetGUID="{guid(3)}"/></Coding></TextSource>'
        + f'<PDFSource guid="{guid(700)}" name="scan"><PDFSelection guid="{guid(701)}" page="1" '
        f'firstX="0" firstY="0" secondX="1" secondY="1"><Coding guid="{guid(702)}">'
        f'<CodeRef targetGUID="{guid(3)}"/></Coding></PDFSelection></PDFSource>'
    )
    archive = qdpx(tmp_path / "p.qdpx", project(THREE_LEVELS, sources, extra=variables))
    study = tmp_path / "study"
    result = import_qdpx(archive, study)
    assert (result.codings, result.codings_skipped, result.participants) == (1, 3, 1)
    messages = " | ".join(w.message for w in result.warnings)
    assert "not in the code tree" in messages
    assert "whole sources" in messages and "PDF" in messages
    assert (study / "participants.csv").read_text() == (
        "id,transcript,role,years\nP-Dee,Dee_interview,nurse,7\n"
    )
    (line,) = journal(study, "Ana-Maria")
    assert (line["memo"], line["transcript"]) == ("lunch as ritual", "Dee_interview")
    corpus, analysis = counted(study)
    assert [p.participant for p in analysis.counted] == ["P-Dee"]


def test_merging_into_a_study_keeps_what_is_there(tmp_path):
    text = "Interviewer: Hi.\n\nEd: The staff room is where we talk."
    start = text.index("The staff room")
    extra = (
        f'<Variables><Variable guid="{guid(500)}" name="role" typeOfVariable="Text"/></Variables>'
        f'<Cases><Case guid="{guid(600)}" name="Ed"><VariableValue><VariableRef '
        f'targetGUID="{guid(500)}"/><TextValue>GP</TextValue></VariableValue>'
        f'<SourceRef targetGUID="{SOURCE}"/></Case></Cases>'
    )
    sources = inline_source("Ed", text, selection(start, len(text), guid(3), 1))
    archive = qdpx(tmp_path / "p.qdpx", project(THREE_LEVELS, sources, extra=extra))
    study = tmp_path / "study"
    (study / "codings").mkdir(parents=True)
    (study / "participants.csv").write_text("id;sex;role\nEd;male;\nFay;female;nurse\n")
    existing = (
        '{"transcript": "Ed", "start": -1, "end": -1, "concept": "x", "decision": "reject", '
        '"coder": "Ana-Maria", "source": "human", "quote": "q", "at": "2026-01-01T00:00:00Z"}\n'
    )
    (study / "codings" / "Ana-Maria.jsonl").write_text(existing)
    result = import_qdpx(archive, study)
    assert (result.codings, result.participants) == (1, 0)
    # Ed's case is linked to the source Ed: his own transcript, so no transcript column.
    assert (study / "participants.csv").read_text() == "id;sex;role\nEd;male;GP\nFay;female;nurse\n"
    assert (study / "codings" / "Ana-Maria.jsonl").read_text().startswith(existing)
    assert len(journal(study, "Ana-Maria")) == 2

    (study / "participants.csv").write_text("id;transcript;sex;role\nEd;Ed;male;partner\n")
    result = import_qdpx(archive, study)
    assert result.codings == 0 and result.duplicates == 1
    assert any("'partner' kept, the import says 'GP'" in w.message for w in result.warnings)


def test_codings_of_a_changed_transcript_are_reanchored_on_the_study_text(tmp_path):
    # The study's file has CRLF line endings and no final newline; the source (its export,
    # coded further elsewhere) has LF, one more sentence, and a final newline.
    study_text = b"Ed: I felt understood by my peers.\r\nEd: We met on Fridays."
    source_text = "Ed: I felt understood by my peers.\nEd: We met on Fridays. Then we stopped.\n"
    understood = source_text.index("understood by my peers")
    stopped = source_text.index("Then we stopped")
    selections = selection(understood, understood + len("understood by my peers"), guid(3), 1)
    selections += selection(stopped, stopped + len("Then we stopped"), guid(3), 2)
    archive = qdpx(
        tmp_path / "p.qdpx", project(THREE_LEVELS, inline_source("Ed", source_text, selections))
    )
    study = tmp_path / "study"
    (study / "transcripts").mkdir(parents=True)
    (study / "transcripts" / "Ed.txt").write_bytes(study_text)

    result = import_qdpx(archive, study)

    assert (study / "transcripts" / "Ed.txt").read_bytes() == study_text
    assert (result.sources, result.sources_reanchored) == (0, 1)
    assert (result.codings, result.unplaced) == (2, 1)
    lines = journal(study, "Ana-Maria")
    assert [(line["quote"], line["start"]) for line in lines] == [
        ("understood by my peers", -1),
        ("Then we stopped", -1),
    ]
    assert any("could not be placed on the study's own text" in w.message for w in result.warnings)
    again = import_qdpx(archive, study)
    assert (again.codings, again.duplicates) == (0, 2)


def test_a_broken_codebook_stops_the_import_before_writing(tmp_path):
    sources = inline_source("Ed", "Ed: text")
    archive = qdpx(tmp_path / "p.qdpx", project(THREE_LEVELS, sources))
    study = tmp_path / "study"
    study.mkdir()
    (study / "codebook.yaml").write_text("version: 1\ndimensions: []\n")
    with pytest.raises(ConfigError):
        import_qdpx(archive, study)
    assert [p.name for p in study.iterdir()] == ["codebook.yaml"]


def test_selections_gioia_cannot_place_are_kept_or_reported(tmp_path):
    """Talk in lines gioia reads as a header is kept in the journal with the source's
    words (an orphan for `gioia check`); empty or impossible selections are reported."""
    text = (
        "Focus group notes, 3 May\n"
        "written up by   the second researcher\n\n"
        "Interviewer: Why?\n\nAna: I like the club.\n\nInterviewer: And?\n\nAna: The people."
    )
    header = text.index("written up")
    liked = text.index("I like")
    other_user = "0d1c9a3e-0000-4000-8000-000000000002"
    sources = inline_source(
        "notes",
        text,
        selection(header, header + len("written up by   the second"), guid(3), 1)
        + selection(text.index("\n\n"), text.index("\n\n") + 2, guid(3), 2)
        + selection(10, 10_000, guid(3), 3)
        + f'<PlainTextSelection guid="{guid(1004)}" startPosition="{liked}" '
        f'endPosition="{liked + 6}"><Coding guid="{guid(2004)}" creatingUser="{other_user}" '
        'creationDateTime="2024-09-15T17:36:47+02:00">'
        f'<CodeRef targetGUID="{guid(3)}"/></Coding></PlainTextSelection>',
    )
    qde = project(THREE_LEVELS, sources).replace(
        "</Users>", f'<User guid="{other_user}" name="bo/ko"/></Users>'
    )
    study = tmp_path / "study"
    result = import_qdpx(qdpx(tmp_path / "p.qdpx", qde), study)
    assert (result.codings, result.unplaced, result.codings_skipped) == (2, 1, 2)
    assert result.coders == ("Ana-Maria", "bo-ko")
    messages = " | ".join(w.message for w in result.warnings)
    assert "holds only white space" in messages and "lies outside the text" in messages
    (kept,) = journal(study, "Ana-Maria")
    assert (kept["quote"], kept["start"]) == ("written up by   the second", -1)
    (liked_line,) = journal(study, "bo-ko")
    assert (liked_line["quote"], liked_line["at"]) == ("I like", "2024-09-15T15:36:47Z")
    _, analysis = counted(study)
    assert [o.coding.quote for o in analysis.orphans] == ["written up by   the second"]
    assert [p.coding.quote for p in analysis.counted] == ["I like"]
