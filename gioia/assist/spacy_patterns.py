"""The codebook patterns that spaCy's ``Matcher`` runs: those gioia's own matcher
(:func:`gioia.assist.keywords.pattern_phrase`) cannot express, such as a ``REGEX``, a
``FUZZY`` word or an attribute other than a word's text or lemma.

A ``REGEX`` predicate becomes a token extension whose getter runs it on the ``regex``
engine with a time limit per token (:class:`RegexTest`: spaCy's own REGEX runs Python's
``re``, which cannot be stopped); a pattern with an unbounded repeat runs over windows
of each sentence (:func:`windows`), so its work grows with the transcript's length. The
errors name the pattern's line in codebook.yaml (:class:`PatternPlaces`).
:class:`gioia.assist.matching.ConceptMatcher` builds and runs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import regex
from spacy.tokens import Doc, Span, Token

from gioia.errors import ConfigError, GioiaError, Location, Problem
from gioia.models import Codebook
from gioia.patterns import MAX_REACH_TOKENS
from gioia.yamlsource import YamlDocument, YamlPath, load_yaml

__all__ = [
    "ANNOTATED",
    "MAX_REGEX_TOKEN_CHARS",
    "REGEX_TIMEOUT_SECONDS",
    "TOKEN_TEXT",
    "PatternError",
    "PatternPlaces",
    "RegexTest",
    "RegexTimeout",
    "RegexTooSlow",
    "pattern_text",
    "regex_expressions",
    "regex_extension",
    "regex_key",
    "windows",
]

# How long a codebook REGEX may take on one token. `gioia check` refuses the regexes
# known to backtrack catastrophically; this bounds the polynomial ones that remain
# (\w*\w*\w*\d). A word takes microseconds.
REGEX_TIMEOUT_SECONDS = 0.25
# A REGEX is tested on tokens of at most this many characters; a longer token (no word
# is: a pasted link or data) matches no REGEX.
MAX_REGEX_TOKEN_CHARS = 1000
_MAX_KNOWN_TOKENS = 100_000  # distinct token texts a REGEX remembers its answer for
# Attributes that spaCy's Matcher needs a pipeline component to set (the default
# pipeline sets LEMMA only), and the Token property a REGEX on each attribute reads.
ANNOTATED = ("POS", "TAG", "MORPH", "DEP", "LEMMA")
TOKEN_TEXT = {
    "ORTH": "text", "TEXT": "text", "NORM": "norm_", "LOWER": "lower_", "LEMMA": "lemma_",
    "SHAPE": "shape_", "POS": "pos_", "TAG": "tag_", "DEP": "dep_", "MORPH": "morph",
    "ENT_TYPE": "ent_type_", "ENT_ID": "ent_id_", "ENT_KB_ID": "ent_kb_id_",
}  # fmt: skip


class PatternError(ConfigError):
    """A codebook pattern that cannot run on a transcript, found while matching, in a
    worker process too: it travels back whole (a ConfigError pickles its summary only)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.problems),))


class RegexTooSlow(PatternError):
    """A REGEX went over its time limit on a token of a transcript."""

    def on(self, transcript: str) -> RegexTooSlow:
        """The same error, saying which transcript the token is in."""
        return RegexTooSlow(
            [replace(p, message=f"{p.message} in transcript {transcript}") for p in self.problems]
        )


class PatternPlaces:
    """Where a codebook's patterns are, for messages: codebook.yaml is read again, for
    its line numbers, only when a message needs one (a codebook built in code has none)."""

    def __init__(self, codebook: Codebook, codebook_file: str):
        self.file = codebook_file
        self.paths: dict[str, YamlPath] = {}
        for d, dimension in enumerate(codebook.dimensions):
            for t, theme in enumerate(dimension.themes):
                for c, concept in enumerate(theme.concepts):
                    path = ("dimensions", d, "themes", t, "concepts", c)
                    self.paths.setdefault(concept.id, path)
        self._document: YamlDocument | None = None

    def problem(
        self, concept: str, index: int, inside: YamlPath, message: str, hint: str
    ) -> Problem:
        path = (*self.paths.get(concept, ()), "patterns", index, *inside)
        return Problem(f"concept '{concept}', pattern {index + 1}: {message}", self._at(path), hint)

    def _at(self, path: YamlPath) -> Location:
        if self._document is None:
            try:
                self._document = load_yaml(Path(self.file), what="codebook")
            except GioiaError:
                self._document = YamlDocument(Path(self.file), None, {})
        return self._document.location(path)


class RegexTimeout(Exception):
    """A REGEX went over REGEX_TIMEOUT_SECONDS on one token."""

    def __init__(self, extension: str, index: int, expression: str, text: str):
        super().__init__(extension)
        self.extension = extension
        self.index = index  # of the expression in its IN or NOT_IN list
        self.expression = expression
        self.text = text


class RegexTest:
    """The getter of the token extension that stands for one REGEX predicate: whether
    the token's ``attribute`` matches one of ``expressions`` (``negated``: none of them).
    Runs on the ``regex`` engine, which can be stopped: over REGEX_TIMEOUT_SECONDS it
    raises RegexTimeout. Each distinct text is searched once; a text longer than
    MAX_REGEX_TOKEN_CHARS matches nothing, negated or not."""

    def __init__(self, name: str, attribute: str, expressions: tuple[str, ...], negated: bool):
        self.name = name
        self.read = TOKEN_TEXT[attribute]
        self.expressions = expressions
        self.compiled = [regex.compile(expression) for expression in expressions]
        self.negated = negated
        self.known: dict[str, bool] = {}

    def __call__(self, token: Token) -> bool:
        text = str(getattr(token, self.read))
        known = self.known.get(text)
        if known is None:
            known = len(text) <= MAX_REGEX_TOKEN_CHARS and self._search(text) != self.negated
            if len(self.known) < _MAX_KNOWN_TOKENS:
                self.known[text] = known
        return known

    def _search(self, text: str) -> bool:
        for index, compiled in enumerate(self.compiled):
            try:
                if compiled.search(text, timeout=REGEX_TIMEOUT_SECONDS):
                    return True
            except TimeoutError:
                raise RegexTimeout(self.name, index, self.expressions[index], text) from None
        return False


def regex_key(value: Any) -> Any:
    """The key of a REGEX predicate in a token spec's value (any case), or None."""
    if isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and key.upper() == "REGEX":
                return key
    return None


def regex_expressions(value: Any) -> tuple[tuple[str, ...], bool, YamlPath]:
    """A REGEX predicate's regular expressions, whether negated (NOT_IN), and the key of
    their list: ``'^a'``, ``{IN: ['^a', 'b$']}`` or ``{NOT_IN: [...]}``."""
    if isinstance(value, str):
        return (value,), False, ()
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, listed),) = value.items()
        if (
            isinstance(key, str)
            and key.upper() in ("IN", "NOT_IN")
            and isinstance(listed, list | tuple)
            and all(isinstance(item, str) for item in listed)
        ):
            return tuple(listed), key.upper() == "NOT_IN", (key,)
    raise ValueError("REGEX takes a regular expression, or {IN: [...]} or {NOT_IN: [...]}")


def regex_extension(attribute: str, expressions: tuple[str, ...], negated: bool) -> str:
    """The name of a token extension that tests a REGEX predicate (set afresh, so that
    each matcher remembers its own answers)."""
    identity = repr((attribute, expressions, negated)).encode("utf-8", "surrogatepass")
    name = "gioia_regex_" + hashlib.sha256(identity).hexdigest()[:20]
    test = RegexTest(name, attribute, expressions, negated)
    Token.set_extension(name, getter=test, force=True)
    return name


def windows(doc: Doc, sentence_starts: Sequence[int]) -> Iterator[tuple[Span, int]]:
    """Spans of at most 2 * MAX_REACH_TOKENS tokens, each inside one sentence, each
    starting MAX_REACH_TOKENS after the one before: every span of at most
    MAX_REACH_TOKENS tokens inside a sentence lies in one of them, in the first whose
    first half (the number of tokens given with it) it starts in. A pattern with an
    unbounded repeat matches over these, so its work is linear in the document's length
    (over a whole sentence of up to nlp.MAX_SENTENCE_TOKENS, it was quadratic)."""
    if not len(doc):
        return
    starts = [0, *(start for start in sentence_starts if start > 0)]
    for start, end in zip(starts, [*starts[1:], len(doc)], strict=True):
        while True:
            stop = min(start + 2 * MAX_REACH_TOKENS, end)
            last = stop >= end
            yield doc[start:stop], stop - start if last else MAX_REACH_TOKENS
            if last:
                break
            start += MAX_REACH_TOKENS


def pattern_text(pattern: Iterable[dict]) -> str:
    """A readable rendering of a token pattern, for evidence lists."""
    return " ".join(str(next(iter(token.values()), "?")) for token in pattern)
