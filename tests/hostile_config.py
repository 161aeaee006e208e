"""Hostile configuration and journals: random YAML structures, valid files with wrong
types at random paths, alias bombs; codebooks with generated token patterns (REGEX, OP,
IN, FUZZY..., hostile regular expressions, wildcards); ragged CSV tables; random, torn
and mistyped journal lines with LF, CRLF, CR-only or mixed line endings and with or
without a final newline. Each ``check_*`` asserts the readers' property on one input."""

from __future__ import annotations

import csv
import io
import json
import random
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml
from hostile_support import BYTE_MUTATIONS, EXAMPLE, Mutation, mutated, position
from hypothesis import strategies as st
from pydantic import BaseModel

from gioia.codebook import CodebookSpec, load_codebook
from gioia.errors import ConfigError, GioiaError, JournalError
from gioia.journal import read_journal
from gioia.study import StudyConfig, load_participants, open_study


def check_yaml_reader(path: Path, data: bytes, load: Callable[[Path], object]) -> None:
    path.write_bytes(data)
    try:
        load(path)
    except ConfigError as error:
        assert error.problems, "a ConfigError lists its problems"
        for problem in error.problems:
            assert problem.location is not None, problem
            assert Path(problem.location.file).name == path.name, problem


def check_codebook(path: Path, data: bytes) -> None:
    """The codebook loads, or its ConfigError names it; one that loads with patterns is
    then matched against a hostile transcript (long words, wildcard bait, no full stop),
    where the patterns run or a GioiaError names the codebook: `gioia check` accepting a
    pattern that `gioia suggest` crashes or hangs on was issue 16's items 7 and 8."""
    path.write_bytes(data)
    try:
        codebook, _ = load_codebook(path)
    except ConfigError as error:
        assert error.problems, "a ConfigError lists its problems"
        for problem in error.problems:
            assert problem.location is not None, problem
            assert Path(problem.location.file).name == path.name, problem
        return
    if not any(concept.patterns for concept in codebook.concepts):
        return
    from gioia.assist.matching import ConceptMatcher, find_hits

    nlp, doc, segments = _hostile_transcript()
    try:
        find_hits(doc, segments, ConceptMatcher(nlp, codebook, str(path)))
    except GioiaError as error:
        for problem in error.problems:
            assert problem.location is not None, problem
            assert Path(problem.location.file).name == path.name, problem


HOSTILE_TRANSCRIPT = (
    "I rant in the staff room, we had lunch together. "
    + "i the and " * 150
    + "a" * 900
    + " "
    + "ab1 " * 50
    + "x" * 3000
    + " GPs colleague colleagues 2020 \u2014 ok"
)


@cache
def _hostile_transcript() -> tuple[object, object, list[object]]:
    from gioia.models import Segment
    from gioia.nlp import build_pipeline

    nlp = build_pipeline("en")
    text = HOSTILE_TRANSCRIPT
    return nlp, nlp(text), [Segment("P1", 0, len(text), text, "P1", "P1", 0)]


def check_study_config(study: Path, data: bytes) -> None:
    def open_folder(config: Path) -> object:
        return open_study(config.parent)

    check_yaml_reader(study / "gioia.yaml", data, open_folder)


def check_participants(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        load_participants(path)
    except ConfigError as error:
        for problem in error.problems:
            assert problem.location is not None and problem.location.file == str(path), problem


def check_journal(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        journal = read_journal(path)
    except JournalError as error:
        assert error.location is not None and error.location.file == str(path), error
        return
    for problem in journal.problems:
        assert problem.location is not None and problem.location.line is not None, problem


# --------------------------------------------------------------------------- YAML cases


def _keys_of(model: type[BaseModel]) -> list[str]:
    """Every key the model and the models inside it accept: random documents use the
    real vocabulary, so they get past "unknown key" into the checks of each value."""
    keys: set[str] = set()
    models, seen = [model], set()
    while models:
        current = models.pop()
        seen.add(current)
        for name, field in current.model_fields.items():
            keys.add(field.alias or name)
            annotations = [field.annotation]
            while annotations:
                annotation = annotations.pop()
                annotations += typing.get_args(annotation)
                inner = isinstance(annotation, type) and issubclass(annotation, BaseModel)
                if inner and annotation not in seen:
                    models.append(annotation)
    return sorted(keys)


_CODEBOOK_KEYS = [
    *_keys_of(CodebookSpec),
    *("LEMMA", "LOWER", "TEXT", "OP", "IN", "NOT_IN", "REGEX", "FUZZY", "LENGTH", ">="),
]
_CONFIG_KEYS = _keys_of(StudyConfig)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "~", "yes", "1-5", ">=5", "{id}", "{x", "2020-13-45", "*", "&", "!!"]),
)


def yaml_values(keys: list[str]) -> st.SearchStrategy[object]:
    key = st.sampled_from(keys) | st.text(max_size=10)
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(key, inner, max_size=5),
        max_leaves=25,
    )


def _paths(data: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, prefix + (index,))
    return found


@st.composite
def wrong_type_somewhere(draw: st.DrawFn, valid: object, keys: list[str]) -> object:
    """A valid document with the values at a few paths replaced by anything else."""
    data = json.loads(json.dumps(valid))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        replacement = draw(yaml_values(keys))
        if not path:
            return replacement
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = replacement
    return data


def _dump(data: object, flow: bool) -> bytes:
    return yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True).encode()


_YAML_NOISE = ("\t", "&a ", "*a", "<<: *a\n", "- ", ": ", "? ", "!!python/name:os.system ", "\x00")


def text_mutation(rng: random.Random, data: bytes) -> bytes:
    at = position(rng, data)
    return data[:at] + rng.choice(_YAML_NOISE).encode() + data[at:]


YAML_MUTATIONS: tuple[Mutation, ...] = (text_mutation, text_mutation, *BYTE_MUTATIONS)


def alias_bomb(levels: int, width: int) -> bytes:
    """The "billion laughs": each anchor lists ``width`` aliases of the one before."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return ("\n".join(lines) + "\n").encode()


def yaml_cases(valid_path: Path, keys: list[str]) -> st.SearchStrategy[bytes]:
    valid = yaml.safe_load(valid_path.read_text(encoding="utf-8"))
    structures = st.one_of(yaml_values(keys), wrong_type_somewhere(valid, keys))
    dumped = st.builds(_dump, structures, st.booleans())
    seeds = [valid_path.read_bytes()]
    return st.one_of(
        dumped,
        mutated(seeds, YAML_MUTATIONS),
        dumped.flatmap(lambda data: mutated([data], YAML_MUTATIONS)),
        st.builds(alias_bomb, st.integers(2, 12), st.integers(2, 12)),
        st.builds(lambda n: b"[" * n + b"]" * n, st.integers(1, 3000)),
        st.binary(max_size=300),
    )


def codebook_cases() -> st.SearchStrategy[bytes]:
    """Random and mutated codebooks, and, as often, the example codebook with generated
    token patterns."""
    patterns = codebook_pattern_cases()
    return st.one_of(yaml_cases(EXAMPLE / "codebook.yaml", _CODEBOOK_KEYS), patterns, patterns)


# --------------------------------------------------------------------------- token patterns

# Regular expressions a codebook may hold: catastrophic, polynomial, invalid, read
# differently by Python's re and the regex engine, huge, and ordinary.
HOSTILE_REGEXES = (
    "^(a+)+$",
    "(a|a)*$",
    "(a|aa)+$",
    "(x+x+)+y",
    r"(\w+\s?)*$",
    r"\w*\w*\w*\w*\d",
    "[a-z]+[0-9]",
    "(.*a){12}$",
    "(unclosed",
    "[z-a]",
    "a{2,1}",
    "*a",
    "a**",
    "x{4294967294}",
    "a{1,100000}",
    r"(a)\1",
    "(?P<n>a)(?P=n)",
    "(?=a)a",
    "(?<!x)y",
    "(a)?(?(1)b|c)",
    "(?:foo){e<=2}",
    r"\p{L}+",
    "[[a-z]",
    "(?V1)a",
    "(?i)^gps?$",
    "^(re)?start(s|ed|ing)?$",
    "",
    ".*",
    "a" * 250,
    "\x00",
    "(" * 100 + ")" * 100,
)
_OPERATORS = ("?", "*", "+", "!", "{2}", "{0,3}", "{1,}", "{,2}", "{5,2}", "{0,50}", "**", "1")
_ATTRIBUTES = (
    *("LOWER", "LEMMA", "TEXT", "ORTH", "NORM", "SHAPE", "POS", "TAG", "DEP", "MORPH"),
    *("ENT_TYPE", "LENGTH", "IS_STOP", "IS_ALPHA", "ENT_IOB", "_", "lower", "LEMMAA", "OP"),
)
_PREDICATES = ("REGEX", "IN", "NOT_IN", "FUZZY", "FUZZY2", "IS_SUBSET", "INTERSECTS", "regex")
_WORDS = st.sampled_from(["rant", "room", "i", "the", "and", "a", "staff", "lunch", ""])
_REGEXES = st.sampled_from(HOSTILE_REGEXES) | st.text(max_size=12)
_SCALARS = _WORDS | st.text(max_size=8) | st.integers(-3, 3000) | st.booleans() | st.none()


def _predicate_value() -> st.SearchStrategy[object]:
    return st.one_of(
        _REGEXES,
        _WORDS,
        st.lists(_REGEXES | _WORDS, max_size=4),
        st.dictionaries(st.sampled_from(["IN", "NOT_IN", "in", "=="]), st.lists(_REGEXES)),
        st.integers(-5, 50),
        st.none(),
    )


@st.composite
def token_spec(draw: st.DrawFn) -> dict:
    """One token of a pattern: attributes with plain values or predicates, an OP."""
    spec: dict[str, object] = {}
    for _ in range(draw(st.integers(0, 3))):
        value = draw(
            _SCALARS
            | st.dictionaries(
                st.sampled_from(_PREDICATES) | st.sampled_from([">=", "==", "<"]),
                _predicate_value(),
                max_size=2,
            )
        )
        spec[draw(st.sampled_from(_ATTRIBUTES))] = value
    if draw(st.booleans()):
        spec["OP"] = draw(st.sampled_from(_OPERATORS) | st.text(max_size=4))
    return spec


# Regular expressions check accepts, some of them slow on a long word.
PLAUSIBLE_REGEXES = (
    "^a+$",
    r"\d+",
    "",
    ".*",
    "(?i)^gps?$",
    "^(re)?start(s|ed|ing)?$",
    "[a-z]+[0-9]",
    r"\w*\w*\w*\w*\d",
    "^(ha)+h?$",
)
_PLAUSIBLE_REGEX = st.sampled_from(PLAUSIBLE_REGEXES)
_PLAUSIBLE_OPERATORS = ("?", "*", "+", "!", "{2}", "{0,3}", "{1,}", "{,2}", "{5}")


@st.composite
def plausible_token_spec(draw: st.DrawFn) -> dict:
    """A token spec check is likely to accept, so that the matcher gets to run it."""
    spec: dict[str, object] = {}
    if draw(st.integers(0, 3)):
        attribute = draw(st.sampled_from(["LOWER", "LEMMA", "TEXT", "NORM", "SHAPE", "lower"]))
        spec[attribute] = draw(
            _WORDS
            | st.builds(lambda words: {"IN": words}, st.lists(_WORDS, max_size=3))
            | st.builds(lambda words: {"NOT_IN": words}, st.lists(_WORDS, max_size=3))
            | st.builds(lambda r: {"REGEX": r}, _PLAUSIBLE_REGEX)
            | st.builds(lambda r: {"REGEX": {"IN": r}}, st.lists(_PLAUSIBLE_REGEX, max_size=3))
            | st.builds(lambda word: {"FUZZY": word}, _WORDS)
        )
    if draw(st.booleans()):
        spec[draw(st.sampled_from(["IS_STOP", "IS_ALPHA", "LIKE_NUM"]))] = draw(st.booleans())
    if draw(st.booleans()):
        spec["OP"] = draw(st.sampled_from(_PLAUSIBLE_OPERATORS))
    return spec


def _wildcards(count: int) -> list[dict]:
    """[i, *, the, *, and, ...]: the wildcards that made suggest run for minutes."""
    pattern: list[dict] = [{"LOWER": "i"}]
    for word in ("the", "and", "i", "the")[:count]:
        pattern += [{"OP": "*"}, {"LOWER": word}]
    return pattern


@st.composite
def codebook_with_patterns(draw: st.DrawFn) -> bytes:
    """The example codebook, some of its concepts given generated ``patterns:``."""
    data = yaml.safe_load((EXAMPLE / "codebook.yaml").read_text(encoding="utf-8"))
    concepts = [
        concept
        for dimension in data["dimensions"]
        for theme in dimension["themes"]
        for concept in theme["concepts"]
    ]
    kinds = st.sampled_from(["plausible", "plausible", "random", "regex", "wildcards", "many"])
    for concept in draw(st.lists(st.sampled_from(concepts), min_size=1, max_size=3)):
        kind = draw(kinds)
        if kind == "plausible":
            token = plausible_token_spec()
            patterns = draw(st.lists(st.lists(token, min_size=1, max_size=6), max_size=4))
        elif kind == "random":
            patterns = draw(st.lists(st.lists(token_spec(), max_size=12), max_size=4))
        elif kind == "regex":
            attribute = draw(st.sampled_from(["TEXT", "LOWER", "LEMMA", "NORM"]))
            regexes = draw(st.lists(_REGEXES, min_size=1, max_size=3))
            patterns = [[{attribute: {"REGEX": r}}, {"LOWER": "room", "OP": "?"}] for r in regexes]
        elif kind == "wildcards":
            patterns = [_wildcards(draw(st.integers(1, 4)))]
        else:  # beyond the limits on the number of patterns
            count = draw(st.sampled_from([20, 21, 199, 201, 250]))
            unbounded = draw(st.booleans())
            patterns = [
                [{"LOWER": f"w{i}"}, *([{"OP": "+"}, {"LOWER": "x"}] if unbounded else [])]
                for i in range(count)
            ]
        concept["patterns"] = patterns
    return _dump(data, draw(st.booleans()))


def codebook_pattern_cases() -> st.SearchStrategy[bytes]:
    generated = codebook_with_patterns()
    return st.one_of(generated, generated.flatmap(lambda data: mutated([data], YAML_MUTATIONS)))


def study_config_cases() -> st.SearchStrategy[bytes]:
    return yaml_cases(EXAMPLE / "gioia.yaml", _CONFIG_KEYS)


# --------------------------------------------------------------------------- CSV and journals

FORMULA = "=cmd|' /C calc'!A0"
_CELLS = st.text(max_size=12) | st.sampled_from(
    ["P1", "P1", "", " ", FORMULA, "+1", "-1", "@SUM(A1)", 'a "quote"', "x\ny", "id"]
)


def _write_rows(rows: list[list[str]], delimiter: str, quoting: int, bom: bool) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\n").writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8", "surrogatepass")


def participants_cases() -> st.SearchStrategy[bytes]:
    header = st.lists(
        st.sampled_from(["id", "sex", "role", "transcript", "speaker", ""]), max_size=5
    )
    rows = st.lists(st.lists(_CELLS, max_size=6), max_size=8)  # ragged: any length
    table = st.builds(lambda h, r: [h, *r], header, rows)
    written = st.builds(
        _write_rows,
        table,
        st.sampled_from([",", ";", "\t"]),
        st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
        st.booleans(),
    )
    seeds = [(EXAMPLE / "participants.csv").read_bytes()]
    return st.one_of(written, mutated(seeds, BYTE_MUTATIONS), st.binary(max_size=300))


VALID_CODING = {
    "transcript": "GP1",
    "start": -1,
    "end": -1,
    "concept": "venting",
    "decision": "accept",
    "coder": "ms",
    "source": "human",
    "quote": "a quote",
    "at": "2026-11-26T10:02:11Z",
    "score": 0.5,
    "memo": "",
    "flags": ["power"],
}
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@st.composite
def journal_line(draw: st.DrawFn) -> bytes:
    coding = dict(VALID_CODING)
    kind = draw(st.sampled_from(["valid", "wrong type", "missing", "extra", "json", "bytes"]))
    if kind == "wrong type":
        coding[draw(st.sampled_from(sorted(coding)))] = draw(_JSON)
    elif kind == "missing":
        del coding[draw(st.sampled_from(sorted(coding)))]
    elif kind == "extra":
        coding[draw(st.text(max_size=8))] = draw(_JSON)
    elif kind == "json":
        return json.dumps(draw(_JSON)).encode()
    elif kind == "bytes":
        return draw(st.binary(max_size=80)).replace(b"\n", b"")
    line = json.dumps(coding).encode()
    if draw(st.booleans()):
        line = line[: draw(st.integers(0, len(line)))]  # torn by a crash
    return line


LINE_ENDINGS = (b"\n", b"\r\n", b"\r")


@st.composite
def journal_cases(draw: st.DrawFn) -> bytes:
    """Journal lines ended with LF, CRLF or a lone CR (old Mac editors, some sync
    tools), all alike or mixed, with or without a final line ending."""
    lines = draw(st.lists(journal_line(), max_size=6))
    style = draw(st.sampled_from([*LINE_ENDINGS, b"mixed"]))
    ends = [draw(st.sampled_from(LINE_ENDINGS)) if style == b"mixed" else style for _ in lines]
    data = b"".join(line + end for line, end in zip(lines, ends, strict=True))
    if lines and draw(st.booleans()):
        data = data[: -len(ends[-1])]  # no final line ending
    return data
