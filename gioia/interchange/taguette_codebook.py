"""The codebook as a CSV that Taguette's "Import codebook" reads, and such a CSV read back.

Taguette reads a codebook CSV (``taguette/import_codebook.py``) by its header: exactly
one of the columns ``tag``, ``name`` or ``path`` holds each tag's path, ``description``
(optional) its description; the encoding is guessed (chardet), which the UTF-8 byte-order
mark gioia writes makes certain. A tag's path names its place in Taguette's hierarchy with
dots, so every dimension, theme and concept is a tag, ``Dimension.Theme.Concept`` from
the labels: a dimension's row, then each of its themes, each followed by its concepts.
The theme and dimension tags are worth having in Taguette: a tag lists the highlights of
every tag whose path begins with its own, so a theme shows all its concepts' passages.

- A description is the node's definition on one line: Taguette shows each in a one-line
  field before importing, which drops line breaks.
- A dot inside a label would add a level, so it is written as ``․`` (U+2024 ONE DOT
  LEADER), which looks the same and adds none (the label comes back with it).
- Taguette refuses a path longer than 200 characters, or a description longer than
  102,400, and imports only the first of two rows with the same path: such a codebook is
  refused here, before Taguette half-imports it.

Taguette's own codebook export (``tag, description, number of highlights, number of
documents``) is read back by :func:`read_codebook_rows`, as a flat list of dotted paths.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from pathlib import Path

from gioia.errors import Location
from gioia.interchange.refi import ImportedCode
from gioia.interchange.safety import InterchangeError
from gioia.models import Codebook

__all__ = [
    "DOT_IN_LABEL",
    "HIGHLIGHTS_HEADER",
    "build_taguette_codebook",
    "codebook_path_column",
    "read_codebook_rows",
    "tag_guid",
]

DOT_IN_LABEL = "\u2024"
HIGHLIGHTS_HEADER = ("id", "document", "tag", "content")
_PATH_COLUMNS = ("tag", "name", "path")
_MAX_PATH = 200  # taguette/validate.py
_MAX_DESCRIPTION = 102_400
_BOM = "\ufeff"
# Taguette's namespace for tag GUIDs (taguette/export.py).
_TAGUETTE_NAMESPACE = uuid.UUID("51B2B2B7-27EB-4ECB-9D56-E75B0A0496C2")


def tag_guid(path: str) -> str:
    """The GUID Taguette's codebook.qdc gives the tag ``path``, as gioia keys GUIDs."""
    return str(uuid.uuid5(_TAGUETTE_NAMESPACE, path)).lower()


def build_taguette_codebook(codebook: Codebook) -> str:
    """The CSV text (with a byte-order mark) of the codebook's tags, header first.
    Raises InterchangeError when Taguette would refuse a row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" line ends, as Taguette writes its own CSV
    writer.writerow(["tag", "description"])
    seen: dict[str, str] = {}
    for dimension in codebook.dimensions:
        _row(writer, seen, (dimension.label,), dimension.id, dimension.definition)
        for theme in dimension.themes:
            _row(writer, seen, (dimension.label, theme.label), theme.id, theme.definition)
            for concept in theme.concepts:
                labels = (dimension.label, theme.label, concept.label)
                _row(writer, seen, labels, concept.id, concept.definition)
    return _BOM + buffer.getvalue()


def _row(writer, seen: dict[str, str], labels: Sequence[str], node: str, definition: str) -> None:
    path = ".".join(" ".join(label.split()).replace(".", DOT_IN_LABEL) for label in labels)
    description = " ".join(definition.split())
    if len(path) > _MAX_PATH:
        raise _refused(
            f"the tag of {node!r} would be {len(path)} characters long ({path[:60]}...), "
            f"more than the {_MAX_PATH} Taguette accepts",
            "shorten its label or those of its theme and dimension",
        )
    if len(description) > _MAX_DESCRIPTION:
        raise _refused(
            f"the definition of {node!r} is longer than the {_MAX_DESCRIPTION} characters "
            "Taguette accepts in a description",
            "shorten the definition",
        )
    if path.casefold() in seen:
        raise _refused(
            f"{node!r} and {seen[path.casefold()]!r} would both be the tag {path!r}; "
            "Taguette imports only one of them",
            "give them different labels",
        )
    seen[path.casefold()] = node
    writer.writerow([path, description])


def _refused(message: str, hint: str) -> InterchangeError:
    return InterchangeError(f"cannot export the codebook for Taguette: {message}", hint=hint)


def codebook_path_column(header: Sequence[str]) -> int | None:
    """The column of a codebook CSV's header (lower case) that holds the tags' paths, as
    Taguette finds it: exactly one of tag, name, path; None when it is no codebook."""
    found = [header.index(name) for name in _PATH_COLUMNS if name in header]
    return found[0] if len(found) == 1 else None


def read_codebook_rows(rows: Sequence[Sequence[str]], path: Path) -> list[ImportedCode]:
    """The tags of a Taguette codebook CSV (rows with their header), flat, each named by
    its dotted path, in the order of the file; a repeated path is read once."""
    header = [cell.strip().lower() for cell in rows[0]] if rows else []
    column = codebook_path_column(header)
    if column is None:
        raise InterchangeError(
            f"{path.name} is no Taguette codebook: its header needs exactly one of the "
            "columns tag, name or path",
            hint="export the codebook from Taguette as CSV",
            location=Location.of(path),
        )
    described = header.index("description") if "description" in header else None
    codes: dict[str, ImportedCode] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        tag = row[column].strip() if column < len(row) else ""
        if not tag:
            raise InterchangeError(
                f"{path.name}: row {number} has no tag",
                hint="give every row a tag path, or delete the row",
                location=Location.of(path),
            )
        has_description = described is not None and described < len(row)
        description = row[described].strip() if has_description else ""
        codes.setdefault(tag, ImportedCode(tag_guid(tag), tag, description))
    return list(codes.values())
