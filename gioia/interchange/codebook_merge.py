"""Imported codes into codebook.yaml, keeping everything already there.

An imported node is the existing node under the same parent with its id (a code whose
GUID gioia made from that id on export, or that gioia's export names with its id: see
:mod:`~gioia.interchange.carried`), else with the same label (compared ignoring case and
runs of whitespace); otherwise it is added at the end of its parent's list, with the id
its GUID names when that id is free, else an id made from its label (a slug, made unique
across the whole codebook with -2, -3, ...). Ids that survive a round trip keep the
codebook's include/exclude cross-references and every journal line true. An existing
node keeps its id, label, keywords and all; it only gains a definition or criteria it
did not have. Importing the same file twice adds
nothing the second time, and the file is then not rewritten at all.

The new file is written from the parsed YAML, so every key survives but comments do not:
when the old file had comments, it is kept next to the new one as ``codebook.yaml.bak``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gioia.codebook import CodebookSpec, load_codebook
from gioia.interchange.levels import PlannedNode
from gioia.interchange.refi import make_guid
from gioia.interchange.safety import InterchangeError

__all__ = ["CodebookMerge", "merge_codebook", "slugify"]

_LIST_KEY = {"dimension": "themes", "theme": "concepts"}
_HEADER = "# Codebook written by `gioia import` from {source}.\n"


@dataclass(frozen=True)
class CodebookMerge:
    text: str | None  # the new codebook.yaml, or None when nothing changed
    backup: str | None  # the old file's text, when writing would lose its comments
    added: int  # nodes added


def merge_codebook(
    path: Path,
    planned: Sequence[PlannedNode],
    *,
    title: str,
    source: str,
    known_ids: Mapping[str, str] | None = None,
) -> CodebookMerge:
    """Merge ``planned`` (dimensions) into the codebook at ``path`` (which may not exist)
    and set each planned node's ``id``. Raises ConfigError if the existing codebook is
    invalid: nothing is merged into a file gioia cannot read."""
    old_text = None
    if path.exists():
        load_codebook(path)  # every problem of a broken codebook, before anything changes
        old_text = path.read_text(encoding="utf-8-sig")
        data = yaml.safe_load(old_text)
    else:
        data = {"version": 1, "title": title, "dimensions": []}
    taken = _ids(data)
    ids_by_guid = {**(known_ids or {}), **_ids_by_guid(data)}
    added = filled = 0
    for dimension in planned:
        dimension_filled, dimension_added = _merge(
            data["dimensions"], dimension, taken, ids_by_guid
        )
        filled += dimension_filled
        added += dimension_added
    if not added and not filled:
        return CodebookMerge(None, None, 0)
    try:
        CodebookSpec.model_validate(data)
    except ValidationError as exc:  # a bug here must not reach the researcher's file
        raise InterchangeError(f"the merged codebook would be invalid: {exc}") from None
    header = "" if old_text is not None else _HEADER.format(source=source)
    text = header + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=88)
    has_comments = old_text is not None and any(
        line.lstrip().startswith("#") for line in old_text.splitlines()
    )
    return CodebookMerge(text, old_text if has_comments else None, added)


def slugify(text: str, taken: set[str], fallback: str) -> str:
    """A codebook id for ``text``: lowercase ASCII letters, digits and hyphens, not in
    ``taken`` (which it is added to)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    base = base or fallback
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def _ids(data: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    for dimension in data["dimensions"]:
        ids.add(dimension["id"])
        for theme in dimension["themes"]:
            ids.add(theme["id"])
            for concept in theme["concepts"]:
                ids.add(concept["id"])
                ids.update(concept.get("aliases") or ())
    return ids


def _ids_by_guid(data: dict[str, Any]) -> dict[str, str]:
    """The GUID gioia's export gives each node of the codebook, with the node's id."""
    found = {}
    for dimension in data["dimensions"]:
        found[make_guid("dimension", dimension["id"])] = dimension["id"]
        for theme in dimension["themes"]:
            found[make_guid("theme", theme["id"])] = theme["id"]
            for concept in theme["concepts"]:
                found[make_guid("concept", concept["id"])] = concept["id"]
    return found


def _merge(
    siblings: list[dict], node: PlannedNode, taken: set[str], ids_by_guid: Mapping[str, str]
) -> tuple[int, int]:
    """Merge ``node`` (and below) into ``siblings``; (nodes filled in, nodes added)."""
    key = _label_key(node.label)
    known_id = ids_by_guid.get(node.guid, "")
    existing = next((s for s in siblings if known_id and s["id"] == known_id), None)
    if existing is None:
        existing = next((s for s in siblings if _label_key(str(s.get("label", ""))) == key), None)
    added = filled = 0
    if existing is None:
        if known_id and known_id not in taken:
            taken.add(known_id)
            node_id = known_id
        else:
            node_id = slugify(node.label, taken, node.level)
        existing = {"id": node_id, "label": node.label}
        for name in ("definition", "include", "exclude"):
            if getattr(node, name) and (name == "definition" or node.level == "concept"):
                existing[name] = getattr(node, name)
        if node.level in _LIST_KEY:
            existing[_LIST_KEY[node.level]] = []
        siblings.append(existing)
        added = 1
    else:
        for name in ("definition", "include", "exclude"):
            allowed = name == "definition" or node.level == "concept"
            if allowed and getattr(node, name) and not str(existing.get(name) or "").strip():
                existing[name] = getattr(node, name)
                filled = 1
    node.id = existing["id"]
    for sub in node.children:
        sub_filled, sub_added = _merge(existing[_LIST_KEY[node.level]], sub, taken, ids_by_guid)
        filled += sub_filled
        added += sub_added
    return filled, added


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


class _Dumper(yaml.SafeDumper):
    """Multi-line text as YAML block scalars, which read (and diff) like the prose they are."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)
