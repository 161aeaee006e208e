"""The QDA-XML vocabulary both directions share: namespaces, GUIDs, codes, descriptions.

Reading matches elements by local name, whatever their namespace, because real exports
disagree on it (ATLAS.ti writes the codebook namespace as ``urn:QDA-XML:codebook:0:4``).
Writing builds elements without a namespace and declares the default namespace on the
root, which serialises exactly as QDA-XML expects without registering a namespace
prefix globally in ElementTree.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, SubElement

from gioia import __version__
from gioia.models import Codebook

__all__ = [
    "CODEBOOK_NS",
    "ORIGIN",
    "PROJECT_NS",
    "ImportedCode",
    "child",
    "children",
    "count_codes",
    "describe",
    "guid_key",
    "iter_codes",
    "local_name",
    "make_guid",
    "read_codes",
    "split_description",
    "to_xml_bytes",
    "write_codes",
    "xml_text",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"gioia {__version__}"
# GUIDs of exported objects are derived from gioia's ids, so the same study exports the
# same GUIDs every time and another program can recognise a re-exported code.
_GUID_NAMESPACE = uuid.UUID("6b1c9f3e-2d0a-5e47-9a51-0f6c3b1d8e24")
# Characters XML 1.0 cannot carry, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CRITERIA = (("include", "Include: "), ("exclude", "Exclude: "))


@dataclass(frozen=True)
class ImportedCode:
    """A code of another program's code tree, as read."""

    guid: str  # as guid_key() normalises it
    name: str
    description: str = ""
    children: tuple[ImportedCode, ...] = ()


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    return [c for c in element if local_name(c.tag) == name]


def child(element: Element, name: str) -> Element | None:
    return next((c for c in element if local_name(c.tag) == name), None)


def guid_key(value: str | None) -> str:
    """GUIDs compared as one: without braces, lower case (Taguette writes upper case)."""
    return (value or "").strip().strip("{}").lower()


def make_guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, f"{kind}\x1f{key}"))


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def to_xml_bytes(root: Element) -> bytes:
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


# --------------------------------------------------------------------------- codes


def read_codes(codes: Element | None) -> tuple[ImportedCode, ...]:
    """The code tree under a ``<Codes>`` element (missing: no codes)."""
    if codes is None:
        return ()
    return tuple(_read_code(element) for element in children(codes, "Code"))


def _read_code(element: Element) -> ImportedCode:
    description = child(element, "Description")
    return ImportedCode(
        guid=guid_key(element.get("guid")),
        name=" ".join((element.get("name") or "").split()) or "(unnamed code)",
        description=(description.text or "").strip() if description is not None else "",
        children=tuple(_read_code(c) for c in children(element, "Code")),
    )


def iter_codes(codes: tuple[ImportedCode, ...]) -> Iterator[ImportedCode]:
    for code in codes:
        yield code
        yield from iter_codes(code.children)


def count_codes(codes: tuple[ImportedCode, ...]) -> int:
    return sum(1 for _ in iter_codes(codes))


def write_codes(parent: Element, codebook: Codebook) -> dict[str, str]:
    """The codebook as nested ``<Code>`` elements under ``parent`` (a ``<Codes>``).
    Dimensions and themes are not codable: gioia codes passages with concepts only.
    Returns the GUID of each concept by id."""
    concept_guids: dict[str, str] = {}
    for dimension in codebook.dimensions:
        dimension_element = _code(parent, "dimension", dimension.id, dimension.label, False)
        _description(dimension_element, dimension.definition)
        for theme in dimension.themes:
            theme_element = _code(dimension_element, "theme", theme.id, theme.label, False)
            _description(theme_element, theme.definition)
            for concept in theme.concepts:
                element = _code(theme_element, "concept", concept.id, concept.label, True)
                _description(
                    element, describe(concept.definition, concept.include, concept.exclude)
                )
                concept_guids[concept.id] = element.get("guid", "")
    return concept_guids


def _code(parent: Element, level: str, node_id: str, label: str, codable: bool) -> Element:
    return SubElement(
        parent,
        "Code",
        guid=make_guid(level, node_id),
        name=xml_text(label),
        isCodable="true" if codable else "false",
    )


def _description(element: Element, text: str) -> None:
    if text.strip():
        # The schema puts <Description> before any child <Code>.
        description = Element("Description")
        description.text = xml_text(text.strip())
        element.insert(0, description)


# --------------------------------------------------------------------------- descriptions


def describe(definition: str, include: str = "", exclude: str = "") -> str:
    """A concept's definition and criteria as one ``<Description>``: other programs have
    one memo per code, and a reader there needs the criteria too."""
    parts = [definition.strip()] if definition.strip() else []
    criteria = {"include": include, "exclude": exclude}
    parts += [prefix + criteria[key].strip() for key, prefix in _CRITERIA if criteria[key].strip()]
    return "\n\n".join(parts)


def split_description(text: str) -> tuple[str, str, str]:
    """(definition, include, exclude) of a ``<Description>``: trailing paragraphs that
    begin "Include: " or "Exclude: " (as :func:`describe` writes them) are the criteria."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    criteria = {"include": "", "exclude": ""}
    while paragraphs:
        key = next((k for k, prefix in _CRITERIA if paragraphs[-1].startswith(prefix)), None)
        if key is None or criteria[key]:
            break
        criteria[key] = paragraphs.pop()[len(dict(_CRITERIA)[key]) :].strip()
    return "\n\n".join(paragraphs), criteria["include"], criteria["exclude"]
