"""Content lemmas, corpus statistics, and vector similarity with a hand-made vectors
table."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from gioia.assist.lexicon import ContentLemmas, CorpusStats, content_tokens
from gioia.assist.vectors import has_vectors, suggest_by_vectors
from gioia.doccache import TokenTable
from gioia.models import Codebook, Concept, Dimension, Segment, Theme
from gioia.nlp import build_pipeline

PDPILOT = Path(__file__).resolve().parent / "data" / "transcripts" / "pdpilot"


def make_codebook(*concepts: Concept) -> Codebook:
    theme = Theme("theme", "Theme", "dim", concepts=concepts)
    return Codebook("test", (Dimension("dim", "Dimension", themes=(theme,)),))


def concept(cid: str, **kwargs) -> Concept:
    return Concept(cid, cid, "theme", "dim", **kwargs)


def corpus_of(nlp, *talk: str):
    """One transcript whose segments are the given sentences, separated by one space."""
    text = " ".join(talk)
    segments, start = [], 0
    for index, sentence in enumerate(talk):
        segments.append(Segment("T1", start, start + len(sentence), sentence, "P1", "P1", index))
        start += len(sentence) + 1
    docs = {"T1": nlp(text)}
    return (
        docs,
        {"T1": tuple(segments)},
        CorpusStats.of_segments({"T1": TokenTable.of_doc(docs["T1"])}, {"T1": segments}),
    )


# --------------------------------------------------------------------------- statistics


def test_content_lemmas_leave_out_stop_words_numbers_and_fillers(nlp):
    doc = nlp("Yeah, I kind of shared the workload for eighteen months.")
    assert [t.lemma_ for t in content_tokens(doc)] == ["share", "workload", "month"]


def test_specificity_by_hand(nlp):
    # 20 segments: "coffee" in 4 of them, "work" in all.
    docs, segments, stats = corpus_of(nlp, *(["Coffee at work."] * 4 + ["Work."] * 16))
    assert stats.segments == 20
    assert stats.document_frequency["coffee"] == 4
    assert stats.specificity("coffee") == pytest.approx(math.log(5) / math.log(20))  # 0.5372
    assert stats.specificity("work") == 0.2  # in every segment: the floor


def test_below_twenty_segments_every_word_is_specific(nlp):
    _, _, stats = corpus_of(nlp, "Work.", "Work.", "Coffee.")
    assert stats.specificity("work") == 1.0


def test_content_lemmas_from_token_arrays_are_those_of_content_tokens(nlp):
    """The array reader the ranker uses gives, span by span, the lemmas and character
    offsets that content_tokens gives token by token, on a real transcript."""
    text = (PDPILOT / "P3.txt").read_text(encoding="utf-8")[:20000]
    doc = nlp(text)
    spans = [(0, 500), (500, 4321), (4321, len(text)), (10, 10)]
    reader = ContentLemmas(nlp.vocab)
    bags = reader.of_spans(TokenTable.of_doc(doc), spans)
    names = {number: lemma for lemma, number in reader.vocabulary.items()}
    for (start, end), bag in zip(spans, bags, strict=True):
        tokens = [t for t in content_tokens(doc) if start <= t.idx < end]
        assert [names[i] for i in bag.ids.tolist()] == [t.lemma_.lower() for t in tokens]
        assert bag.starts.tolist() == [t.idx for t in tokens]
        assert bag.ends.tolist() == [t.idx + len(t.text) for t in tokens]
    assert len(bags[0]) > 20 and len(bags[3]) == 0


# --------------------------------------------------------------------------- vectors


@pytest.fixture
def nlp_with_vectors():
    """A blank pipeline of its own with a 3-dimensional vectors table made here."""
    nlp = build_pipeline("en")
    nlp.vocab.reset_vectors(width=3)
    for word, vector in {
        "tea": [0.9, 0.1, 0.0],
        "kettle": [1.0, 0.0, 0.0],
        "car": [0.0, 1.0, 0.0],
        "park": [0.0, 1.0, 0.0],
    }.items():
        nlp.vocab.set_vector(word, np.array(vector, dtype="float32"))
    return nlp


def test_similarity_needs_vectors(nlp):
    docs, segments, _ = corpus_of(nlp, "The kettle is on.")
    assert not has_vectors(nlp)
    assert suggest_by_vectors(nlp, make_codebook(concept("tea")), docs, segments) == []


def test_similarity_to_the_concept_by_hand(nlp_with_vectors):
    """The concept "tea" (its label) has the vector of "tea", (0.9, 0.1, 0) / 0.90554.
    "The kettle is on." -> kettle (1, 0, 0): cosine 0.9 / 0.90554 = 0.99388, suggested;
    "The car park." -> mean (0, 1, 0): cosine 0.1 / 0.90554 = 0.11043, below 0.75."""
    nlp = nlp_with_vectors
    docs, segments, _ = corpus_of(nlp, "The kettle is on.", "The car park.")
    [found] = suggest_by_vectors(nlp, make_codebook(concept("tea")), docs, segments)
    assert (found.start, found.method) == (0, "similarity")
    assert found.score == pytest.approx(0.9939, abs=1e-4)
    assert [(e.term, e.start, e.end) for e in found.evidence] == [("kettle", 4, 10)]
    low = suggest_by_vectors(nlp, make_codebook(concept("tea")), docs, segments, min_score=0.1)
    assert [round(s.score, 4) for s in low] == [0.9939, 0.1104]


def test_lemma_frequency_counts_segments_not_occurrences():
    """In how many segments each word lemma occurs, lower-cased, punctuation left out:
    counted by hand for three segments of one document."""
    from gioia.assist.lexicon import lemma_frequency

    nlp = build_pipeline("en")
    talk = ["We vent, we vent.", "Venting helps us.", "No."]
    text = " ".join(talk)
    segments, start = [], 0
    for index, sentence in enumerate(talk):
        segments.append(Segment("T1", start, start + len(sentence), sentence, "P1", "P1", index))
        start += len(sentence) + 1
    counts = lemma_frequency(TokenTable.of_doc(nlp(text)), segments)
    assert counts == {"we": 1, "vent": 2, "help": 1, "us": 1, "no": 1}
    # a segment that is left out counts for nothing; none at all, nothing
    assert lemma_frequency(TokenTable.of_doc(nlp(text)), segments[1:2]) == {
        "vent": 1, "help": 1, "us": 1
    }  # fmt: skip
    assert lemma_frequency(TokenTable.of_doc(nlp(text)), []) == {}
