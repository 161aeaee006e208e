"""Hostile transcripts: seeds of every supported format, mutated as bytes and, for the
zipped formats, member by member (broken XML, external entities, entity expansion)."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
from hostile_support import (
    BYTE_MUTATIONS,
    DATA,
    EXAMPLE,
    Mutation,
    assert_names_file,
    flip_bytes,
    mutated,
)
from hypothesis import strategies as st

from gioia.errors import GioiaError
from gioia.ingest import SUPPORTED_SUFFIXES, read_transcript

# --------------------------------------------------------------------------- seeds


def _docx_seed() -> bytes:
    document = docx.Document()
    document.add_paragraph("Interview with P1, 3 May")
    for label, text in (
        ("Interviewer: ", "How do you cope?"),
        ("P1: ", "I rant in the staff room."),
    ):
        paragraph = document.add_paragraph()
        paragraph.add_run(label).bold = True
        paragraph.add_run(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "P1", "We have coffee together."
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_ODF = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def odt_bytes(body: str) -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODF}>'
        f"<office:body><office:text>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def _text_seeds() -> dict[str, list[bytes]]:
    transcripts = DATA / "transcripts"
    captions = DATA / "captions"
    txt = [p.read_bytes()[:3000] for p in sorted(transcripts.glob("*.txt"))]
    txt.append((EXAMPLE / "transcripts" / "GP1.txt").read_bytes()[:3000])
    return {
        ".txt": txt,
        ".md": [p.read_bytes()[:3000] for p in sorted(transcripts.glob("*.md"))]
        + [(EXAMPLE / "transcripts" / "GP7.md").read_bytes()[:3000]],
        ".vtt": [p.read_bytes()[:3000] for p in sorted(captions.rglob("*.vtt"))],
        ".srt": [p.read_bytes()[:3000] for p in sorted(captions.rglob("*.srt"))],
        ".sbv": [p.read_bytes()[:3000] for p in sorted(captions.rglob("*.sbv"))],
        ".rtf": [
            b"{\\rtf1\\ansi\\deff0 {\\b Interviewer:} How do you cope?\\par "
            b"{\\b P1:} I rant in the staff room.\\par }",
            b"{\\rtf1\\ansi Interviewer: Hi\\line P1: caf\\'e9 \\u8217? yes\\par}",
        ],
        ".docx": [_docx_seed()],
        ".odt": [
            odt_bytes(
                "<text:p>Interviewer: How do you cope?</text:p>"
                "<text:p>P1: I rant in the staff room.</text:p>"
            )
        ],
    }


SEEDS = _text_seeds()
assert set(SEEDS) == set(SUPPORTED_SUFFIXES), "a new transcript format needs a seed here"

_XML_ATTACKS = (
    b"<w:document><broken",
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
    b'&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;'
    b'&c;&c;&c;&c;&c;&c;">]><d>&d;&d;&d;&d;&d;&d;&d;&d;</d>',
    b"",
    b"\x00\x01\x02",
    b'<?xml version="1.0" encoding="utf-16"?><d/>',
)


def mutate_zip_member(rng: random.Random, data: bytes) -> bytes:
    """Rewrite one member of a .docx/.odt (a zip): mutated, replaced by hostile XML, or
    dropped. The zip stays valid, so the damage reaches the XML parser."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    except Exception:  # noqa: BLE001 - already broken by an earlier mutation
        return flip_bytes(rng, data)
    if not members:
        return data
    index = rng.randrange(len(members))
    name, content = members[index]
    choice = rng.random()
    if choice < 0.3:
        members[index] = (name, rng.choice(_XML_ATTACKS))
    elif choice < 0.4:
        del members[index]
    else:
        mutation = rng.choice(BYTE_MUTATIONS)
        members[index] = (name, mutation(rng, content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members:
            archive.writestr(member, content)
    return buffer.getvalue()


def mutations_for(suffix: str) -> tuple[Mutation, ...]:
    if suffix in (".docx", ".odt"):
        return (mutate_zip_member, mutate_zip_member, *BYTE_MUTATIONS)
    return BYTE_MUTATIONS


def transcript_cases(suffix: str) -> st.SearchStrategy[bytes]:
    """Random bytes, random text in a random encoding, and mutated real transcripts."""
    text = st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from("P1:\n\r-> "),
        max_size=300,
    )
    encoded = st.tuples(text, st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"])).map(
        lambda pair: pair[0].encode(pair[1], "replace")
    )
    return st.one_of(
        st.binary(max_size=600),
        encoded,
        mutated(SEEDS[suffix], mutations_for(suffix)),
    )


def check_transcript(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        transcript = read_transcript(path, transcript_id=path.stem, rel_path=path.name)
    except GioiaError as error:
        assert_names_file(error, path.name)
        return
    # The text is written to .gioia/text as UTF-8 and parsed by spaCy: it must be Unicode.
    transcript.text.encode("utf-8")
    for turn in transcript.turns:
        assert 0 <= turn.start <= turn.end <= len(transcript.text)
