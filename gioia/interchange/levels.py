"""Another program's code tree, of any depth, as gioia's three levels.

A *levels* spec says which depths of the tree (the top level is depth 1) become aggregate
dimensions, second-order themes and first-order concepts, as three comma-separated parts::

    1,2,3+     depth 1 → dimensions, 2 → themes, 3 and deeper → concepts (the default for
               a tree three or more levels deep)
    -,1,2+     one dimension "Imported codes"; depth 1 → themes, 2 and deeper → concepts
               (the default for a two-level tree)
    -,-,1+     one dimension and one theme "Imported codes"; every code a concept (the
               default for a flat list of codes)
    1,-,2+     depth 1 → dimensions, each with one theme of its own name; 2+ → concepts
    1,2-3,4+   a part may span depths: depth 2 and 3 codes are all themes
    1,2,3      a closed last part: codes deeper than 3 are merged into their depth-3
               ancestor (their codings count for it; their names are listed in its
               ``include:``)

Each part is ``-`` (one made-up node per parent; not for concepts), ``N``, ``N-M`` or
``N+`` (only the concept part may be open). The depths the parts name follow each other
from depth 1. Where a part spans several depths, a deeper code is named by its path
from the part's first depth ("competencies / programming"), so a flattened concept
still says where it came from.

Every code is accounted for: it becomes a node, or is merged into its ancestor (closed
concept part). Nodes are added where gioia needs them: a dimension with no theme gets a
theme of its own name, a theme with no concept gets a concept of its own name, and
codings made directly on a dimension or theme code go to that concept of its own name,
because gioia codes passages with concepts only.

Taguette exports its tags as a flat list with dotted paths (``interesting.places``); a
flat code list from Taguette is read as the tree those paths describe.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from gioia.interchange.refi import ImportedCode, make_guid, split_description
from gioia.interchange.safety import InterchangeError
from gioia.models import Level

__all__ = [
    "SYNTHETIC_LABEL",
    "CodeTreeMapping",
    "DepthRange",
    "LevelSpec",
    "PlannedNode",
    "default_levels",
    "expand_dotted_paths",
    "parse_levels",
]

SYNTHETIC_LABEL = "Imported codes"
_PART = re.compile(r"\s*(?:(-)|([0-9]+)(?:(\+)|-([0-9]+))?)\s*")
_LEVELS_HINT = (
    "three parts for dimension, theme and concept, each '-', 'N', 'N-M' or 'N+', "
    "covering depths from 1 in order, e.g. 1,2,3+ or -,1,2+"
)


@dataclass(frozen=True)
class DepthRange:
    first: int
    last: int | None  # None: every depth from ``first`` down

    def __contains__(self, depth: object) -> bool:
        return (
            isinstance(depth, int)
            and self.first <= depth
            and (self.last is None or depth <= self.last)
        )

    def __str__(self) -> str:
        if self.last is None:
            return f"{self.first}+"
        return str(self.first) if self.last == self.first else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class LevelSpec:
    dimension: DepthRange | None  # None: one made-up dimension
    theme: DepthRange | None  # None: one made-up theme per dimension
    concept: DepthRange

    def __str__(self) -> str:
        parts = (self.dimension, self.theme, self.concept)
        return ",".join("-" if part is None else str(part) for part in parts)

    def level_at(self, depth: int) -> tuple[Level, DepthRange] | None:
        """The level of codes at ``depth``, or None when they merge into an ancestor."""
        levels: tuple[tuple[Level, DepthRange | None], ...] = (
            ("dimension", self.dimension),
            ("theme", self.theme),
            ("concept", self.concept),
        )
        for level, part in levels:
            if part is not None and depth in part:
                return level, part
        return None


def parse_levels(text: str) -> LevelSpec:
    """A levels spec as described in the module docstring; InterchangeError if invalid."""
    pieces = text.split(",")
    parsed: list[DepthRange | None] = []
    for piece in pieces:
        match = _PART.fullmatch(piece)
        if match is None:
            raise _bad_levels(text, f"{piece.strip()!r} is not '-', 'N', 'N-M' or 'N+'")
        synthetic, first, open_end, last = match.groups()
        if synthetic:
            parsed.append(None)
            continue
        start = int(first)
        end = None if open_end else int(last) if last else start
        if start < 1 or (end is not None and end < start):
            raise _bad_levels(text, f"{piece.strip()!r} is not a range of depths from 1")
        parsed.append(DepthRange(start, end))
    if len(parsed) != 3:
        raise _bad_levels(text, f"it has {len(parsed)} parts")
    dimension, theme, concept = parsed
    if concept is None:
        raise _bad_levels(text, "concepts cannot be made up: the last part names depths")
    expected = 1
    for part in (dimension, theme, concept):
        if part is None:
            continue
        if part.first != expected:
            raise _bad_levels(text, f"depth {expected} is in no part")
        if part.last is None and part is not concept:
            raise _bad_levels(text, "only the concept part may be open ('N+')")
        expected = (part.last or 0) + 1
    return LevelSpec(dimension, theme, concept)


def _bad_levels(text: str, reason: str) -> InterchangeError:
    return InterchangeError(f"levels {text!r} cannot be used: {reason}", hint=_LEVELS_HINT)


def default_levels(codes: Sequence[ImportedCode]) -> LevelSpec:
    """By the depth of the tree: three or more levels 1,2,3+; two -,1,2+; one -,-,1+."""
    depth = _depth(codes)
    return parse_levels({1: "-,-,1+", 2: "-,1,2+"}.get(depth, "1,2,3+"))


def _depth(codes: Sequence[ImportedCode]) -> int:
    return max((1 + _depth(c.children) for c in codes), default=0)


_ONE_DOT_LEADER = "\u2024"


def expand_dotted_paths(codes: Sequence[ImportedCode]) -> tuple[ImportedCode, ...]:
    """A flat list of dotted tag paths as the tree they describe. A path prefix that is
    no code of its own becomes a code without a description; ``interesting.places`` is
    then the code ``places`` below ``interesting``. A ``․`` (U+2024, which gioia's
    Taguette codebook writes for a dot inside a label) is a dot again in the name."""
    root: dict[str, dict] = {}
    code_at: dict[tuple[str, ...], ImportedCode] = {}
    for code in codes:
        path = tuple(part.strip() for part in code.name.split(".") if part.strip()) or (code.name,)
        code_at[path] = code
        branch = root
        for part in path:
            branch = branch.setdefault(part, {})

    def build(branch: dict[str, dict], prefix: tuple[str, ...]) -> tuple[ImportedCode, ...]:
        built = []
        for name, sub in branch.items():
            path = prefix + (name,)
            code = code_at.get(path)
            guid = code.guid if code else make_guid("tag-path", ".".join(path))
            label = name.replace(_ONE_DOT_LEADER, ".")
            built.append(
                ImportedCode(guid, label, code.description if code else "", build(sub, path))
            )
        return tuple(built)

    return build(root, ())


@dataclass(eq=False)
class PlannedNode:
    """A codebook node the import will add, or find by label in the existing codebook."""

    level: Level
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    children: list[PlannedNode] = field(default_factory=list)
    id: str = ""  # set when merged into codebook.yaml
    guid: str = ""  # of the code it was made from (none for nodes gioia makes up)


class CodeTreeMapping:
    """The code tree laid onto the three levels by a :class:`LevelSpec`."""

    def __init__(self, codes: Sequence[ImportedCode], spec: LevelSpec):
        self.spec = spec
        self.dimensions: list[PlannedNode] = []
        self.mapped = 0  # codes that became a node
        self.merged = 0  # codes merged into an ancestor concept
        self._merged_names: dict[int, list[str]] = {}  # id(concept) → codes merged into it
        self._node_of: dict[str, PlannedNode] = {}  # code guid → its node
        self._merged_into: dict[str, PlannedNode] = {}  # code guid → concept it joined
        self._made_up: dict[tuple[int, str], PlannedNode] = {}  # (id(parent), kind) → node
        for code in codes:
            self._place(code, 1, ())

    def concept_for(self, code_guid: str) -> PlannedNode | None:
        """The concept that codings of a code count for, or None for an unknown code."""
        if code_guid in self._merged_into:
            return self._merged_into[code_guid]
        node = self._node_of.get(code_guid)
        return None if node is None else self._own_concept(node)

    def finish(self) -> list[PlannedNode]:
        """The dimensions, once every dimension has a theme and every theme a concept."""
        for dimension in self.dimensions:
            if not dimension.children:
                self._made_up_theme(dimension)
            for theme in dimension.children:
                if not theme.children:
                    self._own_concept(theme)
        return self.dimensions

    # ------------------------------------------------------------------ placing codes

    def _place(self, code: ImportedCode, depth: int, ancestors: tuple[ImportedCode, ...]) -> None:
        found = self.spec.level_at(depth)
        lineage = (*ancestors, code)
        if found is None:
            assert self.spec.concept.last is not None  # only a closed concept part ends
            target = self._node_of[lineage[self.spec.concept.last - 1].guid]
            self._merged_into[code.guid] = target
            names = self._merged_names.setdefault(id(target), [])
            names.append(" / ".join(c.name for c in lineage[self.spec.concept.last :]))
            target.include = _with_merged(target.include, names)
            self.merged += 1
        else:
            level, part = found
            definition, include, exclude = split_description(code.description)
            label = " / ".join(c.name for c in lineage[part.first - 1 :])
            node = PlannedNode(level, label, definition, include, exclude, guid=code.guid)
            self._container(level, part, ancestors).children.append(node)
            self._node_of[code.guid] = node
            self.mapped += 1
        for sub in code.children:
            self._place(sub, depth + 1, lineage)

    def _container(
        self, level: Level, part: DepthRange, ancestors: tuple[ImportedCode, ...]
    ) -> PlannedNode | _TopLevel:
        if level == "dimension":
            return _TopLevel(self.dimensions)
        if part.first > 1:
            anchor = self._node_of[ancestors[part.first - 2].guid]
        else:
            anchor = self._made_up_dimension()
        if level == "concept" and anchor.level == "dimension":
            return self._made_up_theme(anchor)
        return anchor

    def _made_up_dimension(self) -> PlannedNode:
        key = (0, "dimension")
        if key not in self._made_up:
            node = PlannedNode(
                "dimension",
                SYNTHETIC_LABEL,
                "Added by gioia import: the imported code tree has no level for "
                "aggregate dimensions.",
            )
            self.dimensions.append(node)
            self._made_up[key] = node
        return self._made_up[key]

    def _made_up_theme(self, dimension: PlannedNode) -> PlannedNode:
        key = (id(dimension), "theme")
        if key not in self._made_up:
            node = PlannedNode(
                "theme",
                dimension.label,
                "Added by gioia import: the theme for what sits directly below "
                f"{dimension.label!r} in the imported code tree.",
            )
            dimension.children.append(node)
            self._made_up[key] = node
        return self._made_up[key]

    def _own_concept(self, node: PlannedNode) -> PlannedNode:
        """``node`` itself if it is a concept; else the concept of its own name below it,
        which holds codings made on the dimension or theme code itself."""
        if node.level == "concept":
            return node
        theme = node if node.level == "theme" else self._made_up_theme(node)
        key = (id(node), "concept")
        if key not in self._made_up:
            concept = PlannedNode(
                "concept",
                node.label,
                f"Added by gioia import: passages coded with {node.label!r} itself, which "
                f"is a {node.level} here (gioia codes passages with concepts only).",
            )
            theme.children.append(concept)
            self._made_up[key] = concept
        return self._made_up[key]


@dataclass
class _TopLevel:
    """The list of dimensions, standing where a parent node would."""

    children: list[PlannedNode]


def _with_merged(include: str, names: list[str]) -> str:
    marker = "Includes the imported sub-codes: "
    base = include.split(marker)[0].strip()
    listed = marker + "; ".join(names) + "."
    return f"{base}\n\n{listed}" if base else listed
