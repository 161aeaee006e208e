"""Keyword and pattern suggestions: lemma matching, evidence spans, veto, scores."""

from __future__ import annotations

import pytest

from gioia.errors import ConfigError
from gioia.models import Codebook, Concept, Dimension, Segment, Theme
from gioia.suggest import ConceptMatcher, suggest_for_transcript


def make_codebook(*concepts: Concept) -> Codebook:
    theme = Theme("theme", "Theme", "dim", concepts=concepts)
    return Codebook("test", (Dimension("dim", "Dimension", themes=(theme,)),))


def concept(cid: str, **kwargs) -> Concept:
    return Concept(cid, cid, "theme", "dim", **kwargs)


def one_segment(text: str, start: int = 0, end: int | None = None) -> list[Segment]:
    end = len(text) if end is None else end
    return [Segment("T1", start, end, text[start:end], "GP1", "GP1", 0)]


def run(nlp, codebook, text, segments=None):
    matcher = ConceptMatcher(nlp, codebook)
    return suggest_for_transcript(nlp(text), segments or one_segment(text), matcher)


def test_inflected_word_matches_keyword_lemma(nlp):
    text = "Honestly I was ranting at him for ten minutes."
    [found] = run(nlp, make_codebook(concept("venting", keywords=("rant",))), text)
    assert found.concept == "venting"
    assert found.method == "keyword"
    [evidence] = found.evidence
    assert (evidence.term, text[evidence.start : evidence.end]) == ("rant", "ranting")


def test_sharing_the_workload_matches_share_workload(nlp):
    text = "It is about sharing the workload when someone is off."
    codebook = make_codebook(concept("workload", keywords=("share workload",)))
    [found] = run(nlp, codebook, text)
    assert [(e.term, e.start, e.end) for e in found.evidence] == [("share workload", 12, 32)]
    assert text[12:32] == "sharing the workload"


def test_multiword_keyword_matches_inflected_phrase_each_time(nlp):
    text = "We talked about sharing our workload. Sharing workloads helps."
    codebook = make_codebook(concept("workload", keywords=("share workload",)))
    [found] = run(nlp, codebook, text)
    assert [text[e.start : e.end] for e in found.evidence] == [
        "sharing our workload",
        "Sharing workloads",
    ]


def test_multiword_keyword_does_not_bridge_content_words(nlp):
    text = "We share clinical workload."  # "clinical" is not a stop word
    codebook = make_codebook(concept("workload", keywords=("share workload",)))
    assert run(nlp, codebook, text) == []


def test_matching_is_case_insensitive_at_sentence_start(nlp):
    text = "Mentoring the trainees keeps me going."
    [found] = run(nlp, make_codebook(concept("mentor", keywords=("mentor",))), text)
    assert text[found.evidence[0].start : found.evidence[0].end] == "Mentoring"


def test_evidence_offsets_are_in_transcript_coordinates(nlp):
    text = "Interviewer: Tell me more.\n\nGP1: We rant in the coffee room."
    start = text.index("We rant")
    codebook = make_codebook(
        concept("space", keywords=("coffee room",)), concept("venting", keywords=("rant",))
    )
    found = run(nlp, codebook, text, one_segment(text, start))
    by_concept = {s.concept: s for s in found}
    assert set(by_concept) == {"space", "venting"}
    space = by_concept["space"].evidence[0]
    assert text[space.start : space.end] == "coffee room"
    assert (by_concept["space"].start, by_concept["space"].end) == (start, len(text))


def test_interviewer_talk_outside_segments_is_never_suggested(nlp):
    text = "Interviewer: Do you rant?\n\nGP1: Not really."
    start = text.index("Not really")
    found = run(
        nlp, make_codebook(concept("venting", keywords=("rant",))), text, one_segment(text, start)
    )
    assert found == []


def test_veto_cancels_match_in_same_sentence_only(nlp):
    text = "We did an escape room as a team. I escape to the staff room."
    codebook = make_codebook(concept("escape", keywords=("escape",), veto=("escape room",)))
    [found] = run(nlp, codebook, text)
    assert [text[e.start : e.end] for e in found.evidence] == ["escape"]
    assert found.evidence[0].start == text.index("I escape") + 2


def test_score_is_noisy_or_of_distinct_terms(nlp):
    text = "I rant and rant and then I offload over coffee break chats."
    codebook = make_codebook(concept("venting", keywords=("rant", "offload", "coffee break")))
    [found] = run(nlp, codebook, text)
    # distinct: rant 0.5, offload 0.5, "coffee break" 0.7 -> 1 - 0.5*0.5*0.3
    assert found.score == pytest.approx(0.925)
    assert len(found.evidence) == 4


def test_single_keyword_score(nlp):
    [found] = run(nlp, make_codebook(concept("venting", keywords=("rant",))), "A rant.")
    assert found.score == pytest.approx(0.5)


def test_token_pattern_matches_on_lemmas(nlp):
    text = "We had lunch together every Friday."
    pattern = ({"LEMMA": "have"}, {"LOWER": "lunch"}, {"LOWER": "together"})
    [found] = run(nlp, make_codebook(concept("lunch", patterns=(pattern,))), text)
    assert found.method == "pattern"
    assert text[found.evidence[0].start : found.evidence[0].end] == "had lunch together"


def test_invalid_token_pattern_is_a_config_error(nlp):
    bad = ({"NOT_AN_ATTRIBUTE": "x"},)
    with pytest.raises(ConfigError) as info:
        ConceptMatcher(nlp, make_codebook(concept("broken", patterns=(bad,))))
    assert "broken" in info.value.problems[0].message


def test_match_spanning_two_segments_is_not_attributed(nlp):
    text = "coffee room"
    segments = [
        Segment("T1", 0, 6, "coffee", "GP1", "GP1", 0),
        Segment("T1", 7, 11, "room", "GP1", "GP1", 0),
    ]
    found = run(nlp, make_codebook(concept("space", keywords=("coffee room",))), text, segments)
    assert found == []
