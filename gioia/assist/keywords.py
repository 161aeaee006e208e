"""Keyword, veto and simple pattern phrases matched over a document's token arrays
(issue 17).

:class:`KeywordMatcher` replaces spaCy's ``Matcher`` and ``PhraseMatcher`` for the
codebook's keywords and for the token patterns made of words (:func:`pattern_phrase`):
the phrases share a tree of their elements, and matching starts only at tokens that can
begin one, so its cost grows with the tokens, not tokens × phrases.
:mod:`gioia.assist.matching` builds the phrases (:func:`exact_phrase`,
:func:`gapped_phrase`, :func:`pattern_phrase`) and weighs what they find; it runs spaCy's
``Matcher`` only for the patterns this module cannot express.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from spacy.attrs import IS_STOP, LEMMA, LOWER, ORTH
from spacy.errors import Errors
from spacy.strings import StringStore
from spacy.tokens import Doc

from gioia.patterns import op_repeats

__all__ = ["MAX_GAP_WORDS", "KeywordMatcher", "exact_phrase", "gapped_phrase", "pattern_phrase"]

# Stop words a multi-word keyword may have between its words ("share [the] workload").
MAX_GAP_WORDS = 2

# The attributes a keyword element reads, as columns of KeywordMatcher's token array.
_KEYWORD_ATTRS = (LEMMA, LOWER, ORTH, IS_STOP)
_STOP_COLUMN = _KEYWORD_ATTRS.index(IS_STOP)
# An element that any token matches (a pattern's ``{}``), in place of a column.
ANY = -1
# One element of a phrase: the token attribute it tests (a column of _KEYWORD_ATTRS, or
# ANY), the values it takes (string hashes, any one of them; 1 for IS_STOP) and how often
# it comes: "" once, "?" once or not at all, "*" any number of times (in a matcher with
# a reach only, see KeywordMatcher).
_Element = tuple[int, tuple[int, ...], str]
# The attributes a codebook pattern's token may test for it to run here; spaCy reads TEXT
# as ORTH.
_PATTERN_COLUMNS = {
    "LEMMA": _KEYWORD_ATTRS.index(LEMMA),
    "LOWER": _KEYWORD_ATTRS.index(LOWER),
    "ORTH": _KEYWORD_ATTRS.index(ORTH),
    "TEXT": _KEYWORD_ATTRS.index(ORTH),
}


def exact_phrase(phrase: Doc, attr: int) -> tuple[_Element, ...]:
    """A phrase matched token by token on ``attr`` (LEMMA or LOWER), as spaCy's
    ``PhraseMatcher`` matches it: single words, plurals as written, veto phrases."""
    if attr == LEMMA and not phrase.has_annotation("LEMMA"):
        # as spaCy's PhraseMatcher refuses such a phrase
        raise ValueError(Errors.E155.format(pipe="lemmatizer", attr="LEMMA"))
    column = _KEYWORD_ATTRS.index(attr)
    return tuple((column, (int(value),), "") for value in phrase.to_array(attr).tolist())


def gapped_phrase(phrase: Doc) -> tuple[_Element, ...]:
    """A multi-word keyword's elements: its lemmas, each after the first with up to
    MAX_GAP_WORDS optional stop words before it, and a hyphen that may come or go, with no
    gap next to it ("two-way plot": two, -?, way, stop?, stop?, plot)."""
    lemma, orth = _KEYWORD_ATTRS.index(LEMMA), _KEYWORD_ATTRS.index(ORTH)
    hyphen = phrase.vocab.strings.add("-")
    elements: list[_Element] = []
    for i, token in enumerate(phrase):
        if token.text == "-":
            elements.append((orth, (hyphen,), "?"))
            continue
        if i and phrase[i - 1].text != "-":
            elements += [(_STOP_COLUMN, (1,), "?")] * MAX_GAP_WORDS
        elements.append((lemma, (token.lemma,), ""))
    return tuple(elements)


def pattern_phrase(pattern: Sequence[Any], strings: StringStore) -> tuple[_Element, ...] | None:
    """A codebook token pattern as KeywordMatcher's elements, or None when only spaCy's
    ``Matcher`` can run it. A pattern runs here when each token spec tests at most one of
    LEMMA, LOWER, ORTH or TEXT, against a word or a list of words (``IN``), with any
    operator but ``!``; a repeat without a bound (``*``, ``+``, ``{n,}``) only of a token
    spec that tests nothing (``{}``, any token) and never at the pattern's ends. These
    are the patterns a codebook is made of ("have [a] lunch", "cover for [...] locum");
    the rest (REGEX, FUZZY, other predicates and attributes, extensions) go to spaCy."""
    elements: list[_Element] = []
    for spec in pattern:
        if not isinstance(spec, dict) or not all(isinstance(key, str) for key in spec):
            return None
        tests = {key.upper(): value for key, value in spec.items() if key.upper() != "OP"}
        operators = [value for key, value in spec.items() if key.upper() == "OP"]
        repeats = op_repeats(operators[0]) if operators else (1, 1)
        if len(tests) > 1 or len(operators) > 1 or repeats is None or repeats == (0, 0):
            return None
        if tests:
            ((name, value),) = tests.items()
            words = _words(value)
            if name not in _PATTERN_COLUMNS or words is None:
                return None
            column = _PATTERN_COLUMNS[name]
            values = tuple(dict.fromkeys(strings.add(word) for word in words))
        else:
            column, values = ANY, ()
        least, most = repeats
        if most is None and column != ANY:
            return None
        elements += [(column, values, "")] * least
        elements += (
            [(column, values, "*")] if most is None else [(column, values, "?")] * (most - least)
        )
    if not elements or elements[0][2] == "*" or elements[-1][2] == "*":
        return None
    return tuple(elements)


def _words(value: Any) -> list[str] | None:
    """The words a token spec's value takes: a word, or the list under ``IN``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and len(value) == 1:
        ((predicate, words),) = value.items()
        listed = isinstance(words, list) and all(isinstance(word, str) for word in words)
        if str(predicate).upper() == "IN" and listed:
            return words
    return None


class KeywordMatcher:
    """Keyword, veto and pattern phrases matched over a document's token arrays (lemma,
    lower case, text and stop-word flag, one ``Doc.to_array``), without spaCy's
    ``Matcher`` (issue 17: it built ``Token`` objects for every token and ran every
    pattern over every token, so its cost grew with tokens × phrases).

    Each phrase is a sequence of elements (:data:`_Element`), some optional; the phrases
    share a tree of their elements (:class:`_Node`: phrases that begin alike, such as
    "share workload" and "share experience", share their first nodes). Matching runs
    from each token that can begin a phrase (found with ``numpy.isin`` over the arrays)
    and carries the set of nodes reached, token by token, each step a dictionary lookup
    of the token's values: the work grows with the tokens and the partial matches, not
    with the number of phrases. Every match of a phrase is found, as spaCy's matchers
    find them (``PhraseMatcher`` for exact phrases, ``Matcher`` for the gapped pattern of
    a multi-word keyword and for token patterns), and of the matches of one phrase
    starting at one token the longest is returned, which is all ``ConceptMatcher`` keeps.

    With a ``reach``, the matcher takes phrases with an unbounded repeat (``*``), and
    every match lies inside one sentence and spans at most ``reach`` tokens, as
    ``ConceptMatcher`` bounds such patterns; without one, a match may cross sentences and
    spans at most as many tokens as its phrase has elements."""

    def __init__(self, reach: int | None = None) -> None:
        self._root = _Node()
        self._count = 0
        self._reach = reach
        self._longest = 0  # elements of the longest phrase: no match takes more tokens
        self._gapped = False  # whether a phrase reads lemmas as spaCy's Matcher would
        self._index: _KeywordIndex | None = None  # built when first matching

    def add(self, key: str, elements: tuple[_Element, ...], *, gapped: bool = False) -> None:
        if self._reach is None and any(op == "*" for _, _, op in elements):
            raise ValueError("a phrase with an unbounded repeat needs a matcher with a reach")
        node = self._root
        for element in elements:
            node = node.child(element)
        if key not in node.keys:
            node.keys.append(key)
        self._count += 1
        self._longest = max(self._longest, len(elements))
        self._gapped = self._gapped or gapped
        self._index = None

    def __len__(self) -> int:
        return self._count

    def __call__(self, doc: Doc, sentence_starts: Sequence[int] = ()) -> list[tuple[str, int, int]]:
        """(key, start, end) of the longest match of each phrase at each token where one
        starts, in document order. ``sentence_starts`` (the first token of each
        sentence) bounds the matches of a matcher with a reach."""
        if not self._count:
            return []
        if self._gapped and not doc.has_annotation("LEMMA"):
            # as spaCy's Matcher refuses a LEMMA pattern on such a document
            raise ValueError(Errors.E155.format(pipe="lemmatizer", attr="LEMMA"))
        if not len(doc):
            return []
        if self._index is None:
            self._index = _KeywordIndex(self._root)
        index = self._index
        # (2-D whatever the document's length and the number of attributes)
        table = doc.to_array(index.attrs).reshape(len(doc), len(index.attrs))
        if index.any_begins:
            begins = np.ones(len(doc), bool)
        else:
            begins = np.zeros(len(doc), bool)
            for column, values in index.firsts:
                begins |= np.isin(table[:, column], values)
        starts = np.flatnonzero(begins)
        if self._reach is None:
            stops = np.minimum(starts + self._longest, len(doc))
        else:
            # the next sentence's first token, or the document's end
            firsts = np.asarray(sentence_starts, np.int64)
            ends = np.append(firsts, len(doc))[np.searchsorted(firsts, starts, "right")]
            stops = np.minimum(starts + self._reach, ends)
        found = []
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            ends_by_key: dict[str, int] = {}
            reached = index.begin
            for end, row in enumerate(_rows(table, start, stop), start + 1):
                following: dict[_Node, None] = {}
                for node in reached:
                    for column, children in node.steps:
                        for child in children.get(row[column], ()):
                            following.update(child.reach)
                    for child in node.any_next:
                        following.update(child.reach)
                    if node.loop is not None:
                        column, values = node.loop
                        if column == ANY or row[column] in values:
                            following.update(node.reach)
                if not following:
                    break
                reached = following
                for node in reached:
                    for key in node.keys:
                        ends_by_key[key] = end  # later is longer
            found.extend((key, start, end) for key, end in ends_by_key.items())
        return found


def _rows(table: np.ndarray, start: int, stop: int) -> Iterator[list[int]]:
    """Rows ``start`` to ``stop`` of ``table`` as lists of Python ints, read a few at a
    time, then more: a match rarely gets past a phrase's first token, and no keyword's
    length should make every token read the rest of the document."""
    size = 4
    while start < stop:
        yield from table[start : min(start + size, stop)].tolist()
        start += size
        size *= 2


class _Node:
    """A node of KeywordMatcher's tree: the phrases that end here (their keys), the
    nodes a token leads to, by column and value or whatever its values, those reached by
    leaving out an optional or repeated element, and, for the node of a repeated
    element, the test a token passes to stay here; ``steps``, ``loop`` and ``reach`` are
    what matching reads (see :class:`_KeywordIndex`)."""

    __slots__ = ("any_next", "children", "keys", "loop", "next", "reach", "skips", "steps")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.children: dict[_Element, _Node] = {}
        self.next: dict[int, dict[int, list[_Node]]] = {}
        self.any_next: list[_Node] = []
        self.skips: list[_Node] = []
        # (column, values) a token must have to repeat this node's element; ANY: any
        self.loop: tuple[int, frozenset[int]] | None = None
        # set by _KeywordIndex: (column of the token array, value → nodes) for each
        # attribute a token is tested on here, and this node with those reached from it
        # by leaving out optional elements
        self.steps: tuple[tuple[int, dict[int, list[_Node]]], ...] = ()
        self.reach: dict[_Node, None] = {}

    def child(self, element: _Element) -> _Node:
        node = self.children.get(element)
        if node is None:
            node = self.children[element] = _Node()
            column, values, op = element
            if op == "*":
                # reached without a token (none repeated), and stays on each that passes
                node.loop = (column, frozenset(values))
                self.skips.append(node)
                return node
            if column == ANY:
                self.any_next.append(node)
            for value in values:
                self.next.setdefault(column, {}).setdefault(value, []).append(node)
            if op == "?":
                self.skips.append(node)
        return node


class _KeywordIndex:
    """What KeywordMatcher reads while matching, worked out once from its tree: the
    attributes to take from a document (only those a phrase tests), each node's steps
    and loop by column of that array, the nodes a match begins at and, by column, the
    values a token must have for a phrase to begin at it (or that any token may)."""

    def __init__(self, root: _Node):
        nodes = [root]
        for node in nodes:
            nodes.extend(node.children.values())
        used = {column for node in nodes for column in node.next}
        used |= {node.loop[0] for node in nodes if node.loop and node.loop[0] != ANY}
        columns = sorted(used) or [_KEYWORD_ATTRS.index(ORTH)]  # to_array needs one
        self.attrs = [_KEYWORD_ATTRS[column] for column in columns]
        where = {column: position for position, column in enumerate(columns)}
        for node in nodes:
            node.steps = tuple((where[c], values) for c, values in node.next.items())
            if node.loop is not None and node.loop[0] != ANY:
                node.loop = (where[node.loop[0]], node.loop[1])
            node.reach = dict.fromkeys(_closure([node]))
        self.begin = root.reach
        # a phrase that may begin with any token (``{}``, or a repeat left out first)
        self.any_begins = any(node.any_next or node.loop for node in self.begin)
        firsts: dict[int, list[int]] = defaultdict(list)
        for node in self.begin:
            for column, values in node.steps:
                firsts[column].extend(values)
        self.firsts = [(column, np.array(v, np.uint64)) for column, v in firsts.items()]


def _closure(nodes: Iterable[_Node]) -> list[_Node]:
    """``nodes`` and every node reached from them by leaving out optional elements, each
    once, in a stable order."""
    out: list[_Node] = []
    seen: set[int] = set()
    stack = list(nodes)
    stack.reverse()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        out.append(node)
        stack.extend(reversed(node.skips))
    return out
