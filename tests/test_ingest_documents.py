"""Word (.docx), OpenDocument (.odt) and RTF transcripts, built in each test: paragraphs,
bold labels, line breaks, speaker tables, and files that cannot be read."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from gioia.errors import TranscriptError
from gioia.ingest import SUPPORTED_SUFFIXES, read_transcript
from gioia.models import Transcript


def read(path: Path) -> Transcript:
    transcript = read_transcript(path, transcript_id=path.stem, rel_path=path.name)
    rendered = "\n\n".join(
        f"{turn.speaker}: {transcript.text[turn.start : turn.end]}" for turn in transcript.turns
    )
    assert rendered == transcript.text
    return transcript


def spoken(transcript: Transcript) -> list[tuple[str, str]]:
    return [(turn.speaker, transcript.text[turn.start : turn.end]) for turn in transcript.turns]


def save(document: docx.document.Document, tmp_path: Path, name: str = "P1.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def add_table(document: docx.document.Document, rows: list[tuple[str, ...]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value


def add_bold_label(document: docx.document.Document, label: str, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(label).bold = True
    paragraph.add_run(text)


def raises_one_line(path: Path, *words: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        read(path)
    error = caught.value
    assert "\n" not in str(error) and error.hint and error.location.file == path.name
    for word in words:
        assert word in error.message


# --------------------------------------------------------------------------- .docx


def test_document_formats_are_supported_suffixes():
    assert {".docx", ".odt", ".rtf"} <= set(SUPPORTED_SUFFIXES)


def test_docx_plain_label_prefixes_after_a_title_and_header(tmp_path):
    document = docx.Document()
    document.add_heading("Interview with GP1", level=0)
    document.add_paragraph("Date: 12 May 2024")
    document.add_paragraph("Interviewer: How long have you worked here?")
    document.add_paragraph("GP1: Twelve years. The thing is: nobody asks.")
    document.add_paragraph("")
    document.add_paragraph("Interviewer: Why not?")
    document.add_paragraph("GP1: Too busy, I suppose.")
    transcript = read(save(document, tmp_path))
    assert transcript.format == "docx"
    assert spoken(transcript) == [
        ("Interviewer", "How long have you worked here?"),
        ("GP1", "Twelve years. The thing is: nobody asks."),
        ("Interviewer", "Why not?"),
        ("GP1", "Too busy, I suppose."),
    ]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True, False]
    # Paragraph numbers, the empty paragraph (5) included.
    assert [turn.line for turn in transcript.turns] == [3, 4, 6, 7]
    assert "Interview with" not in transcript.text and "Date" not in transcript.text
    assert transcript.warnings == ()


def test_docx_bold_labels_with_the_colon_inside_or_after_the_bold_run_or_a_strong_style(
    tmp_path,
):
    document = docx.Document()
    add_bold_label(document, "Interviewer:", " What did you value most?")
    add_bold_label(document, "GP1", ": The coffee breaks.")
    add_bold_label(document, "Interviewer:", "")
    document.add_paragraph("Anything else?")
    document.add_paragraph().add_run("GP1:", style="Strong")
    document.paragraphs[-1].add_run(" No.")
    # A bold phrase with a colon that is no speaker stays text, without Markdown marks.
    add_bold_label(document, "Important note:", " we stopped there.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "What did you value most?"),
        ("GP1", "The coffee breaks."),
        ("Interviewer", "Anything else?"),
        ("GP1", "No.\nImportant note: we stopped there."),
    ]
    assert "*" not in transcript.text


def test_a_bold_label_after_a_line_break_is_a_mark_a_plain_one_is_not(tmp_path):
    # After a long line that runs on unfinished, a name seen once is believed only when
    # the transcriber marked it, as bold.
    long_line = "and I was saying that the whole practice had changed since the merger and"
    for bold, expected in [(True, 3), (False, 2)]:
        document = docx.Document()
        document.add_paragraph("Interviewer: Go on.")
        paragraph = document.add_paragraph("GP1: " + long_line)
        paragraph.add_run().add_break()
        paragraph.add_run("Dr Shah:").bold = bold
        paragraph.add_run(" yes, it had.")
        transcript = read(save(document, tmp_path))
        assert len(transcript.turns) == expected
        assert "yes, it had." in transcript.text and "*" not in transcript.text


def test_docx_label_alone_in_its_paragraph_then_text_paragraphs(tmp_path):
    document = docx.Document()
    for paragraph in ["INTERVIEWER:", "How did the merger change things?", "", "P3:"]:
        document.add_paragraph(paragraph)
    document.add_paragraph("It got bigger.")
    document.add_paragraph("Much bigger.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("INTERVIEWER", "How did the merger change things?"),
        ("P3", "It got bigger.\nMuch bigger."),
    ]
    assert [turn.line for turn in transcript.turns] == [1, 4]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False]


def test_docx_line_breaks_inside_a_paragraph_continue_the_turn(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interviewer: And then?")
    paragraph = document.add_paragraph("GP1: It started slowly.")
    paragraph.runs[0].add_break()
    paragraph.add_run("Then it was fast.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "And then?"),
        ("GP1", "It started slowly. Then it was fast."),
    ]


def test_docx_speaker_and_text_table_with_a_header_row(tmp_path):
    document = docx.Document()
    rows = [
        ("Speaker", "Text"),
        ("Interviewer", "What is peer support to you?"),
        ("GP1:", "Someone who has been there."),
        ("", "Someone who gets it."),
        ("Interviewer", "Thank you."),
    ]
    add_table(document, rows)
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "What is peer support to you?"),
        ("GP1", "Someone who has been there.\nSomeone who gets it."),
        ("Interviewer", "Thank you."),
    ]
    assert [turn.line for turn in transcript.turns] == [2, 3, 5]
    assert "Speaker" not in transcript.text and "Text" not in transcript.text


def test_docx_timestamp_speaker_text_table(tmp_path):
    document = docx.Document()
    rows = [
        ("Time", "Speaker", "Transcript"),
        ("00:00:05", "Interviewer", "Shall we start?"),
        ("00:00:09", "Dr Anna Berg", "Yes, go ahead."),
        ("00:01:12", "Interviewer", "What changed?"),
        ("00:01:15", "Dr Anna Berg", "Everything, honestly."),
    ]
    add_table(document, rows)
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "Shall we start?"),
        ("Dr Anna Berg", "Yes, go ahead."),
        ("Interviewer", "What changed?"),
        ("Dr Anna Berg", "Everything, honestly."),
    ]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True, False]
    assert ":0" not in transcript.text and "Time" not in transcript.text


def test_docx_a_speaker_cell_merged_down_rows_continues_the_turn(tmp_path):
    document = docx.Document()
    add_table(
        document,
        [
            ("Interviewer", "Ready?"),
            ("GP1", "Yes, I am."),
            ("", "Go on."),
            ("Interviewer", "Good."),
        ],
    )
    table = document.tables[0]
    table.cell(1, 0).merge(table.cell(2, 0))
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "Ready?"),
        ("GP1", "Yes, I am.\nGo on."),
        ("Interviewer", "Good."),
    ]


def test_docx_paragraphs_and_a_table_interleaved_in_document_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interviewer: First, the paragraphs.")
    document.add_paragraph("P2: Fine.")
    table_rows = [
        ("Interviewer", "Then a table."),
        ("P2", "Also fine."),
        ("Interviewer", "Two rows each."),
        ("P2", "Sure."),
    ]
    add_table(document, table_rows)
    document.add_paragraph("Interviewer: And paragraphs again.")
    document.add_paragraph("P2: Fine again.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [
        ("Interviewer", "First, the paragraphs."),
        ("P2", "Fine."),
        *table_rows,
        ("Interviewer", "And paragraphs again."),
        ("P2", "Fine again."),
    ]
    # Each table row counts as one paragraph.
    assert [turn.line for turn in transcript.turns] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_docx_other_tables_are_read_as_paragraphs(tmp_path):
    document = docx.Document()
    add_table(document, [("Date", "12 May 2024"), ("Interviewer", "Anna"), ("Place", "Zoom")])
    document.add_paragraph("Interviewer: Shall we begin?")
    document.add_paragraph("P4: Yes.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript) == [("Interviewer", "Shall we begin?"), ("P4", "Yes.")]
    assert [turn.line for turn in transcript.turns] == [4, 5]


def test_docx_headings_between_turns_are_not_speech(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interviewer: Tell me about the start.")
    document.add_paragraph("P1: It was slow.")
    document.add_heading("Section 2: Experiences", level=1)
    document.add_paragraph("Interviewer: And later?")
    document.add_paragraph("P1: Better.")
    transcript = read(save(document, tmp_path))
    assert transcript.speakers == ("Interviewer", "P1")
    assert "Section" not in transcript.text and len(transcript.turns) == 4


def test_docx_tracked_insertions_are_read_and_deletions_are_not(tmp_path):
    document = docx.Document()
    document.add_paragraph("Interviewer: Ready?")
    paragraph = document.add_paragraph("P1: We were ")
    revisions = (
        f'<w:ins {nsdecls("w")} w:id="1" w:author="A" w:date="2024-05-12T00:00:00Z">'
        "<w:r><w:t>very </w:t></w:r></w:ins>"
        f'<w:del {nsdecls("w")} w:id="2" w:author="A" w:date="2024-05-12T00:00:00Z">'
        "<w:r><w:delText>not </w:delText></w:r></w:del>"
    )
    for revision in parse_xml(f"<w:wrap {nsdecls('w')}>{revisions}</w:wrap>"):
        paragraph._p.append(revision)
    paragraph.add_run("happy.")
    transcript = read(save(document, tmp_path))
    assert spoken(transcript)[1] == ("P1", "We were very happy.")


def test_an_empty_docx_has_no_spoken_text(tmp_path):
    raises_one_line(save(docx.Document(), tmp_path), "no spoken text")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (random.Random(3).randbytes(2000), ["not a .docx file"]),
        (b"", ["not a .docx file"]),
        (None, ["no document text", "word/document.xml"]),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512, ["Word 97-2003"]),
        (
            bytes.fromhex("D0CF11E0A1B11AE1") + "EncryptionInfo".encode("utf-16-le"),
            ["password-protected"],
        ),
    ],
)
def test_unreadable_docx_files_raise_one_line_transcript_errors(tmp_path, content, words):
    path = tmp_path / "P1.docx"
    if content is None:  # a zip archive, but not of a Word document
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    else:
        path.write_bytes(content)
    raises_one_line(path, *words)


# --------------------------------------------------------------------------- .odt

_ODF_NAMESPACES = " ".join(
    f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{name}"'
    for prefix, name in [
        ("office", "office:1.0"),
        ("style", "style:1.0"),
        ("text", "text:1.0"),
        ("table", "table:1.0"),
        ("fo", "xsl-fo-compatible:1.0"),
        ("draw", "drawing:1.0"),
        ("svg", "svg-compatible:1.0"),
    ]
)


def odt_style(name: str, weight: str) -> str:
    return (
        f'<style:style style:name="{name}" style:family="text">'
        f'<style:text-properties fo:font-weight="{weight}"/></style:style>'
    )


def write_odt(
    tmp_path: Path,
    body: str,
    *,
    kind: str = "text",
    styles: str = "",
    automatic_styles: str = odt_style("T1", "bold"),
    manifest: str = "",
    name: str = "P1.odt",
) -> Path:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF_NAMESPACES}>'
        f"<office:automatic-styles>{automatic_styles}</office:automatic-styles>"
        f"<office:body><office:{kind}>{body}</office:{kind}></office:body>"
        "</office:document-content>"
    )
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        if styles:
            archive.writestr(
                "styles.xml",
                f"<office:document-styles {_ODF_NAMESPACES}>{styles}</office:document-styles>",
            )
        if manifest:
            archive.writestr("META-INF/manifest.xml", manifest)
    return path


def odt_table(rows: list[tuple[str, ...]], header: tuple[str, ...] = ()) -> str:
    def row(values: tuple[str, ...]) -> str:
        cells = "".join(
            f"<table:table-cell><text:p>{value}</text:p></table:table-cell>" for value in values
        )
        return f"<table:table-row>{cells}</table:table-row>"

    header_rows = f"<table:table-header-rows>{row(header)}</table:table-header-rows>"
    return (
        "<table:table>"
        + (header_rows if header else "")
        + "".join(row(values) for values in rows)
        + "</table:table>"
    )


def test_odt_labels_bold_spans_line_breaks_lists_and_headings(tmp_path):
    body = (
        "<text:h>Interview 7</text:h>"
        "<text:p>Interviewer: What did the group give you?<draw:frame><svg:desc>A photo"
        "</svg:desc></draw:frame></text:p>"
        '<text:p><text:span text:style-name="T1">P7:</text:span> Company,<text:s text:c="3"/>'
        "mostly.<text:line-break/>And advice.</text:p>"
        "<text:p/>"
        "<text:list><text:list-item><text:p>Interviewer: Anything else?</text:p>"
        "</text:list-item></text:list>"
        '<text:p><text:span text:style-name="T1">P7</text:span>: No'
        "<text:note><text:note-body><text:p>a footnote</text:p></text:note-body></text:note>"
        ".</text:p>"
    )
    transcript = read(write_odt(tmp_path, body))
    assert transcript.format == "odt"
    assert spoken(transcript) == [
        ("Interviewer", "What did the group give you?"),
        ("P7", "Company, mostly. And advice."),
        ("Interviewer", "Anything else?"),
        ("P7", "No."),
    ]
    assert [turn.line for turn in transcript.turns] == [2, 3, 5, 6]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True, False]


def test_odt_bold_from_named_styles_and_not_from_header_footer_styles(tmp_path):
    # After a long line that runs on unfinished, a name seen once is a speaker only when
    # it is marked as bold.
    long_line = "and I was saying that the whole practice had changed since the merger and"
    body = (
        "<text:p>Interviewer: Go on.</text:p>"
        f"<text:p>P7: {long_line}<text:line-break/>"
        '<text:span text:style-name="Strong_20_Emphasis">Dr Shah:</text:span> yes.</text:p>'
        f"<text:p>P7: {long_line}<text:line-break/>"
        '<text:span text:style-name="T9">Dr Jones:</text:span> no.</text:p>'
    )
    styles = (
        f"<office:styles>{odt_style('Strong_20_Emphasis', 'bold')}</office:styles>"
        # styles.xml's automatic styles belong to headers and footers, not to the body.
        f"<office:automatic-styles>{odt_style('T9', 'bold')}</office:automatic-styles>"
    )
    path = write_odt(tmp_path, body, styles=styles, automatic_styles=odt_style("T9", "normal"))
    transcript = read(path)
    assert transcript.speakers == ("Interviewer", "P7", "Dr Shah")
    assert spoken(transcript)[-1] == ("P7", f"{long_line} Dr Jones: no.")


def test_odt_speaker_tables_with_a_marked_header_row_and_timestamps(tmp_path):
    rows = [
        ("00:00:05", "Moderator", "Welcome, everyone."),
        ("00:00:09", "Anna", "Thanks."),
        ("00:00:12", "Moderator", "Shall we start?"),
        ("00:00:14", "Anna", "Yes."),
    ]
    transcript = read(write_odt(tmp_path, odt_table(rows, header=("When", "Who", "What"))))
    assert spoken(transcript) == [(speaker, text) for _, speaker, text in rows]
    assert [turn.line for turn in transcript.turns] == [2, 3, 4, 5]
    assert [turn.is_interviewer for turn in transcript.turns] == [True, False, True, False]


def test_an_empty_odt_has_no_spoken_text(tmp_path):
    raises_one_line(write_odt(tmp_path, "<text:p/>"), "no spoken text")


def test_unreadable_odt_files_raise_one_line_transcript_errors(tmp_path):
    (tmp_path / "random.odt").write_bytes(random.Random(5).randbytes(1000))
    raises_one_line(tmp_path / "random.odt", "not an .odt file")
    with zipfile.ZipFile(tmp_path / "empty.odt", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    raises_one_line(tmp_path / "empty.odt", "content.xml")
    raises_one_line(write_odt(tmp_path, "<table:table/>", kind="spreadsheet"), "not a text")
    encrypted = "<manifest:manifest><manifest:encryption-data/></manifest:manifest>"
    raises_one_line(write_odt(tmp_path, "", manifest=encrypted), "password-protected")
    with zipfile.ZipFile(tmp_path / "broken.odt", "w") as archive:
        archive.writestr("content.xml", "<office:document-content><office:body>")
    raises_one_line(tmp_path / "broken.odt", "damaged")


# --------------------------------------------------------------------------- .rtf


def write_rtf(tmp_path: Path, body: str, name: str = "P1.rtf") -> Path:
    path = tmp_path / name
    header = r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}{\header {\pard Page 1\par}}"
    path.write_bytes((header + body + "}").encode("ascii"))
    return path


def test_rtf_paragraphs_bold_labels_escapes_and_line_breaks(tmp_path):
    body = (
        r"\pard {\b Interviewer:} How did it start? Caf\'e9 talk \u8212? mostly.\par"
        r"\pard {\b GP1:} Slowly \u-10179?\u-8704?.\line Then fast.\par"
        r"\pard\par"
        r"\pard INTERVIEWER:\par"
        r"\pard Why?\par"
    )
    transcript = read(write_rtf(tmp_path, body))
    assert transcript.format == "rtf"
    assert spoken(transcript) == [
        ("Interviewer", "How did it start? Café talk — mostly."),
        ("GP1", "Slowly 😀.\nThen fast."),
        ("Interviewer", "Why?"),
    ]
    # Paragraph numbers; striprtf writes a line break as a paragraph break.
    assert [turn.line for turn in transcript.turns] == [1, 2, 5]
    assert "Page 1" not in transcript.text


def test_rtf_speaker_table(tmp_path):
    rows = [
        ("Speaker", "Text"),
        ("Interviewer", "Why did you join?"),
        ("P1", "A friend asked me."),
        ("Interviewer", "And you stayed?"),
    ]
    body = r"\pard Interview 4\par" + "".join(
        rf"\trowd\cellx2000\cellx6000\pard\intbl {speaker}\cell {text}\cell\row"
        for speaker, text in rows
    )
    transcript = read(write_rtf(tmp_path, body))
    assert spoken(transcript) == list(rows[1:])
    assert [turn.line for turn in transcript.turns] == [3, 4, 5]


def test_unreadable_rtf_files_raise_one_line_transcript_errors(tmp_path):
    (tmp_path / "P1.rtf").write_bytes(b"Interviewer: this is plain text with an .rtf name")
    raises_one_line(tmp_path / "P1.rtf", "not in Rich Text Format")
    raises_one_line(write_rtf(tmp_path, r"\pard\par", name="P2.rtf"), "no spoken text")


# --------------------------------------------------------------------------- damage


def good_docx(tmp_path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("Interviewer: Hello?")
    add_table(document, [("P1", "Hi there."), ("Interviewer", "Good."), ("P1", "Yes.")])
    return save(document, tmp_path, "good.docx")


def good_odt(tmp_path: Path) -> Path:
    body = '<text:p><text:span text:style-name="T1">Interviewer:</text:span> Hi?</text:p>'
    return write_odt(tmp_path, body + odt_table([("P1", "Hello."), ("P1", "Yes.")]))


def good_rtf(tmp_path: Path) -> Path:
    return write_rtf(tmp_path, r"\pard {\b Interviewer:} Hi \u8212? x\'e9.\par\pard P1: Yes.\par")


@pytest.mark.parametrize("make", [good_docx, good_odt, good_rtf])
def test_any_damage_gives_a_transcript_or_a_one_line_transcript_error(tmp_path, make):
    good = make(tmp_path)
    data = good.read_bytes()
    generator = random.Random(7)
    for attempt in range(60):
        damaged = bytearray(data)
        for _ in range(generator.randint(1, 20)):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        path = tmp_path / f"damaged{attempt}{good.suffix}"
        path.write_bytes(bytes(damaged[: generator.randint(len(data) // 2, len(data))]))
        try:
            read(path).text.encode("utf-8")
        except TranscriptError as error:
            assert "\n" not in str(error)
