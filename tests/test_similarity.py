"""Corpus statistics, TF-IDF over lemmas, the exemplar method (learning from the coders'
decisions) and vector similarity with a hand-made vectors table."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from gioia import pipeline
from gioia.doccache import TokenTable
from gioia.models import Codebook, Coding, Concept, Dimension, PlacedCoding, Segment, Theme
from gioia.nlp import build_pipeline
from gioia.similarity import (
    CorpusStats,
    content_tokens,
    cosine,
    rejected_codings,
    segment_span,
    suggest_exemplars,
)
from gioia.suggest import has_vectors, suggest_by_vectors

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "peer-support"


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


def placed(segment: Segment, concept_id: str, decision="accept", coder="ms", flags=()):
    coding = Coding(
        segment.transcript,
        segment.start,
        segment.end,
        concept_id,
        decision,
        coder,
        "human",
        segment.text,
        "2026-01-01T00:00:00Z",
        flags=tuple(flags),
    )
    return PlacedCoding(coding, concept_id, segment.start, segment.end, segment.participant)


# --------------------------------------------------------------------------- statistics


def test_content_lemmas_leave_out_stop_words_numbers_and_fillers(nlp):
    doc = nlp("Yeah, I kind of shared the workload for eighteen months.")
    assert [t.lemma_ for t in content_tokens(doc)] == ["share", "workload", "month"]


def test_idf_and_specificity_by_hand(nlp):
    # 20 segments: "coffee" in 4 of them, "work" in all.
    docs, segments, stats = corpus_of(nlp, *(["Coffee at work."] * 4 + ["Work."] * 16))
    assert stats.segments == 20
    assert stats.document_frequency["coffee"] == 4
    assert stats.idf("coffee") == pytest.approx(math.log(21 / 5) + 1)  # 2.4351
    assert stats.idf("unseen") == pytest.approx(math.log(21) + 1)
    assert stats.specificity("coffee") == pytest.approx(math.log(5) / math.log(20))  # 0.5372
    assert stats.specificity("work") == 0.2  # in every segment: the floor


def test_below_twenty_segments_every_word_is_specific(nlp):
    _, _, stats = corpus_of(nlp, "Work.", "Work.", "Coffee.")
    assert stats.specificity("work") == 1.0


def test_tfidf_vectors_and_cosine_by_hand(nlp):
    """4 segments; df: kettle 3, biscuit 2, sofa 1, garden 2, fence 2.
    idf = ln(5 / (1 + df)) + 1: kettle 1.22314, biscuit 1.51083, sofa 1.91629, garden 1.51083.
    cos(S0, S1) = (1.22314² + 1.51083²) / (|S0| |S1|)
                = 3.77867 / (2.72962 * 2.46197) = 0.56228."""
    docs, segments, stats = corpus_of(nlp, *TEA_TALK)
    s0, s1 = (stats.vector(segment_span(docs["T1"], s.start, s.end)) for s in segments["T1"][:2])
    assert set(s0) == {"kettle", "biscuit", "sofa"}
    assert s0["sofa"] == pytest.approx(1.91629 / 2.72962, abs=1e-5)
    assert cosine(s0, s1) == pytest.approx(0.56228, abs=1e-5)


def test_rejections_are_the_latest_non_undo_decisions_per_coder(nlp):
    _, segments, _ = corpus_of(nlp, "One.", "Two.", "Three.")
    one, two, three = segments["T1"]
    decisions = [
        placed(one, "c", "reject"),
        placed(one, "c", "accept"),  # changed their mind: not a rejection
        placed(two, "c", "accept"),
        placed(two, "c", "reject", flags=["undo"]),  # an undo withdraws, it does not reject
        placed(three, "c", "accept", coder="hb"),
        placed(three, "c", "reject", coder="ms"),
    ]
    assert [(p.start, p.coding.coder) for p in rejected_codings(decisions)] == [(three.start, "ms")]


# --------------------------------------------------------------------------- exemplar

TEA_TALK = (
    "The kettle and the biscuits on the sofa.",  # S0: accepted for "tea"
    "The kettle and the biscuits in the garden.",  # S1: shares kettle and biscuit
    "The garden fence.",  # S2: shares nothing
    "The kettle by the fence.",  # S3: shares one word only
)


def exemplars(nlp, talk=TEA_TALK, accepted=(0,), rejected=(), **kwargs):
    docs, segments, stats = corpus_of(nlp, *talk)
    segs = segments["T1"]
    codebook = make_codebook(concept("tea"), concept("other"))
    kept = [placed(segs[i], "tea") for i in accepted]
    decisions = kept + [placed(segs[i], "tea", "reject") for i in rejected]
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, kept, decisions, **kwargs)
    return found, segs


def test_segment_sharing_content_lemmas_with_an_accepted_one_is_suggested(nlp):
    found, segs = exemplars(nlp)
    [suggestion] = found  # S2 shares nothing, S3 only one word: not suggested
    assert (suggestion.start, suggestion.concept, suggestion.method) == (
        segs[1].start,
        "tea",
        "exemplar",
    )
    assert suggestion.score == pytest.approx(0.5623, abs=1e-4)  # the cosine above
    text = " ".join(TEA_TALK)
    assert [(e.term, text[e.start : e.end]) for e in suggestion.evidence] == [
        ("kettle", "kettle"),
        ("biscuit", "biscuits"),
    ]


def test_accepted_segments_and_other_concepts_are_not_resuggested(nlp):
    found, _ = exemplars(nlp, min_score=0.0)
    assert {(s.start, s.concept) for s in found} == {(found[0].start, "tea")}


def test_a_rejected_look_alike_pushes_a_segment_down(nlp):
    talk = (
        "The kettle and the biscuits on the sofa.",
        "The kettle and the biscuits in the garden shed.",  # candidate
        "The garden shed and the biscuits.",  # rejected for tea
        "The kettle and the biscuits in the kitchen.",  # candidate, unlike the rejected
    )
    before, segs = exemplars(nlp, talk, min_score=0.0)
    after, _ = exemplars(nlp, talk, rejected=(2,), min_score=0.0)
    score = {s.start: s.score for s in before}
    pushed = {s.start: s.score for s in after}
    assert pushed.get(segs[1].start, 0.0) < score[segs[1].start]
    assert pushed[segs[3].start] == score[segs[3].start]
    assert segs[2].start not in pushed  # decided for the concept: never re-suggested
    assert max(pushed, key=pushed.get) == segs[3].start


# S1 shares kettle and biscuit with S0, and garden, shed and biscuit with S2.
SOFA_AND_SHED = (
    "The kettle and the biscuits on the sofa.",
    "The kettle and the biscuits in the garden shed.",
    "The garden shed and the biscuits.",
)


def test_a_segment_nearer_another_concepts_talk_is_suggested_for_that_one_only(nlp):
    """The candidate S1 shares kettle and biscuit with S0 (tea) but garden, shed and
    biscuit with S2 (gardening): nearer S2, it is suggested for gardening, scoring its
    lead cos(S1, S2) - cos(S1, S0), and not for tea."""
    docs, segments, stats = corpus_of(nlp, *SOFA_AND_SHED)
    s0, s1, s2 = segments["T1"]
    v0, v1, v2 = (stats.vector(segment_span(docs["T1"], s.start, s.end)) for s in (s0, s1, s2))
    assert cosine(v1, v2) > cosine(v1, v0) > 0.1  # the premise, from the TF-IDF vectors
    codebook = make_codebook(concept("tea"), concept("gardening"))
    kept = [placed(s0, "tea"), placed(s2, "gardening")]
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, kept, kept, min_score=0.0)
    assert [(s.start, s.concept) for s in found] == [(s1.start, "gardening")]
    assert found[0].score == pytest.approx(cosine(v1, v2) - cosine(v1, v0), abs=1e-4)


def test_a_lead_below_the_minimum_is_not_suggested(nlp):
    """The lead of the test above is cos(S1, S2) - cos(S1, S0) = 0.850 - 0.463 = 0.387."""
    docs, segments, stats = corpus_of(nlp, *SOFA_AND_SHED)
    s0, s1, s2 = segments["T1"]
    codebook = make_codebook(concept("tea"), concept("gardening"))
    kept = [placed(s0, "tea"), placed(s2, "gardening")]
    for minimum, expected in ((0.35, [s1.start]), (0.45, [])):
        found = suggest_exemplars(
            nlp, codebook, docs, segments, stats, kept, kept, min_score=minimum
        )
        assert [s.start for s in found] == expected


def test_talk_coded_with_another_concept_is_suggested_for_one_it_resembles(nlp):
    """S0 is coded tea and S1 gardening, and they share kettle and biscuit (cosine
    0.5623, as above): each may also be the other's concept. A segment's own coding is
    not a rival to it."""
    docs, segments, stats = corpus_of(nlp, *TEA_TALK)
    s0, s1 = segments["T1"][:2]
    codebook = make_codebook(concept("tea"), concept("gardening"))
    kept = [placed(s0, "tea"), placed(s1, "gardening")]
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, kept, kept)
    assert sorted((s.start, s.concept, s.score) for s in found) == [
        (s0.start, "gardening", 0.5623),
        (s1.start, "tea", 0.5623),
    ]


def test_a_likeness_explained_by_a_concept_the_segment_already_has_suggests_nothing(nlp):
    """S1 (kettle, biscuit) is coded tea; S0 (kettle, biscuit, sofa) is coded tea and
    comfort. Their likeness may be tea's: S1 is not suggested for comfort. Once S0 is
    coded comfort only, the likeness is comfort's, and it is."""
    docs, segments, stats = corpus_of(nlp, *TEA_TALK)
    s0, s1 = segments["T1"][:2]
    codebook = make_codebook(concept("tea"), concept("comfort"))
    both = [placed(s0, "tea"), placed(s0, "comfort"), placed(s1, "tea")]
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, both, both)
    assert [(s.start, s.concept) for s in found] == []
    apart = [placed(s0, "comfort"), placed(s1, "tea")]
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, apart, apart)
    assert sorted((s.start, s.concept) for s in found) == [
        (s0.start, "tea"),
        (s1.start, "comfort"),
    ]


def test_a_segment_nearer_a_rejected_one_than_an_accepted_one_is_not_suggested(nlp):
    """S1 shares two words with the accepted S0 and three with the rejected S2."""
    talk = (
        "The kettle and the biscuits on the sofa.",
        "The kettle and the biscuits in the garden shed.",
        "The garden shed and the biscuits.",
    )
    found, segs = exemplars(nlp, talk, rejected=(2,), min_score=0.0)
    assert segs[1].start not in {s.start for s in found}
    found, _ = exemplars(nlp, talk, min_score=0.0)
    assert segs[1].start in {s.start for s in found}  # without the rejection, it is


def test_codebook_examples_are_exemplars_before_any_coding(nlp):
    docs, segments, stats = corpus_of(nlp, *TEA_TALK)
    codebook = make_codebook(concept("tea", examples=("Biscuits with the kettle on.",)))
    found = suggest_exemplars(nlp, codebook, docs, segments, stats, [], [])
    assert sorted(s.start for s in found) == [segments["T1"][0].start, segments["T1"][1].start]


def test_top_k_and_already_suggested_keep_the_queue_short(nlp):
    talk = ("The kettle and the biscuits on the sofa.",) + (
        "The kettle and the biscuits in the garden.",
    ) * 4
    found, segs = exemplars(nlp, talk, top_k=2)
    assert [s.start for s in found] == [segs[1].start, segs[2].start]
    already = {("T1", segs[1].start, segs[1].end, "tea")}
    found, _ = exemplars(nlp, talk, top_k=2, already_suggested=already)
    assert [s.start for s in found] == [segs[2].start, segs[3].start]


def test_resuggesting_after_a_review_round_reaches_talk_without_keywords(tmp_path):
    """The coder accepts a keyword suggestion; re-running `gioia suggest` then finds a turn
    that says the same with none of the concept's keywords."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "codebook.yaml").write_text(
        "version: 1\ntitle: T\ndimensions:\n  - id: d\n    label: D\n    themes:\n"
        "      - id: t\n        label: T\n        concepts:\n          - id: venting\n"
        "            label: Letting off steam\n            keywords: [rant]\n",
        encoding="utf-8",
    )
    (tmp_path / "transcripts" / "P1.txt").write_text(
        "Interviewer: How do you cope?\n\nP1: I rant to Priya over tea and biscuits in the "
        "kitchen after evening surgery.\n\nInterviewer: Anything else?\n\nP1: Not really.\n",
        encoding="utf-8",
    )
    (tmp_path / "transcripts" / "P2.txt").write_text(
        "Interviewer: How do you cope?\n\nP2: After evening surgery we sit in the kitchen "
        "with tea and biscuits and let it all out.\n\nInterviewer: And then?\n\nP2: Home.\n",
        encoding="utf-8",
    )
    loaded = pipeline.load_study(tmp_path)
    corpus = pipeline.ingest(loaded)
    parsed = pipeline.parse(loaded, corpus)
    [first] = pipeline.suggest(loaded, corpus, parsed)
    assert (first.transcript, first.method) == ("P1", "keyword")
    pipeline.code(
        loaded,
        coder="ms",
        transcript="P1",
        quote=corpus.by_id()["P1"].text[first.start : first.end],
        concept="venting",
    )
    again = pipeline.suggest(loaded, corpus, parsed)
    [learnt] = [s for s in again if s.method == "exemplar"]
    talk = corpus.by_id()["P2"].text[learnt.start : learnt.end]
    assert (learnt.transcript, learnt.concept) == ("P2", "venting")
    assert "rant" not in talk.lower()
    assert {e.term for e in learnt.evidence} >= {"tea", "biscuit", "kitchen", "surgery"}


def test_on_the_example_study_exemplars_find_coded_talk_without_keywords(tmp_path):
    """Reveal the coder's decisions on GP1-GP4 only: re-suggesting finds passages the
    coder coded in GP5-GP8 that contain none of their concept's keywords."""
    study = tmp_path / "peer-support"
    shutil.copytree(EXAMPLE, study, ignore=shutil.ignore_patterns(".gioia", "report"))
    journal = study / "codings" / "hb.jsonl"
    lines = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines()]
    revealed = {"GP1", "GP2", "GP3", "GP4"}
    journal.write_text(
        "".join(json.dumps(x) + "\n" for x in lines if x["transcript"] in revealed),
        encoding="utf-8",
    )
    hidden = [x for x in lines if x["transcript"] not in revealed and x["decision"] == "accept"]
    loaded = pipeline.load_study(study)
    corpus = pipeline.ingest(loaded)
    texts = {t.id: t.text for t in corpus.transcripts}
    found = pipeline.suggest(loaded, corpus, pipeline.parse(loaded, corpus))
    recovered = []
    for s in found:
        talk = texts[s.transcript][s.start : s.end]
        keywords = loaded.codebook.concept(s.concept).keywords
        if s.method == "exemplar" and any(
            h["transcript"] == s.transcript and h["concept"] == s.concept and h["quote"] in talk
            for h in hidden
        ):
            assert not any(k.lower() in talk.lower() for k in keywords)
            recovered.append((s.transcript, s.concept))
    assert ("GP8", "practice-culture") in recovered
    assert len(recovered) >= 3


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


def test_an_undone_decision_no_longer_keeps_a_segment_out(nlp):
    docs, segments, stats = corpus_of(nlp, *TEA_TALK)
    s0, s1 = segments["T1"][:2]
    kept = [placed(s0, "tea")]
    codebook = make_codebook(concept("tea"))
    decided = [*kept, placed(s1, "tea", "reject")]
    assert suggest_exemplars(nlp, codebook, docs, segments, stats, kept, decided) == []
    undone = [*decided, placed(s1, "tea", "reject", flags=["undo"])]
    [again] = suggest_exemplars(nlp, codebook, docs, segments, stats, kept, undone)
    assert again.start == s1.start
