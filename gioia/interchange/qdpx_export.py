"""A study as a REFI-QDA project (``.qdpx``): ``project.qde`` and ``sources/<guid>.txt``.

The sources are the transcripts' normalised text, the text every gioia offset refers to,
so each coding's ``startPosition``/``endPosition`` (Unicode code points, end exclusive)
selects exactly its quote in the exported source. What goes in:

- the codebook as a code tree dimension → theme → concept; definitions (with a concept's
  inclusion and exclusion criteria) as ``<Description>``;
- one ``<PlainTextSelection>`` per counted coding, holding one ``<Coding>`` by its coder
  (a ``<User>``); the coding's memo is the selection's ``<Description>``; its name is
  ``line:N`` and the quote's first words (qc places a selection by that line number);
- a ``<Case>`` per participant, linked to the sources they speak in, with the reportable
  attributes only as ``<Variables>`` (Integer or Float when every value is one, else Text);
- what REFI-QDA has no element for, under ``gioia/`` (:mod:`~gioia.interchange.carried`).

With names to anonymise (gioia.yaml ``settings.anonymise``, :mod:`gioia.anonymise`), the
sources are the anonymised texts, each selection's positions are moved to select its
anonymised quote exactly, and its name and memo are anonymised too; the study's own
files, which hold the names, are then not carried (only the manifest's code ids are).

The bytes are the same for the same input: GUIDs derive from ids, timestamps come from the
journals, zip entries are sorted and dated 1980-01-01.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from xml.etree.ElementTree import Element, SubElement

from gioia.anonymise import Anonymised, AnonymisedTexts, Anonymiser
from gioia.interchange.carried import carried_entries
from gioia.interchange.refi import (
    ORIGIN,
    PROJECT_NS,
    make_guid,
    to_xml_bytes,
    write_codes,
    xml_text,
)
from gioia.models import Codebook, Participant, PlacedCoding, Transcript

__all__ = ["build_qdpx", "zip_deterministic"]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# xsd:dateTime; a hand-written journal line's "at" may be anything, and is then left out.
_DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_UNIX_FILE = 0o100644 << 16


def build_qdpx(
    *,
    title: str,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    participants: Sequence[Participant],
    codings: Sequence[PlacedCoding],
    attributes: Sequence[str],
    carried: Mapping[str, bytes] | None = None,
    anonymise: Mapping[str, str] | None = None,
) -> bytes:
    """The ``.qdpx`` archive of a study. ``codings`` are placed (counted) codings of
    ``transcripts``; ``attributes`` are the participant attributes that may be reported;
    ``carried`` the study's own files (by path in the study folder) gioia reads back
    (see :mod:`~gioia.interchange.carried`), or None for a pure REFI-QDA project;
    ``anonymise`` the names to replace (then ``carried`` may hold no files)."""
    anonymiser = Anonymiser(anonymise)
    if anonymiser and carried:
        raise ValueError("an anonymised project carries none of the study's files")
    texts = AnonymisedTexts(anonymiser, {t.id: t.text for t in transcripts})
    source_guids = {t.id: make_guid("source", t.id) for t in transcripts}
    unknown = sorted({c.coding.transcript for c in codings} - set(source_guids))
    if unknown:
        raise ValueError(f"codings of transcripts not exported: {', '.join(unknown)}")
    coders = sorted({c.coding.coder for c in codings})
    user_guids = {coder: make_guid("user", coder) for coder in coders}

    project = Element("Project", xmlns=PROJECT_NS, name=xml_text(title) or "gioia study")
    project.set("origin", ORIGIN)
    if coders:
        users = SubElement(project, "Users")
        for coder in coders:
            SubElement(users, "User", guid=user_guids[coder], name=coder)
    concept_guids: dict[str, str] = {}
    if codebook.dimensions:
        codes = SubElement(SubElement(project, "CodeBook"), "Codes")
        concept_guids = write_codes(codes, codebook)
    variable_types = _variable_types(attributes, participants)
    if variable_types:
        variables = SubElement(project, "Variables")
        for name, kind in variable_types.items():
            SubElement(
                variables,
                "Variable",
                guid=make_guid("variable", name),
                name=xml_text(name),
                typeOfVariable=kind,
            )
    if participants:
        _write_cases(SubElement(project, "Cases"), participants, transcripts, variable_types)
    if transcripts:
        _write_sources(
            SubElement(project, "Sources"),
            transcripts,
            codings,
            concept_guids,
            user_guids,
            texts,
            anonymiser,
        )

    entries = {"project.qde": to_xml_bytes(project)}
    if carried is not None:
        entries |= carried_entries(entries["project.qde"], codebook, carried)
    for transcript in transcripts:
        text = texts[transcript.id].text
        entries[f"sources/{source_guids[transcript.id]}.txt"] = text.encode("utf-8")
    return zip_deterministic(entries)


def zip_deterministic(entries: Mapping[str, bytes]) -> bytes:
    """A zip archive of ``entries`` whose bytes depend on nothing but their names and
    contents: sorted, with a fixed date and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whichever system writes the file
            info.external_attr = _UNIX_FILE
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def _variable_types(
    attributes: Sequence[str], participants: Sequence[Participant]
) -> dict[str, str]:
    """QDA-XML's type of each attribute, from the values it takes."""
    types = {}
    for name in attributes:
        values = [p.attributes.get(name, "").strip() for p in participants]
        values = [v for v in values if v]
        if values and all(_INTEGER.fullmatch(v) for v in values):
            types[name] = "Integer"
        elif values and all(_DECIMAL.fullmatch(v) for v in values):
            types[name] = "Float"
        else:
            types[name] = "Text"
    return types


def _write_cases(
    cases: Element,
    participants: Sequence[Participant],
    transcripts: Sequence[Transcript],
    variable_types: Mapping[str, str],
) -> None:
    value_element = {"Integer": "IntegerValue", "Float": "FloatValue", "Text": "TextValue"}
    for participant in participants:
        case = SubElement(cases, "Case", guid=make_guid("case", participant.id))
        case.set("name", xml_text(participant.id))
        for name, kind in variable_types.items():
            value = participant.attributes.get(name, "").strip()
            if not value:
                continue  # an empty cell is a missing value, not an empty text
            variable_value = SubElement(case, "VariableValue")
            SubElement(variable_value, "VariableRef", targetGUID=make_guid("variable", name))
            SubElement(variable_value, value_element[kind]).text = xml_text(value)
        # A participant's sources are those where they speak: one interview, or several
        # focus groups.
        for transcript in transcripts:
            if any(turn.participant == participant.id for turn in transcript.turns):
                SubElement(case, "SourceRef", targetGUID=make_guid("source", transcript.id))


def _write_sources(
    sources: Element,
    transcripts: Sequence[Transcript],
    codings: Sequence[PlacedCoding],
    concept_guids: Mapping[str, str],
    user_guids: Mapping[str, str],
    texts: AnonymisedTexts,
    anonymiser: Anonymiser,
) -> None:
    by_transcript: dict[str, list[PlacedCoding]] = {}
    for placed in codings:
        by_transcript.setdefault(placed.coding.transcript, []).append(placed)
    for transcript in transcripts:
        guid = make_guid("source", transcript.id)
        source = SubElement(sources, "TextSource", guid=guid, name=xml_text(transcript.id))
        source.set("plainTextPath", f"internal://{guid}.txt")
        placed_here = sorted(
            by_transcript.get(transcript.id, ()),
            key=lambda p: (p.start, p.end, p.concept, p.coding.coder),
        )
        for placed in placed_here:
            _write_selection(
                source,
                transcript,
                placed,
                concept_guids,
                user_guids,
                texts[transcript.id],
                anonymiser,
            )


def _write_selection(
    source: Element,
    transcript: Transcript,
    placed: PlacedCoding,
    concept_guids: Mapping[str, str],
    user_guids: Mapping[str, str],
    text: Anonymised,
    anonymiser: Anonymiser,
) -> None:
    coding = placed.coding
    # Positions in the exported (anonymised) source; the GUIDs keep the study's own.
    start, end = text.span(placed.start, placed.end)
    if placed.concept not in concept_guids:
        raise ValueError(f"coding of {placed.concept!r}, which is not in the codebook")
    key = f"{transcript.id}\x1f{placed.start}\x1f{placed.end}\x1f{placed.concept}"
    made = {"creatingUser": user_guids[coding.coder]}
    if _DATE_TIME.fullmatch(coding.at):
        made["creationDateTime"] = coding.at
    selection = SubElement(
        source,
        "PlainTextSelection",
        guid=make_guid("selection", key),
        name=xml_text(_selection_name(text.text, start, end)),
        startPosition=str(start),
        endPosition=str(end),
        **made,
    )
    if coding.memo.strip():
        SubElement(selection, "Description").text = xml_text(anonymiser.text(coding.memo.strip()))
    element = SubElement(
        selection, "Coding", guid=make_guid("coding", f"{key}\x1f{coding.coder}"), **made
    )
    SubElement(element, "CodeRef", targetGUID=concept_guids[placed.concept])


def _selection_name(text: str, start: int, end: int, words: int = 8) -> str:
    """``line:N`` (the 0-based line the selection starts on, which qc reads: without it
    qc puts every selection on line 0), then the quote's first words, which is how a
    selection shows in other programs' lists."""
    parts = text[start:end].split()
    line = text.count("\n", 0, start)
    return f"line:{line} " + " ".join(parts[:words]) + (" …" if len(parts) > words else "")
