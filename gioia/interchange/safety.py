"""Reading REFI-QDA files from elsewhere without harm.

A ``.qdpx`` is a zip archive someone else made, and its ``project.qde`` is XML someone
else wrote; both are read entirely into memory and checked before gioia writes anything:

- an entry whose path would leave the archive (an absolute path, a drive letter, a
  ``..`` part: "zip slip") is refused, though gioia never extracts by entry path, because
  such an archive was made to attack whoever unpacks it;
- an archive, an entry, or all entries together larger than :data:`LIMITS` allow, or an
  entry that inflates far more than text does (a "zip bomb"), is refused — checked on the
  sizes the archive declares and again while reading, since declared sizes can lie;
- XML that declares entities (the "billion laughs" expansion attack, external entities)
  is refused by defusedxml before any entity is expanded.

The same checks apply to a Word document inside the archive, which is a zip of its own.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from gioia.archives import MB, ZipLimits, archive_refusal
from gioia.errors import GioiaError, Location

__all__ = [
    "LIMITS",
    "InterchangeError",
    "Limits",
    "UnsafeFileError",
    "cannot_read",
    "check_nested_zip",
    "path_size",
    "parse_xml",
    "read_archive",
]

_DRIVE = re.compile(r"^[A-Za-z]:")
_REPORT_HINT = "export the project again from the program that made it"


class InterchangeError(GioiaError):
    """A REFI-QDA file cannot be exported or imported as it is."""


class UnsafeFileError(InterchangeError):
    """A REFI-QDA file is refused because reading it could harm the computer: an entry
    path that escapes the archive, an oversized or over-compressed entry, or XML entity
    declarations. Raised before anything is written."""


@dataclass(frozen=True)
class Limits(ZipLimits):
    """How much an imported file may hold: the archive limits of
    :class:`gioia.archives.ZipLimits`, and the size of the file itself."""

    archive_bytes: int = 200 * MB


LIMITS = Limits()


def read_archive(path: Path) -> dict[str, bytes]:
    """Every file in the zip archive at ``path``, by its entry path ("/"-separated),
    after the checks above. Raises :class:`UnsafeFileError` or :class:`InterchangeError`."""
    where = Location.of(path)
    size = path_size(path)
    if size > LIMITS.archive_bytes:
        raise UnsafeFileError(
            f"{path.name} is {size // MB} MB, more than the {LIMITS.archive_bytes // MB} MB "
            "gioia imports",
            hint="export only the text sources, without audio, video or pictures",
            location=where,
        )
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_entries(archive, path.name, where)
    # zipfile raises NotImplementedError for a compression method or zip version it
    # cannot read, and ValueError for an entry name it cannot decode: for the user that
    # is the same as a broken archive.
    except (zipfile.BadZipFile, NotImplementedError, ValueError) as exc:
        raise InterchangeError(
            f"{path.name} is not a REFI-QDA project archive ({exc})",
            hint="a .qdpx file is a zip archive; export the project again as REFI-QDA (.qdpx)",
            location=where,
        ) from None


def path_size(path: Path) -> int:
    """The size of a file to import, before it is read; InterchangeError when it cannot
    be read at all."""
    try:
        return path.stat().st_size
    except OSError as exc:
        raise cannot_read(path, exc) from None


def refuse_larger_than(path: Path, limit: int, what: str, hint: str) -> None:
    """InterchangeError, before the file is read, when it is larger than ``limit``
    bytes; ``what`` ends the message ("gioia imports", "gioia reads from a CSV file")."""
    size = path_size(path)
    if size > limit:
        raise InterchangeError(
            f"{path.name} is {size // 2**20} MB, more than the {limit // 2**20} MB {what}",
            hint=hint,
            location=Location.of(path),
        )


def cannot_read(path: Path, exc: OSError) -> InterchangeError:
    return InterchangeError(
        f"cannot read {path}: {exc.strerror or exc}",
        hint="check the path of the file to import",
        location=Location.of(path),
    )


def check_nested_zip(data: bytes, name: str, where: Location) -> None:
    """Apply the archive checks to a zip held in memory (a .docx source) before a
    library unpacks it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_infos(archive.infolist(), name, where)
    except (zipfile.BadZipFile, NotImplementedError, ValueError):
        return  # not a zip at all: the reader reports the broken document


def parse_xml(data: bytes, name: str, where: Location) -> Element:
    """Parse XML from another program with defusedxml: entity declarations are refused,
    so no document can expand itself into gigabytes or read local files."""
    try:
        return defusedxml.ElementTree.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeFileError(
            f"{name} declares XML entities ({exc}); gioia refuses them because they can "
            "expand into gigabytes ('billion laughs') or read files on this computer",
            hint="REFI-QDA files never need entity declarations; " + _REPORT_HINT,
            location=where,
        ) from None
    except ParseError as exc:
        raise InterchangeError(
            f"{name} is not well-formed XML ({exc})", hint=_REPORT_HINT, location=where
        ) from None


def _read_entries(archive: zipfile.ZipFile, name: str, where: Location) -> dict[str, bytes]:
    infos = _check_infos(archive.infolist(), name, where)
    entries: dict[str, bytes] = {}
    total = 0
    for info in infos:
        try:
            with archive.open(info) as handle:
                # Read one byte past the limit: a declared size that lies is caught here.
                data = handle.read(LIMITS.entry_bytes + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
            raise InterchangeError(
                f"{name}: cannot read {info.filename} ({exc})", hint=_REPORT_HINT, location=where
            ) from None
        total += len(data)
        if len(data) > LIMITS.entry_bytes or total > LIMITS.total_bytes:
            raise _too_large(name, info.filename, where)
        entries[_entry_path(info.filename, name, where)] = data
    return entries


def _check_infos(infos: list[zipfile.ZipInfo], name: str, where: Location) -> list[zipfile.ZipInfo]:
    """The file entries, once every path, size and compression ratio is acceptable."""
    files = [info for info in infos if not info.is_dir()]
    for info in files:
        _entry_path(info.filename, name, where)
    refusal = archive_refusal(files, LIMITS)
    if refusal is not None:
        raise UnsafeFileError(f"{name}: {refusal}", hint=_REPORT_HINT, location=where)
    return files


def _entry_path(raw: str, name: str, where: Location) -> str:
    """The entry's path with "/" separators; refused when it would leave the archive."""
    path = raw.replace("\\", "/")
    parts = path.split("/")
    if path.startswith("/") or _DRIVE.match(path) or ".." in parts:
        raise UnsafeFileError(
            f"{name}: entry {raw!r} points outside the archive; gioia refuses archives "
            "made to write elsewhere on disk ('zip slip')",
            hint="only import projects from a source you trust; " + _REPORT_HINT,
            location=where,
        )
    return "/".join(part for part in parts if part not in ("", "."))


def _too_large(name: str, entry: str, where: Location) -> UnsafeFileError:
    return UnsafeFileError(
        f"{name}: {entry} makes the unpacked project larger than gioia imports "
        f"({LIMITS.entry_bytes // MB} MB per file, {LIMITS.total_bytes // MB} MB in all)",
        hint="export only the text sources, without audio, video or pictures",
        location=where,
    )
