"""Text → plain data with positions, for :mod:`gioia.yamlsource`, within fixed bounds.

Configuration files come from colleagues, other tools and the internet, so reading one
is bounded: nesting deeper than :data:`MAX_DEPTH` is refused while composing (PyYAML
composes recursively and would run out of stack), and aliases may repeat at most
:data:`MAX_ALIAS_VALUES` values in all. PyYAML shares an anchor's node between its
aliases, but building plain data from the tree (and pydantic validating it) expands
every alias: a "billion laughs" file of a few hundred bytes would otherwise expand to
billions of values. :mod:`gioia.yamlsource` refuses a file over :data:`MAX_CONFIG_BYTES`
before any of this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from gioia.errors import Location, Problem

__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_CONFIG_BYTES",
    "MAX_DEPTH",
    "BoundedLoader",
    "Builder",
    "Refused",
    "YamlPath",
    "character_problem",
    "format_path",
    "position",
    "show_value",
    "syntax_problem",
]

YamlPath = tuple[str | int, ...]

# A hand-written codebook is tens of kilobytes; PyYAML reads about 250 kB a second.
MAX_CONFIG_BYTES = 2 * 1024 * 1024
# A codebook nests about ten levels (dimensions[0].themes[0].concepts[0].patterns[0][0]...).
MAX_DEPTH = 50
# Values that aliases add beyond the file's own; sharing a keyword list stays far below.
MAX_ALIAS_VALUES = 10_000

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
    ("levels deep", "a codebook needs about ten levels; check for runaway brackets"),
    ("2002:merge", "gioia does not read merge keys ('<<: *name'); write the keys out"),
    ("could not determine a constructor", "gioia reads plain YAML: remove the '!tag'"),
)
_GENERIC_SYNTAX_HINT = (
    "check the indentation (spaces only) and quote values that contain ': ' or start "
    "with one of [ ] { } * & ! % @ `"
)


class BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than MAX_DEPTH before its recursive
    composer runs out of stack, and counting the nodes it composes."""

    def __init__(self, text: str):
        super().__init__(text)
        self.depth = 0
        self.composed = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(
                None, None, f"values are nested more than {MAX_DEPTH} levels deep", mark
            )
        self.depth += 1
        self.composed += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class Refused(Exception):
    """The document is beyond a limit: stop building it."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class Builder:
    """Builds plain data from a composed node tree, recording positions on the way."""

    def __init__(self, path: Path, loader: BoundedLoader):
        self.path = path
        self.loader = loader
        self.positions: dict[YamlPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._open: set[int] = set()  # collections being built: catches recursive aliases
        # Without aliases every composed node is built once; each value beyond that is an
        # alias repeating its anchor.
        self._budget = loader.composed + MAX_ALIAS_VALUES
        self._built = 0

    def build(self, node: yaml.Node, path: YamlPath) -> Any:
        self._built += 1
        if self._built > self._budget or len(self._open) >= MAX_DEPTH:
            raise Refused(self._alias_problem(node))
        self.positions.setdefault(path, position(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        where = Location.of(self.path, *position(node))
        if id(node) in self._open:
            self.problems.append(Problem("an alias refers to itself", where, "remove the *alias"))
            return None
        if node.tag not in _PLAIN_COLLECTION_TAGS:  # e.g. !!python/object/apply, !!set
            message = _at(path, f"the tag {node.tag} is not read")
            self.problems.append(
                Problem(message, where, "gioia reads plain YAML: remove the '!tag'")
            )
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _alias_problem(self, node: yaml.Node) -> Problem:
        if self._built > self._budget:
            message = (
                f"aliases (*name) repeat more than {MAX_ALIAS_VALUES:,} values of this file; "
                "files that expand like this ('billion laughs') are refused"
            )
        else:
            message = f"aliases (*name) nest values more than {MAX_DEPTH} levels deep"
        hint = "write the repeated values out, or repeat fewer of them"
        return Problem(message, Location.of(self.path, *position(node)), hint)

    def _scalar(self, node: yaml.ScalarNode, path: YamlPath) -> Any:
        """The value safe_load would give (numbers, booleans, null and dates, not just
        strings). A value PyYAML cannot construct (a date 2020-13-45, a number of 5,000
        digits) or a string with an escaped lone surrogate is a problem, read as text."""
        where = Location.of(self.path, *position(node))
        try:
            value = self.loader.construct_object(node)
        except (ValueError, OverflowError):
            # Forget the failed attempt, or an alias to the node would report recursion.
            self.loader.recursive_objects.pop(node, None)
            kind = _SCALAR_KINDS.get(node.tag.rsplit(":", 1)[-1], "a value")
            message = _at(path, f"{show_value(node.value)} cannot be read as {kind}")
            self.problems.append(Problem(message, where, "put it in quotes to keep it as text"))
            return node.value
        if isinstance(value, str) and not _encodable(value):
            message = _at(path, "an escape such as \\ud800 stands for half a character")
            hint = "write the character itself, or one escape such as \\U0001F600"
            self.problems.append(Problem(message, where, hint))
            return value.encode("utf-8", "replace").decode("utf-8")
        return value

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            where = position(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(
                    Problem(
                        "a key must be a plain value, not a list or mapping",
                        Location.of(self.path, *where),
                        "check for a stray '?' or brackets before the ':'",
                    )
                )
                continue
            key = self._scalar(key_node, path)
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


_PLAIN_COLLECTION_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
_SCALAR_KINDS = {"int": "a number", "float": "a number", "timestamp": "a date"}


def _at(path: YamlPath, message: str) -> str:
    where = format_path(path)
    return f"{where}: {message}" if where else message


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def character_problem(path: Path, what: str, text: str, exc: yaml.reader.ReaderError) -> Problem:
    """YAML refuses control characters (NUL, form feed, ...) anywhere in a file."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    character = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(
        f"{what} contains the control character U+{ord(character):04X}, which YAML does not allow",
        Location.of(path, line, column),
        "delete it; such characters come in with text pasted from PDFs or word processors",
    )


def position(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def syntax_problem(path: Path, exc: yaml.MarkedYAMLError) -> Problem:
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


def show_value(value: Any) -> str:
    """A value as a message quotes it: short, and in YAML's words (null, true)."""
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
