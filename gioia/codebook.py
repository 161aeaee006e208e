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
import re._parser as _re_parser  # Python's own regex parser: the structure of a REGEX
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
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

from gioia._yamltree import show_value
from gioia.errors import ConfigError, Location, Problem
from gioia.models import Codebook, Concept, Dimension, Relation, Theme
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
    "MAX_ALTERNATIVES",
    "MAX_OPTIONAL",
    "MAX_PATTERNS",
    "MAX_PATTERN_TOKENS",
    "MAX_REACH_TOKENS",
    "MAX_REGEX_REPEAT",
    "MAX_REPEAT",
    "MAX_UNBOUNDED",
    "MAX_UNBOUNDED_PATTERNS",
    "MAX_VALUE_CHARS",
    "SLUG_PATTERN",
    "CodebookSpec",
    "codebook_json_schema",
    "has_unbounded_repeat",
    "load_codebook",
    "op_repeats",
    "pattern_refusals",
    "regex_refusal",
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


# --------------------------------------------------------------- token patterns

# Limits on the spaCy Matcher patterns of a codebook, so that suggesting stays linear in
# the transcripts' length (issue 16). spaCy's Matcher follows every way a pattern can
# match at once: each optional token doubles the ways, and each unbounded repeat (OP *, +
# or {n,}) multiplies them by the length of the text it may run over (two `*` made
# `gioia suggest` run for minutes on the example study). Each is checked by `gioia
# check`, at the pattern's line.
MAX_PATTERNS = 200  # in the whole codebook
MAX_UNBOUNDED_PATTERNS = 20  # patterns with an unbounded repeat, in the whole codebook
MAX_PATTERN_TOKENS = 10  # token specs in one pattern
MAX_UNBOUNDED = 1  # tokens with OP *, + or {n,} in one pattern
MAX_REPEAT = 5  # the n and m of OP {n}, {n,m}, {n,} and {,m}
MAX_OPTIONAL = 4  # token positions one pattern may skip: OP ? counts 1, {n,m} m - n
# How many tokens a match of a pattern with an unbounded repeat spans at most; such a
# pattern also never matches across a sentence (enforced by gioia.assist.matching).
MAX_REACH_TOKENS = 40
MAX_VALUE_CHARS = 200  # one text value of a token spec: a word, a regular expression
MAX_ALTERNATIVES = 20  # regular expressions or fuzzy words in one REGEX or FUZZY list
MAX_REGEX_REPEAT = 100  # the counts of a REGEX's {n,m}

_TEXT_ATTRIBUTES = frozenset(
    ("ORTH", "TEXT", "NORM", "LOWER", "LEMMA", "SHAPE", "POS", "TAG", "MORPH", "DEP")
    + ("ENT_TYPE", "ENT_ID", "ENT_KB_ID")
)
_FLAG_ATTRIBUTES = frozenset(
    ("IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_UPPER", "IS_TITLE", "IS_PUNCT")
    + ("IS_SPACE", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT")
    + ("IS_CURRENCY", "IS_STOP", "IS_SENT_START", "SENT_START", "SPACY")
    + ("LIKE_NUM", "LIKE_URL", "LIKE_EMAIL")
)
_ATTRIBUTES = sorted(_TEXT_ATTRIBUTES | _FLAG_ATTRIBUTES | {"LENGTH", "ENT_IOB", "OP"})
_IOB_VALUES = ("", "I", "O", "B", 0, 1, 2, 3)
_SET_PREDICATES = ("IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS")
_FUZZY_PREDICATES = ("FUZZY", *(f"FUZZY{n}" for n in range(1, 10)))
_TEXT_PREDICATES = ("REGEX", *_SET_PREDICATES, *_FUZZY_PREDICATES)
_COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
_OPERATOR = re.compile(r"\{(\d*)(,?)(\d*)\}")
_REPEAT_SYNTAX = re.compile(r"\{\d*(,\d*)?\}")

_TOO_MANY_PATTERNS_HINT = (
    "spaCy's matcher runs every pattern over every transcript; keep the patterns that "
    "find what keywords cannot, or merge alternatives with IN: {LOWER: {IN: [a, b]}}"
)
_UNBOUNDED_PATTERNS_HINT = (
    "each costs the matcher tens of times what a pattern of fixed length does: bound "
    "the repeat, e.g. OP: '{0,3}', where a few tokens are enough"
)
_OP_HINT = "OP is one of ?, *, +, !, {n}, {n,m}, {n,} or {,m}, with n <= m"
_UNBOUNDED_HINT = (
    "each unbounded repeat multiplies the matcher's work by the length of the text it "
    "may run over: keep one, and bound the others, e.g. OP: '{0,3}'"
)
_REPEAT_HINT = (
    f"write the tokens out, or use * or + (one per pattern) for an open-ended run; "
    f"a pattern's repeats count at most {MAX_REPEAT}"
)
_OPTIONAL_HINT = (
    "each optional token doubles the ways spaCy's matcher follows a pattern: make some "
    "tokens required, or split the pattern in two"
)
_VALUE_HINT = "a value matches one token, a word; give one token spec per word of a phrase"
_REGEX_SYNTAX_HINT = (
    "REGEX takes Python's regular expression syntax, tested on one token; escape a "
    r"bracket, brace or * meant literally: \( \{ \*"
)
_REGEX_SAFE_HINT = (
    "a REGEX is tested on one token at a time, so it never needs these: write it without "
    "repeating a group that holds a quantifier or alternatives (^a+$, not ^(a+)+$), "
    "without backreferences or lookarounds; list alternative words under IN instead"
)
_REPEATS = tuple(
    getattr(_re_parser, name)
    for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    if hasattr(_re_parser, name)
)


def regex_refusal(text: str) -> tuple[str, str] | None:
    """Why gioia will not run ``text`` as a token pattern's REGEX, and the fix; None when
    it will.

    Refused: what is not a regular expression in Python's syntax (the one spaCy
    documents), a repeat count above :data:`MAX_REGEX_REPEAT`, and the constructs that
    make a backtracking engine take time exponential in a word's length: a quantifier or
    alternatives inside a repeated group (``(a+)+``, ``(a|ab)+``), backreferences,
    lookarounds and conditional groups. What passes is still run with a time limit per
    token (:mod:`gioia.assist.matching`), since some polynomial cases remain."""
    brace = _literal_brace(text)
    if brace is not None:
        return (
            f"has a '{{' at position {brace} that is not a repeat count, which regex "
            "engines read differently",
            r"escape a brace meant literally: \{",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set": read as an error
            tree = _re_parser.parse(text)
    except re.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        return f"is not a valid regular expression: {exc.msg}{where}", _REGEX_SYNTAX_HINT
    except (Warning, RecursionError, OverflowError, ValueError) as exc:
        return f"is not a valid regular expression: {exc}", _REGEX_SYNTAX_HINT
    unsafe = _unsafe(tree, repeated=False)
    if unsafe is not None:
        return f"is refused: it has {unsafe}", _REGEX_SAFE_HINT
    try:
        regex.compile(text)
    except (regex.error, RecursionError, OverflowError, ValueError) as exc:
        return f"is not a valid regular expression: {exc}", _REGEX_SYNTAX_HINT
    return None


def _literal_brace(text: str) -> int | None:
    """The position of a ``{`` outside a character class that does not start a repeat
    count: Python's ``re`` reads it as a literal, the ``regex`` engine gioia runs may
    read it as fuzzy matching (``(?:foo){e<=2}``)."""
    escaped = in_class = False
    for position, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]" or text[position - 1] == "["
        elif char == "[":
            in_class = True
        elif char == "{" and not _REPEAT_SYNTAX.match(text, position):
            return position
    return None


def _unsafe(items: Any, repeated: bool) -> str | None:
    """What in a parsed regular expression can backtrack catastrophically, or None.
    ``repeated``: whether an enclosing group may match more than once."""
    for op, value in items:
        if op in _REPEATS:
            low, high, body = value
            if repeated:
                return "a quantifier inside a repeated group, as in (a+)+"
            finite = [n for n in (low, high) if n != _re_parser.MAXREPEAT]
            if max(finite, default=0) > MAX_REGEX_REPEAT:
                return f"a repeat count above {MAX_REGEX_REPEAT}"
            found = _unsafe(body, high > 1)
        elif op is _re_parser.SUBPATTERN:
            found = _unsafe(value[-1], repeated)
        elif op is getattr(_re_parser, "ATOMIC_GROUP", None):
            found = _unsafe(value, repeated)
        elif op is _re_parser.BRANCH:
            if repeated:
                return "alternatives inside a repeated group, as in (a|ab)+"
            found = next((f for f in (_unsafe(b, False) for b in value[1]) if f), None)
        elif op is _re_parser.GROUPREF:
            return r"a backreference (\1 or (?P=name))"
        elif op is _re_parser.GROUPREF_EXISTS:
            return "a conditional group (?(1)...)"
        elif op in (_re_parser.ASSERT, _re_parser.ASSERT_NOT):
            return "a lookahead or lookbehind ((?=...), (?!...), (?<=...), (?<!...))"
        else:
            found = None
        if found is not None:
            return found
    return None


def op_repeats(value: Any) -> tuple[int, int | None] | None:
    """A token spec's OP as (least, most) repetitions, most None when unbounded (``*``,
    ``+``, ``{n,}``); None if ``value`` is not an operator spaCy knows."""
    simple = {"?": (0, 1), "*": (0, None), "+": (1, None), "!": (0, 0)}
    if not isinstance(value, str):
        return None
    if value in simple:
        return simple[value]
    counts = _OPERATOR.fullmatch(value)
    if counts is None:
        return None
    low, comma, high = counts.groups()
    if not comma:
        return (int(low), int(low)) if low else None
    if not low and not high:
        return None
    least, most = int(low or 0), int(high) if high else None
    return None if most is not None and least > most else (least, most)


def pattern_refusals(pattern: Sequence[Any]) -> list[tuple[YamlPath, str, str]]:
    """Why one token pattern cannot be run, within the limits above: (path inside the
    pattern, message, hint) for each problem; [] when it can. `gioia check` reports the
    same problems of a codebook.yaml with their lines."""
    check = _PatternCheck()
    check.pattern((), list(pattern))
    return check.found


def has_unbounded_repeat(pattern: Sequence[Any]) -> bool:
    """Whether a token pattern has a token with OP *, + or {n,}."""
    return any(
        (repeats := op_repeats(value)) is not None and repeats[1] is None
        for token in pattern
        if isinstance(token, dict)
        for key, value in token.items()
        if isinstance(key, str) and key.upper() == "OP"
    )


class _PatternCheck:
    """The problems of token patterns, each at the path of its key or value."""

    def __init__(self) -> None:
        self.found: list[tuple[YamlPath, str, str]] = []

    def refuse(self, path: YamlPath, message: str, hint: str) -> None:
        self.found.append((path, message, hint))

    def pattern(self, path: YamlPath, pattern: list[Any]) -> int:
        """Check one pattern; returns how many unbounded repeats it has."""
        if len(pattern) > MAX_PATTERN_TOKENS:
            self.refuse(
                path,
                f"this pattern has {len(pattern)} tokens; a pattern has at most "
                f"{MAX_PATTERN_TOKENS}",
                "split it into two patterns, or repeat a token with OP: '{n,m}'",
            )
        unbounded = optional = 0
        for index, token in enumerate(pattern):
            if not isinstance(token, dict):
                continue  # the schema says what is wrong with it
            for key, value in token.items():
                where = path + (index, key)
                name = key.upper() if isinstance(key, str) else key
                if name != "OP":
                    self.attribute(where, key, value)
                    continue
                repeats = op_repeats(value)
                if repeats is None:
                    self.refuse(where, f"OP {show_value(value)} is not a spaCy operator", _OP_HINT)
                    continue
                least, most = repeats
                if max(least, most or 0) > MAX_REPEAT:
                    times = f"{least} times" if least == most else f"up to {most} times"
                    times = f"at least {least} times" if most is None else times
                    self.refuse(
                        where,
                        f"OP '{value}' repeats a token {times}; at most {MAX_REPEAT}",
                        _REPEAT_HINT,
                    )
                    continue
                if most is None:
                    unbounded += 1
                    if unbounded == MAX_UNBOUNDED + 1:
                        self.refuse(
                            where,
                            f"OP '{value}' is a second unbounded repeat: a pattern may have "
                            "one unbounded repeat (OP *, + or {n,})",
                            _UNBOUNDED_HINT,
                        )
                elif value != "!":
                    before, optional = optional, optional + most - least
                    if before <= MAX_OPTIONAL < optional:
                        self.refuse(
                            where,
                            f"more than {MAX_OPTIONAL} optional tokens in one pattern "
                            "(OP ?, {n,m} or {,m})",
                            _OPTIONAL_HINT,
                        )
        return unbounded

    def attribute(self, path: YamlPath, key: Any, value: Any) -> None:
        name = key.upper() if isinstance(key, str) else key
        if name == "_":
            self.refuse(
                path,
                "custom attributes ('_') are set by code, which a codebook does not run",
                "match on LOWER, LEMMA, TEXT or another token attribute",
            )
        elif name in _TEXT_ATTRIBUTES:
            if isinstance(value, str):
                self.text(path, value)
            elif isinstance(value, dict) and value:
                self.text_predicates(path, name, value)
            else:
                self.refuse(
                    path,
                    f"{name} takes text, or a mapping such as {{IN: [a, b]}}; got "
                    f"{show_value(value)}",
                    "quote a value that YAML would read as a number or true/false: '2020'",
                )
        elif name in _FLAG_ATTRIBUTES:
            if not isinstance(value, bool):
                self.refuse(
                    path,
                    f"{name} takes true or false; got {show_value(value)}",
                    "write true or false, without quotes",
                )
        elif name == "LENGTH":
            if not (_is_number(value, whole=True) or self.number_predicates(path, value)):
                self.refuse(
                    path,
                    f"LENGTH takes a whole number, or a mapping of IN, NOT_IN, "
                    f"{', '.join(_COMPARISONS)}; got {show_value(value)}",
                    "e.g. LENGTH: {'>=': 10}",
                )
        elif name == "ENT_IOB":
            if isinstance(value, bool) or value not in _IOB_VALUES:
                self.refuse(
                    path,
                    f"ENT_IOB takes one of I, O, B or '' (or 0-3); got {show_value(value)}",
                    "I: inside an entity, B: its first token, O: outside any",
                )
        else:
            self.refuse(
                path,
                f"unknown token attribute {show_value(key)}",
                did_you_mean(str(key).upper(), _ATTRIBUTES)
                or "token attributes are spaCy's: " + ", ".join(_ATTRIBUTES),
            )

    def text(self, path: YamlPath, value: str) -> None:
        if len(value) > MAX_VALUE_CHARS:
            self.refuse(
                path,
                f"a value of {len(value)} characters; a token pattern's values have at "
                f"most {MAX_VALUE_CHARS}",
                _VALUE_HINT,
            )

    def texts(self, path: YamlPath, values: Any, check: Any, most: int | None = None) -> bool:
        """Whether ``values`` is a list of text, each then checked with ``check``."""
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            return False
        if most is not None and len(values) > most:
            self.refuse(
                path,
                f"a list of {len(values)}; a REGEX or FUZZY list has at most {most}",
                "each one is tried on every token: merge them, e.g. ^(colleague|peer)s?$",
            )
        for index, item in enumerate(values):
            check(path + (index,), item)
        return True

    def text_predicates(self, path: YamlPath, name: str, predicates: dict) -> None:
        for key, value in predicates.items():
            where = path + (key,)
            kind = key.upper() if isinstance(key, str) else key
            if kind == "REGEX" or kind in _FUZZY_PREDICATES:
                check = self.regex if kind == "REGEX" else self.text
                if isinstance(value, str):
                    check(where, value)
                elif not self.inner_list(where, value, check):
                    self.refuse(
                        where,
                        f"{kind} takes text, or {{IN: [...]}} or {{NOT_IN: [...]}}; got "
                        f"{show_value(value)}",
                        "e.g. {LOWER: {REGEX: '^colleagues?$'}}",
                    )
            elif kind in _SET_PREDICATES:
                if not self.texts(where, value, self.text):
                    self.refuse(
                        where,
                        f"{kind} takes a list of text; got {show_value(value)}",
                        "e.g. {LOWER: {IN: [staff, coffee]}}",
                    )
            else:
                self.refuse(
                    where,
                    f"unknown predicate {show_value(key)} for {name}",
                    did_you_mean(str(key).upper(), _TEXT_PREDICATES)
                    or "text predicates: " + ", ".join(_TEXT_PREDICATES),
                )

    def inner_list(self, path: YamlPath, value: Any, check: Any) -> bool:
        """REGEX or FUZZY over a list: {IN: [...]} or {NOT_IN: [...]}."""
        if not isinstance(value, dict) or len(value) != 1:
            return False
        ((key, values),) = value.items()
        if not isinstance(key, str) or key.upper() not in ("IN", "NOT_IN"):
            return False
        return self.texts(path + (key,), values, check, MAX_ALTERNATIVES)

    def number_predicates(self, path: YamlPath, predicates: Any) -> bool:
        if not isinstance(predicates, dict) or not predicates:
            return False
        for key, value in predicates.items():
            kind = key.upper() if isinstance(key, str) else key
            if kind in ("IN", "NOT_IN"):
                fits = isinstance(value, list) and all(_is_number(v, whole=True) for v in value)
            else:
                fits = kind in _COMPARISONS and _is_number(value, whole=False)
            if not fits:
                return False
        return True

    def regex(self, path: YamlPath, text: str) -> None:
        shown = text if len(text) <= 60 else text[:57] + "..."
        if len(text) > MAX_VALUE_CHARS:
            self.refuse(
                path,
                f"REGEX '{shown}' has {len(text)} characters; a REGEX has at most "
                f"{MAX_VALUE_CHARS}",
                "a REGEX matches one token, a word: list alternative words under IN",
            )
            return
        refusal = regex_refusal(text)
        if refusal is not None:
            reason, hint = refusal
            self.refuse(path, f"REGEX '{shown}' {reason}", hint)


def _is_number(value: Any, *, whole: bool) -> bool:
    kinds = (int,) if whole else (int, float)
    return isinstance(value, kinds) and not isinstance(value, bool)


def _pattern_problems(document: YamlDocument) -> list[Problem]:
    """Every problem of every concept's ``patterns:`` (see the limits above). Shapes the
    schema rejects (a pattern that is no list, a token that is no mapping) are left to
    it."""
    check = _PatternCheck()
    seen = reaching = 0
    for level, path, node in _iter_nodes(document.data):
        patterns = node.get("patterns") if level == "concept" else None
        if not isinstance(patterns, list):
            continue
        for index, pattern in enumerate(patterns):
            seen += 1
            if seen == MAX_PATTERNS + 1:
                check.refuse(
                    path + ("patterns", index),
                    f"more than {MAX_PATTERNS} patterns in the codebook",
                    _TOO_MANY_PATTERNS_HINT,
                )
            if isinstance(pattern, list) and check.pattern(path + ("patterns", index), pattern):
                reaching += 1
                if reaching == MAX_UNBOUNDED_PATTERNS + 1:
                    check.refuse(
                        path + ("patterns", index),
                        f"more than {MAX_UNBOUNDED_PATTERNS} patterns with an unbounded "
                        "repeat (OP *, + or {n,}) in the codebook",
                        _UNBOUNDED_PATTERNS_HINT,
                    )
    return [_problem(document, path, message, hint) for path, message, hint in check.found]


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
