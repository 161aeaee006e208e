"""Keyword and veto phrases matched over a document's token arrays (issue 17).

:class:`KeywordMatcher` replaces spaCy's ``Matcher`` and ``PhraseMatcher`` for the
codebook's keywords: the phrases share a tree of their elements, and matching starts only
at tokens that can begin one, so its cost grows with the tokens, not tokens × keywords.
:mod:`gioia.assist.matching` builds the phrases (:func:`exact_phrase`,
:func:`gapped_phrase`) and weighs what they find.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import numpy as np
from spacy.attrs import IS_STOP, LEMMA, LOWER, ORTH
from spacy.errors import Errors
from spacy.tokens import Doc

__all__ = ["MAX_GAP_WORDS", "KeywordMatcher", "exact_phrase", "gapped_phrase"]

# Stop words a multi-word keyword may have between its words ("share [the] workload").
MAX_GAP_WORDS = 2

# The attributes a keyword element reads, as columns of KeywordMatcher's token array.
_KEYWORD_ATTRS = (LEMMA, LOWER, ORTH, IS_STOP)
_STOP_COLUMN = _KEYWORD_ATTRS.index(IS_STOP)
# One element of a keyword phrase: the token attribute it tests (a column of
# _KEYWORD_ATTRS), the value it wants (a string hash; 1 for IS_STOP) and whether it may
# be left out.
_Element = tuple[int, int, bool]


def exact_phrase(phrase: Doc, attr: int) -> tuple[_Element, ...]:
    """A phrase matched token by token on ``attr`` (LEMMA or LOWER), as spaCy's
    ``PhraseMatcher`` matches it: single words, plurals as written, veto phrases."""
    if attr == LEMMA and not phrase.has_annotation("LEMMA"):
        # as spaCy's PhraseMatcher refuses such a phrase
        raise ValueError(Errors.E155.format(pipe="lemmatizer", attr="LEMMA"))
    column = _KEYWORD_ATTRS.index(attr)
    return tuple((column, int(value), False) for value in phrase.to_array(attr).tolist())


def gapped_phrase(phrase: Doc) -> tuple[_Element, ...]:
    """A multi-word keyword's elements: its lemmas, each after the first with up to
    MAX_GAP_WORDS optional stop words before it, and a hyphen that may come or go, with no
    gap next to it ("two-way plot": two, -?, way, stop?, stop?, plot)."""
    lemma, orth = _KEYWORD_ATTRS.index(LEMMA), _KEYWORD_ATTRS.index(ORTH)
    hyphen = phrase.vocab.strings.add("-")
    elements: list[_Element] = []
    for i, token in enumerate(phrase):
        if token.text == "-":
            elements.append((orth, hyphen, True))
            continue
        if i and phrase[i - 1].text != "-":
            elements += [(_STOP_COLUMN, 1, True)] * MAX_GAP_WORDS
        elements.append((lemma, token.lemma, False))
    return tuple(elements)


class KeywordMatcher:
    """Keyword and veto phrases matched over a document's token arrays (lemma, lower
    case, text and stop-word flag, one ``Doc.to_array``), without spaCy's ``Matcher``
    (issue 17: it built ``Token`` objects for every token and ran every pattern over
    every token, so its cost grew with tokens × keywords).

    Each phrase is a sequence of elements (:data:`_Element`), some optional; the phrases
    share a tree of their elements (:class:`_Node`: phrases that begin alike, such as
    "share workload" and "share experience", share their first nodes). Matching runs
    from each token that can begin a phrase (found with ``numpy.isin`` over the arrays)
    and carries the set of nodes reached, token by token, each step a dictionary lookup
    of the token's values: the work grows with the tokens and the partial matches, not
    with the number of keywords. Every match of a phrase is found, as spaCy's matchers
    find them (``PhraseMatcher`` for exact phrases, ``Matcher`` for the gapped pattern of
    a multi-word keyword), and of the matches of one phrase starting at one token the
    longest is returned, which is all ``ConceptMatcher`` keeps."""

    def __init__(self) -> None:
        self._root = _Node()
        self._count = 0
        self._longest = 0  # elements of the longest phrase: no match takes more tokens
        self._gapped = False  # whether a phrase reads lemmas as spaCy's Matcher would
        self._index: _KeywordIndex | None = None  # built when first matching

    def add(self, key: str, elements: tuple[_Element, ...], *, gapped: bool = False) -> None:
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

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(key, start, end) of the longest match of each phrase at each token where one
        starts, in document order."""
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
        begins = np.zeros(len(doc), bool)
        for column, values in index.firsts:
            begins |= np.isin(table[:, column], values)
        found = []
        for start in np.flatnonzero(begins).tolist():
            ends: dict[str, int] = {}
            reached = index.begin
            rows = _rows(table, start, start + self._longest)
            for end, row in enumerate(rows, start + 1):
                following: dict[_Node, None] = {}
                for node in reached:
                    for column, children in node.steps:
                        for child in children.get(row[column], ()):
                            following.update(child.reach)
                if not following:
                    break
                reached = following
                for node in reached:
                    for key in node.keys:
                        ends[key] = end  # later is longer
            found.extend((key, start, end) for key, end in ends.items())
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
    nodes a token leads to, by column and value, and those reached by leaving out an
    optional element; ``steps`` and ``reach`` are what matching reads of them (see
    :class:`_KeywordIndex`)."""

    __slots__ = ("children", "keys", "next", "reach", "skips", "steps")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.children: dict[_Element, _Node] = {}
        self.next: dict[int, dict[int, list[_Node]]] = {}
        self.skips: list[_Node] = []
        # set by _KeywordIndex: (column of the token array, value → nodes) for each
        # attribute a token is tested on here, and this node with those reached from it
        # by leaving out optional elements
        self.steps: tuple[tuple[int, dict[int, list[_Node]]], ...] = ()
        self.reach: dict[_Node, None] = {}

    def child(self, element: _Element) -> _Node:
        node = self.children.get(element)
        if node is None:
            node = self.children[element] = _Node()
            column, value, optional = element
            self.next.setdefault(column, {}).setdefault(value, []).append(node)
            if optional:
                self.skips.append(node)
        return node


class _KeywordIndex:
    """What KeywordMatcher reads while matching, worked out once from its tree: the
    attributes to take from a document (only those a phrase tests), each node's steps
    by column of that array, the nodes a match begins at and, by column, the values a
    token must have for a phrase to begin at it."""

    def __init__(self, root: _Node):
        nodes = [root]
        for node in nodes:
            nodes.extend(node.children.values())
        used = sorted({column for node in nodes for column in node.next})
        self.attrs = [_KEYWORD_ATTRS[column] for column in used]
        where = {column: position for position, column in enumerate(used)}
        for node in nodes:
            node.steps = tuple((where[c], values) for c, values in node.next.items())
            node.reach = dict.fromkeys(_closure([node]))
        self.begin = root.reach
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
