"""The pair space of a study, built from its texts: what :class:`gioia.assist.features.Space`
holds that does not depend on decisions.

Texts as lexical vectors. A text's *terms* are its content lemmas
(:class:`gioia.assist.lexicon.ContentLemmas`) and the bigrams of consecutive ones
("feature importance"); its vector is TF-IDF over terms (``1 + ln tf`` times the smoothed
IDF of the corpus' segments), scaled to length 1; similarity is the cosine. Every codable
segment has four such vectors: its own talk; its *question*, the interviewer turn it
answers (the nearest earlier interviewer turn with at least ``MIN_QUESTION_LEMMAS`` content
lemmas, at most ``QUESTION_REACH`` interviewer turns back: "okay" is not a question); and
its *context*, its talk, its question and the segments either side together. Each concept
has two: its *label* (label and keywords) and its *definition* (definition, inclusion
criteria and ``examples:``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy
from scipy import sparse

from gioia.assist.features import Question, Space
from gioia.assist.lexicon import Bag, ContentLemmas
from gioia.doccache import TokenTable
from gioia.models import Concept, Segment, Suggestion, Transcript

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = ["ConceptTexts", "build_space", "study_space"]

MIN_QUESTION_LEMMAS = 2
QUESTION_REACH = 3


@dataclass(frozen=True)
class ConceptTexts:
    """A concept's words as content lemmas: its label (with its keywords), its
    definition (with its inclusion criteria and examples), and each keyword alone."""

    label: Bag
    definition: Bag
    keywords: tuple[Bag, ...]


def build_space(
    segments: Sequence[Segment],
    transcripts: Mapping[str, Transcript],
    segment_bags: Sequence[Bag],
    turn_bags: Mapping[tuple[str, int], Bag],
    concepts: Sequence[Concept],
    concept_texts: Sequence[ConceptTexts],
    keyword_suggestions: Sequence[Suggestion],
    vocabulary: Mapping[str, int],
) -> Space:
    """The pair space of a study: ``segments`` ordered by transcript and start, with
    their content lemmas (``segment_bags``); the content lemmas of every interviewer turn
    by (transcript, turn index); each concept's words (:class:`ConceptTexts`); the keyword
    and pattern suggestions of the codebook (:mod:`.matching`); and the vocabulary the
    lemma numbers refer to."""
    questions = [_question(segment, transcripts, turn_bags) for segment in segments]
    terms = _Terms(len(vocabulary))
    talk = [terms.of(bag) for bag in segment_bags]
    asked = [terms.of(q.bag) if q else [] for q in questions]
    contexts = []
    for i, segment in enumerate(segments):
        around = [talk[i], asked[i]]
        for j in (i - 1, i + 1):
            if 0 <= j < len(segments) and segments[j].transcript == segment.transcript:
                around.append(talk[j])
        contexts.append([t for part in around for t in part])
    label_terms = [terms.of(texts.label) for texts in concept_texts]
    definition_terms = [terms.of(texts.definition) for texts in concept_texts]
    idf = _idf(talk, terms.count)
    matrix = lambda rows: _tfidf(rows, idf)  # noqa: E731 - one shape, five uses
    index = {(s.transcript, s.start, s.end): i for i, s in enumerate(segments)}
    concept_index = {c.id: i for i, c in enumerate(concepts)}
    keyword = {}
    for made in keyword_suggestions:
        at = index.get((made.transcript, made.start, made.end))
        if at is not None and made.concept in concept_index:
            keyword[(at, concept_index[made.concept])] = made
    keyword_lemmas = [[set(bag.ids.tolist()) for bag in t.keywords] for t in concept_texts]
    question_keyword = numpy.zeros((len(segments), len(concepts)))
    for i, question in enumerate(questions):
        if question is None:
            continue
        asked_words = set(question.bag.ids.tolist())
        for c, keywords in enumerate(keyword_lemmas):
            question_keyword[i, c] = float(any(k and k <= asked_words for k in keywords))
    return Space(
        segments,
        concepts,
        matrix(talk),
        matrix(asked),
        matrix(contexts),
        matrix(label_terms),
        matrix(definition_terms),
        questions,
        segment_bags,
        keyword,
        question_keyword,
        terms.names(vocabulary),
    )


def _question(
    segment: Segment,
    transcripts: Mapping[str, Transcript],
    turn_bags: Mapping[tuple[str, int], Bag],
) -> Question | None:
    transcript = transcripts[segment.transcript]
    seen = 0
    for index in range(segment.turn - 1, -1, -1):
        turn = transcript.turns[index]
        if not turn.is_interviewer:
            continue
        bag = turn_bags.get((segment.transcript, index))
        if bag is not None and len(bag) >= MIN_QUESTION_LEMMAS:
            return Question(turn.start, turn.end, bag)
        seen += 1
        if seen >= QUESTION_REACH:
            break
    return None


class _Terms:
    """Term numbers: a lemma keeps its vocabulary number; a bigram of two consecutive
    lemmas gets the next free number."""

    def __init__(self, lemmas: int):
        self.count = lemmas
        self._bigrams: dict[tuple[int, int], int] = {}

    def of(self, bag: Bag) -> list[int]:
        ids = bag.ids.tolist()
        found = list(ids)
        for pair in zip(ids, ids[1:], strict=False):
            if pair not in self._bigrams:
                self._bigrams[pair] = self.count
                self.count += 1
            found.append(self._bigrams[pair])
        return found

    def names(self, vocabulary: Mapping[str, int]) -> list[str]:
        names = [""] * self.count
        for lemma, number in vocabulary.items():
            names[number] = lemma
        for (a, b), number in self._bigrams.items():
            names[number] = f"{names[a]} {names[b]}"
        return names


def _idf(documents: Sequence[list[int]], terms: int) -> numpy.ndarray:
    """Smoothed IDF over ``documents``: ln((1 + N) / (1 + df)) + 1."""
    frequency = numpy.zeros(terms)
    for document in documents:
        frequency[numpy.unique(numpy.array(document, numpy.int64))] += 1
    return numpy.log((1 + len(documents)) / (1 + frequency)) + 1


def _tfidf(documents: Sequence[list[int]], idf: numpy.ndarray) -> sparse.csr_matrix:
    """Unit-length TF-IDF rows, ``(1 + ln tf) * idf``, in single precision: similarities
    need no more, and the products of thousands of rows take half the time."""
    indptr, indices, data = [0], [], []
    for document in documents:
        terms, counts = numpy.unique(numpy.array(document, numpy.int64), return_counts=True)
        weights = (1 + numpy.log(counts)) * idf[terms]
        norm = math.sqrt(float(weights @ weights)) if len(weights) else 0.0
        indices.append(terms)
        data.append(weights / norm if norm else weights)
        indptr.append(indptr[-1] + len(terms))
    return sparse.csr_matrix(
        (
            numpy.concatenate(data).astype(numpy.float32)
            if data
            else numpy.zeros(0, numpy.float32),
            numpy.concatenate(indices) if indices else numpy.zeros(0, numpy.int64),
            numpy.array(indptr),
        ),
        shape=(len(documents), len(idf)),
    )


def study_space(
    nlp: Language,
    docs: Mapping[str, Doc],
    transcripts: Sequence[Transcript],
    segments: Mapping[str, Sequence[Segment]],
    concepts: Sequence[Concept],
    keyword_suggestions: Sequence[Suggestion],
) -> Space:
    """The pair space of a study, reading each transcript's document once."""
    reader = ContentLemmas(nlp.vocab)
    by_id = {t.id: t for t in transcripts}
    ordered: list[Segment] = []
    segment_bags: list[Bag] = []
    turn_bags: dict[tuple[str, int], Bag] = {}
    for transcript_id in sorted(by_id):
        transcript = by_id[transcript_id]
        mine = sorted(segments.get(transcript_id, ()), key=lambda s: s.start)
        asked = [i for i, turn in enumerate(transcript.turns) if turn.is_interviewer]
        spans = [(s.start, s.end) for s in mine]
        spans += [(transcript.turns[i].start, transcript.turns[i].end) for i in asked]
        if not spans:
            continue
        bags = reader.of_spans(TokenTable.of_doc(docs[transcript_id]), spans)
        ordered += mine
        segment_bags += bags[: len(mine)]
        turn_bags.update(zip(((transcript_id, i) for i in asked), bags[len(mine) :], strict=True))
    texts = [
        ConceptTexts(
            reader.of_text(nlp, ". ".join([c.label, *c.keywords])),
            reader.of_text(nlp, ". ".join(t for t in (c.definition, c.include, *c.examples) if t)),
            tuple(reader.of_text(nlp, k) for k in c.keywords),
        )
        for c in concepts
    ]
    return build_space(
        ordered,
        by_id,
        segment_bags,
        turn_bags,
        concepts,
        texts,
        keyword_suggestions,
        reader.vocabulary,
    )
