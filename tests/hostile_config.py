"""Hostile configuration and journals: random YAML structures, valid files with wrong
types at random paths, alias bombs; ragged CSV tables; random, torn and mistyped journal
lines. Each ``check_*`` asserts the readers' property on one input."""

from __future__ import annotations

import csv
import io
import json
import random
import typing
from collections.abc import Callable
from pathlib import Path

import yaml
from hostile_support import BYTE_MUTATIONS, EXAMPLE, Mutation, mutated, position
from hypothesis import strategies as st
from pydantic import BaseModel

from gioia.codebook import CodebookSpec, load_codebook
from gioia.errors import ConfigError, JournalError
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
    check_yaml_reader(path, data, load_codebook)


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


_CODEBOOK_KEYS = [*_keys_of(CodebookSpec), "LEMMA", "LOWER", "IN"]
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
    return yaml_cases(EXAMPLE / "codebook.yaml", _CODEBOOK_KEYS)


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


def journal_cases() -> st.SearchStrategy[bytes]:
    lines = st.lists(journal_line(), max_size=6)
    return st.builds(
        lambda chosen, end: b"\n".join(chosen) + end, lines, st.sampled_from([b"", b"\n"])
    )
