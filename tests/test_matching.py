"""Keyword and pattern suggestions: lemma matching, evidence spans, veto, negation and
hedges, scores weighted by how specific a term is across the corpus."""

from __future__ import annotations

import pytest

from gioia.assist.lexicon import CorpusStats
from gioia.assist.matching import ConceptMatcher, suggest_for_transcript
from gioia.doccache import TokenTable
from gioia.errors import ConfigError
from gioia.models import Codebook, Concept, Dimension, Segment, Theme


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
    # "clinical" is not a stop word; "the" is, so the second sentence is the control.
    text = "We share clinical workload. Then we share the workload."
    codebook = make_codebook(concept("workload", keywords=("share workload",)))
    [found] = run(nlp, codebook, text)
    assert [text[e.start : e.end] for e in found.evidence] == ["share the workload"]
    assert found.evidence[0].start == text.index("share the")


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
    text = "Interviewer: Do you rant?\n\nGP1: Not really. Well, I rant sometimes."
    start = text.index("Not really")
    found = run(
        nlp, make_codebook(concept("venting", keywords=("rant",))), text, one_segment(text, start)
    )
    # Only the participant's "rant" (the control), never the interviewer's.
    assert [e.start for s in found for e in s.evidence] == [text.index("I rant") + 2]


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
    text = "coffee room coffee room"
    segments = [
        Segment("T1", 0, 6, "coffee", "GP1", "GP1", 0),
        Segment("T1", 7, 11, "room", "GP1", "GP1", 0),
        Segment("T1", 12, 23, "coffee room", "GP1", "GP1", 1),  # the control: whole
    ]
    found = run(nlp, make_codebook(concept("space", keywords=("coffee room",))), text, segments)
    assert [(s.start, s.end) for s in found] == [(12, 23)]


def test_plural_of_a_word_the_lemmatizer_does_not_know_matches(nlp):
    text = "We mostly look at PDPs."
    [found] = run(nlp, make_codebook(concept("pdp", keywords=("PDP",))), text)
    assert text[found.evidence[0].start : found.evidence[0].end] == "PDPs"


@pytest.mark.parametrize("said", ["two way plots", "two-way plots", "the two-way plot"])
def test_hyphen_in_a_keyword_may_come_or_go(nlp, said):
    codebook = make_codebook(concept("two-way", keywords=("two-way plot",)))
    [found] = run(nlp, codebook, f"I rarely use {said}.")
    assert found.evidence[0].term == "two-way plot"


# --------------------------------------------------------------------------- negation, hedges


def cued(nlp, text: str, keyword: str = "ask") -> tuple[str | None, float]:
    [found] = run(nlp, make_codebook(concept("asking", keywords=(keyword,))), text)
    return found.evidence[0].cue, found.score


def test_negation_before_the_evidence_is_shown_and_lowers_the_score(nlp):
    # a single word weighs 0.5; under a negation 0.5 * 0.4
    assert cued(nlp, "I never felt I could ask.") == ("negation: never", pytest.approx(0.2))


def test_contracted_negation_is_shown_as_said(nlp):
    assert cued(nlp, "I couldn't ask anyone.") == ("negation: couldn't", pytest.approx(0.2))


def test_no_one_is_one_cue(nlp):
    assert cued(nlp, "No one would ask.")[0] == "negation: No one"


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Maybe I would ask.", "hedge: Maybe"),
        ("I guess I ask.", "hedge: I guess"),
        ("I sort of ask around.", "hedge: sort of"),
        ("I suppose we ask.", "hedge: I suppose"),
    ],
)
def test_hedges_are_shown_and_lower_the_score_less(nlp, text, cue):
    # 0.5 * 0.7
    assert cued(nlp, text) == (cue, pytest.approx(0.35))


@pytest.mark.parametrize(
    "text",
    [
        "I don't know, we ask.",  # punctuation ends the scope
        "I don't know but we ask.",  # so does "but"
        "I never said that we all really ask.",  # five words between: out of reach
        "I never do. We ask.",  # another sentence
    ],
)
def test_cue_outside_the_scope_is_ignored(nlp, text):
    assert cued(nlp, text) == (None, pytest.approx(0.5))


def test_negation_inside_the_keyword_is_part_of_the_term(nlp):
    assert cued(nlp, "I was not coping at all.", keyword="not coping") == (
        None,
        pytest.approx(0.7),
    )


def test_a_term_counts_with_its_strongest_occurrence(nlp):
    text = "I never ask. Well, now I ask."
    [found] = run(nlp, make_codebook(concept("asking", keywords=("ask",))), text)
    assert [e.cue for e in found.evidence] == ["negation: never", None]
    assert found.score == pytest.approx(0.5)


# --------------------------------------------------------------------------- corpus specificity


def test_common_terms_count_less_and_order_suggestions_by_specificity(nlp):
    """20 one-sentence segments; "work" is in every one, "rant" in one, "coffee" in four.
    specificity = clamp(ln(N / df) / ln 20, 0.2, 1):
      work: ln(20/20) = 0 -> 0.2;  rant: ln 20 / ln 20 = 1;
      coffee: ln(20/4) / ln 20 = 1.6094 / 2.9957 = 0.5372.
    Scores in segment 0 ("I rant about work over coffee."):
      workload (work): 0.5 * 0.2 = 0.1;  venting (rant): 0.5 * 1 = 0.5;
      breaks (coffee): 0.5 * 0.5372 = 0.2686."""
    sentences = ["I rant about work over coffee."]
    sentences += ["Coffee at work."] * 3 + ["More work today."] * 16
    text = " ".join(sentences)
    doc = nlp(text)
    segments, start = [], 0
    for index, sentence in enumerate(sentences):
        segments.append(Segment("T1", start, start + len(sentence), sentence, "P1", "P1", index))
        start += len(sentence) + 1
    stats = CorpusStats.of_segments({"T1": TokenTable.of_doc(doc)}, {"T1": segments})
    codebook = make_codebook(
        concept("workload", keywords=("work",)),
        concept("venting", keywords=("rant",)),
        concept("breaks", keywords=("coffee",)),
    )
    found = suggest_for_transcript(doc, segments, ConceptMatcher(nlp, codebook), stats)
    first = sorted((s for s in found if s.start == 0), key=lambda s: s.score, reverse=True)
    assert [(s.concept, s.score) for s in first] == [
        ("venting", pytest.approx(0.5)),
        ("breaks", pytest.approx(0.2686, abs=1e-4)),
        ("workload", pytest.approx(0.1)),
    ]


def test_negation_weighs_against_phrase_and_word_weights(nlp):
    """Without corpus statistics: a plain single word (0.5) outranks a negated phrase
    (0.7 * 0.4 = 0.28), which outranks a negated word (0.5 * 0.4 = 0.2)."""
    text = "We rant. We do not share the workload. We never offload."
    codebook = make_codebook(
        concept("venting", keywords=("rant",)),
        concept("sharing", keywords=("share workload",)),
        concept("offloading", keywords=("offload",)),
    )
    found = run(nlp, codebook, text, [Segment("T1", 0, len(text), text, "P1", "P1", 0)])
    ranked = sorted(found, key=lambda s: s.score, reverse=True)
    assert [(s.concept, s.score) for s in ranked] == [
        ("venting", pytest.approx(0.5)),
        ("sharing", pytest.approx(0.28)),
        ("offloading", pytest.approx(0.2)),
    ]
