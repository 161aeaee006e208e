"""Imported cases into participants.csv, keeping every row, column and value there.

A case becomes a row: its name is the ``id``, each variable a column, and the source it
is linked to (``<SourceRef>``) the ``transcript`` column (a case linked to several
sources keeps the first: participants.csv ties a participant to one transcript, and a
warning says so). A source with variables of its own and no case (MAXQDA's document
variables) is a participant too, named after its transcript.

A row whose id is already there only fills its empty cells; a different value in the
file is kept and reported. New columns go at the end; the delimiter of an existing file
is kept. An unchanged file is not rewritten.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gioia.participants import csv_delimiter
from gioia.study import load_participants

__all__ = ["ParticipantRow", "ParticipantsMerge", "merge_participants"]

_RESERVED = ("id", "transcript", "speaker")


@dataclass(frozen=True)
class ParticipantRow:
    id: str
    transcript: str | None
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParticipantsMerge:
    text: str | None  # the new participants.csv, or None when nothing changed
    added: int
    conflicts: tuple[str, ...]  # "GP3 sex: 'male' kept, the import says 'female'"


def merge_participants(path: Path, rows: Sequence[ParticipantRow]) -> ParticipantsMerge:
    """Merge ``rows`` into the participants.csv at ``path`` (which may not exist). Raises
    ConfigError if the existing file is invalid."""
    load_participants(path)  # every problem of a broken file, before anything changes
    header, table, delimiter = _read(path)
    had_transcript_column = "transcript" in header
    by_id = {row["id"]: row for row in table}
    added, changed = 0, False
    conflicts: list[str] = []
    for row in rows:
        values = {"id": row.id, **_columns(row)}
        for column in values:
            if column not in header:
                header.append(column)
        existing = by_id.get(row.id)
        if existing is None:
            table.append(values)
            by_id[row.id] = values
            added += 1
            continue
        for column, value in values.items():
            current = existing.get(column, "")
            if not current and value:
                existing[column] = value
                changed = True
            elif value and current != value:
                conflicts.append(f"{row.id} {column}: {current!r} kept, the import says {value!r}")
    if not added and not changed:
        return ParticipantsMerge(None, 0, tuple(conflicts))
    if "transcript" in header and not had_transcript_column:  # next to the id
        header.remove("transcript")
        header.insert(1, "transcript")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in table)
    return ParticipantsMerge(buffer.getvalue(), added, tuple(conflicts))


def _columns(row: ParticipantRow) -> dict[str, str]:
    # A participant's transcript is the one named by their id unless the column says
    # otherwise: saying it again would rewrite a participants.csv that needs no change.
    tied_elsewhere = row.transcript and row.transcript != row.id
    columns = {"transcript": row.transcript} if tied_elsewhere else {}
    for name, value in row.attributes.items():
        # A variable named like a column gioia reserves must not take its meaning.
        column = f"{name}_variable" if name in _RESERVED else name
        columns[column] = value
    return columns


def _read(path: Path) -> tuple[list[str], list[dict[str, str]], str]:
    """(header, rows, delimiter) of participants.csv; an absent or empty file has none."""
    if not path.exists():
        return [], [], ","
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return [], [], ","
    # As gioia.study reads it: the delimiter the header uses most, a tie to the comma.
    delimiter = csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader)]
    table = [
        {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        for cells in reader
        if any(cell.strip() for cell in cells)
    ]
    return [name for name in header if name], table, delimiter
