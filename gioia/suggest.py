"""Suggestions: which segments may express which first-order concept, and why.

Methods in this module (DESIGN §6), all local and deterministic:

- ``keyword``: the concept's keywords matched on lemmas, case-insensitively: single words
  and veto phrases with spaCy's ``PhraseMatcher`` on ``LEMMA`` ("ranting" matches "rant");
  multi-word keywords with a ``Matcher`` pattern of the same lemmas that lets up to two
  stop words stand between them, because informants rarely say a phrase exactly as the
  codebook does ("sharing the workload" matches "share workload");
- ``pattern``: the concept's spaCy ``Matcher`` token patterns.

A ``veto`` phrase in the same sentence cancels a concept's matches there. Each suggestion
carries its evidence: the matched terms and their character spans in the transcript's
normalised text. The machine only suggests; nothing here touches a journal.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from gioia.errors import ConfigError, Location, Problem
from gioia.models import Codebook, Evidence, Segment, Suggestion

__all__ = ["ConceptMatcher", "suggest_for_transcript"]

# How much one distinct matched term says about a concept. A multi-word phrase is more
# specific than a single word, so it says more; scores combine as a noisy-or, so two
# independent pieces of evidence raise the score without ever reaching 1.
SINGLE_WORD_WEIGHT = 0.5
PHRASE_WEIGHT = 0.7
PATTERN_WEIGHT = 0.6
# Stop words a multi-word keyword may have between its words ("share [the] workload").
MAX_GAP_WORDS = 2


@dataclass(frozen=True)
class _Rule:
    concept: str
    term: str  # the keyword or pattern as the codebook states it
    method: str  # "keyword" | "pattern" | "veto"
    weight: float


class ConceptMatcher:
    """Keyword, pattern and veto matchers for every concept of a codebook, built once."""

    def __init__(self, nlp: Language, codebook: Codebook, codebook_file: str = "codebook.yaml"):
        self._phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self._patterns = Matcher(nlp.vocab)
        self._rules: dict[str, _Rule] = {}
        problems: list[Problem] = []
        for concept in codebook.concepts:
            self._add_phrases(nlp, concept.id, concept.keywords, "keyword")
            self._add_phrases(nlp, concept.id, concept.veto, "veto")
            for index, pattern in enumerate(concept.patterns):
                key = f"{concept.id}\x1fpattern\x1f{index}"
                try:
                    self._patterns.add(key, [list(pattern)])
                except (ValueError, KeyError) as exc:
                    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
                    problems.append(
                        Problem(
                            f"concept {concept.id!r}: pattern {index + 1} is not a valid spaCy "
                            f"Matcher pattern ({first_line})",
                            Location(codebook_file),
                            hint="each pattern is a list of token dicts such as "
                            "[{LEMMA: have}, {LOWER: lunch}]",
                        )
                    )
                    continue
                self._rules[key] = _Rule(
                    concept.id, _pattern_text(pattern), "pattern", PATTERN_WEIGHT
                )
        if problems:
            raise ConfigError(problems)

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
                self._phrases.add(key, [doc])
            else:
                self._patterns.add(key, [_gapped_pattern([t.lemma_ for t in doc])])

    def matches(self, doc: Doc) -> list[tuple[_Rule, int, int, int]]:
        """(rule, start char, end char, sentence start char) for every match in ``doc``;
        of overlapping matches of one rule, only the longest."""
        found: dict[tuple[str, int], tuple[_Rule, int, int, int]] = {}
        strings = doc.vocab.strings
        for matcher in (self._phrases, self._patterns):
            if len(matcher) == 0:
                continue
            for match_id, start, end in matcher(doc):
                key = strings[match_id]
                span = doc[start:end]
                previous = found.get((key, span.start_char))
                if previous is None or previous[2] < span.end_char:
                    found[(key, span.start_char)] = (
                        self._rules[key],
                        span.start_char,
                        span.end_char,
                        span.sent.start_char,
                    )
        return sorted(found.values(), key=lambda m: (m[1], m[2], m[0].concept, m[0].term))


def _gapped_pattern(lemmas: Sequence[str]) -> list[dict[str, object]]:
    pattern: list[dict[str, object]] = []
    for i, lemma in enumerate(lemmas):
        if i:
            pattern += [{"IS_STOP": True, "OP": "?"}] * MAX_GAP_WORDS
        pattern.append({"LEMMA": lemma})
    return pattern


def _pattern_text(pattern: Iterable[dict]) -> str:
    """A readable rendering of a token pattern, for evidence lists."""
    return " ".join(str(next(iter(token.values()), "?")) for token in pattern)


def suggest_for_transcript(
    doc: Doc, segments: Sequence[Segment], matcher: ConceptMatcher
) -> list[Suggestion]:
    """Suggestions for one transcript: ``doc`` is its parsed normalised text and
    ``segments`` its codable segments (interviewer talk is never suggested)."""
    matches = matcher.matches(doc)
    vetoed = {(rule.concept, sentence) for rule, _, _, sentence in matches if rule.method == "veto"}
    by_segment: dict[tuple[int, str], list[tuple[_Rule, int, int]]] = defaultdict(list)
    ordered = sorted(segments, key=lambda s: s.start)
    starts = [s.start for s in ordered]
    for rule, start, end, sentence in matches:
        if rule.method == "veto" or (rule.concept, sentence) in vetoed:
            continue
        index = _segment_index(ordered, starts, start, end)
        if index is not None:
            by_segment[(index, rule.concept)].append((rule, start, end))

    suggestions = []
    for (index, concept), hits in by_segment.items():
        segment = ordered[index]
        hits.sort(key=lambda hit: (hit[1], hit[2], hit[0].term))
        evidence = tuple(Evidence(rule.term, start, end) for rule, start, end in hits)
        # Each distinct term counts once: saying "rant" five times is one piece of evidence.
        weights = {(rule.method, rule.term): rule.weight for rule, _, _ in hits}
        remaining = 1.0
        for weight in weights.values():
            remaining *= 1.0 - weight
        strongest = max(hits, key=lambda hit: (hit[0].weight, hit[0].method == "keyword"))[0]
        suggestions.append(
            Suggestion(
                segment.transcript,
                segment.start,
                segment.end,
                concept,
                round(1.0 - remaining, 4),
                strongest.method,
                evidence,
            )
        )
    suggestions.sort(key=lambda s: (s.start, s.end, s.concept))
    return suggestions


def _segment_index(
    ordered: Sequence[Segment], starts: Sequence[int], start: int, end: int
) -> int | None:
    """Index of the segment that wholly contains [start, end), if any."""
    index = bisect_right(starts, start) - 1
    if index >= 0 and ordered[index].start <= start and end <= ordered[index].end:
        return index
    return None
