"""Features of (segment, concept) pairs: what the learned ranker weighs.

A Gioia codebook has dozens of concepts with one to five codings each: too few to learn
each concept on its own. Almost every feature here is therefore *shared* across concepts
— "the segment contains two of the concept's keywords", "it resembles talk the coder
accepted for the concept" — so that a weight learnt on one concept's decisions applies to
every other. Only the per-concept lexical weights (the crosses below) are the concept's
own, and regularisation keeps them small until its decisions support them.

The talk, its question, its context and the concept's words are TF-IDF vectors
(:mod:`gioia.assist.space`, which builds this space from a study); the features that
read the coder's decisions are worked out in :mod:`gioia.assist.decisions`.

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

Crosses (per-concept lexical weights): for each pair, c × each term of s, and c × each
term of its question, valued by the term's TF-IDF weight — for the concepts accepted in
at least ``MIN_CROSSED`` segments (:func:`crossed_concepts`): with fewer, a concept's own
weights would learn the accident of one quote's words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy
from scipy import sparse
from scipy.stats import rankdata

from gioia.assist.labels import Labels
from gioia.assist.lexicon import Bag
from gioia.models import Concept, Evidence, Segment, Suggestion

if TYPE_CHECKING:
    from gioia.assist.decisions import DecisionView

__all__ = [
    "FEATURES",
    "MIN_CROSSED",
    "Question",
    "Space",
    "crossed_concepts",
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
NEIGHBOURS = 2  # segments either side for near_kw and near_label
MIN_CROSSED = 2
# Segments whose features are worked out at once: bounds memory on large studies.
CHUNK = 2048


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
