"""What REFI-QDA has no element for, carried inside gioia's own ``.qdpx``.

A REFI-QDA project holds the code tree, sources, selections, users and cases, but not
gioia.yaml (the SRQR prose, saturation, binning, attribution, gates), a codebook's
keywords, patterns, veto, examples, in-vivo terms and relations, its ids, a coding's
flags, source and score, rejected suggestions, or the transcripts as the researcher
keeps them. gioia writes those files, byte for byte, under ``gioia/study/`` in the
archive (other programs ignore entries they do not know), with ``gioia/manifest.json``:

- ``project_sha256``: the hash of the ``project.qde`` written beside them. When the file
  comes back with that very ``project.qde``, nothing was changed elsewhere, and importing
  it into a new folder restores the study exactly: ``gioia export`` then ``gioia import``
  gives the same ``results.json`` apart from provenance. A project another program wrote
  back (or changed) is imported from its REFI-QDA content as any other.
- ``ids``: each code GUID with the codebook id it was made from, so codes keep their ids
  (and include/exclude cross-references stay true) wherever the GUIDs survive.

What is carried: gioia.yaml, codebook.yaml, every journal in codings/, the transcript
files, and participants.csv with only the columns that may be reported (``id``,
``transcript``, ``speaker``, the reportable attributes and a saturation order column):
an attribute gioia.yaml keeps out of every output stays out of the export too. A study
whose files lie outside its folder (``paths:`` pointing elsewhere, which
:func:`gioia.study.open_study` refuses) carries nothing.

A study with names to anonymise (gioia.yaml ``settings.anonymise``) carries no files
at all, only the manifest with its code ids: its transcripts and journals hold the
names and gioia.yaml lists them, and no carried file may undo the anonymised sources
beside it (anonymising them instead would change the transcripts' offsets and formats,
so the round trip would no longer be lossless anyway). ``gioia export`` says so; such a
``.qdpx`` imports as the REFI-QDA project it is, keeping the codes' ids.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gioia import __version__
from gioia.errors import ConfigError, GioiaError, Location
from gioia.ingest import find_transcripts
from gioia.interchange.refi import make_guid
from gioia.interchange.safety import InterchangeError
from gioia.models import Codebook
from gioia.participants import csv_delimiter
from gioia.study import open_study

__all__ = [
    "CarriedStudy",
    "Restored",
    "carried_entries",
    "read_carried",
    "restore_study",
    "study_files",
]

MANIFEST = "gioia/manifest.json"
FILES = "gioia/study/"
_FORMAT = 1
_ALWAYS_KEPT = ("id", "transcript", "speaker")


@dataclass(frozen=True)
class CarriedStudy:
    """gioia's own files found in a ``.qdpx``."""

    files: Mapping[str, bytes]  # path relative to the study folder → bytes
    ids: Mapping[str, str]  # code GUID → codebook id
    intact: bool  # project.qde is the one gioia wrote beside the files


def study_files(
    root: Path,
    paths: Sequence[Path],
    transcripts: Sequence[Path],
    journals: Sequence[Path],
    participants: Path,
    kept_columns: Sequence[str],
) -> dict[str, bytes] | None:
    """The study's files to carry, by path relative to ``root``: the files among
    ``paths`` (which may name folders), ``transcripts`` and ``journals``, and
    participants.csv with ``kept_columns``. None when one of them lies outside ``root``
    (a restored study could not put it back where gioia.yaml says; and gioia reads no
    file from outside a study, see :func:`gioia.study.open_study`). A link inside the
    study is carried as the file it leads to, under the link's own name."""
    root = root.resolve()
    everything = (*paths, *transcripts, *journals, participants)
    if not all(p.resolve().is_relative_to(root) for p in everything):
        return None
    files: dict[str, bytes] = {}
    for path in (*paths, *transcripts, *journals):
        if path.is_file():
            files[_relative(path, root)] = path.read_bytes()
    if participants.is_file():
        files[_relative(participants, root)] = _reportable_columns(participants, kept_columns)
    return files


def _relative(path: Path, root: Path) -> str:
    """``path``'s name in the study: where it is, not where a link in it leads."""
    absolute = Path(os.path.abspath(path))
    if absolute.is_relative_to(root):
        return absolute.relative_to(root).as_posix()
    return path.resolve().relative_to(root).as_posix()


def _reportable_columns(path: Path, kept: Sequence[str]) -> bytes:
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        return b""
    delimiter = csv_delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    wanted = {*(_ALWAYS_KEPT), *kept}
    columns = [i for i, name in enumerate(rows[0]) if name.strip() in wanted]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows([row[i] if i < len(row) else "" for i in columns] for row in rows)
    return buffer.getvalue().encode("utf-8")


def carried_entries(
    project_qde: bytes, codebook: Codebook, files: Mapping[str, bytes] | None
) -> dict[str, bytes]:
    """The archive entries carrying ``files`` beside ``project_qde``."""
    ids = {make_guid(level, node_id): node_id for node_id, level, _, _ in codebook.iter_nodes()}
    manifest = {
        "format": _FORMAT,
        "written_by": f"gioia {__version__}",
        "project_sha256": hashlib.sha256(project_qde).hexdigest(),
        "ids": dict(sorted(ids.items())),
        "files": sorted(files or ()),
    }
    entries = {MANIFEST: (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode()}
    for relative, data in (files or {}).items():
        entries[FILES + relative] = data
    return entries


def read_carried(
    entries: Mapping[str, bytes], project_qde: bytes, where: Location
) -> CarriedStudy | None:
    """gioia's files in an archive's ``entries``, or None when it holds none."""
    if MANIFEST not in entries:
        return None
    try:
        manifest = json.loads(entries[MANIFEST].decode("utf-8"))
        ids = manifest["ids"]
        listed = manifest["files"]
        digest = manifest["project_sha256"]
        valid = (
            manifest["format"] == _FORMAT
            and isinstance(ids, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in ids.items())
            and isinstance(listed, list)
            and all(isinstance(name, str) for name in listed)
            and isinstance(digest, str)
        )
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError):
        valid = False
    if not valid:
        raise InterchangeError(
            f"{MANIFEST} in {where.file} cannot be read",
            hint="export the study again with `gioia export --format qdpx`",
            location=where,
        )
    files = {}
    for name in listed:
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or FILES + name not in entries:
            raise InterchangeError(
                f"{MANIFEST} in {where.file} lists {name!r}, which is not in the archive "
                "or not inside a study folder",
                hint="export the study again with `gioia export --format qdpx`",
                location=where,
            )
        files[name] = entries[FILES + name]
    intact = digest == hashlib.sha256(project_qde).hexdigest()
    return CarriedStudy(files, ids, intact)


@dataclass(frozen=True)
class Restored:
    transcripts: int
    journals: tuple[str, ...]  # coders
    lines: int  # journal lines
    participants: int  # participants.csv rows


def restore_study(carried: CarriedStudy, study: Path, where: Location) -> Restored:
    """Write the carried files into the new or empty folder ``study``: built in a
    temporary folder beside it, checked as gioia opens a study, then renamed into place,
    so a failure leaves no half-restored study."""
    parent = study.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".gioia-import-", dir=parent) as building:
        root = Path(building) / "study"
        for relative, data in carried.files.items():
            target = root / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except OSError as exc:  # a name that is both a file and a folder; a full disk
                raise InterchangeError(
                    f"{where.file}: the study it carries cannot be written ({relative}: "
                    f"{exc.strerror or exc})",
                    hint="free space on the disk, or export the study again",
                    location=where,
                ) from None
        try:
            opened, _ = open_study(root)
        except GioiaError as exc:  # it names the temporary folder, which is gone
            detail = exc.message
            if isinstance(exc, ConfigError):
                detail = "; ".join(p.message for p in exc.problems[:3])
            raise InterchangeError(
                f"{where.file}: the gioia.yaml it carries cannot be read ({detail})",
                hint="import it into an existing study, or export the study again",
                location=where,
            ) from None
        paths = opened.paths
        journals = sorted(paths.codings.glob("*.jsonl")) if paths.codings.is_dir() else []
        restored = Restored(
            transcripts=len(find_transcripts(paths.transcripts))
            if paths.transcripts.is_dir()
            else 0,
            journals=tuple(p.stem for p in journals),
            lines=sum(_lines(p) for p in journals),
            participants=max(_lines(paths.participants) - 1, 0)
            if paths.participants.is_file()
            else 0,
        )
        if study.exists():
            study.rmdir()  # empty, as the caller made sure; rename needs the name free
        os.replace(root, study)
    return restored


def _lines(path: Path) -> int:
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())
