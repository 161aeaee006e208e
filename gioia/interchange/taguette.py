"""Taguette's exports in: its project (``.sqlite3``) and its highlights and codebook CSV.

Taguette writes no REFI-QDA project. Its "Export project" is an SQLite database of one
project (``projects``, ``documents``, ``tags``, ``highlights``, ``highlight_tags``, and
the ``commands`` log, which says who added each highlight and when; Taguette's export
names every user ``admin``). Read into :class:`~.project_reader.ProjectData`, it is
imported like a ``.qdpx`` by :func:`~.project_import.import_project`:

- each document becomes a transcript: its HTML as plain text, a line per paragraph
  (:mod:`.taguette_html`), so ``P1: text`` paragraphs are speaker turns;
- each tag is a code; a tag's dotted path (``Dimension.Theme.Concept``) is its place in
  the code tree, laid onto the three Gioia levels as any code tree is
  (:mod:`.levels`);
- each tag of each highlight is a coding of the highlight's text, by the user who added
  it. Offsets are checked against the highlight's stored snippet; one that disagrees is
  placed by the snippet's words.

The highlights CSV has no document text: each highlight is placed by its words on the
study's own transcript of its document's name, so it is for a study that already has the
transcripts; the codebook CSV imports the tags (:mod:`.taguette_csv`).

Nothing in the database is trusted: it is opened read-only, must hold Taguette's tables
(not views) with their columns, is read under a budget of SQLite steps, and each value is
checked for its type and range; a file that is no SQLite database, or a broken one, is an
:class:`~.safety.InterchangeError`, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from gioia.errors import Location, Problem
from gioia.interchange.project_import import ImportResult, import_project
from gioia.interchange.project_reader import (
    CodingData,
    ProjectData,
    SelectionData,
    SourceData,
)
from gioia.interchange.refi import ImportedCode, make_guid
from gioia.interchange.safety import (
    LIMITS,
    InterchangeError,
    UnsafeFileError,
    cannot_read,
    refuse_larger_than,
)
from gioia.interchange.taguette_codebook import tag_guid
from gioia.interchange.taguette_csv import (
    CODEBOOK_ORIGIN,
    EXPORT_HINT,
    HIGHLIGHTS_ORIGIN,
    read_taguette_csv,
)
from gioia.interchange.taguette_html import DocumentText, html_text, same_words
from gioia.quotes import locate_quote

__all__ = ["import_taguette", "read_taguette_csv", "read_taguette_project"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_TABLES = {
    "projects": ("id", "name"),
    "documents": ("id", "project_id", "name", "filename", "contents"),
    "tags": ("id", "project_id", "path", "description"),
    "highlights": ("id", "document_id", "start_offset", "end_offset", "snippet"),
    "highlight_tags": ("highlight_id", "tag_id"),
}
_COMMANDS = ("user_login", "project_id", "date", "payload")
# SQLite virtual-machine steps a read may take: far more than any real project needs,
# few enough that a database built to make a query run for ever is stopped.
_STEP_BUDGET = 500_000_000
_STEPS_PER_CHECK = 100_000
_NO_CODINGS = "the project has no codings"  # import_project's warning


def import_taguette(source: Path, study: Path, *, levels: str | None = None) -> ImportResult:
    """Create or update the study in ``study`` from a Taguette export: a project
    (``.sqlite3``, ``.sqlite``, ``.db``) or a highlights or codebook CSV."""
    if source.suffix.lower() == ".csv":
        project = read_taguette_csv(source)
    else:
        project = read_taguette_project(source)
    result = import_project(project, study, file=source, levels=levels)
    if project.origin == CODEBOOK_ORIGIN:  # a codebook is expected to have no codings
        kept = tuple(w for w in result.warnings if not w.message.startswith(_NO_CODINGS))
        result = replace(result, warnings=kept)
    if result.sources_skipped and project.origin == HIGHLIGHTS_ORIGIN:
        hint = Problem(
            f"highlights of {result.sources_skipped} document(s) are skipped: the highlights "
            "CSV has no document text, so each is placed on the study's transcript of its "
            "document's name",
            Location.of(source),
            "import Taguette's project export (.sqlite3), which has the documents, or put "
            "the transcripts in the study under the documents' names",
            severity="warning",
        )
        result = replace(result, warnings=(*result.warnings, hint))
    return result


# --------------------------------------------------------------------------- the project


def read_taguette_project(path: Path) -> ProjectData:
    """The one project of a Taguette database (its "Export project" file)."""
    where = Location.of(path)
    refuse_larger_than(
        path,
        LIMITS.archive_bytes,
        "gioia imports",
        "export the one project to import from Taguette",
    )
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise cannot_read(path, exc) from None
    if magic != _SQLITE_MAGIC:
        raise _not_taguette(path, "it is no SQLite database")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _not_taguette(path, f"SQLite cannot open it ({exc})") from None
    steps = [0]

    def budget() -> int:
        steps[0] += _STEPS_PER_CHECK
        return 1 if steps[0] > _STEP_BUDGET else 0  # non-zero stops the query

    connection.set_progress_handler(budget, _STEPS_PER_CHECK)
    try:
        return _read_database(connection, path)
    except sqlite3.Error as exc:
        if steps[0] > _STEP_BUDGET:
            raise UnsafeFileError(
                f"{path.name}: reading it takes far longer than any Taguette project "
                "needs, so gioia stopped",
                hint="only import projects from a source you trust; " + EXPORT_HINT,
                location=where,
            ) from None
        raise InterchangeError(
            f"{path.name} cannot be read as a Taguette project ({exc})",
            hint="the file is damaged or no Taguette export; " + EXPORT_HINT,
            location=where,
        ) from None
    finally:
        connection.close()


def _read_database(db: sqlite3.Connection, path: Path) -> ProjectData:
    db.text_factory = lambda data: data.decode("utf-8", errors="replace")
    db.execute("PRAGMA query_only = ON")
    db.execute("PRAGMA trusted_schema = OFF")
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for table, columns in _TABLES.items():
        if table not in tables:
            raise _not_taguette(path, f"it has no {table} table")
        missing = set(columns) - _columns(db, table)
        if missing:
            raise _not_taguette(path, f"its {table} table has no {', '.join(sorted(missing))}")
    projects = [(pid, name) for pid, name in db.execute("SELECT id, name FROM projects")]
    if len(projects) != 1:
        names = ", ".join(repr(name) for _, name in projects[:10])
        raise InterchangeError(
            f"{path.name} holds {len(projects)} projects"
            + (f" ({names})" if names else "")
            + "; gioia imports one project at a time",
            hint="in Taguette, open the project and use Export project (.sqlite3)",
            location=Location.of(path),
        )
    project_id, project_name = projects[0]
    log = _highlight_log(db, tables, project_id)
    default_user = _admin(db, tables, project_id) or "admin"
    tags = {
        tag_id: (tag_path.strip(), description or "")
        for tag_id, tag_path, description in db.execute(
            "SELECT id, path, description FROM tags WHERE project_id = ? ORDER BY id",
            (project_id,),
        )
        if isinstance(tag_id, int) and isinstance(tag_path, str) and tag_path.strip()
    }
    tags_of: dict[int, list[str]] = {}  # highlight → paths of its tags
    for highlight_id, tag_id in db.execute(
        "SELECT highlight_id, tag_id FROM highlight_tags ORDER BY highlight_id, tag_id"
    ):
        if tag_id in tags:
            tags_of.setdefault(highlight_id, []).append(tags[tag_id][0])
    sources = [
        _document(db, row, tags_of, log, default_user)
        for row in db.execute(
            "SELECT id, name, filename, contents FROM documents WHERE project_id = ? ORDER BY id",
            (project_id,),
        ).fetchall()
    ]
    codes = [ImportedCode(tag_guid(p), p, d) for p, d in tags.values()]
    users = {login: login for login, _ in log.values()} | {default_user: default_user}
    return ProjectData(
        name=str(project_name or path.stem).strip() or path.stem,
        origin=f"Taguette{_revision(db, tables)}",
        creating_user=default_user,
        users=users,
        codes=tuple(codes),
        sources=tuple(sources),
        cases=(),
        sets=0,
        other_sources=0,
        other_codings=0,
    )


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _highlight_log(
    db: sqlite3.Connection, tables: set[str], project_id: int
) -> dict[int, tuple[str, str]]:
    """Who added each highlight, and when ("YYYY-MM-DDTHH:MM:SSZ"), from the commands."""
    if "commands" not in tables or set(_COMMANDS) - _columns(db, "commands"):
        return {}
    log: dict[int, tuple[str, str]] = {}
    rows = db.execute(
        "SELECT user_login, date, payload FROM commands WHERE project_id = ? "
        "AND payload LIKE '%highlight_add%' ORDER BY id",
        (project_id,),
    )
    for login, date, payload in rows:
        try:
            data = json.loads(payload)
        except (TypeError, ValueError, RecursionError):
            continue
        if not isinstance(data, dict) or data.get("type") != "highlight_add":
            continue
        highlight = data.get("highlight_id")
        if isinstance(highlight, int) and isinstance(login, str) and login.strip():
            log[highlight] = (login.strip(), _utc(date))
    return log


def _admin(db: sqlite3.Connection, tables: set[str], project_id: int) -> str:
    if "project_members" not in tables:
        return ""
    if {"user_login", "project_id", "privileges"} - _columns(db, "project_members"):
        return ""
    row = db.execute(
        "SELECT user_login FROM project_members WHERE project_id = ? "
        "ORDER BY privileges != 'ADMIN', user_login LIMIT 1",
        (project_id,),
    ).fetchone()
    return row[0].strip() if row and isinstance(row[0], str) else ""


def _revision(db: sqlite3.Connection, tables: set[str]) -> str:
    if "alembic_version" not in tables or "version_num" not in _columns(db, "alembic_version"):
        return ""
    row = db.execute("SELECT version_num FROM alembic_version LIMIT 1").fetchone()
    return f" (database revision {row[0]})" if row and isinstance(row[0], str) else ""


def _document(
    db: sqlite3.Connection,
    row: tuple,
    tags_of: dict[int, list[str]],
    log: dict[int, tuple[str, str]],
    default_user: str,
) -> SourceData:
    document_id, name, filename, contents = row
    label = next(
        (n.strip() for n in (name, filename) if isinstance(n, str) and n.strip()),
        f"document-{document_id}",
    )
    guid = make_guid("taguette-document", f"{document_id}")
    highlights, untagged = [], 0
    for highlight_id, start, end, snippet in db.execute(
        "SELECT id, start_offset, end_offset, snippet FROM highlights WHERE document_id = ? "
        "ORDER BY start_offset, id",
        (document_id,),
    ):
        paths = tags_of.get(highlight_id, [])
        login, at = log.get(highlight_id, (default_user, ""))
        codings = tuple(CodingData(tag_guid(p), login, at, memo="") for p in paths)
        if codings:
            highlights.append((start, end, snippet, codings))
        else:
            untagged += 1
    notes = [f"{untagged} highlight(s) have no tag and are not imported"] if untagged else []
    problem = ""
    if not isinstance(contents, str):
        problem = "its contents are not text"
    elif len(contents) > LIMITS.entry_bytes:
        problem = f"it is larger than the {LIMITS.entry_bytes // 2**20} MB gioia reads"
    document = html_text(contents) if not problem else None
    if document is not None and not document.text.strip():
        problem = "it has no text"
    if document is None or problem:
        # Kept as selections, so the import counts the codings it skips.
        unread = tuple(SelectionData(-1, -1, h[3]) for h in highlights)
        return SourceData(guid, label, None, problem, tuple(notes), unread)
    selections, by_words = [], 0
    for start, end, snippet, codings in highlights:
        selection, moved = _selection(document, start, end, snippet, codings)
        by_words += moved
        selections.append(selection)
    if by_words:
        notes.append(
            f"{by_words} highlight(s) are placed by their words: their offsets do not "
            "match their text"
        )
    return SourceData(guid, label, document.text, notes=tuple(notes), selections=tuple(selections))


def _selection(
    document: DocumentText,
    start: object,
    end: object,
    snippet: object,
    codings: tuple[CodingData, ...],
) -> tuple[SelectionData, bool]:
    """A highlight as a selection in the document's plain text, and whether it had to be
    placed by its words: at its offsets when the text there reads as its snippet; else
    where the snippet's words occur once; else at its offsets; else (-1, -1) with the
    snippet's words, for the import to place by quote."""
    text = document.text
    words = html_text(snippet).text.strip() if isinstance(snippet, str) else ""
    span = None
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end:
        span = document.span(start, end)
    if span is not None and (not words or same_words(text[span[0] : span[1]], words)):
        return SelectionData(span[0], span[1], codings), False
    found = locate_quote(text, words) if words.strip() else "no words"
    if isinstance(found, tuple):
        return SelectionData(found[0], found[1], codings), True
    if span is not None:
        return SelectionData(span[0], span[1], codings), False
    return SelectionData(-1, -1, codings, quote=words), True


# --------------------------------------------------------------------------- shared


def _not_taguette(path: Path, reason: str) -> InterchangeError:
    return InterchangeError(
        f"{path.name} is not a Taguette project: {reason}",
        hint=EXPORT_HINT,
        location=Location.of(path),
    )


def _utc(value: object) -> str:
    """Taguette's UTC time ("2026-12-04 23:33:51.170167") as gioia writes times."""
    if not isinstance(value, str) or len(value) < 19:
        return ""
    day, _, clock = value[:19].partition(" ")
    digits = (day + clock).replace("-", "").replace(":", "")
    if len(day) != 10 or len(clock) != 8 or len(digits) != 14 or not digits.isdigit():
        return ""
    return f"{day}T{clock}Z"
