"""YAML files with positions: plain data, plus the line and column of every value.

PyYAML's ``safe_load`` forgets where values were and silently keeps the last of two
duplicate keys. A researcher fixing a codebook needs ``file:line`` for every problem, so
this module composes the node tree itself, builds the data from it, remembers each
value's position by its path (``("dimensions", 0, "themes", 1, "id")``) and reports
duplicate keys. :func:`validation_problems` turns a pydantic ``ValidationError`` about
that data into :class:`~gioia.errors.Problem` objects pointing at those positions.
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

from gioia.errors import ConfigError, Location, Problem

__all__ = [
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

YamlPath = tuple[str | int, ...]

# Hints for the YAML syntax errors researchers run into most, keyed by a fragment of
# PyYAML's problem text.
_SYNTAX_HINTS = (
    ("'\\t'", "YAML indents with spaces, not tabs"),
    (
        "mapping values are not allowed",
        "a value containing ': ' must be quoted, e.g. label: \"Note: this\"; "
        "otherwise check the indentation of the line",
    ),
    ("expected <block end>", "check the indentation: items of one list or mapping line up"),
    ("found unexpected end of stream", "a quote or bracket is opened but never closed"),
    ("found undefined alias", "'*' starts an alias in YAML; quote a value that begins with *"),
    ("expected a single document", "remove the '---' separator: one document per file"),
)
_GENERIC_SYNTAX_HINT = (
    "check the indentation (spaces only) and quote values that contain ': ' or start "
    "with one of [ ] { } * & ! % @ `"
)

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
    raw = path.read_bytes()
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
    """Parse one YAML file. Raises ConfigError for a missing file or a syntax error.

    An empty file gives ``data=None``. Duplicate keys are not raised but returned in
    ``problems`` (the first value is kept), so a caller can list them with its own.
    """
    text = read_text(path, what=what, missing_hint=missing_hint or "check the path")
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return YamlDocument(path, None, {})
        builder = _Builder(path, loader)
        data = builder.build(root, ())
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(path, exc)]) from None
    finally:
        loader.dispose()
    return YamlDocument(path, data, builder.positions, tuple(builder.problems))


class _Builder:
    """Builds plain data from a composed node tree, recording positions on the way."""

    def __init__(self, path: Path, loader: yaml.SafeLoader):
        self.path = path
        self.loader = loader
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._open: set[int] = set()  # collections being built: catches recursive aliases

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self.positions.setdefault(path, _position(node))
        if isinstance(node, yaml.ScalarNode):
            # The SafeLoader's constructor resolves scalars the way safe_load would:
            # numbers, booleans, null and dates, not just strings.
            return self.loader.construct_object(node)
        if id(node) in self._open:
            where = Location.of(self.path, *_position(node))
            self.problems.append(Problem("an alias refers to itself", where, "remove the *alias"))
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            where = _position(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        "a key must be a plain value, not a list or mapping",
                        Location.of(self.path, *where),
                        "check for a stray '?' or brackets before the ':'",
                    )
                )
                continue
            key = self.loader.construct_object(key_node)
            if key in first_seen:
                line, column = first_seen[key]
                self.problems.append(
                    Problem(
                        f"{format_path(path + (key,))}: duplicate key '{key}' "
                        f"(first at line {line}, column {column})",
                        Location.of(self.path, *where),
                        "a key may appear only once in a mapping; merge the two or delete one",
                    )
                )
                continue
            first_seen[key] = where
            # A mapping entry is located at its key: that is the line a researcher
            # looks for, and it exists even when the value starts on the next line.
            self.positions[path + (key,)] = where
            result[key] = self.build(value_node, path + (key,))
        return result


def _position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _syntax_problem(path: Path, exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context or "cannot be parsed"
    message = f"invalid YAML: {what}"
    if exc.problem and exc.context:
        # The context says where the construct that failed began, e.g. an open quote.
        started = exc.context_mark
        where = f" at line {started.line + 1}, column {started.column + 1}" if started else ""
        message += f" ({exc.context}{where})"
    hint = next((h for fragment, h in _SYNTAX_HINTS if fragment in what), _GENERIC_SYNTAX_HINT)
    if mark is None:
        return Problem(message, Location.of(path), hint)
    return Problem(message, Location.of(path, mark.line + 1, mark.column + 1), hint)


def format_path(path: Iterable[Any]) -> str:
    """``("dimensions", 0, "id")`` → ``dimensions[0].id``, the way a researcher reads it."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            text += f".{part}" if text else part
        else:
            text += f"[{part!r}]"
    return text


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
        return f"expected {_EXPECTED[kind]}, got {_show(value)}", hint
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} does not match the pattern {context['pattern']}", ""
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty", ""
    if kind == "too_short":
        count = context["min_length"]
        return f"needs at least {count} item{'s' if count != 1 else ''}", ""
    message = details["msg"].removeprefix("Value error, ")
    if message.startswith("Input should "):
        message = "must " + message.removeprefix("Input should ") + f", got {_show(value)}"
    return message, str(context.get("hint", ""))


def _show(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    return str(value)


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
