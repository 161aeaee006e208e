"""Taguette's highlights and codebook CSV exports, read into project data.

The highlights CSV (``id, document, tag, content``; a row per tag of each highlight, the
content being the highlight's text nodes joined by spaces) has no document text: each
highlight becomes a passage known by its words, which the import places on the study's
own transcript of the document's name. Highlights without a tag are not in it. Its coder
is ``taguette``: the file names none. The codebook CSV (a ``tag``, ``name`` or ``path``
column and ``description``) gives the tags only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from gioia.errors import Location, TranscriptError
from gioia.ingest.decode import decode
from gioia.interchange.project_reader import (
    CodingData,
    ProjectData,
    SelectionData,
    SourceData,
)
from gioia.interchange.refi import ImportedCode, make_guid
from gioia.interchange.safety import LIMITS, InterchangeError, cannot_read, refuse_larger_than
from gioia.interchange.taguette_codebook import (
    HIGHLIGHTS_HEADER,
    codebook_path_column,
    read_codebook_rows,
    tag_guid,
)

__all__ = ["CODEBOOK_ORIGIN", "EXPORT_HINT", "HIGHLIGHTS_ORIGIN", "read_taguette_csv"]

CODEBOOK_ORIGIN = "Taguette (codebook CSV)"
HIGHLIGHTS_ORIGIN = "Taguette (highlights CSV)"
EXPORT_HINT = "in Taguette, use Export project (.sqlite3) or Export codebook / highlights (CSV)"
_CODER = "taguette"


def read_taguette_csv(path: Path) -> ProjectData:
    """A Taguette highlights CSV (document text not included) or codebook CSV."""
    where = Location.of(path)
    refuse_larger_than(path, LIMITS.entry_bytes, "gioia reads from a CSV file", EXPORT_HINT)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text, _ = decode(data, source=path.name)
        except TranscriptError as exc:
            raise InterchangeError(exc.message, hint=exc.hint, location=where) from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InterchangeError(
            f"{path.name} is not a readable CSV file ({exc})", hint=EXPORT_HINT, location=where
        ) from None
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    if tuple(header[: len(HIGHLIGHTS_HEADER)]) == HIGHLIGHTS_HEADER:
        return _highlights(rows[1:], path)
    if codebook_path_column(header) is not None:
        codes = read_codebook_rows(rows, path)
        return _project(path, CODEBOOK_ORIGIN, tuple(codes), ())
    raise InterchangeError(
        f"{path.name} is not a CSV file Taguette exports: its header is "
        f"{', '.join(header[:6]) or '(empty)'}; gioia reads Taguette's highlights "
        f"({', '.join(HIGHLIGHTS_HEADER)}) and codebook (tag, description)",
        hint="for other programs, export the project as REFI-QDA (.qdpx); " + EXPORT_HINT,
        location=where,
    )


def _highlights(rows: Sequence[Sequence[str]], path: Path) -> ProjectData:
    tags: dict[str, ImportedCode] = {}
    documents: dict[str, dict[str, tuple[str, list[CodingData]]]] = {}
    untagged: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(HIGHLIGHTS_HEADER):
            raise InterchangeError(
                f"{path.name}: row {number} has {len(row)} columns; Taguette writes "
                f"{len(HIGHLIGHTS_HEADER)} ({', '.join(HIGHLIGHTS_HEADER)})",
                hint=EXPORT_HINT,
                location=Location.of(path),
            )
        highlight, document, tag, content = (cell.strip() for cell in row[:4])
        document = document or "(no document)"
        highlights = documents.setdefault(document, {})
        entry = highlights.setdefault(highlight or f"row-{number}", (content, []))
        if not tag:
            untagged[document] = untagged.get(document, 0) + 1
            continue
        tags.setdefault(tag, ImportedCode(tag_guid(tag), tag))
        entry[1].append(CodingData(code=tag_guid(tag), user=_CODER, at="", memo=""))
    sources = tuple(
        SourceData(
            guid=make_guid("taguette-document", name),
            name=name,
            text=None,
            notes=(
                (f"{untagged[name]} highlight(s) have no tag and are not imported",)
                if name in untagged
                else ()
            ),
            selections=tuple(
                SelectionData(-1, -1, tuple(codings), quote=content)
                for content, codings in highlights.values()
                if codings
            ),
        )
        for name, highlights in documents.items()
    )
    return _project(path, HIGHLIGHTS_ORIGIN, tuple(tags.values()), sources)


def _project(
    path: Path, origin: str, codes: tuple[ImportedCode, ...], sources: tuple[SourceData, ...]
) -> ProjectData:
    users = {_CODER: _CODER} if sources else {}
    return ProjectData(
        name=path.stem,
        origin=origin,
        creating_user=_CODER if sources else "",
        users=users,
        codes=codes,
        sources=sources,
        cases=(),
        sets=0,
        other_sources=0,
        other_codings=0,
    )
