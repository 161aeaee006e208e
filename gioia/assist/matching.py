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
- ``pattern``: the concept's token patterns in spaCy's ``Matcher`` syntax, within the
  limits :mod:`gioia.patterns` checks (issue 16: work bounded in the input's size). Those
  made of words run on the same token-array matcher as keywords
  (:func:`gioia.assist.keywords.pattern_phrase`, issue 17); the rest on spaCy's
  ``Matcher`` (:mod:`gioia.assist.spacy_patterns`: a ``REGEX`` on the ``regex`` engine
  with a time limit per token). A pattern with an unbounded repeat (OP ``*``, ``+``,
  ``{n,}``) matches within one sentence and over at most ``MAX_REACH_TOKENS`` tokens, so
  its work grows with the transcript's length, not with its square;
- ``similarity``: only when the pipeline has word vectors (:mod:`gioia.assist.vectors`).

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

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import regex
from spacy.attrs import LEMMA, LOWER, SENT_START
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from gioia.assist import spacy_patterns
from gioia.assist.keywords import KeywordMatcher, exact_phrase, gapped_phrase, pattern_phrase
from gioia.assist.lexicon import CorpusStats, is_word
from gioia.assist.spacy_patterns import (
    ANNOTATED,
    PatternError,
    PatternPlaces,
    RegexTimeout,
    RegexTooSlow,
    pattern_text,
    regex_expressions,
    regex_extension,
    regex_key,
    windows,
)
from gioia.errors import ConfigError, Problem
from gioia.models import Codebook, Evidence, Hit, Segment, Suggestion
from gioia.patterns import (
    MAX_PATTERNS,
    MAX_REACH_TOKENS,
    MAX_UNBOUNDED_PATTERNS,
    has_unbounded_repeat,
    pattern_refusals,
)
from gioia.yamlsource import YamlPath

__all__ = [
    "ConceptMatcher",
    "Hit",
    "find_hits",
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
        self._places = PatternPlaces(codebook, codebook_file)
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
        self._rules[key] = _Rule(concept, pattern_text(pattern), "pattern", PATTERN_WEIGHT)
        return None

    def _for_spacy(self, concept: str, index: int, pattern: Sequence[Any]) -> list[dict]:
        """The pattern as spaCy's Matcher takes it, each REGEX replaced by a token
        extension whose getter runs it with a time limit (see :class:`RegexTest`)."""
        tokens = []
        for position, spec in enumerate(pattern):
            token: dict[Any, Any] = {}
            extensions: dict[str, bool] = {}
            for key, value in spec.items():
                name = str(key).upper()
                if name in ANNOTATED:
                    self._annotated.setdefault(name, (concept, index, (position, key)))
                predicate = regex_key(value)
                if predicate is None:
                    token[key] = value
                    continue
                expressions, negated, inner = regex_expressions(value[predicate])
                extension = regex_extension(name, expressions, negated)
                self._regex_places.setdefault(
                    extension, (concept, index, (position, key, predicate, *inner), bool(inner))
                )
                extensions[extension] = True
                rest = {k: v for k, v in value.items() if k != predicate}
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
                for window, first_starts in windows(doc, sentence_starts):
                    offset = window.start
                    for match_id, start, end in self._reaching(window):
                        # a match starting later is found again in the next window
                        if start < first_starts and end - start <= MAX_REACH_TOKENS:
                            _keep_longest(found, strings[match_id], offset + start, offset + end)
        except RegexTimeout as timeout:
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
                raise PatternError([problem])

    def _too_slow(self, timeout: RegexTimeout) -> RegexTooSlow:
        concept, index, inside, listed = self._regex_places[timeout.extension]
        shown = timeout.text if len(timeout.text) <= 30 else timeout.text[:27] + "..."
        problem = self._places.problem(
            concept,
            index,
            (*inside, timeout.index) if listed else inside,
            f"REGEX '{timeout.expression}' went over its time limit of "
            f"{spacy_patterns.REGEX_TIMEOUT_SECONDS:g} s on a token of "
            f"{len(timeout.text)} characters ({shown!r})",
            "simplify it so that no two quantifiers run over the same characters "
            r"(\w*\w* matches no more than \w*), and anchor it with ^ and $; gioia stops a "
            "REGEX this slow so that suggesting stays bounded",
        )
        return RegexTooSlow([problem])


def _keep_longest(found: dict[tuple[str, int], int], key: str, start: int, end: int) -> None:
    if found.get((key, start), -1) < end:
        found[(key, start)] = end


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
    except RegexTooSlow as error:
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
