"""Zip archives made by other programs, opened within limits.

A Word (.docx) or OpenDocument (.odt) transcript and a REFI-QDA project (.qdpx) are zip
archives. A few hundred kilobytes of zip can declare gigabytes of content (a "zip
bomb"), so an archive's table of contents is checked before any member is unpacked:
how many members, how large each is and all are together, and how far each inflates.

Checking the declared sizes is enough to bound memory: Python's :mod:`zipfile` never
returns more bytes for a member than its declared size (and reports a member whose data
disagrees as damaged), so a member that lies about its size cannot inflate past it.

The checks return what is wrong in words; each caller raises its own error with them, a
:class:`~gioia.errors.TranscriptError` for a transcript, an interchange error for a
project, so that neither stage depends on the other.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["MB", "ZipLimits", "archive_refusal", "describe_size"]

MB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    """How much an archive may unpack to. Real transcripts and projects are far smaller:
    a year of interviews is a few MB of text."""

    entry_bytes: int = 100 * MB  # one member, uncompressed
    total_bytes: int = 200 * MB  # every member together, uncompressed
    entries: int = 10_000
    ratio: int = 100  # uncompressed / compressed size; text and XML stay well below 30
    ratio_from_bytes: int = 1 * MB  # small members may compress better without harm


def archive_refusal(infos: Sequence[zipfile.ZipInfo], limits: ZipLimits) -> str | None:
    """Why an archive with these members must not be unpacked, or None when it may be.
    The reason names the member and the limit it passes."""
    files = [info for info in infos if not info.is_dir()]
    if len(files) > limits.entries:
        return f"it holds {len(files)} files, more than the {limits.entries} gioia accepts"
    total = 0
    for info in files:
        total += info.file_size
        if info.file_size > limits.entry_bytes:
            return (
                f"{info.filename} unpacks to {describe_size(info.file_size)}, more than the "
                f"{describe_size(limits.entry_bytes)} gioia unpacks from one file"
            )
        if total > limits.total_bytes:
            return (
                f"its files unpack to more than the {describe_size(limits.total_bytes)} gioia "
                f"unpacks from one archive (passed at {info.filename})"
            )
        inflation = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_from_bytes and inflation > limits.ratio:
            return (
                f"{info.filename} inflates {inflation:.0f}-fold when unpacked (more than "
                f"{limits.ratio}-fold is refused: a zip bomb)"
            )
    return None


def describe_size(size: int | float) -> str:
    """A size in bytes as people say it: "640 kB", "12.5 MB"."""
    if size >= MB:
        return f"{size / MB:.3g} MB"
    return f"{max(size / 1024, 0.001):.3g} kB"
