"""REFI-QDA codebooks (``.qdc``): gioia's codebook out, another program's code tree in.

Importing tolerates the namespaces real exports use (``urn:QDA-XML:codebook:1.0``,
ATLAS.ti's ``urn:QDA-XML:codebook:0:4``, none) and Taguette's empty ``<Sets/>``. Sets
(groups of codes across the tree) have no place in a Gioia codebook: they are counted so
the import can say they were left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement

from gioia.archives import MB
from gioia.errors import Location
from gioia.interchange.refi import (
    CODEBOOK_NS,
    ORIGIN,
    ImportedCode,
    child,
    children,
    local_name,
    read_codes,
    to_xml_bytes,
    write_codes,
)
from gioia.interchange.safety import (
    LIMITS,
    InterchangeError,
    UnsafeFileError,
    cannot_read,
    parse_xml,
    path_size,
)
from gioia.models import Codebook

__all__ = ["CodebookFile", "build_qdc", "read_qdc"]


@dataclass(frozen=True)
class CodebookFile:
    """What a ``.qdc`` holds that gioia can use."""

    origin: str
    codes: tuple[ImportedCode, ...]
    sets: int  # non-empty <Set>s, which are not imported


def build_qdc(codebook: Codebook) -> bytes:
    """The codebook as a REFI-QDA codebook exchange file, valid against Codebook.xsd."""
    root = Element("CodeBook", xmlns=CODEBOOK_NS, origin=ORIGIN)
    write_codes(SubElement(root, "Codes"), codebook)
    return to_xml_bytes(root)


def read_qdc(path: Path) -> CodebookFile:
    """Read a ``.qdc`` file. Raises InterchangeError for a file that is not one."""
    where = Location.of(path)
    if path_size(path) > LIMITS.entry_bytes:
        raise UnsafeFileError(
            f"{path.name} is larger than the {LIMITS.entry_bytes // MB} MB "
            "gioia reads as a codebook",
            hint="a codebook exchange file holds codes only; check that this is one",
            location=where,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise cannot_read(path, exc) from None
    root = parse_xml(data, path.name, where)
    if local_name(root.tag) != "CodeBook":
        raise InterchangeError(
            f"{path.name} is not a REFI-QDA codebook: its root element is "
            f"<{local_name(root.tag)}>, not <CodeBook>",
            hint="a project (.qdpx) is imported with the same command; check the file",
            location=where,
        )
    return CodebookFile(
        origin=root.get("origin") or "",
        codes=read_codes(child(root, "Codes")),
        sets=count_sets(root),
    )


def count_sets(element: Element) -> int:
    """Non-empty ``<Set>`` elements under ``element``'s ``<Sets>``."""
    sets = child(element, "Sets")
    if sets is None:
        return 0
    return sum(1 for s in children(sets, "Set") if len(s))
