"""``similarity`` suggestions: only when the pipeline has word vectors, the cosine
between the mean vector of a segment's content words and that of the concept's label,
definition and examples; the ``VECTOR_TOP_K`` most similar segments scoring at least
``VECTOR_MIN_SCORE`` per concept, with the segment's words closest to the concept as
evidence (the method list is in :mod:`gioia.assist.matching`)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Token

from gioia.assist.lexicon import content_tokens, segment_span
from gioia.models import Codebook, Evidence, Segment, Suggestion

__all__ = ["VECTOR_MIN_SCORE", "VECTOR_TOP_K", "has_vectors", "suggest_by_vectors"]

# Not calibrated on data: no pipeline with vectors is installed where gioia is benchmarked.
# Averaged word vectors of any two sentences are often 0.5 apart or closer, so only close
# matches are suggested.
VECTOR_MIN_SCORE = 0.75
VECTOR_TOP_K = 10
VECTOR_EVIDENCE_WORDS = 3


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
