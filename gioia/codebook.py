"""codebook.yaml → schema → cross-references → :class:`gioia.models.Codebook`.

Loading follows weasel's shape: the YAML is parsed with positions, validated against a
pydantic schema, then checked for what a schema cannot express (unique ids, relations
naming real nodes, keywords shared by two concepts), and its token patterns for what
spaCy's Matcher would refuse or take unbounded time over (see *token patterns* below).
Every problem of all these passes is collected and raised together, each with its line
and column, so a researcher fixes the file in one round instead of one error per run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import ErrorDetails

from gioia.errors import ConfigError, Location, Problem
from gioia.models import Codebook, Concept, Dimension, Relation, Theme
from gioia.patterns import codebook_pattern_refusals
from gioia.yamlsource import (
    YamlDocument,
    YamlPath,
    blank_as,
    did_you_mean,
    format_path,
    in_file_order,
    invalid,
    load_yaml,
    validation_problems,
)

__all__ = [
    "SLUG_PATTERN",
    "CodebookSpec",
    "codebook_json_schema",
    "load_codebook",
]

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_THREE_LEVELS = "a codebook has exactly three levels: dimensions hold themes, themes hold concepts"
_PATTERN_HINT = (
    "a pattern is a list of token specs, one mapping per token, e.g. "
    "- [{LEMMA: have}, {LOWER: lunch}]; 'patterns:' is a list of such patterns"
)
_MISSING_HINT = (
    "create codebook.yaml in the study folder, or run `gioia init --example DIR` "
    "to see a complete one"
)


def _slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "place-to-escape"


def _check_slug(value: str) -> str:
    if re.fullmatch(SLUG_PATTERN, value):
        return value
    hint = f"ids are lowercase slugs: letters, digits and hyphens, e.g. {_slugify(value)}"
    raise invalid("invalid_id", f"'{value}' is not a valid id", hint)


# The pattern is checked in Python for a readable message, and shown in the JSON Schema
# so editors flag a bad id while typing.
Slug = Annotated[
    str,
    AfterValidator(_check_slug),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN}),
]
Text = Annotated[str, blank_as("")]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Phrases = Annotated[list[Phrase], blank_as([])]
TokenPattern = Annotated[list[dict[str, Any]], Field(min_length=1)]


class _Spec(BaseModel):
    # A label or keyword typed as a bare number (2020) is meant as text.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class ConceptSpec(_Spec):
    """A first-order concept: informant-centric, the unit a segment is coded with."""

    model_config = ConfigDict(title="Concept")

    id: Slug = Field(description="Unique slug, e.g. place-to-escape.")
    label: str = Field(description="Informant-centric label, often in their words.")
    in_vivo: bool = Field(False, description="The label is the informants' own words.")
    definition: Text = ""
    include: Text = Field("", description="Inclusion criteria.")
    exclude: Text = Field("", description="Exclusion criteria.")
    keywords: Phrases = Field([], description="Phrases matched on lemmas, case-insensitive.")
    patterns: Annotated[list[TokenPattern], blank_as([])] = Field(
        [],
        description="spaCy Matcher token patterns: a list of lists of token specs, e.g. "
        "[{LEMMA: have}, {LOWER: lunch}]. At most 10 tokens and one unbounded repeat "
        "(OP *, + or {n,}) per pattern; a REGEX without nested repetition, "
        "backreferences or lookarounds.",
    )
    veto: Phrases = Field([], description="Phrases that cancel a match in the same sentence.")
    examples: Phrases = Field([], description="Sentences typical of the concept.")
    aliases: Annotated[list[Slug], blank_as([])] = Field(
        [], description="Former ids, so older codings still resolve."
    )


class ThemeSpec(_Spec):
    """A second-order theme: researcher-centric, groups concepts."""

    model_config = ConfigDict(title="Theme")

    id: Slug
    label: str
    definition: Text = ""
    concepts: list[ConceptSpec] = Field(min_length=1, description="First-order concepts.")


class DimensionSpec(_Spec):
    """An aggregate dimension: the theory level, groups themes."""

    model_config = ConfigDict(title="Dimension")

    id: Slug
    label: str
    definition: Text = ""
    themes: list[ThemeSpec] = Field(min_length=1, description="Second-order themes.")


class RelationSpec(_Spec):
    """A researcher-authored link between two nodes of the data structure."""

    model_config = ConfigDict(title="Relation")

    source: Slug = Field(alias="from", description="Id of a dimension, theme or concept.")
    target: Slug = Field(alias="to", description="Id of a dimension, theme or concept.")
    type: str = Field(description="The kind of link, e.g. enables.")
    memo: Text = ""


class CodebookSpec(_Spec):
    """codebook.yaml: a three-level Gioia codebook."""

    model_config = ConfigDict(title="gioia codebook")

    version: Literal[1] = Field(1, description="Format version of this file.")
    title: Text = ""
    dimensions: list[DimensionSpec] = Field(min_length=1, description="Aggregate dimensions.")
    relations: Annotated[list[RelationSpec], blank_as([])] = []


def codebook_json_schema() -> dict[str, Any]:
    """The JSON Schema of codebook.yaml, for editors (``gioia codebook schema``)."""
    return {"$schema": _SCHEMA_DIALECT, **CodebookSpec.model_json_schema(by_alias=True)}


def load_codebook(path: Path) -> tuple[Codebook, tuple[Problem, ...]]:
    """Load and check a codebook. Returns it with its warnings; raises ConfigError
    listing every error (duplicate keys, schema, cross-references) at once."""
    document = load_yaml(path, what="codebook", missing_hint=_MISSING_HINT)
    if document.data is None:
        raise ConfigError([Problem("the codebook is empty", Location.of(path), _MISSING_HINT)])
    problems = list(document.problems)
    spec = None
    try:
        spec = CodebookSpec.model_validate(document.data)
    except ValidationError as exc:
        problems += validation_problems(exc, document, CodebookSpec, _hint_for)
    problems += _cross_reference_problems(document)
    problems += _pattern_problems(document)
    problems = in_file_order(problems)
    if spec is None or any(p.is_error for p in problems):
        raise ConfigError(problems)
    return _to_codebook(spec), tuple(problems)


def _hint_for(details: ErrorDetails) -> str | None:
    """Hints that need to know a codebook's three levels."""
    kind, loc = details["type"], details["loc"]
    level = _level_of(loc[:-1])
    key = loc[-1] if loc else None
    if kind == "extra_forbidden" and level is not None:
        home = {"dimensions": "the top level", "themes": "a dimension", "concepts": "a theme"}
        if key in home:
            return f"'{key}:' belongs under {home[key]}; {_THREE_LEVELS}"
        if key in _CONCEPT_ONLY_KEYS and level != "concept":
            return f"'{key}:' belongs to a concept, not to a {level}; {_THREE_LEVELS}"
    if kind in ("missing", "too_short") and key in ("dimensions", "themes", "concepts"):
        return f"add at least one item under '{key}:'; {_THREE_LEVELS}"
    if loc == ("version",):
        return "this version of gioia reads codebook version 1"
    if "patterns" in loc and kind != "extra_forbidden":
        return _PATTERN_HINT
    return None


_CONCEPT_ONLY_KEYS = set(ConceptSpec.model_fields) - set(ThemeSpec.model_fields)


def _level_of(path: tuple[Any, ...]) -> str | None:
    """The codebook level a mapping at ``path`` belongs to, or None (e.g. a relation)."""
    if path and path[0] != "dimensions":
        return None
    return {0: "codebook", 2: "dimension", 4: "theme", 6: "concept"}.get(len(path))


# --------------------------------------------------------------- cross-references


def _items(container: Any, key: str, path: YamlPath) -> Iterator[tuple[YamlPath, dict]]:
    """(path, mapping) of each mapping listed under ``key`` — skipping whatever the
    schema already rejected, so cross-references can be checked on a broken file too."""
    items = container.get(key) if isinstance(container, dict) else None
    if isinstance(items, list):
        for index, item in enumerate(items):
            if isinstance(item, dict):
                yield path + (key, index), item


def _iter_nodes(data: Any) -> Iterator[tuple[str, YamlPath, dict]]:
    for dimension_path, dimension in _items(data, "dimensions", ()):
        yield "dimension", dimension_path, dimension
        for theme_path, theme in _items(dimension, "themes", dimension_path):
            yield "theme", theme_path, theme
            for concept_path, concept in _items(theme, "concepts", theme_path):
                yield "concept", concept_path, concept


def _strings(mapping: dict, key: str, path: YamlPath) -> Iterator[tuple[YamlPath, str]]:
    values = mapping.get(key)
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, str):
                yield path + (key, index), value


def _problem(
    document: YamlDocument, path: YamlPath, message: str, hint: str, severity: str = "error"
) -> Problem:
    """A problem located at ``path``, its message prefixed with the path as schema
    errors are, so all problems of a codebook read alike."""
    return Problem(f"{format_path(path)}: {message}", document.location(path), hint, severity)


def _line(document: YamlDocument, path: YamlPath) -> int | None:
    return document.location(path).line


def _cross_reference_problems(document: YamlDocument) -> list[Problem]:
    nodes = list(_iter_nodes(document.data))
    problems: list[Problem] = []

    ids: dict[str, tuple[str, YamlPath]] = {}  # id → (level, path of its "id" key)
    for level, path, node in nodes:
        node_id = node.get("id")
        if not isinstance(node_id, str):
            continue
        if node_id not in ids:
            ids[node_id] = (level, path + ("id",))
            continue
        first_level, first_path = ids[node_id]
        problems.append(
            _problem(
                document,
                path + ("id",),
                f"duplicate id '{node_id}': already the id of a {first_level} "
                f"at line {_line(document, first_path)}",
                "ids must be unique across dimensions, themes, concepts and aliases",
            )
        )

    aliases: dict[str, tuple[str, YamlPath]] = {}  # alias → (concept id, its path)
    for level, path, node in nodes:
        if level != "concept":
            continue
        for alias_path, alias in _strings(node, "aliases", path):
            if alias in ids:
                owner_level, first_path = ids[alias]
                message = f"alias '{alias}' is already the id of a {owner_level}"
                hint = "an alias is a former id of this concept; remove it or rename the node"
            elif alias in aliases:
                owner, first_path = aliases[alias]
                message = f"duplicate alias '{alias}': already an alias of concept '{owner}'"
                hint = "a former id can resolve to one concept only"
            else:
                aliases[alias] = (str(node.get("id")), alias_path)
                continue
            message += f" at line {_line(document, first_path)}"
            problems.append(_problem(document, alias_path, message, hint))

    for relation_path, relation in _items(document.data, "relations", ()):
        for key in ("from", "to"):
            target = relation.get(key)
            if not isinstance(target, str) or target in ids:
                continue
            if target in aliases:
                message = f"'{target}' is a former id of concept '{aliases[target][0]}'"
                hint = f"use the current id '{aliases[target][0]}'"
            else:
                message = f"'{target}' is not the id of a dimension, theme or concept"
                hint = did_you_mean(target, ids) or "relations connect ids of this codebook"
            problems.append(_problem(document, relation_path + (key,), message, hint))

    return problems + _shared_keyword_warnings(document, nodes)


def _shared_keyword_warnings(
    document: YamlDocument, nodes: list[tuple[str, YamlPath, dict]]
) -> list[Problem]:
    """A keyword in two concepts makes every match a suggestion for both: worth knowing,
    sometimes intended, so a warning."""
    warnings = []
    first: dict[str, tuple[str, YamlPath]] = {}  # normalised keyword → (concept id, path)
    for level, path, node in nodes:
        if level != "concept":
            continue
        concept_id = str(node.get("id"))
        for keyword_path, keyword in _strings(node, "keywords", path):
            normalised = " ".join(keyword.split()).casefold()
            if normalised not in first:
                first[normalised] = (concept_id, keyword_path)
                continue
            other_id, other_path = first[normalised]
            if other_id == concept_id:
                continue
            warnings.append(
                _problem(
                    document,
                    keyword_path,
                    f"keyword '{keyword}' is also a keyword of concept '{other_id}' "
                    f"at line {_line(document, other_path)}",
                    "a segment matching it is suggested for both concepts; keep it in one "
                    "unless both are meant",
                    severity="warning",
                )
            )
    return warnings


def _pattern_problems(document: YamlDocument) -> list[Problem]:
    """Every problem of every concept's ``patterns:`` (:mod:`gioia.patterns`)."""
    return [_problem(document, *refusal) for refusal in codebook_pattern_refusals(document.data)]


# --------------------------------------------------------------- to the data model


def _to_codebook(spec: CodebookSpec) -> Codebook:
    return Codebook(
        title=spec.title,
        version=spec.version,
        dimensions=tuple(
            Dimension(
                id=d.id,
                label=d.label,
                definition=d.definition,
                themes=tuple(
                    Theme(
                        id=t.id,
                        label=t.label,
                        dimension=d.id,
                        definition=t.definition,
                        concepts=tuple(_to_concept(c, t.id, d.id) for c in t.concepts),
                    )
                    for t in d.themes
                ),
            )
            for d in spec.dimensions
        ),
        relations=tuple(
            Relation(source=r.source, target=r.target, type=r.type, memo=r.memo)
            for r in spec.relations
        ),
    )


def _to_concept(spec: ConceptSpec, theme: str, dimension: str) -> Concept:
    return Concept(
        id=spec.id,
        label=spec.label,
        theme=theme,
        dimension=dimension,
        definition=spec.definition,
        include=spec.include,
        exclude=spec.exclude,
        in_vivo=spec.in_vivo,
        keywords=tuple(spec.keywords),
        patterns=tuple(tuple(token for token in pattern) for pattern in spec.patterns),
        veto=tuple(spec.veto),
        examples=tuple(spec.examples),
        aliases=tuple(spec.aliases),
    )
