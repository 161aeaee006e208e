"""Features of (segment, concept) pairs: what the learned ranker weighs.

A Gioia codebook has dozens of concepts with one to five codings each: too few to learn
each concept on its own. Almost every feature here is therefore *shared* across concepts
— "the segment contains two of the concept's keywords", "it resembles talk the coder
accepted for the concept" — so that a weight learnt on one concept's decisions applies to
every other. Only the per-concept lexical weights (the crosses below) are the concept's
own, and regularisation keeps them small until its decisions support them.

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

The features of a pair (segment s, concept c), in the order of ``FEATURES``:

===================  ==================================================================
keyword evidence     ``kw_score`` (the keyword suggestion's score, :mod:`.matching`),
                     ``kw_terms`` (distinct terms), ``kw_phrase`` (a multi-word one),
                     ``kw_pattern``, ``kw_negated`` / ``kw_hedged`` (every occurrence
                     under a cue), ``other_kw`` (other concepts with keyword evidence in
                     s), ``theme_kw`` (the best keyword score of c's theme)
term records         of c's terms in s, from explicit decisions on other keyword pairs:
                     ``record_best``, ``record_worst``, ``record_sum`` of
                     ln((accepted + 1) / (rejected + 1)), ``record_discredited`` (every
                     term's rate (a + 1) / (a + r + 2) below 0.25)
the concept's words  ``sim_label``, ``sim_definition``, ``label_rank`` (ln(1 + how many
                     concepts' labels s is more like))
the question         ``q_label``, ``q_definition``, ``q_keyword`` (the question holds
                     all the words of one of c's keywords)
neighbours           ``near_kw``, ``near_label`` (the best of the two segments either
                     side), ``context_label``
the coder's          ``accepted_sim`` / ``rejected_sim`` (the most similar segment
decisions            accepted / explicitly rejected for c), ``accepted_q_sim`` /
                     ``rejected_q_sim`` (the same for their questions), ``vote_talk``,
                     ``vote_question``, ``vote_context`` (the similarity-weighted share of
                     the ``VOTERS`` most similar decided segments accepted for c),
                     ``prior`` (ln of c's Laplace rate among decided segments),
                     ``accepted_count`` (ln(1 + segments accepted for c))
the segment          ``words`` (ln(1 + words))
===================  ==================================================================

The coder's decisions are always read from *other interviews* than the segment's own: a
segment's features never use decisions in its own transcript. Training rows then look
exactly like the rows of an interview nobody has coded yet (the ones the ranker is for),
and talk is never "like" the decisions on the turns around it, which share its topic
because they are the same conversation, not because they are the same concept.

Crosses (per-concept lexical weights): for each pair, c × each term of s, and c × each
term of its question, valued by the term's TF-IDF weight — for the concepts accepted in
at least ``MIN_CROSSED`` segments (:func:`crossed_concepts`): with fewer, a concept's own
weights would learn the accident of one quote's words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy
from scipy import sparse
from scipy.stats import rankdata

from gioia.assist.labels import Labels
from gioia.assist.lexicon import Bag, ContentLemmas
from gioia.doccache import TokenTable
from gioia.models import Concept, Evidence, Segment, Suggestion, Transcript

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "MIN_CROSSED",
    "FEATURES",
    "ConceptTexts",
    "DecisionView",
    "Space",
    "build_space",
    "crossed_concepts",
    "study_space",
]

FEATURES = (
    "kw_score", "kw_terms", "kw_phrase", "kw_pattern", "kw_negated", "kw_hedged",
    "other_kw", "theme_kw",
    "record_best", "record_worst", "record_sum", "record_discredited",
    "sim_label", "sim_definition", "label_rank",
    "q_label", "q_definition", "q_keyword",
    "near_kw", "near_label", "context_label",
    "accepted_sim", "rejected_sim", "accepted_q_sim", "rejected_q_sim",
    "vote_talk", "vote_question", "vote_context", "prior", "accepted_count",
    "words",
)  # fmt: skip
MIN_QUESTION_LEMMAS = 2
QUESTION_REACH = 3
NEIGHBOURS = 2  # segments either side for near_kw and near_label
VOTERS = 10
# As in gioia.assist.records: a term rejected three times and never accepted.
DISCREDITED_BELOW = 0.25
MIN_CROSSED = 2
# Segments whose features are worked out at once: bounds memory on large studies.
CHUNK = 2048


@dataclass(frozen=True)
class ConceptTexts:
    """A concept's words as content lemmas: its label (with its keywords), its
    definition (with its inclusion criteria and examples), and each keyword alone."""

    label: Bag
    definition: Bag
    keywords: tuple[Bag, ...]


@dataclass(frozen=True)
class Question:
    """The interviewer turn a segment answers."""

    start: int
    end: int
    bag: Bag


class Space:
    """The (segment, concept) pairs of a study and everything about them that does not
    depend on decisions, built once per run (see :func:`build_space`)."""

    def __init__(
        self,
        segments: Sequence[Segment],
        concepts: Sequence[Concept],
        talk: sparse.csr_matrix,
        questions: sparse.csr_matrix,
        context: sparse.csr_matrix,
        labels: sparse.csr_matrix,
        definitions: sparse.csr_matrix,
        question_of: Sequence[Question | None],
        bags: Sequence[Bag],
        keyword: Mapping[tuple[int, int], Suggestion],
        question_keyword: numpy.ndarray,
        lemmas: Sequence[str],
    ):
        self.segments = tuple(segments)
        self.concepts = tuple(concepts)
        self.concept_index = {c.id: i for i, c in enumerate(self.concepts)}
        self.talk, self.questions, self.context = talk, questions, context
        self.question_of = tuple(question_of)
        self.bags = tuple(bags)
        self.keyword = dict(keyword)
        self.lemmas = tuple(lemmas)  # term number → the lemma or bigram
        names = sorted({s.transcript for s in self.segments})
        self.transcript_names = tuple(names)
        number = {name: i for i, name in enumerate(names)}
        self.transcript = numpy.array([number[s.transcript] for s in self.segments], numpy.int64)
        self.words = numpy.array([len(s.text.split()) for s in self.segments], numpy.float64)
        n, k = len(self.segments), len(self.concepts)
        self.sim_label = _dense(talk @ labels.T, n, k)
        self.sim_definition = _dense(talk @ definitions.T, n, k)
        self.q_label = _dense(questions @ labels.T, n, k)
        self.q_definition = _dense(questions @ definitions.T, n, k)
        self.context_label = _dense(context @ labels.T, n, k)
        self.q_keyword = question_keyword.astype(numpy.float32)
        self.kw = numpy.zeros((n, k, 6), numpy.float32)
        for (segment, concept), made in self.keyword.items():
            self.kw[segment, concept] = _keyword_evidence(made)
        self.theme = numpy.array(
            [sorted({c.theme for c in self.concepts}).index(c.theme) for c in self.concepts]
        )
        self.previous, self.following = _neighbours(self.transcript)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.segments), len(self.concepts)

    def segments_of(self, transcripts: set[str]) -> numpy.ndarray:
        wanted = [i for i, name in enumerate(self.transcript_names) if name in transcripts]
        return numpy.flatnonzero(numpy.isin(self.transcript, wanted))

    # ------------------------------------------------------------------ features

    def features(self, rows: numpy.ndarray, view: DecisionView) -> numpy.ndarray:
        """The ``FEATURES`` of every pair (s, c) for s in ``rows`` (segment indexes) and
        every concept c, row-major: pair (rows[i], c) is row ``i * concepts + c``."""
        out = []
        for first in range(0, len(rows), CHUNK):
            out.append(self._chunk(rows[first : first + CHUNK], view))
        width = len(FEATURES)
        return numpy.concatenate(out) if out else numpy.zeros((0, width))

    def _chunk(self, rows: numpy.ndarray, view: DecisionView) -> numpy.ndarray:
        n, k = len(rows), len(self.concepts)
        kw = self.kw[rows]
        kw_score = kw[:, :, 0]
        has_kw = kw_score > 0
        other_kw = has_kw.sum(axis=1, keepdims=True) - has_kw
        theme_kw = numpy.zeros((n, k), numpy.float32)
        for theme in numpy.unique(self.theme):
            members = self.theme == theme
            theme_kw[:, members] = kw_score[:, members].max(axis=1, keepdims=True)
        sim_label = self.sim_label[rows]
        # How many concepts' labels the segment is more like: rank among them, ties first.
        label_rank = numpy.log1p(rankdata(-sim_label, method="min", axis=1) - 1)
        near_kw = numpy.zeros((n, k), numpy.float32)
        near_label = numpy.zeros((n, k), numpy.float32)
        for neighbour in self._neighbourhood(rows):
            present = neighbour >= 0
            at = neighbour[present]
            near_kw[present] = numpy.maximum(near_kw[present], self.kw[at, :, 0])
            near_label[present] = numpy.maximum(near_label[present], self.sim_label[at])
        decided = view.decided_features(self, rows)
        records = view.record_features(self, rows)
        words = numpy.broadcast_to(numpy.log1p(self.words[rows])[:, None], (n, k))
        columns = [
            *(kw[:, :, j] for j in range(6)),
            other_kw, theme_kw, *records,
            sim_label, self.sim_definition[rows], label_rank,
            self.q_label[rows], self.q_definition[rows], self.q_keyword[rows],
            near_kw, near_label, self.context_label[rows],
            *decided, words,
        ]  # fmt: skip
        return numpy.stack([numpy.asarray(c, numpy.float64) for c in columns], axis=2).reshape(
            n * k, len(FEATURES)
        )

    def _neighbourhood(self, rows: numpy.ndarray) -> list[numpy.ndarray]:
        found = []
        for step in (self.previous, self.following):
            at = rows.copy()
            for _ in range(NEIGHBOURS):
                at = numpy.where(at >= 0, step[numpy.maximum(at, 0)], -1)
                found.append(at)
        return found

    @property
    def cross_width(self) -> int:
        """Columns of one concept's crosses: a talk and a question column per term."""
        return 2 * self.talk.shape[1]

    def crosses(self, rows: numpy.ndarray, crossed: numpy.ndarray) -> sparse.csr_matrix:
        """The concept × term columns of every pair of ``rows``, in the order of
        :meth:`features`: ``crossed[c]`` is concept c's block of ``cross_width``
        columns, or -1 for a concept without crosses (its pairs get none)."""
        k, width = len(self.concepts), self.cross_width
        blocks = int(crossed.max()) + 1 if len(crossed) else 0
        offsets = crossed[crossed >= 0].astype(numpy.int64)[:, None] * width
        with_crosses = numpy.flatnonzero(crossed >= 0)
        lengths = numpy.zeros((len(rows), k), numpy.int64)
        indices, data = [], []
        for i, segment in enumerate(rows.tolist()):
            talk, said = _row(self.talk, segment)
            asked, question = _row(self.questions, segment)
            terms = numpy.concatenate([talk * 2, asked * 2 + 1])
            values = numpy.concatenate([said, question])
            indices.append((offsets + terms[None, :]).reshape(-1))
            data.append(numpy.tile(values, len(with_crosses)))
            lengths[i, with_crosses] = len(terms)
        indptr = numpy.concatenate([[0], numpy.cumsum(lengths.reshape(-1))])
        return sparse.csr_matrix(
            (
                numpy.concatenate(data) if data else numpy.zeros(0),
                numpy.concatenate(indices) if indices else numpy.zeros(0, numpy.int64),
                indptr,
            ),
            shape=(len(rows) * k, blocks * width),
        )

    # ------------------------------------------------------------------ evidence

    def shared_terms(self, segment: int, other: int, limit: int = 3) -> list[Evidence]:
        """Where in ``segment`` the content lemmas it shares with ``other`` occur, the
        weightiest ``limit`` lemmas (for the evidence of a learned suggestion)."""
        mine, theirs = self.talk[segment], self.talk[other]
        weight = dict(zip(theirs.indices.tolist(), theirs.data.tolist(), strict=True))
        shared = sorted(
            (
                (-value * weight[term], term)
                for term, value in zip(mine.indices.tolist(), mine.data.tolist(), strict=True)
                if term in weight
            ),
        )
        chosen = {term for _, term in shared[:limit]}
        bag = self.bags[segment]
        return [
            Evidence(self.lemmas[int(term)], int(start), int(end))
            for term, start, end in zip(bag.ids, bag.starts, bag.ends, strict=True)
            if int(term) in chosen
        ]


def _row(matrix: sparse.csr_matrix, row: int) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The column numbers and values of one row of a CSR matrix, without building a
    one-row matrix (which costs more than the rest of the work on it)."""
    first, last = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[first:last], matrix.data[first:last]


def crossed_concepts(space: Space, labels: Labels) -> numpy.ndarray:
    """For each concept, its block number among the crossed ones, or -1 (see the module
    docstring)."""
    accepted = numpy.zeros(len(space.concepts), numpy.int64)
    for _, concept in labels.accepted:
        if concept in space.concept_index:
            accepted[space.concept_index[concept]] += 1
    crossed = numpy.full(len(space.concepts), -1, numpy.int64)
    chosen = numpy.flatnonzero(accepted >= MIN_CROSSED)
    crossed[chosen] = numpy.arange(len(chosen))
    return crossed


def _dense(product: sparse.spmatrix, rows: int, columns: int) -> numpy.ndarray:
    return numpy.asarray(product.todense(), numpy.float32).reshape(rows, columns)


def _keyword_evidence(made: Suggestion) -> list[float]:
    cues = [e.cue or "" for e in made.evidence]
    return [
        made.score,
        len({e.term for e in made.evidence}),
        float(any(" " in e.term for e in made.evidence)),
        float(made.method == "pattern"),
        float(all(cue.startswith("negation") for cue in cues)),
        float(all(cue.startswith("hedge") for cue in cues)),
    ]


def _neighbours(transcript: numpy.ndarray) -> tuple[numpy.ndarray, numpy.ndarray]:
    """The previous and next segment of the same transcript (-1: none)."""
    index = numpy.arange(len(transcript))
    previous = numpy.where((index > 0) & (numpy.roll(transcript, 1) == transcript), index - 1, -1)
    following = numpy.where(
        (index < len(transcript) - 1) & (numpy.roll(transcript, -1) == transcript), index + 1, -1
    )
    return previous, following


class DecisionView:
    """What a learner's labels say about each pair, read from other interviews only
    (see the module docstring): the decision features of :class:`Space` rows."""

    def __init__(self, space: Space, labels: Labels):
        self.labels = labels
        self.decided = space.segments_of(set(labels.worked))
        k = len(space.concepts)
        self.accepted = numpy.zeros((len(space.segments), k), bool)
        self.rejected = numpy.zeros((len(space.segments), k), bool)
        for (segment, concept), _ in labels.accepted.items():
            if concept in space.concept_index:
                self.accepted[segment, space.concept_index[concept]] = True
        for (segment, concept), _ in labels.rejected.items():
            if concept in space.concept_index:
                self.rejected[segment, space.concept_index[concept]] = True
        transcripts = len(space.transcript_names)
        self.accepted_in = numpy.zeros((transcripts, k))
        self.decided_in = numpy.zeros(transcripts)
        for segment in self.decided.tolist():
            self.accepted_in[space.transcript[segment]] += self.accepted[segment]
            self.decided_in[space.transcript[segment]] += 1
        # (concept, term) → transcript → [accepted, rejected], over keyword pairs decided
        # explicitly (an undecided keyword pair is pending, not a verdict on its terms).
        self.records: dict[tuple[int, str], dict[int, list[int]]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0])
        )
        for (segment, concept), made in space.keyword.items():
            verdict = (
                0
                if self.accepted[segment, concept]
                else 1
                if self.rejected[segment, concept]
                else None
            )
            if verdict is None:
                continue
            for term in {e.term for e in made.evidence}:
                self.records[(concept, term)][int(space.transcript[segment])][verdict] += 1
        self._totals = {
            key: (sum(v[0] for v in found.values()), sum(v[1] for v in found.values()))
            for key, found in self.records.items()
        }

    def decided_features(self, space: Space, rows: numpy.ndarray) -> list[numpy.ndarray]:
        n, k = len(rows), len(space.concepts)
        own = space.transcript[rows]
        decided = self.decided
        if len(decided) == 0:
            zeros = numpy.zeros((n, k))
            prior = numpy.full((n, k), math.log(0.5))
            return [zeros] * 7 + [prior, zeros]
        other = own[:, None] != space.transcript[decided][None, :]
        accepted = self.accepted[decided]
        rejected = self.rejected[decided]
        talk = _masked(space.talk[rows] @ space.talk[decided].T, other)
        question = _masked(space.questions[rows] @ space.questions[decided].T, other)
        context = _masked(space.context[rows] @ space.context[decided].T, other)
        accepted_sim = _best_of(talk, accepted)
        rejected_sim = _best_of(talk, rejected)
        accepted_q_sim = _best_of(question, accepted)
        rejected_q_sim = _best_of(question, rejected)
        votes = [_vote(m, accepted) for m in (talk, question, context)]
        accepted_elsewhere = self.accepted_in.sum(axis=0)[None, :] - self.accepted_in[own]
        decided_elsewhere = (self.decided_in.sum() - self.decided_in[own])[:, None]
        prior = numpy.log((accepted_elsewhere + 1) / (decided_elsewhere + 2))
        count = numpy.log1p(accepted_elsewhere)
        return [
            accepted_sim, rejected_sim, accepted_q_sim, rejected_q_sim, *votes, prior, count,
        ]  # fmt: skip

    def record_features(self, space: Space, rows: numpy.ndarray) -> list[numpy.ndarray]:
        n, k = len(rows), len(space.concepts)
        best, worst, total, discredited = (numpy.zeros((n, k)) for _ in range(4))
        for i, segment in enumerate(rows.tolist()):
            own = int(space.transcript[segment])
            for concept in numpy.flatnonzero(space.kw[segment, :, 0] > 0).tolist():
                made = space.keyword[(segment, concept)]
                ratios, rates = [], []
                for term in {e.term for e in made.evidence}:
                    a, r = self.record(concept, term, excluding=own)
                    ratios.append(math.log((a + 1) / (r + 1)))
                    rates.append((a + 1) / (a + r + 2))
                best[i, concept], worst[i, concept] = max(ratios), min(ratios)
                total[i, concept] = sum(ratios)
                discredited[i, concept] = float(all(rate < DISCREDITED_BELOW for rate in rates))
        return [best, worst, total, discredited]

    def record(self, concept: int, term: str, *, excluding: int = -1) -> tuple[int, int]:
        """(accepted, rejected) keyword pairs of ``concept`` through ``term``, in
        transcripts other than ``excluding``."""
        found = self.records.get((concept, term))
        if not found:
            return 0, 0
        a, r = self._totals[(concept, term)]
        own = found.get(excluding)
        return (a - own[0], r - own[1]) if own else (a, r)


def _masked(product: sparse.spmatrix, keep: numpy.ndarray) -> numpy.ndarray:
    dense = numpy.asarray(product.todense(), numpy.float32)
    return numpy.where(keep, dense, 0.0)


def _best_of(similarity: numpy.ndarray, members: numpy.ndarray) -> numpy.ndarray:
    """For each row and concept, the largest similarity to a member of the concept."""
    best = numpy.zeros((similarity.shape[0], members.shape[1]), numpy.float32)
    for concept in numpy.flatnonzero(members.any(axis=0)).tolist():
        best[:, concept] = similarity[:, members[:, concept]].max(axis=1)
    return best


def _vote(similarity: numpy.ndarray, accepted: numpy.ndarray) -> numpy.ndarray:
    """The similarity-weighted share of the ``VOTERS`` most similar decided segments
    that were accepted for each concept."""
    voters = min(VOTERS, similarity.shape[1])
    nearest = numpy.argpartition(-similarity, voters - 1, axis=1)[:, :voters]
    weight = numpy.take_along_axis(similarity, nearest, axis=1)
    total = weight.sum(axis=1, keepdims=True)
    share = numpy.einsum("nv,nvc->nc", weight, accepted[nearest].astype(numpy.float64))
    return numpy.divide(share, total, out=numpy.zeros_like(share), where=total > 0)


# --------------------------------------------------------------------------- building


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
