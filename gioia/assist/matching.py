"""Matching the codebook: which segments may express which first-order concept, and why.

Methods in this module (DESIGN §6), all local and deterministic, and the suggestions
before any coder has decided (the learned ranker, :mod:`gioia.assist.ranker`, takes
these matches as some of its evidence):

- ``keyword``: the concept's keywords matched on lemmas, case-insensitively: single words
  and veto phrases as spaCy's ``PhraseMatcher`` on ``LEMMA`` matches them ("ranting"
  matches "rant"); multi-word keywords as a pattern of the same lemmas that lets up to two
  stop words stand between them and a hyphen come or go, because informants rarely say a
  phrase exactly as the codebook does ("sharing the workload" matches "share workload",
  "two way plots" matches "two-way plot"); a single word also matches its regular plural
  as written, for jargon the lemma tables do not know ("PDPs" matches "PDP"). All of them
  are matched over the document's token arrays (:mod:`gioia.assist.keywords`), in time
  that grows with the transcript, not with the number of keywords (issue 17);
- ``pattern``: the concept's spaCy ``Matcher`` token patterns, within the limits
  :mod:`gioia.patterns` checks (issue 16: work bounded in the input's size). A pattern
  with an unbounded repeat (OP ``*``, ``+``, ``{n,}``) matches within one sentence and
  over at most ``MAX_REACH_TOKENS`` tokens: it runs over overlapping windows of each
  sentence, so its work grows with the transcript's length, not with its square. A
  ``REGEX`` runs on the ``regex`` engine with a time limit per token
  (``REGEX_TIMEOUT_SECONDS``; going over it is an error naming the pattern), on tokens
  of at most ``MAX_REGEX_TOKEN_CHARS`` characters, each distinct token once (spaCy's own
  REGEX runs Python's ``re``, which cannot be stopped);
- ``similarity``: only when the pipeline has word vectors: the cosine between the mean
  vector of a segment's content words and that of the concept's label, definition and
  examples; the ``VECTOR_TOP_K`` most similar segments scoring at least
  ``VECTOR_MIN_SCORE`` per concept, with the segment's words closest to the concept as
  evidence.

A ``veto`` phrase in the same sentence cancels a concept's matches there.

Negation and hedging. A cue ("never", "not", "n't", "no one", "nobody", "hardly", ...; or
a hedge: "maybe", "I guess", "sort of", "I suppose", ...) in the same sentence, ending at
most ``CUE_REACH`` tokens before the evidence with no punctuation or "but" between,
scopes over it: "I never felt I could ask". The evidence is kept, shown with its cue
(``negation: never``), and counts less. A cue inside the keyword itself ("not coping")
is part of the term, not a cue.

Score of a keyword or pattern suggestion, in [0, 1]. Each piece of evidence weighs

    w = base * specificity * cue factor

with base 0.5 for a single word, 0.7 for a multi-word phrase (more specific, so it says
more) and 0.6 for a token pattern; specificity that of the most specific lemma of the
matched words across the corpus' segments
(:meth:`gioia.assist.lexicon.CorpusStats.specificity`: 1 for a word in at most one segment
in 20, down to 0.2 for one in every segment; 1 when no corpus statistics are given); and
cue factor 0.4 under a negation, 0.7 under a hedge, 1 otherwise. Each distinct term counts
once, with its strongest occurrence (saying "rant" five times is one piece of evidence),
and the terms combine as a noisy-or:

    score = 1 - prod(1 - w_term)

so more distinct terms, phrases and specific words raise the score without reaching 1,
and ordering by score puts the best-supported suggestions first. The machine only
suggests; nothing here touches a journal.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import regex
from spacy.attrs import LEMMA, LOWER, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from gioia.assist.keywords import KeywordMatcher, exact_phrase, gapped_phrase, pattern_phrase
from gioia.assist.lexicon import CorpusStats, content_tokens, is_word, segment_span
from gioia.errors import ConfigError, GioiaError, Location, Problem
from gioia.models import Codebook, Evidence, Hit, Segment, Suggestion
from gioia.patterns import (
    MAX_PATTERNS,
    MAX_REACH_TOKENS,
    MAX_UNBOUNDED_PATTERNS,
    has_unbounded_repeat,
    pattern_refusals,
)
from gioia.yamlsource import YamlDocument, YamlPath, load_yaml

__all__ = [
    "MAX_REGEX_TOKEN_CHARS",
    "REGEX_TIMEOUT_SECONDS",
    "VECTOR_MIN_SCORE",
    "VECTOR_TOP_K",
    "ConceptMatcher",
    "Hit",
    "find_hits",
    "has_vectors",
    "suggest_by_vectors",
    "suggest_for_transcript",
    "weigh_hits",
]

SINGLE_WORD_WEIGHT = 0.5
PHRASE_WEIGHT = 0.7
PATTERN_WEIGHT = 0.6
NEGATED_FACTOR = 0.4
HEDGED_FACTOR = 0.7
# Tokens that may stand between a cue and the evidence it scopes over ("never [felt I
# could] ask"); further away, the cue is usually about something else.
CUE_REACH = 4
NEGATION_CUES = (
    "not", "n't", "n’t", "never", "no", "no one", "nobody", "nothing", "none", "nowhere",
    "neither", "nor", "without", "hardly", "barely", "scarcely", "rarely", "seldom",
)  # fmt: skip
HEDGE_CUES = (
    "maybe", "perhaps", "probably", "possibly", "i guess", "i suppose", "sort of",
    "kind of", "might",
)  # fmt: skip
# Words that end a cue's scope, as punctuation does: "I don't know, but we rant".
SCOPE_BREAKERS = frozenset({"but", "although", "though", "however", "whereas"})
# Not calibrated on data: no pipeline with vectors is installed where gioia is benchmarked.
# Averaged word vectors of any two sentences are often 0.5 apart or closer, so only close
# matches are suggested.
VECTOR_MIN_SCORE = 0.75
VECTOR_TOP_K = 10
VECTOR_EVIDENCE_WORDS = 3
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
_ANNOTATED = ("POS", "TAG", "MORPH", "DEP", "LEMMA")
_TOKEN_TEXT = {
    "ORTH": "text", "TEXT": "text", "NORM": "norm_", "LOWER": "lower_", "LEMMA": "lemma_",
    "SHAPE": "shape_", "POS": "pos_", "TAG": "tag_", "DEP": "dep_", "MORPH": "morph",
    "ENT_TYPE": "ent_type_", "ENT_ID": "ent_id_", "ENT_KB_ID": "ent_kb_id_",
}  # fmt: skip


@dataclass(frozen=True)
class _Rule:
    concept: str
    term: str  # the keyword or pattern as the codebook states it
    method: str  # "keyword" | "pattern" | "veto"
    weight: float


@dataclass(frozen=True)
class _Match:
    rule: _Rule
    span: Span
    sentence: int  # the first token of the sentence the span starts in
    cue: str | None  # e.g. "negation: never"
    cue_factor: float


class ConceptMatcher:
    """Keyword, pattern, veto and cue matchers for every concept of a codebook, built once."""

    def __init__(self, nlp: Language, codebook: Codebook, codebook_file: str = "codebook.yaml"):
        self._strings = nlp.vocab.strings
        # Keywords, vetoes and the codebook's patterns made of words run on gioia's own
        # matcher (pattern_phrase); the other patterns on spaCy's. Patterns whose matches
        # have a bounded length run over the whole document; patterns with an unbounded
        # repeat, within a sentence and MAX_REACH_TOKENS (spaCy's: over windows).
        self._keywords = KeywordMatcher()
        self._reaching_phrases = KeywordMatcher(reach=MAX_REACH_TOKENS)
        self._patterns = Matcher(nlp.vocab)
        self._reaching = Matcher(nlp.vocab)
        self._cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        for kind, cues in (("negation", NEGATION_CUES), ("hedge", HEDGE_CUES)):
            self._cues.add(kind, list(nlp.tokenizer.pipe(cues)))
        self._rules: dict[str, _Rule] = {}
        self._places = _PatternPlaces(codebook, codebook_file)
        # Where each REGEX extension and the first use of each attribute that needs a
        # pipeline component are: (concept, pattern index, path inside the pattern).
        self._regex_places: dict[str, tuple[str, int, YamlPath, bool]] = {}
        self._annotated: dict[str, tuple[str, int, YamlPath]] = {}
        problems: list[Problem] = []
        count = 0
        for concept in codebook.concepts:
            self._add_phrases(nlp, concept.id, concept.keywords, "keyword")
            self._add_phrases(nlp, concept.id, concept.veto, "veto")
            for index, pattern in enumerate(concept.patterns):
                count += 1
                if count == MAX_PATTERNS + 1:
                    problems.append(
                        self._places.problem(
                            concept.id,
                            index,
                            (),
                            f"more than {MAX_PATTERNS} patterns in the codebook",
                            "spaCy's matcher runs every pattern over every transcript",
                        )
                    )
                problem = self._add_pattern(concept.id, index, pattern)
                if problem is not None:
                    problems.append(problem)
        if problems:
            raise ConfigError(problems)

    def _add_pattern(self, concept: str, index: int, pattern: Sequence[Any]) -> Problem | None:
        """Add one codebook pattern, or say why it cannot be run: the limits `gioia check`
        applies are applied again, for a codebook that did not come from a file."""
        refusals = pattern_refusals(pattern)
        if refusals:
            inside, message, hint = refusals[0]
            return self._places.problem(concept, index, inside, message, hint)
        key = f"{concept}\x1fpattern\x1f{index}"
        try:
            spacy_pattern = self._for_spacy(concept, index, pattern)
            unbounded = has_unbounded_repeat(pattern)
            reaching = len(self._reaching) + len(self._reaching_phrases)
            if unbounded and reaching == MAX_UNBOUNDED_PATTERNS:
                return self._places.problem(
                    concept,
                    index,
                    (),
                    f"more than {MAX_UNBOUNDED_PATTERNS} patterns with an unbounded repeat",
                    "bound the repeat, e.g. OP: '{0,3}'",
                )
            phrase = pattern_phrase(pattern, self._strings)
            if phrase is not None:
                (self._reaching_phrases if unbounded else self._keywords).add(key, phrase)
            else:
                (self._reaching if unbounded else self._patterns).add(key, [spacy_pattern])
        except (ValueError, KeyError, TypeError, AttributeError, regex.error) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            return self._places.problem(
                concept,
                index,
                (),
                f"not a valid spaCy Matcher pattern ({first_line})",
                "each pattern is a list of token dicts such as [{LEMMA: have}, {LOWER: lunch}]",
            )
        self._rules[key] = _Rule(concept, _pattern_text(pattern), "pattern", PATTERN_WEIGHT)
        return None

    def _for_spacy(self, concept: str, index: int, pattern: Sequence[Any]) -> list[dict]:
        """The pattern as spaCy's Matcher takes it, each REGEX replaced by a token
        extension whose getter runs it with a time limit (see :class:`_RegexTest`)."""
        tokens = []
        for position, spec in enumerate(pattern):
            token: dict[Any, Any] = {}
            extensions: dict[str, bool] = {}
            for key, value in spec.items():
                name = str(key).upper()
                if name in _ANNOTATED:
                    self._annotated.setdefault(name, (concept, index, (position, key)))
                regex_key = _regex_key(value)
                if regex_key is None:
                    token[key] = value
                    continue
                expressions, negated, inner = _expressions(value[regex_key])
                extension = _regex_extension(name, expressions, negated)
                self._regex_places.setdefault(
                    extension, (concept, index, (position, key, regex_key, *inner), bool(inner))
                )
                extensions[extension] = True
                rest = {k: v for k, v in value.items() if k != regex_key}
                if rest:
                    token[key] = rest
            if extensions:
                token["_"] = extensions
            tokens.append(token)
        return tokens

    def _add_phrases(
        self, nlp: Language, concept: str, phrases: Sequence[str], method: str
    ) -> None:
        for phrase, doc in zip(phrases, nlp.pipe(phrases), strict=True):
            if len(doc) == 0:
                continue
            key = f"{concept}\x1f{method}\x1f{phrase}"
            weight = PHRASE_WEIGHT if len(doc) > 1 else SINGLE_WORD_WEIGHT
            self._rules[key] = _Rule(concept, phrase, method, weight)
            if len(doc) == 1 or method == "veto":
                self._keywords.add(key, exact_phrase(doc, LEMMA))
                if len(doc) == 1:
                    # The lookup lemmatizer knows dictionary words only: jargon and
                    # acronyms keep their plural ("PDPs", "GPs"), so match it as written.
                    plurals = [doc[0].lower_ + "s", doc[0].lower_ + "es"]
                    for plural in nlp.tokenizer.pipe(plurals):
                        self._keywords.add(key, exact_phrase(plural, LOWER))
            else:
                self._keywords.add(key, gapped_phrase(doc), gapped=True)

    def matches(self, doc: Doc) -> list[_Match]:
        """Every match in ``doc``, with the cue scoping over it; of overlapping matches of
        one rule, only the longest. Raises ConfigError for a pattern that cannot run on
        ``doc``: an attribute the pipeline does not set, a REGEX over its time limit."""
        self._check_annotations(doc)
        found: dict[tuple[str, int], int] = {}  # (rule, first token) → end of the longest
        strings = doc.vocab.strings
        sentence_starts = _sentence_starts(doc)
        for key, start, end in self._keywords(doc):
            _keep_longest(found, key, start, end)
        for key, start, end in self._reaching_phrases(doc, sentence_starts):
            _keep_longest(found, key, start, end)
        try:
            if len(self._patterns):
                for match_id, start, end in self._patterns(doc):
                    _keep_longest(found, strings[match_id], start, end)
            if len(self._reaching):
                for window, first_starts in _windows(doc, sentence_starts):
                    offset = window.start
                    for match_id, start, end in self._reaching(window):
                        # a match starting later is found again in the next window
                        if start < first_starts and end - start <= MAX_REACH_TOKENS:
                            _keep_longest(found, strings[match_id], offset + start, offset + end)
        except _RegexTimeout as timeout:
            raise self._too_slow(timeout) from None
        # By end, then longest last among cues ending together, so that read backwards
        # from a match the nearest cue comes first, and of "no one" and "no", "no one".
        cues = sorted((end, -start, strings[kind]) for kind, start, end in self._cues(doc))
        matches = []
        for (key, start), end in found.items():
            span = doc[start:end]
            sentence = _sentence_of(sentence_starts, span.start)
            cue, factor = _cue_over(doc, span, cues, sentence)
            matches.append(_Match(self._rules[key], span, sentence, cue, factor))
        # A keyword and a veto of one concept can match the same words; the veto
        # cancels both (find_hits), so ordering them by method changes nothing but
        # makes the order no longer depend on a hash table's.
        return sorted(
            matches,
            key=lambda m: (
                m.span.start_char, m.span.end_char, m.rule.concept, m.rule.term, m.rule.method
            ),
        )  # fmt: skip

    def _check_annotations(self, doc: Doc) -> None:
        """spaCy's Matcher raises a bare ValueError for a pattern on POS, TAG, MORPH, DEP
        or LEMMA when no component of the pipeline sets it: say so about the pattern."""
        for attribute, (concept, index, inside) in self._annotated.items():
            if not doc.has_annotation(attribute):
                problem = self._places.problem(
                    concept,
                    index,
                    inside,
                    f"{attribute} is not set by the NLP pipeline in use (the default one, "
                    "spacy.blank with gioia's lemmatizer, sets LEMMA only)",
                    "name a trained pipeline that sets it in gioia.yaml (settings: nlp: "
                    "model: en_core_web_sm, once installed), or match on LOWER, LEMMA or TEXT",
                )
                raise _PatternError([problem])

    def _too_slow(self, timeout: _RegexTimeout) -> _RegexTooSlow:
        concept, index, inside, listed = self._regex_places[timeout.extension]
        shown = timeout.text if len(timeout.text) <= 30 else timeout.text[:27] + "..."
        problem = self._places.problem(
            concept,
            index,
            (*inside, timeout.index) if listed else inside,
            f"REGEX '{timeout.expression}' went over its time limit of "
            f"{REGEX_TIMEOUT_SECONDS:g} s on a token of {len(timeout.text)} characters "
            f"({shown!r})",
            "simplify it so that no two quantifiers run over the same characters "
            r"(\w*\w* matches no more than \w*), and anchor it with ^ and $; gioia stops a "
            "REGEX this slow so that suggesting stays bounded",
        )
        return _RegexTooSlow([problem])


class _PatternError(ConfigError):
    """A codebook pattern that cannot run on a transcript, found while matching, in a
    worker process too: it travels back whole (a ConfigError pickles its summary only)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self.problems),))


class _RegexTooSlow(_PatternError):
    """A REGEX went over its time limit on a token of a transcript."""

    def on(self, transcript: str) -> _RegexTooSlow:
        """The same error, saying which transcript the token is in."""
        return _RegexTooSlow(
            [replace(p, message=f"{p.message} in transcript {transcript}") for p in self.problems]
        )


class _PatternPlaces:
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


class _RegexTimeout(Exception):
    """A REGEX went over REGEX_TIMEOUT_SECONDS on one token."""

    def __init__(self, extension: str, index: int, expression: str, text: str):
        super().__init__(extension)
        self.extension = extension
        self.index = index  # of the expression in its IN or NOT_IN list
        self.expression = expression
        self.text = text


class _RegexTest:
    """The getter of the token extension that stands for one REGEX predicate: whether
    the token's ``attribute`` matches one of ``expressions`` (``negated``: none of them).
    Runs on the ``regex`` engine, which can be stopped: over REGEX_TIMEOUT_SECONDS it
    raises _RegexTimeout. Each distinct text is searched once; a text longer than
    MAX_REGEX_TOKEN_CHARS matches nothing, negated or not."""

    def __init__(self, name: str, attribute: str, expressions: tuple[str, ...], negated: bool):
        self.name = name
        self.read = _TOKEN_TEXT[attribute]
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
                raise _RegexTimeout(self.name, index, self.expressions[index], text) from None
        return False


def _regex_key(value: Any) -> Any:
    """The key of a REGEX predicate in a token spec's value (any case), or None."""
    if isinstance(value, Mapping):
        for key in value:
            if isinstance(key, str) and key.upper() == "REGEX":
                return key
    return None


def _expressions(value: Any) -> tuple[tuple[str, ...], bool, YamlPath]:
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


def _regex_extension(attribute: str, expressions: tuple[str, ...], negated: bool) -> str:
    """The name of a token extension that tests a REGEX predicate (set afresh, so that
    each matcher remembers its own answers)."""
    identity = repr((attribute, expressions, negated)).encode("utf-8", "surrogatepass")
    name = "gioia_regex_" + hashlib.sha256(identity).hexdigest()[:20]
    test = _RegexTest(name, attribute, expressions, negated)
    Token.set_extension(name, getter=test, force=True)
    return name


def _keep_longest(found: dict[tuple[str, int], int], key: str, start: int, end: int) -> None:
    if found.get((key, start), -1) < end:
        found[(key, start)] = end


def _windows(doc: Doc, sentence_starts: Sequence[int]) -> Iterator[tuple[Span, int]]:
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


def _pattern_text(pattern: Iterable[dict]) -> str:
    """A readable rendering of a token pattern, for evidence lists."""
    return " ".join(str(next(iter(token.values()), "?")) for token in pattern)


def _sentence_starts(doc: Doc) -> list[int]:
    """The first token of every sentence of ``doc``, in order, read once from the token
    array: a match's sentence is then found by bisection. (``Span.sent`` walks the tokens
    back to the sentence's start and on to its end, for every match: over a long
    sentence, a transcript without punctuation, that made matching quadratic.)"""
    if not len(doc):
        return []
    return np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()


def _sentence_of(sentence_starts: Sequence[int], token: int) -> int:
    """The first token of the sentence ``token`` is in, as ``Span.sent.start`` gives it
    (0 when no sentence starts at or before it)."""
    index = bisect_right(sentence_starts, token) - 1
    return sentence_starts[index] if index >= 0 else 0


def _cue_over(
    doc: Doc, span: Span, cues: Sequence[tuple[int, int, str]], sentence_start: int
) -> tuple[str | None, float]:
    """The nearest negation or hedge scoping over ``span``, in the sentence that starts
    at token ``sentence_start`` (see the module docstring). Reads the cues back from the
    span only as far as ``CUE_REACH``, never a copy of all those before it."""
    index = bisect_right(cues, (span.start, 1, ""))
    while index > 0:
        index -= 1
        end, negative_start, kind = cues[index]
        start = -negative_start
        if span.start - end > CUE_REACH:
            break
        if start < sentence_start:
            continue
        between = doc[end : span.start]
        if any(t.is_punct or t.lower_ in SCOPE_BREAKERS for t in between):
            continue
        # "couldn't" reads better than "n't"
        shown = (
            doc[start - 1 : end].text
            if start > 0 and doc[start].lower_ in ("n't", "n’t")
            else doc[start:end].text
        )
        return f"{kind}: {shown}", NEGATED_FACTOR if kind == "negation" else HEDGED_FACTOR
    return None, 1.0


def suggest_for_transcript(
    doc: Doc,
    segments: Sequence[Segment],
    matcher: ConceptMatcher,
    stats: CorpusStats | None = None,
) -> list[Suggestion]:
    """Keyword and pattern suggestions for one transcript: ``doc`` is its parsed normalised
    text and ``segments`` its codable segments (interviewer talk is never suggested);
    ``stats`` of the whole corpus make common words count less (see the module docstring)."""
    transcript = segments[0].transcript if segments else ""
    return weigh_hits(transcript, find_hits(doc, segments, matcher), stats)


def find_hits(doc: Doc, segments: Sequence[Segment], matcher: ConceptMatcher) -> list[Hit]:
    """The matches in ``doc`` that lie in one of ``segments`` and are not vetoed (a veto
    phrase cancels its concept's matches in the same sentence), in document order."""
    try:
        matches = matcher.matches(doc)
    except _RegexTooSlow as error:
        raise error.on(segments[0].transcript) if segments else error from None
    vetoed = {(m.rule.concept, m.sentence) for m in matches if m.rule.method == "veto"}
    ordered = sorted(segments, key=lambda s: s.start)
    starts = [s.start for s in ordered]
    hits = []
    for match in matches:
        if match.rule.method == "veto" or (match.rule.concept, match.sentence) in vetoed:
            continue
        index = _segment_index(ordered, starts, match.span.start_char, match.span.end_char)
        if index is None:
            continue
        segment = ordered[index]
        hits.append(
            Hit(
                (segment.start, segment.end),
                match.rule.concept,
                match.rule.method,
                match.rule.term,
                match.span.start_char,
                match.span.end_char,
                match.cue,
                match.rule.weight,
                match.cue_factor,
                tuple(t.lemma_.lower() for t in match.span if is_word(t)),
            )
        )
    return hits


def weigh_hits(
    transcript: str, hits: Sequence[Hit], stats: CorpusStats | None = None
) -> list[Suggestion]:
    """One suggestion per segment and concept with hits: the noisy-or of its distinct
    terms' weights, a common word's weight lowered by ``stats``."""
    by_segment: dict[tuple[tuple[int, int], str], list[tuple[Hit, float]]] = defaultdict(list)
    for hit in hits:
        weight = hit.rule_weight * _specificity(hit.lemmas, stats) * hit.cue_factor
        by_segment[(hit.segment, hit.concept)].append((hit, weight))

    suggestions = []
    for ((start, end), concept), weighed in by_segment.items():
        evidence = tuple(
            Evidence(hit.term, hit.start, hit.end, hit.cue)
            for hit, _ in sorted(weighed, key=lambda h: (h[0].start, h[0].end))
        )
        strongest: dict[tuple[str, str], float] = {}
        for hit, weight in weighed:
            term = (hit.method, hit.term)
            strongest[term] = max(weight, strongest.get(term, 0.0))
        remaining = 1.0
        for weight in strongest.values():
            remaining *= 1.0 - weight
        best = max(weighed, key=lambda h: (h[1], h[0].method == "keyword"))[0]
        suggestions.append(
            Suggestion(
                transcript, start, end, concept, round(1.0 - remaining, 4), best.method, evidence
            )
        )
    suggestions.sort(key=lambda s: (s.start, s.end, s.concept))
    return suggestions


def _specificity(lemmas: Sequence[str], stats: CorpusStats | None) -> float:
    if stats is None:
        return 1.0
    return max((stats.specificity(lemma) for lemma in lemmas), default=1.0)


def _segment_index(
    ordered: Sequence[Segment], starts: Sequence[int], start: int, end: int
) -> int | None:
    """Index of the segment that wholly contains [start, end), if any."""
    index = bisect_right(starts, start) - 1
    if index >= 0 and ordered[index].start <= start and end <= ordered[index].end:
        return index
    return None


# --------------------------------------------------------------------------- similarity


def has_vectors(nlp: Language) -> bool:
    """Whether the pipeline has a table of word vectors (trained pipelines such as
    ``en_core_web_md`` do; the blank default and ``en_core_web_sm`` do not)."""
    vectors = nlp.vocab.vectors
    return vectors.n_keys > 0 or (vectors.mode == "floret" and vectors.shape[0] > 0)


def suggest_by_vectors(
    nlp: Language,
    codebook: Codebook,
    docs: Mapping[str, Doc],
    segments: Mapping[str, Sequence[Segment]],
    already_suggested: Collection[tuple[str, int, int, str]] = (),
    *,
    min_score: float = VECTOR_MIN_SCORE,
    top_k: int = VECTOR_TOP_K,
) -> list[Suggestion]:
    """``similarity`` suggestions (see the module docstring); none without word vectors.
    (transcript, start, end, concept) in ``already_suggested`` are not suggested twice."""
    if not has_vectors(nlp):
        return []
    segment_vectors = []
    for transcript in sorted(segments):
        for segment in segments[transcript]:
            words = _with_vectors(segment_span(docs[transcript], segment.start, segment.end))
            if words:
                segment_vectors.append((segment, words, _unit(_mean(v for _, v in words))))
    suggestions = []
    for concept in codebook.concepts:
        texts = [concept.label, concept.definition, *concept.examples]
        reference_words = [w for doc in nlp.pipe(t for t in texts if t) for w in _with_vectors(doc)]
        if not reference_words:
            continue
        reference = _unit(_mean(v for _, v in reference_words))
        ranked = []
        for segment, words, vector in segment_vectors:
            if (segment.transcript, segment.start, segment.end, concept.id) in already_suggested:
                continue
            score = float(vector @ reference)
            if score >= min_score:
                ranked.append((-score, segment.transcript, segment.start, segment, words))
        ranked.sort(key=lambda item: item[:3])
        for negative_score, _, _, segment, words in ranked[:top_k]:
            closest = sorted(words, key=lambda w: (-float(_unit(w[1]) @ reference), w[0].i))
            evidence = sorted(closest[:VECTOR_EVIDENCE_WORDS], key=lambda w: w[0].i)
            suggestions.append(
                Suggestion(
                    segment.transcript,
                    segment.start,
                    segment.end,
                    concept.id,
                    round(min(1.0, -negative_score), 4),
                    "similarity",
                    tuple(
                        Evidence(t.lemma_.lower(), t.idx, t.idx + len(t.text)) for t, _ in evidence
                    ),
                )
            )
    return suggestions


def _with_vectors(tokens: Iterable[Token]) -> list[tuple[Token, np.ndarray]]:
    """Content words and their vectors, looked up as written, lower-cased, then by lemma."""
    vocab_words = []
    for token in content_tokens(tokens):
        for form in (token.text, token.lower_, token.lemma_):
            if token.vocab.has_vector(form):
                vector = token.vocab.get_vector(form)
                if np.any(vector):
                    vocab_words.append((token, vector))
                break
    return vocab_words


def _mean(vectors: Iterable[np.ndarray]) -> np.ndarray:
    return np.mean(np.stack(list(vectors)), axis=0)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
