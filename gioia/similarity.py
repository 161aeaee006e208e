"""Lexical statistics of the corpus, and the ``exemplar`` method built on them.

Everything here is computed from the study's own transcripts: no model, no download.

Words and lemmas. A *word* is a token with a letter in it, other than one letter repeated
(an anonymisation mask such as "XXXX"); its lemma is the pipeline's lower-cased lemma. A
*content lemma* is the lemma of a word that is not a stop word (neither as written nor as
lemma), a number word or a filler of speech ("yeah", "kind of", ``SPOKEN_FILLERS``) and
has at least two characters: "Sharing the workload" gives ``share``, ``workload``.

Corpus statistics (:class:`CorpusStats`), over the N segments of the corpus (the units
that are coded), with df(l) the number of segments in which lemma l occurs:

- ``idf(l) = ln((1 + N) / (1 + df(l))) + 1``, the smoothed inverse document frequency of
  TF-IDF: a lemma in every segment still weighs 1, a lemma the corpus never uses (a word
  only a codebook example has) weighs most;
- ``specificity(l) = clamp(ln(N / df(l)) / ln(20), 0.2, 1)``: 1 for a lemma in at most one
  segment in 20, less the more segments use it, never below 0.2 (a keyword the researcher
  chose still says something). Below 20 segments every lemma counts as specific, because
  shares of so few segments cannot tell a common word from a specific one.

TF-IDF vectors: the weight of content lemma l in a text is ``(1 + ln tf) * idf(l)``, the
vector is scaled to length 1, and the similarity of two texts is the cosine (the dot
product), in [0, 1].

``exemplar`` method — "more like this", learning from the coders' own decisions. For each
concept, the *positives* are the spans accepted for it (the counted codings) and its
codebook ``examples:``; the *negatives* are the spans whose latest decision by a coder is
a rejection of it (an undo is not a rejection). Every *uncoded* segment (no accepted
coding of any concept overlaps it) that no one has decided for the concept is scored

    score = max sim(segment, positive) - 0.5 * max sim(segment, negative)

(its nearest positive, less half its nearest negative), where sim is the cosine of two
texts that share at least two content lemmas and 0 otherwise. A concept gets at most
``EXEMPLAR_TOP_K`` suggestions per run, the best of those scoring above 0 and at least
``EXEMPLAR_MIN_SCORE``, so one accepted quote does not flood the review queue; segments
another method already suggests for the concept are left to it. The evidence is each occurrence in
the segment of the content lemmas it shares with its nearest positive, the most weighty
first (at most ``MAX_SHARED_LEMMAS`` lemmas).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from spacy.attrs import IDX, LEMMA, ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from gioia.models import Codebook, Evidence, PlacedCoding, Segment, Suggestion

__all__ = [
    "EXEMPLAR_MIN_SCORE",
    "EXEMPLAR_TOP_K",
    "CorpusStats",
    "content_tokens",
    "cosine",
    "is_word",
    "rejected_codings",
    "resemblance",
    "segment_span",
    "standing_decisions",
    "suggest_exemplars",
]

# A lemma in at most one segment in this many counts as fully specific.
FULLY_SPECIFIC_ONE_IN = 20
MIN_SPECIFICITY = 0.2
# How much a rejected look-alike pulls a segment down, relative to an accepted one.
NEGATIVE_WEIGHT = 0.5
# Defaults chosen with the benchmark's development protocol, which reads the coding of
# P1-P3 only (docs/suggest-quality.md): exemplars were right most often when few were
# made per concept; three per concept per run keep a review round short, and once the
# coder has decided them the next run offers the next three.
EXEMPLAR_MIN_SCORE = 0.15
EXEMPLAR_TOP_K = 3
# Texts sharing a single content lemma are not alike: that is a keyword's evidence.
MIN_SHARED_LEMMAS = 2
MAX_SHARED_LEMMAS = 5
# The journal's convention for a line that withdraws the coder's previous decision.
UNDO_FLAG = "undo"

Vector = dict[str, float]


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
    lemma = token.lemma_.lower()
    return len(lemma) > 1 and lemma not in SPOKEN_FILLERS and not token.vocab[lemma].is_stop


def segment_span(doc: Doc, start: int, end: int) -> Span:
    """The tokens of ``doc`` covering characters [start, end)."""
    return doc.char_span(start, end, alignment_mode="expand")


def cosine(a: Vector, b: Vector) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(weight * b.get(lemma, 0.0) for lemma, weight in a.items())


def resemblance(a: Vector, b: Vector) -> float:
    """The cosine of two texts that share at least ``MIN_SHARED_LEMMAS`` content lemmas,
    else 0: one word in common is a keyword's evidence, not a likeness."""
    if len(a.keys() & b.keys()) < MIN_SHARED_LEMMAS:
        return 0.0
    return cosine(a, b)


@dataclass(frozen=True)
class CorpusStats:
    """How many segments there are, and in how many each word lemma occurs."""

    segments: int
    document_frequency: Mapping[str, int]

    @classmethod
    def of_segments(
        cls, docs: Mapping[str, Doc], segments: Mapping[str, Sequence[Segment]]
    ) -> CorpusStats:
        # One pass over token arrays instead of Token objects: this runs over the whole
        # corpus on every `gioia suggest`, and building Token objects dominated its time.
        frequency: Counter[str] = Counter()
        count = 0
        word_lemma: dict[tuple[int, int], str | None] = {}
        for transcript, transcript_segments in segments.items():
            doc = docs[transcript]
            strings = doc.vocab.strings
            table = doc.to_array([IDX, ORTH, LEMMA])
            starts = table[:, 0].tolist()
            keys = list(zip(table[:, 1].tolist(), table[:, 2].tolist(), strict=True))
            for segment in transcript_segments:
                first = max(bisect_right(starts, segment.start) - 1, 0)
                last = bisect_left(starts, segment.end)
                lemmas = set()
                for key in keys[first:last]:
                    if key not in word_lemma:
                        orth, lemma = key
                        word_lemma[key] = (
                            strings[lemma].lower() if _is_word_text(strings[orth]) else None
                        )
                    if word_lemma[key] is not None:
                        lemmas.add(word_lemma[key])
                frequency.update(lemmas)
                count += 1
        return cls(count, dict(frequency))

    def idf(self, lemma: str) -> float:
        return math.log((1 + self.segments) / (1 + self.document_frequency.get(lemma, 0))) + 1

    def specificity(self, lemma: str) -> float:
        if self.segments < FULLY_SPECIFIC_ONE_IN:
            return 1.0
        share = max(self.document_frequency.get(lemma, 0), 1) / self.segments
        raw = math.log(1 / share) / math.log(FULLY_SPECIFIC_ONE_IN)
        return min(1.0, max(MIN_SPECIFICITY, raw))

    def vector(self, tokens: Iterable[Token]) -> Vector:
        """The unit-length TF-IDF vector of the content lemmas of ``tokens``."""
        counts = Counter(t.lemma_.lower() for t in content_tokens(tokens))
        weights = {lemma: (1 + math.log(n)) * self.idf(lemma) for lemma, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {lemma: w / norm for lemma, w in weights.items()} if norm else {}


def standing_decisions(decisions: Iterable[PlacedCoding]) -> list[PlacedCoding]:
    """Each coder's latest line per span and concept, unless it is an undo (which
    withdraws the decision); ``decisions`` are in journal order, as
    :func:`gioia.journal.place_codings` gives them."""
    latest: dict[tuple[str, str, int, int, str], PlacedCoding] = {}
    for placed in decisions:
        coding = placed.coding
        latest[(coding.coder, coding.transcript, placed.start, placed.end, placed.concept)] = placed
    return [p for p in latest.values() if UNDO_FLAG not in p.coding.flags]


def rejected_codings(decisions: Iterable[PlacedCoding]) -> list[PlacedCoding]:
    """The standing decisions that are rejections."""
    return [p for p in standing_decisions(decisions) if p.coding.decision == "reject"]


def suggest_exemplars(
    nlp: Language,
    codebook: Codebook,
    docs: Mapping[str, Doc],
    segments: Mapping[str, Sequence[Segment]],
    stats: CorpusStats,
    accepted: Sequence[PlacedCoding],
    decisions: Sequence[PlacedCoding] = (),
    already_suggested: Collection[tuple[str, int, int, str]] = (),
    *,
    min_score: float = EXEMPLAR_MIN_SCORE,
    top_k: int = EXEMPLAR_TOP_K,
) -> list[Suggestion]:
    """``exemplar`` suggestions (see the module docstring). ``accepted`` are the counted
    codings, ``decisions`` every placed journal line; (transcript, start, end, concept) in
    ``already_suggested`` were found by another method and are not suggested twice."""
    positives = _vectors_by_concept(docs, stats, accepted)
    negatives = _vectors_by_concept(docs, stats, _rejected_only(decisions, accepted))
    for concept in codebook.concepts:
        if concept.examples:
            examples = [stats.vector(doc) for doc in nlp.pipe(concept.examples)]
            positives[concept.id] += [v for v in examples if v]
    if not positives:
        return []
    coded = _spans_by_transcript(accepted)
    decided = defaultdict(list)
    for placed in standing_decisions(decisions):
        decided[(placed.coding.transcript, placed.concept)].append((placed.start, placed.end))
    candidates = [
        (segment, stats.vector(segment_span(docs[segment.transcript], segment.start, segment.end)))
        for transcript in sorted(segments)
        for segment in segments[transcript]
        if not _overlaps_any(segment, coded.get(transcript, ()))
    ]
    suggestions: list[Suggestion] = []
    for concept in codebook.concepts:
        if not positives.get(concept.id):
            continue
        ranked = []
        for segment, vector in candidates:
            key = (segment.transcript, segment.start, segment.end, concept.id)
            if key in already_suggested or _overlaps_any(
                segment, decided.get((segment.transcript, concept.id), ())
            ):
                continue
            nearest, similarity = _nearest(vector, positives[concept.id])
            penalty = max(
                (resemblance(vector, n) for n in negatives.get(concept.id, ())), default=0.0
            )
            score = similarity - NEGATIVE_WEIGHT * penalty
            if score > 0 and score >= min_score:
                ranked.append((-score, segment.transcript, segment.start, segment, vector, nearest))
        ranked.sort(key=lambda item: item[:3])
        for negative_score, _, _, segment, vector, nearest in ranked[:top_k]:
            evidence = _shared_lemma_evidence(docs[segment.transcript], segment, vector, nearest)
            suggestions.append(
                Suggestion(
                    segment.transcript,
                    segment.start,
                    segment.end,
                    concept.id,
                    round(min(1.0, -negative_score), 4),
                    "exemplar",
                    evidence,
                )
            )
    return suggestions


def _vectors_by_concept(
    docs: Mapping[str, Doc], stats: CorpusStats, codings: Iterable[PlacedCoding]
) -> dict[str, list[Vector]]:
    vectors: dict[str, list[Vector]] = defaultdict(list)
    for placed in codings:
        doc = docs.get(placed.coding.transcript)
        if doc is None:
            continue
        vector = stats.vector(segment_span(doc, placed.start, placed.end))
        if vector:
            vectors[placed.concept].append(vector)
    return vectors


def _rejected_only(
    decisions: Iterable[PlacedCoding], accepted: Iterable[PlacedCoding]
) -> list[PlacedCoding]:
    """Rejections of spans no counted coder accepted for the concept: when coders disagree,
    the counted accept stands and the span is not a counter-example."""
    kept = {(p.coding.transcript, p.start, p.end, p.concept) for p in accepted}
    return [
        p
        for p in rejected_codings(decisions)
        if (p.coding.transcript, p.start, p.end, p.concept) not in kept
    ]


def _spans_by_transcript(codings: Iterable[PlacedCoding]) -> dict[str, list[tuple[int, int]]]:
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for placed in codings:
        spans[placed.coding.transcript].append((placed.start, placed.end))
    return spans


def _overlaps_any(segment: Segment, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < segment.end and segment.start < end for start, end in spans)


def _nearest(vector: Vector, exemplars: Sequence[Vector]) -> tuple[Vector, float]:
    """The most similar exemplar (the first of equals) and its similarity."""
    best, best_similarity = exemplars[0], -1.0
    for exemplar in exemplars:
        similarity = resemblance(vector, exemplar)
        if similarity > best_similarity:
            best, best_similarity = exemplar, similarity
    return best, best_similarity


def _shared_lemma_evidence(
    doc: Doc, segment: Segment, vector: Vector, nearest: Vector
) -> tuple[Evidence, ...]:
    shared = sorted(
        (lemma for lemma in vector if lemma in nearest),
        key=lambda lemma: (-vector[lemma] * nearest[lemma], lemma),
    )[:MAX_SHARED_LEMMAS]
    chosen = set(shared)
    return tuple(
        Evidence(t.lemma_.lower(), t.idx, t.idx + len(t.text))
        for t in content_tokens(segment_span(doc, segment.start, segment.end))
        if t.lemma_.lower() in chosen
    )
