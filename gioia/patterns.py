"""A codebook's token ``patterns:``: what `gioia check` allows, so that suggesting stays
bounded (issue 16), and the refusals it reports at each pattern's line.

spaCy's Matcher runs the patterns (:mod:`gioia.assist.matching`); this module knows only
their shape: the attributes, predicates and operators a token spec may use, the limits on
repeats and optional tokens, and which regular expressions are refused because they can
backtrack catastrophically.
"""

from __future__ import annotations

import re
import re._parser as _re_parser  # Python's own regex parser: the structure of a REGEX
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import regex

from gioia._yamltree import show_value
from gioia.yamlsource import YamlPath, did_you_mean

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
    "codebook_pattern_refusals",
    "has_unbounded_repeat",
    "op_repeats",
    "pattern_refusals",
    "regex_refusal",
]

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


def codebook_pattern_refusals(data: Any) -> list[tuple[YamlPath, str, str]]:
    """(path, message, hint) of every problem of every concept's ``patterns:`` in a
    codebook's parsed YAML (see the limits above). Shapes the schema rejects (a pattern
    that is no list, a token that is no mapping) are left to it."""
    check = _PatternCheck()
    seen = reaching = 0
    for path, node in _concepts(data):
        patterns = node.get("patterns")
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
    return check.found


def _concepts(data: Any) -> Iterator[tuple[YamlPath, dict]]:
    """(path, mapping) of every concept, skipping what the schema already rejected."""

    def items(container: Any, key: str, path: YamlPath) -> Iterator[tuple[YamlPath, Any]]:
        listed = container.get(key) if isinstance(container, dict) else None
        for index, item in enumerate(listed if isinstance(listed, list) else ()):
            if isinstance(item, dict):
                yield path + (key, index), item

    for dimension_path, dimension in items(data, "dimensions", ()):
        for theme_path, theme in items(dimension, "themes", dimension_path):
            yield from items(theme, "concepts", theme_path)
