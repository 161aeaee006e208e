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

``exemplar`` method — "more like this", learning from the coders' own decisions. The
*exemplars* of a concept are the spans accepted for it (the counted codings; a span
accepted for several concepts is an exemplar of each) and its codebook ``examples:``; its
*counter-examples* are the spans whose latest decision by a coder is a rejection of it (an
undo is not a rejection) and that no counted coding accepts. Every segment not coded with
the concept and that no one has decided for it — talk coded with *other* concepts
included, as talk may be coded with several — is scored by how much nearer it is to the
concept than to anything else, a nearest-neighbour margin:

    own   = max sim(segment, exemplar of the concept)
    rival = max sim(segment, exemplar of other concepts only)
    lead  = own - max(rival, max sim(segment, counter-example of the concept))

where *rival* is the nearest exemplar that is not one of the concept (the segment's own
codings excluded: a segment is always like itself), and sim is the cosine of two texts
that share at least two content lemmas and 0 otherwise. A segment nearer another
concept's accepted talk, or the concept's rejected talk, than the concept's accepted talk
is not suggested. The score is the lead; a concept gets at most ``EXEMPLAR_TOP_K``
suggestions per run, the best of those leading by at least ``EXEMPLAR_MIN_SCORE``, so one
accepted quote does not flood the review queue; segments another method already suggests
for the concept are left to it. The evidence is each occurrence in the segment of the
content lemmas it shares with its nearest exemplar of the concept, the most weighty first
(at most ``MAX_SHARED_LEMMAS`` lemmas).

Keyword evidence the coders keep rejecting is learnt in :mod:`gioia.learning`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from gioia.doccache import TokenTable
from gioia.models import Codebook, Evidence, PlacedCoding, Segment, Suggestion

__all__ = [
    "EXEMPLAR_MIN_SCORE",
    "EXEMPLAR_TOP_K",
    "CorpusStats",
    "content_tokens",
    "cosine",
    "is_word",
    "lemma_frequency",
    "rejected_codings",
    "resemblance",
    "segment_span",
    "standing_decisions",
    "suggest_exemplars",
]

# A lemma in at most one segment in this many counts as fully specific.
FULLY_SPECIFIC_ONE_IN = 20
MIN_SPECIFICITY = 0.2
# Defaults chosen with the benchmark's development protocol, which reads the coding of
# P1-P3 only (docs/suggest-quality.md). There exemplars were almost never right (1 of 94
# at best) and the fewer were made the better; on the example study a lead of 0.1 keeps
# 3 of the 4 right ones that any positive lead makes, and leaves out 12 of its 17 wrong
# ones. Three per concept per run keep a review round short; once the coder has decided
# them, the next run offers the next three.
EXEMPLAR_MIN_SCORE = 0.1
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
        cls, tables: Mapping[str, TokenTable], segments: Mapping[str, Sequence[Segment]]
    ) -> CorpusStats:
        frequency: Counter[str] = Counter()
        for transcript, transcript_segments in segments.items():
            frequency.update(lemma_frequency(tables[transcript], transcript_segments))
        return cls(sum(len(s) for s in segments.values()), dict(frequency))

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
    present = [
        numpy.unique(lemma_number[first:last])
        for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True)
    ]
    counts = numpy.bincount(numpy.concatenate(present) + 1, minlength=len(numbers) + 1)[1:]
    return Counter({lemma: int(counts[n]) for lemma, n in numbers.items() if counts[n]})


def _lemma_numbers(table: TokenTable, numbers: dict[str, int]) -> numpy.ndarray:
    """For each token of ``table``, the number of its lower-cased lemma in ``numbers``
    (numbering new lemmas as they come), or -1 when the token is not a word."""
    words, word_position = numpy.unique(table.words, return_inverse=True)
    lemmas, lemma_position = numpy.unique(table.lemmas, return_inverse=True)
    is_word = numpy.array([_is_word_text(table.strings[w]) for w in words.tolist()], bool)
    number = numpy.array(
        [numbers.setdefault(table.strings[h].lower(), len(numbers)) for h in lemmas.tolist()],
        numpy.int64,
    )
    return numpy.where(is_word[word_position], number[lemma_position], -1)


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
    if not accepted and not any(concept.examples for concept in codebook.concepts):
        return []  # nothing to learn from yet: no document need be read
    rejected = _rejected_only(decisions, accepted)
    vectors = _span_vectors(
        docs,
        stats,
        [
            *((p.coding.transcript, p.start, p.end) for p in [*accepted, *rejected]),
            *(s.key for transcript in segments for s in segments[transcript]),
        ],
    )
    exemplars = _exemplars(nlp, codebook, stats, accepted, vectors)
    if not exemplars:
        return []
    negatives: dict[str, list[Vector]] = defaultdict(list)
    for placed in rejected:
        vector = vectors.get((placed.coding.transcript, placed.start, placed.end))
        if vector:
            negatives[placed.concept].append(vector)
    decided = defaultdict(list)
    for placed in [*accepted, *standing_decisions(decisions)]:
        decided[(placed.coding.transcript, placed.concept)].append((placed.start, placed.end))
    learnt = sorted({concept for exemplar in exemplars for concept in exemplar.concepts})
    ranked: dict[str, list[tuple[float, str, int, Segment, Vector, Vector]]] = defaultdict(list)
    for transcript in sorted(segments):
        for segment in segments[transcript]:
            vector = vectors.get(segment.key)
            if not vector:
                continue
            # The concepts the segment is coded with, and the exemplars most similar first;
            # its own codings are no evidence about it (a segment is always like itself).
            coded_as = frozenset(
                concept for e in exemplars if e.overlaps(segment) for concept in e.concepts
            )
            near = sorted(
                (
                    (resemblance(vector, e.vector), index)
                    for index, e in enumerate(exemplars)
                    if not e.overlaps(segment)
                ),
                key=lambda item: (-item[0], item[1]),
            )
            for concept in learnt:
                if (*segment.key, concept) in already_suggested or _overlaps_any(
                    segment, decided.get((segment.transcript, concept), ())
                ):
                    continue
                own, rival, nearest = _own_and_rival(near, exemplars, concept, coded_as)
                if nearest is None or own - rival < min_score:
                    continue  # the cheap test first: most segments are like no exemplar
                unlike = max(
                    (resemblance(vector, n) for n in negatives.get(concept, ())), default=0.0
                )
                lead = own - max(rival, unlike)
                if lead > 0 and lead >= min_score:
                    ranked[concept].append(
                        (-lead, segment.transcript, segment.start, segment, vector, nearest)
                    )
    # A concept's best few, so that one accepted quote does not flood the review queue.
    chosen = []
    for concept in sorted(ranked):
        for negative_lead, _, _, segment, vector, nearest in sorted(
            ranked[concept], key=lambda item: item[:3]
        )[:top_k]:
            chosen.append((concept, round(min(1.0, -negative_lead), 4), segment, vector, nearest))
    evidence = _shared_lemma_evidence(docs, [item[2:] for item in chosen])
    return [
        Suggestion(*segment.key, concept, lead, "exemplar", shown)
        for (concept, lead, segment, _, _), shown in zip(chosen, evidence, strict=True)
    ]


@dataclass(frozen=True)
class _Exemplar:
    """Talk accepted for one or more concepts (the same span coded with several is one
    exemplar of each), or a codebook example of one (no span)."""

    vector: Vector
    concepts: frozenset[str]
    span: tuple[str, int, int] | None  # (transcript, start, end)

    def overlaps(self, segment: Segment) -> bool:
        if self.span is None:
            return False
        transcript, start, end = self.span
        return transcript == segment.transcript and start < segment.end and segment.start < end


def _span_vectors(
    docs: Mapping[str, Doc], stats: CorpusStats, spans: Iterable[tuple[str, int, int]]
) -> dict[tuple[str, int, int], Vector]:
    """The TF-IDF vector of every (transcript, start, end) span in a transcript of
    ``docs``, each document fetched once: ``docs`` may load it from disk on every access."""
    by_transcript: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for transcript, start, end in spans:
        by_transcript[transcript].add((start, end))
    vectors = {}
    for transcript in sorted(by_transcript.keys() & set(docs)):
        doc = docs[transcript]
        for start, end in sorted(by_transcript[transcript]):
            vectors[(transcript, start, end)] = stats.vector(segment_span(doc, start, end))
    return vectors


def _exemplars(
    nlp: Language,
    codebook: Codebook,
    stats: CorpusStats,
    accepted: Iterable[PlacedCoding],
    vectors: Mapping[tuple[str, int, int], Vector],
) -> list[_Exemplar]:
    """Every accepted span and codebook example, in a fixed order."""
    by_span: dict[tuple[str, int, int], set[str]] = defaultdict(set)
    for placed in accepted:
        by_span[(placed.coding.transcript, placed.start, placed.end)].add(placed.concept)
    exemplars = [
        _Exemplar(vectors[span], frozenset(concepts), span)
        for span, concepts in sorted(by_span.items())
        if vectors.get(span)
    ]
    for concept in codebook.concepts:
        for doc in nlp.pipe(concept.examples):
            vector = stats.vector(doc)
            if vector:
                exemplars.append(_Exemplar(vector, frozenset({concept.id}), None))
    return exemplars


def _own_and_rival(
    near: Sequence[tuple[float, int]],
    exemplars: Sequence[_Exemplar],
    concept: str,
    coded_as: frozenset[str],
) -> tuple[float, float, Vector | None]:
    """From exemplars ordered most similar first: the similarity of the nearest exemplar
    of ``concept`` and of the nearest exemplar not of it (0 when there is none), and the
    nearest of ``concept`` itself (None when none is alike at all). An exemplar also of a
    concept the segment is already ``coded_as`` is neither: the likeness may be that
    concept's ("We rant, and I ask a second opinion", coded venting and second opinion,
    does not make "I ask a second opinion", coded second opinion, venting)."""
    own, rival, nearest = 0.0, 0.0, None
    for similarity, index in near:
        if similarity <= 0.0:
            break
        if concept in exemplars[index].concepts:
            if exemplars[index].concepts & coded_as:
                continue
            if nearest is None:
                own, nearest = similarity, exemplars[index].vector
        elif not rival:
            rival = similarity
        if nearest is not None and rival:
            break
    return own, rival, nearest


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


def _overlaps_any(segment: Segment, spans: Iterable[tuple[int, int]]) -> bool:
    return any(start < segment.end and segment.start < end for start, end in spans)


def _shared_lemma_evidence(
    docs: Mapping[str, Doc], found: Sequence[tuple[Segment, Vector, Vector]]
) -> list[tuple[Evidence, ...]]:
    """For each (segment, its vector, its nearest exemplar), the occurrences in the
    segment of the content lemmas the two share, the most weighty first (at most
    ``MAX_SHARED_LEMMAS`` lemmas); each document fetched once."""
    evidence: list[tuple[Evidence, ...]] = [() for _ in found]
    by_transcript: dict[str, list[int]] = defaultdict(list)
    for index, (segment, _, _) in enumerate(found):
        by_transcript[segment.transcript].append(index)
    for transcript in sorted(by_transcript):
        doc = docs[transcript]
        for index in by_transcript[transcript]:
            segment, vector, nearest = found[index]
            shared = sorted(
                (lemma for lemma in vector if lemma in nearest),
                key=lambda lemma: (-vector[lemma] * nearest[lemma], lemma),
            )[:MAX_SHARED_LEMMAS]
            chosen = set(shared)
            evidence[index] = tuple(
                Evidence(t.lemma_.lower(), t.idx, t.idx + len(t.text))
                for t in content_tokens(segment_span(doc, segment.start, segment.end))
                if t.lemma_.lower() in chosen
            )
    return evidence
