"""Words, content lemmas and how common they are in the corpus.

Everything here is computed from the study's own transcripts: no model, no download.

Words and lemmas. A *word* is a token with a letter in it, other than one letter repeated
(an anonymisation mask such as "XXXX"); its lemma is the pipeline's lower-cased lemma. A
*content lemma* is the lemma of a word that is not a stop word (neither as written nor as
lemma), a number word or a filler of speech ("yeah", "kind of", ``SPOKEN_FILLERS``) and
has at least two characters: "Sharing the workload" gives ``share``, ``workload``.

Corpus statistics (:class:`CorpusStats`), over the N segments of the corpus (the units
that are coded), with df(l) the number of segments in which lemma l occurs:

- ``specificity(l) = clamp(ln(N / df(l)) / ln(20), 0.2, 1)``: 1 for a lemma in at most one
  segment in 20, less the more segments use it, never below 0.2 (a keyword the researcher
  chose still says something). Below 20 segments every lemma counts as specific, because
  shares of so few segments cannot tell a common word from a specific one.

:class:`ContentLemmas` reads the content lemmas of spans of a parsed document from its
token arrays, for the learned ranker's lexical features (:mod:`gioia.assist.features`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

from gioia.doccache import TokenTable
from gioia.models import Segment

__all__ = [
    "SPOKEN_FILLERS",
    "Bag",
    "ContentLemmas",
    "CorpusStats",
    "content_tokens",
    "is_word",
    "lemma_frequency",
    "segment_span",
]

# A lemma in at most one segment in this many counts as fully specific.
FULLY_SPECIFIC_ONE_IN = 20
MIN_SPECIFICITY = 0.2


# Words of transcribed speech that say nothing about the topic (back-channels, fillers,
# hedges, discourse markers), by lemma: in an interview they are in every other turn, and
# two turns sharing "yeah" and "think" are not alike.
SPOKEN_FILLERS = frozenset({
    "yes", "yeah", "yep", "no", "nope", "okay", "ok", "oh", "ah", "um", "uh", "hmm", "mm",
    "mhm", "er", "erm", "like", "know", "mean", "think", "guess", "kind", "sort", "thing",
    "stuff", "really", "right", "exactly", "definitely", "probably", "maybe", "actually",
    "basically", "literally", "pretty", "lot", "bit", "little", "just", "sure", "well",
    "want", "gonna",
})  # fmt: skip


def is_word(token: Token) -> bool:
    """A token with a letter in it (not punctuation, a number in digits or a space) that
    is not one letter over and over: an anonymisation mask ("XXXX") or a sound ("mmm")."""
    return _is_word_text(token.text)


def _is_word_text(text: str) -> bool:
    has_letter = any(ch.isalpha() for ch in text)
    return has_letter and (len(text) < 2 or text.count(text[0]) < len(text))


def content_tokens(tokens: Iterable[Token]) -> list[Token]:
    """The tokens whose lemmas carry content: words, not stop words, numbers ("eighteen")
    nor fillers of speech, two letters or more."""
    return [
        t for t in tokens if is_word(t) and not t.is_stop and not t.like_num and _has_content(t)
    ]


def _has_content(token: Token) -> bool:
    return _is_content_lemma(token.lemma_.lower(), token.vocab)


def _is_content_lemma(lemma: str, vocab: Vocab) -> bool:
    return len(lemma) > 1 and lemma not in SPOKEN_FILLERS and not vocab[lemma].is_stop


def segment_span(doc: Doc, start: int, end: int) -> Span:
    """The tokens of ``doc`` covering characters [start, end)."""
    return doc.char_span(start, end, alignment_mode="expand")


@dataclass(frozen=True, slots=True)
class Bag:
    """The content lemmas of a span of text, in text order: each as its number in a
    vocabulary (see :class:`ContentLemmas`), with the characters it was read from."""

    ids: numpy.ndarray  # int64
    starts: numpy.ndarray  # int64, character offsets in the normalised text
    ends: numpy.ndarray  # int64

    @classmethod
    def empty(cls) -> Bag:
        nothing = numpy.zeros(0, numpy.int64)
        return cls(nothing, nothing, nothing)

    def __len__(self) -> int:
        return len(self.ids)


class ContentLemmas:
    """The content lemmas of character spans of parsed documents, read from their token
    arrays (:class:`gioia.doccache.TokenTable`): the lemmas :func:`content_tokens` keeps,
    without a ``Token`` object per token. Each distinct lemma gets a number, the same in
    every document (``vocabulary`` maps lemma to number); which strings are content is
    worked out once per distinct word and lemma."""

    def __init__(self, vocab: Vocab):
        self._vocab = vocab
        self.vocabulary: dict[str, int] = {}
        self._number: dict[tuple[int, int], int] = {}  # (word hash, lemma hash) → number, -1

    def of_spans(self, table: TokenTable, spans: Sequence[tuple[int, int]]) -> list[Bag]:
        """For each (start, end) span, the content lemmas of the tokens starting in it."""
        if not len(table.starts):
            return [Bag.empty() for _ in spans]
        pairs = numpy.stack([table.words, table.lemmas], axis=1)
        distinct, position = numpy.unique(pairs, axis=0, return_inverse=True)
        position = position.reshape(-1)
        number = numpy.array([self._lemma(table, w, m) for w, m in distinct.tolist()], numpy.int64)
        length = numpy.array([len(table.strings[w]) for w in distinct[:, 0].tolist()], numpy.int64)
        ids, ends = number[position], table.starts + length[position]
        bounds = numpy.array(spans, numpy.int64).reshape(-1, 2)
        firsts = numpy.searchsorted(table.starts, bounds[:, 0], side="left").tolist()
        lasts = numpy.searchsorted(table.starts, bounds[:, 1], side="left").tolist()
        bags = []
        for first, last in zip(firsts, lasts, strict=True):
            keep = first + numpy.flatnonzero(ids[first:last] >= 0)
            bags.append(Bag(ids[keep], table.starts[keep], ends[keep]))
        return bags

    def of_text(self, nlp: Language, text: str) -> Bag:
        """The content lemmas of a text that is not a transcript (a concept's label or
        definition), parsed with ``nlp``."""
        if not text.strip():
            return Bag.empty()
        return self.of_spans(TokenTable.of_doc(nlp(text)), [(0, len(text))])[0]

    def _lemma(self, table: TokenTable, word: int, lemma: int) -> int:
        key = (word, lemma)
        if key not in self._number:
            text = table.strings[word]
            lexeme = self._vocab[text]
            shown = table.strings[lemma].lower()
            keep = (
                _is_word_text(text)
                and not lexeme.is_stop
                and not lexeme.like_num
                and _is_content_lemma(shown, self._vocab)
            )
            number = self.vocabulary.setdefault(shown, len(self.vocabulary)) if keep else -1
            self._number[key] = number
        return self._number[key]


@dataclass(frozen=True)
class CorpusStats:
    """How many segments there are, and in how many each word lemma occurs."""

    segments: int
    document_frequency: Mapping[str, int]

    @classmethod
    def of_segments(
        cls, tables: Mapping[str, TokenTable], segments: Mapping[str, Sequence[Segment]]
    ) -> CorpusStats:
        frequency: Counter[str] = Counter()
        for transcript, transcript_segments in segments.items():
            frequency.update(lemma_frequency(tables[transcript], transcript_segments))
        return cls(sum(len(s) for s in segments.values()), dict(frequency))

    def specificity(self, lemma: str) -> float:
        if self.segments < FULLY_SPECIFIC_ONE_IN:
            return 1.0
        share = max(self.document_frequency.get(lemma, 0), 1) / self.segments
        raw = math.log(1 / share) / math.log(FULLY_SPECIFIC_ONE_IN)
        return min(1.0, max(MIN_SPECIFICITY, raw))


def lemma_frequency(table: TokenTable, segments: Sequence[Segment]) -> Counter[str]:
    """In how many of ``segments`` (of the document ``table`` comes from) each word lemma
    occurs: one document's share of :class:`CorpusStats`."""
    # Token arrays, not Doc and Token objects: this runs over the whole corpus on every
    # `gioia suggest`, and building either dominated its time. Each word lemma gets a
    # number; a segment contributes the distinct numbers of its tokens.
    if not segments:
        return Counter()
    numbers: dict[str, int] = {}
    lemma_number = _lemma_numbers(table, numbers)
    bounds = numpy.array([(s.start, s.end) for s in segments], numpy.int64)
    firsts = numpy.maximum(numpy.searchsorted(table.starts, bounds[:, 0], side="right") - 1, 0)
    lasts = numpy.searchsorted(table.starts, bounds[:, 1], side="left")
    # Every (segment, lemma number) pair once, in one numpy.unique over all segments
    # (one per segment was a tenth of a cold run's matching time, issue 17): the tokens
    # of each segment's range, each tagged with its segment.
    lengths = numpy.maximum(lasts - firsts, 0)
    segment_of = numpy.repeat(numpy.arange(len(segments), dtype=numpy.int64), lengths)
    token = numpy.arange(int(lengths.sum()), dtype=numpy.int64) + numpy.repeat(
        firsts - (numpy.cumsum(lengths) - lengths), lengths
    )
    width = len(numbers) + 1  # lemma numbers from -1 (not a word), shifted to start at 0
    pairs = numpy.unique(segment_of * width + lemma_number[token] + 1)
    counts = numpy.bincount(pairs % width, minlength=width)[1:]
    return Counter({lemma: int(counts[n]) for lemma, n in numbers.items() if counts[n]})


# Worked out once per string, by its hash (a hash names the same string in every
# vocabulary): whether a word is a word, and a lemma lower-cased. A corpus's documents
# share most of their words, and reading each document's strings again was most of what
# counting its lemmas cost (issue 17).
_IS_WORD: dict[int, bool] = {}
_LOWERED: dict[int, str] = {}


def _lemma_numbers(table: TokenTable, numbers: dict[str, int]) -> numpy.ndarray:
    """For each token of ``table``, the number of its lower-cased lemma in ``numbers``
    (numbering new lemmas as they come), or -1 when the token is not a word."""
    words, word_position = numpy.unique(table.words, return_inverse=True)
    lemmas, lemma_position = numpy.unique(table.lemmas, return_inverse=True)
    strings = table.strings
    is_word = numpy.array(
        [
            _IS_WORD[w] if w in _IS_WORD else _IS_WORD.setdefault(w, _is_word_text(strings[w]))
            for w in words.tolist()
        ],
        bool,
    )
    lowered = [
        _LOWERED[h] if h in _LOWERED else _LOWERED.setdefault(h, strings[h].lower())
        for h in lemmas.tolist()
    ]
    number = numpy.array(
        [numbers.setdefault(lemma, len(numbers)) for lemma in lowered], numpy.int64
    )
    return numpy.where(is_word[word_position], number[lemma_position], -1)
