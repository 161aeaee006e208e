"""participants.csv: one row per participant, column ``id`` required, every other column
an attribute (``transcript`` and ``speaker`` link a row to its talk).

Spreadsheets export it in many dialects, so the delimiter is taken from the header line
(comma, semicolon or tab) and a BOM is allowed; every problem is listed with the line its
row starts on, all at once. Values are read as text and never evaluated: a cell such as
``=cmd|' /C calc'!A0`` is just text to gioia (exports to spreadsheets must escape it).
"""

from __future__ import annotations

import csv
import difflib
import io
import string
from collections.abc import Sequence
from pathlib import Path

from gioia.errors import ConfigError, Location, Problem
from gioia.models import Participant
from gioia.yamlsource import read_text

__all__ = ["attribution", "csv_delimiter", "load_participants", "reportable_attributes"]


def load_participants(path: Path) -> tuple[tuple[Participant, ...], tuple[Problem, ...]]:
    """Read participants.csv (UTF-8, with or without BOM; comma, semicolon or tab).

    A missing or empty file is no error: participants are then derived from the
    transcripts. Returns the participants in row order with warnings; raises ConfigError
    listing every error, each with the 1-based line of its row.
    """
    if not path.exists():
        return (), ()
    text = read_text(path, what=path.name, missing_hint="")
    if not text.strip():
        return (), ()
    header, rows = _read_rows(path, text)
    problems = _header_problems(path, header, rows)
    if "id" not in header:  # every row would lack an id: the header problem says it all
        raise ConfigError(problems)

    participants = []
    first_line_of: dict[str, int] = {}
    for line, cells in rows:
        where = Location.of(path, line)
        values = dict(zip(header, cells, strict=False))
        participant_id = values.get("id", "")
        if any(cells[len(header) :]):
            message = f"row has {len(cells)} values but the header names {len(header)} columns"
            hint = 'quote values that contain the delimiter, e.g. "Smith, J."'
        elif not participant_id:
            message, hint = "row has no id", "every row needs an id"
        elif participant_id in first_line_of:
            message = (
                f"duplicate id '{participant_id}' (first at line {first_line_of[participant_id]})"
            )
            hint = "each participant has one row; merge the rows or correct the id"
        else:
            first_line_of[participant_id] = line
            attributes = {
                name: values.get(name, "")
                for name in header
                if name and name not in ("id", "transcript", "speaker")
            }
            participants.append(
                Participant(
                    participant_id,
                    attributes,
                    transcript=values.get("transcript") or None,
                    speaker=values.get("speaker") or None,
                )
            )
            continue
        problems.append(Problem(message, where, hint))
    if problems:
        raise ConfigError(problems)
    return tuple(participants), ()


def csv_delimiter(text: str) -> str:
    """The delimiter a participants.csv uses: the one its header line holds most of
    (comma, semicolon or tab), a tie to the comma."""
    return max(",;\t", key=text.splitlines()[0].count)


def _read_rows(path: Path, text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header, and each non-blank row with the line it starts on."""
    delimiter = csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        header = [name.strip() for name in next(reader)]
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, [cell.strip() for cell in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:  # e.g. a value beyond the csv module's 128 kB field limit
        hint = "a participant's attributes are short values; check for an unclosed quote"
        problem = Problem(f"cannot be read as CSV: {exc}", Location.of(path, line), hint)
        raise ConfigError([problem]) from None
    return header, rows


def _header_problems(
    path: Path, header: list[str], rows: list[tuple[int, list[str]]]
) -> list[Problem]:
    where = Location.of(path, 1)
    problems = []
    if "id" not in header:
        close = [name for name in header if name.lower() == "id"]
        close = close or difflib.get_close_matches("id", header, n=1)
        hint = "the first line names the columns, and one of them must be id"
        hint = f"rename column '{close[0]}' to 'id'" if close else hint
        problems.append(Problem("no 'id' column in the header", where, hint))
    for index, name in enumerate(header):
        if name and name in header[:index]:
            problems.append(Problem(f"column '{name}' appears twice", where, "rename one"))
        # An unnamed column without values is a spreadsheet's trailing delimiter: harmless.
        if not name and any(index < len(cells) and cells[index] for _, cells in rows):
            message = f"column {index + 1} has values but no name"
            problems.append(Problem(message, where, "name it in the header"))
    return problems


# What may leave the study about a participant: the report, `gioia show`, exports.


def reportable_attributes(
    configured: Sequence[str] | None, participants: Sequence[Participant]
) -> list[str]:
    """The attributes that may appear in outputs: ``settings.reportable``, or every
    participants.csv column when it is not set."""
    if configured is not None:
        return list(configured)
    return sorted({k for p in participants for k in p.attributes})


def attribution(template: str, participant: Participant | None, reportable: Sequence[str]) -> str:
    """Fill a quote attribution such as ``({id}, {sex}, {role})``. Only ``id`` and
    reportable attributes are ever filled in; anything else is left out, so a template
    can never leak an attribute gioia.yaml does not allow."""
    if participant is None:
        return ""
    allowed = {"id": participant.id}
    allowed.update({k: v for k, v in participant.attributes.items() if k in reportable})
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            parts.append(str(allowed.get(field, "")))
    text = "".join(parts)
    # Withheld or empty attributes leave ", ," behind; tidy them so the result reads well.
    while ", ," in text or "(, " in text or ", )" in text:
        text = text.replace(", ,", ",").replace("(, ", "(").replace(", )", ")")
    return text
