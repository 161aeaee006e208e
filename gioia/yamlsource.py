"""YAML files with positions: plain data, plus the line and column of every value.

PyYAML's ``safe_load`` forgets where values were and silently keeps the last of two
duplicate keys. A researcher fixing a codebook needs ``file:line`` for every problem, so
this module composes the node tree itself, builds the data from it, remembers each
value's position by its path (``("dimensions", 0, "themes", 1, "id")``) and reports
duplicate keys. :func:`validation_problems` turns a pydantic ``ValidationError`` about
that data into :class:`~gioia.errors.Problem` objects pointing at those positions.

Reading is bounded (see :mod:`gioia._yamltree`): a file over :data:`MAX_CONFIG_BYTES`
is refused before it is parsed, deep nesting and alias bombs while it is.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from gioia._yamltree import (
    MAX_ALIAS_VALUES,
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    BoundedLoader,
    Builder,
    Refused,
    YamlPath,
    character_problem,
    format_path,
    show_value,
    syntax_problem,
)
from gioia.errors import ConfigError, Location, Problem

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "YamlDocument",
    "YamlPath",
    "allowed_keys",
    "blank_as",
    "did_you_mean",
    "format_path",
    "in_file_order",
    "invalid",
    "load_yaml",
    "read_text",
    "validation_problems",
]

# What pydantic's type errors expected, in a researcher's words.
_EXPECTED = {
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}
_LIST_HINT = "write a list as [a, b] or as one '- item' per line"
_MAPPING_HINT = "write a mapping as 'key: value' lines, indented under its parent key"


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data, each value's position, and duplicate-key problems."""

    path: Path
    data: Any
    positions: Mapping[YamlPath, tuple[int, int]]  # 1-based (line, column)
    problems: tuple[Problem, ...] = ()

    def location(self, path: YamlPath) -> Location:
        """Where ``path`` is, or its nearest parent that exists (e.g. for a missing key)."""
        for end in range(len(path), -1, -1):
            position = self.positions.get(path[:end])
            if position is not None:
                return Location.of(self.path, *position)
        return Location.of(self.path)

    def existing_prefix(self, path: Iterable[Any]) -> YamlPath:
        """The longest leading part of ``path`` that names a value in the file."""
        found: YamlPath = ()
        for part in path:
            if found + (part,) not in self.positions:
                break
            found += (part,)
        return found


def read_text(path: Path, *, what: str, missing_hint: str) -> str:
    """The UTF-8 text of a configuration file (a BOM is allowed), or a ConfigError."""
    where = Location.of(path)
    if not path.exists():
        raise ConfigError([Problem(f"{what} not found: {path}", where, missing_hint)])
    if not path.is_file():
        raise ConfigError([Problem(f"{what} is not a file: {path}", where, "expected a file here")])
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            message = (
                f"{what} is {size / 2**20:.1f} MB; gioia reads configuration files of up "
                f"to {MAX_CONFIG_BYTES // 2**20} MB"
            )
            hint = "a hand-written file is far smaller: check that the path names the right file"
            raise ConfigError([Problem(message, where, hint)])
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(
            f"cannot read {what}: {exc.strerror or exc}", where, "check its permissions"
        )
        raise ConfigError([problem]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problem = Problem(
            f"{what} is not valid UTF-8 (byte {raw[exc.start]:#04x})",
            Location.of(path, line),
            "save the file with UTF-8 encoding",
        )
        raise ConfigError([problem]) from None


def load_yaml(path: Path, *, what: str = "file", missing_hint: str = "") -> YamlDocument:
    """Parse one YAML file. Raises ConfigError for a missing file, a syntax error, or a
    file beyond the limits above.

    An empty file gives ``data=None``. Duplicate keys and values that cannot be read
    are not raised but returned in ``problems`` (the first value of a duplicate key is
    kept), so a caller can list them with its own.
    """
    text = read_text(path, what=what, missing_hint=missing_hint or "check the path")
    try:
        loader = BoundedLoader(text)
    except yaml.reader.ReaderError as exc:  # checked before parsing: no loader to dispose
        raise ConfigError([character_problem(path, what, text, exc)]) from None
    try:
        root = _compose(loader, path)
        if root is None:
            return YamlDocument(path, None, {})
        builder = Builder(path, loader)
        data = builder.build(root, ())
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([syntax_problem(path, exc)]) from None
    except Refused as exc:
        raise ConfigError([exc.problem]) from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, builder.positions, tuple(builder.problems))


def _compose(loader: BoundedLoader, path: Path) -> yaml.Node | None:
    try:
        return loader.get_single_node()
    # PyYAML's scanner turns an escape such as "\U00110000" into chr() of a number
    # beyond Unicode and lets chr's ValueError or OverflowError through, unmarked.
    except (ValueError, OverflowError):
        mark = loader.get_mark()
        raise ConfigError(
            [
                Problem(
                    "invalid YAML: a double-quoted string has an escape that is no character "
                    "(Unicode ends at \\U0010FFFF)",
                    Location.of(path, mark.line + 1, mark.column + 1),
                    "write the character itself, or a valid \\u or \\U escape",
                )
            ]
        ) from None


def in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    """Problems sorted by line and column, the order a researcher fixes them in."""

    def position(problem: Problem) -> tuple[int, int]:
        where = problem.location
        return (where.line or 0, where.column or 0) if where else (0, 0)

    return sorted(problems, key=position)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A "did you mean 'x'?" hint for a misspelt name, or "" when nothing is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


# ----------------------------------------------------------------- pydantic errors

HintFor = Callable[[ErrorDetails], str | None]


def invalid(kind: str, message: str, hint: str) -> PydanticCustomError:
    """The error a pydantic validator raises for a bad value; ``hint`` reaches the
    Problem that :func:`validation_problems` makes of it."""
    return PydanticCustomError(kind, message, {"hint": hint})


def blank_as(empty: Any) -> BeforeValidator:
    """Accept a key left blank (``definition:`` parses as null) as its empty value, for a
    pydantic field: templates and half-written files leave keys blank."""
    return BeforeValidator(lambda value: empty if value is None else value)


def validation_problems(
    error: ValidationError,
    document: YamlDocument,
    model: type[BaseModel],
    hint_for: HintFor | None = None,
) -> list[Problem]:
    """One Problem per pydantic error, located in ``document``.

    ``model`` is the class that validated ``document.data`` (used to suggest the right
    spelling of an unknown key); ``hint_for`` lets a caller replace the hint of an
    error it knows more about, returning None to keep the default.
    """
    problems = []
    for details in error.errors(include_url=False):
        loc = details["loc"]
        found = document.existing_prefix(loc)
        message, hint = _describe(details, model)
        custom = hint_for(details) if hint_for else None
        where = format_path(found)
        problems.append(
            Problem(
                f"{where}: {message}" if where else message,
                document.location(found),
                hint if custom is None else custom,
            )
        )
    return problems


def _describe(details: ErrorDetails, model: type[BaseModel]) -> tuple[str, str]:
    """A researcher-readable message and hint for one pydantic error."""
    kind, loc, value = details["type"], details["loc"], details.get("input")
    context = details.get("ctx") or {}
    if kind == "missing":
        return f"'{loc[-1]}' is required", ""
    if kind == "extra_forbidden":
        allowed = allowed_keys(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        if not hint and allowed:
            hint = "allowed keys here: " + ", ".join(allowed)
        return f"unknown key '{loc[-1]}'", hint
    if kind in _EXPECTED:
        hint = _LIST_HINT if "list" in _EXPECTED[kind] else ""
        hint = _MAPPING_HINT if "mapping" in _EXPECTED[kind] else hint
        return f"expected {_EXPECTED[kind]}, got {show_value(value)}", hint
    if kind == "string_pattern_mismatch":
        return f"{show_value(value)} does not match the pattern {context['pattern']}", ""
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty", ""
    if kind == "too_short":
        count = context["min_length"]
        return f"needs at least {count} item{'s' if count != 1 else ''}", ""
    message = details["msg"].removeprefix("Value error, ")
    if message.startswith("Input should "):
        message = "must " + message.removeprefix("Input should ") + f", got {show_value(value)}"
    return message, str(context.get("hint", ""))


def allowed_keys(model: type[BaseModel], loc: Iterable[Any]) -> list[str]:
    """The keys the model accepts at ``loc`` (empty when ``loc`` is not a model)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        origin = typing.get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            if part not in fields:
                return []
            current = fields[part].annotation
        elif origin in (list, tuple):
            current = typing.get_args(current)[0]
        elif origin is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, ...]`` → ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0]
        else:
            return annotation
