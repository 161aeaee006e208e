"""``project.qde`` and its sources, read into plain data for the import.

Where a source's text is, by what real exports do:

- ``plainTextPath="internal://<file>"`` names ``sources/<file>`` in the archive; qc writes
  the bare file name (``board_2017.txt``), which is looked up in ``sources/`` too;
- a ``<PlainTextContent>`` element holds the text inline;
- NVivo for Mac writes GUID-named ``.docx`` sources (``richTextPath``) with a 1-byte
  placeholder ``.txt`` and an empty ``sources/.root`` entry: when the plain text file
  holds no text, the Word document's paragraphs (and table rows, cells joined by tabs)
  are the text, one per line;
- a path outside the archive (``absolute://``, ``relative://``, ``file://``) cannot be
  read, and the source is reported.

Text files are UTF-8 as the standard says; anything else is decoded as gioia decodes a
transcript (BOM, UTF-16, legacy encodings) and reported.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

import docx
from docx.table import Table

from gioia.errors import Location, TranscriptError
from gioia.ingest.decode import decode
from gioia.interchange.qdc import count_sets
from gioia.interchange.refi import (
    ImportedCode,
    child,
    children,
    guid_key,
    local_name,
    read_codes,
)
from gioia.interchange.safety import check_nested_zip

__all__ = ["CaseData", "CodingData", "ProjectData", "SelectionData", "SourceData", "read_project"]

_TEXT_SOURCE = "TextSource"
_FROM_WORD = (
    "its plain text file is empty, so its text is read from the Word document {} (one "
    "paragraph per line), and its selections are taken to count in that text"
)
_OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
_VALUE_ELEMENTS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)


@dataclass(frozen=True)
class CodingData:
    code: str  # guid key of the code
    user: str  # guid key of the coder ("" when the file names none)
    at: str  # "YYYY-MM-DDTHH:MM:SSZ", or "" when the file has no (valid) time
    memo: str


@dataclass(frozen=True)
class SelectionData:
    """A coded passage: ``start``/``end`` count in its source's text. A source without
    text (a highlights list, not a project) places its selections by ``quote`` on the
    study's own transcript of the source's name, and gives -1/-1."""

    start: int
    end: int
    codings: tuple[CodingData, ...]
    quote: str = ""


@dataclass(frozen=True)
class SourceData:
    guid: str
    name: str  # the source's name, or its file name when it has none
    text: str | None  # None when it cannot be read: ``problem`` says why
    problem: str = ""
    notes: tuple[str, ...] = ()  # how the text was read, when that is worth a warning
    selections: tuple[SelectionData, ...] = ()
    whole_codings: int = 0  # codings of the whole source rather than a passage
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseData:
    name: str
    variables: Mapping[str, str]
    sources: tuple[str, ...]  # guid keys


@dataclass(frozen=True)
class ProjectData:
    name: str
    origin: str
    creating_user: str  # guid key
    users: Mapping[str, str]  # guid key → name
    codes: tuple[ImportedCode, ...]
    sources: tuple[SourceData, ...]
    cases: tuple[CaseData, ...]
    sets: int
    other_sources: int  # pictures, PDFs, audio and video: not imported
    other_codings: int  # codings in them


def read_project(root: Element, entries: Mapping[str, bytes], where: Location) -> ProjectData:
    """The project in ``root`` (``<Project>``), its sources read from ``entries``."""
    notes = {
        guid_key(note.get("guid")): _inline_text(note, entries, where)
        for note in _grandchildren(root, "Notes", "Note")
    }
    variables = {
        guid_key(v.get("guid")): v.get("name") or ""
        for v in _grandchildren(root, "Variables", "Variable")
    }
    users = {
        guid_key(u.get("guid")): u.get("name") or u.get("id") or ""
        for u in _grandchildren(root, "Users", "User")
    }
    codebook = child(root, "CodeBook")
    sources_element = child(root, "Sources")
    all_sources = list(sources_element) if sources_element is not None else []
    others = [s for s in all_sources if local_name(s.tag) in _OTHER_SOURCES]
    return ProjectData(
        name=root.get("name") or "",
        origin=root.get("origin") or "",
        creating_user=guid_key(root.get("creatingUserGUID")),
        users=users,
        codes=read_codes(child(codebook, "Codes") if codebook is not None else None),
        sources=tuple(
            _read_source(s, entries, notes, variables, where)
            for s in all_sources
            if local_name(s.tag) == _TEXT_SOURCE
        ),
        cases=tuple(
            CaseData(
                name=(case.get("name") or "").strip() or f"case-{guid_key(case.get('guid'))[:8]}",
                variables=_variable_values(case, variables),
                sources=tuple(guid_key(r.get("targetGUID")) for r in children(case, "SourceRef")),
            )
            for case in _grandchildren(root, "Cases", "Case")
        ),
        sets=count_sets(root) + (count_sets(codebook) if codebook is not None else 0),
        other_sources=len(others),
        other_codings=sum(1 for s in others for e in s.iter() if local_name(e.tag) == "Coding"),
    )


def _grandchildren(root: Element, name: str, kind: str) -> list[Element]:
    container = child(root, name)
    return children(container, kind) if container is not None else []


def _variable_values(element: Element, variables: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for value in children(element, "VariableValue"):
        ref = child(value, "VariableRef")
        name = variables.get(guid_key(ref.get("targetGUID") if ref is not None else ""))
        held = next((c for c in value if local_name(c.tag) in _VALUE_ELEMENTS), None)
        if name and held is not None:
            values[name] = " ".join((held.text or "").split())
    return values


def _read_source(
    element: Element,
    entries: Mapping[str, bytes],
    notes: Mapping[str, str],
    variables: Mapping[str, str],
    where: Location,
) -> SourceData:
    plain_path = element.get("plainTextPath") or ""
    name = (element.get("name") or "").strip() or _file_name(plain_path) or "source"
    text, problem, how = _source_text(element, entries, where)
    selections = tuple(
        SelectionData(
            start=_integer(selection.get("startPosition")),
            end=_integer(selection.get("endPosition")),
            codings=tuple(_read_coding(c, selection, notes) for c in children(selection, "Coding")),
        )
        for selection in children(element, "PlainTextSelection")
    )
    return SourceData(
        guid=guid_key(element.get("guid")),
        name=name,
        text=text,
        problem=problem,
        notes=how,
        selections=selections,
        whole_codings=len(children(element, "Coding")),
        variables=_variable_values(element, variables),
    )


def _read_coding(element: Element, selection: Element, notes: Mapping[str, str]) -> CodingData:
    ref = child(element, "CodeRef")
    memo_parts = [_description(selection)]
    memo_parts += [
        notes.get(guid_key(r.get("targetGUID")), "") for r in children(selection, "NoteRef")
    ]
    memo_parts += [
        notes.get(guid_key(r.get("targetGUID")), "") for r in children(element, "NoteRef")
    ]
    return CodingData(
        code=guid_key(ref.get("targetGUID") if ref is not None else ""),
        user=guid_key(element.get("creatingUser") or selection.get("creatingUser")),
        at=_utc(element.get("creationDateTime") or selection.get("creationDateTime")),
        memo="\n\n".join(part for part in memo_parts if part),
    )


def _description(element: Element) -> str:
    description = child(element, "Description")
    return (description.text or "").strip() if description is not None else ""


def _source_text(
    element: Element, entries: Mapping[str, bytes], where: Location
) -> tuple[str | None, str, tuple[str, ...]]:
    """(text, why there is none, notes on how it was read)."""
    plain_path = element.get("plainTextPath") or ""
    rich_path = element.get("richTextPath") or ""
    content = child(element, "PlainTextContent")
    if content is not None and (content.text or "").strip():
        return content.text or "", "", ()
    plain = _entry(entries, plain_path)
    if plain is not None:
        text, notes = _decode(plain, plain_path)
        if text.strip():
            return text, "", notes
    rich = _entry(entries, rich_path)
    if rich is not None and rich_path.lower().endswith(".docx"):
        check_nested_zip(rich, _file_name(rich_path), where)
        try:
            text = _docx_text(rich)
        except Exception as exc:  # python-docx reports a damaged file as whatever broke
            return None, f"its Word document {_file_name(rich_path)} cannot be read ({exc})", ()
        if text.strip():
            return text, "", (_FROM_WORD.format(_file_name(rich_path)),)
        return None, f"it has no text (its Word document {_file_name(rich_path)} is empty)", ()
    if plain is not None:
        return None, f"it has no text ({_file_name(plain_path)} is empty)", ()
    path = plain_path or rich_path
    if not path:
        return None, "the project names no file for its text", ()
    return None, f"its text file {path!r} is not in the archive", ()


def _entry(entries: Mapping[str, bytes], path: str) -> bytes | None:
    """The archive entry a source path names: ``internal://x`` is ``sources/x``; a bare
    name is looked for in ``sources/`` first."""
    if not path:
        return None
    if "://" in path:
        scheme, rest = path.split("://", 1)
        if scheme.lower() != "internal":
            return None
        candidates = [f"sources/{rest}"]
    else:
        candidates = [f"sources/{path}", path]
    folded = {name.casefold(): data for name, data in entries.items()}
    for candidate in candidates:
        candidate = candidate.replace("\\", "/").lstrip("/")
        if candidate in entries:
            return entries[candidate]
        if candidate.casefold() in folded:
            return folded[candidate.casefold()]
    return None


def _decode(data: bytes, path: str) -> tuple[str, tuple[str, ...]]:
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), ()
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = decode(data, source=_file_name(path))
    except TranscriptError:
        return data.decode("utf-8", errors="replace"), ("it is not UTF-8; bad bytes replaced",)
    return text, (f"it is not UTF-8 as the standard asks; read as {encoding}",)


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines += ["\t".join(cell.text for cell in row.cells) for row in block.rows]
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _inline_text(note: Element, entries: Mapping[str, bytes], where: Location) -> str:
    text, _, _ = _source_text(note, entries, where)
    return (text or "").strip()


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _integer(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return -1


def _utc(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
