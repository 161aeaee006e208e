"""Codebook token patterns made of words run on gioia's own matcher (issue 17) and find
exactly what spaCy's Matcher found: bounded patterns over the whole document, patterns
with an unbounded repeat within a sentence and MAX_REACH_TOKENS tokens, over windows.
The reference below is the code ConceptMatcher ran before, kept here to compare against;
patterns the tree cannot express still go to spaCy's Matcher, and are compared too."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher

from gioia.assist import keywords, matching
from gioia.assist.keywords import pattern_phrase
from gioia.assist.matching import (
    ConceptMatcher,
    _cue_over,
    _keep_longest,
    _sentence_of,
    _sentence_starts,
)
from gioia.assist.spacy_patterns import windows
from gioia.models import Codebook, Concept, Dimension, Theme
from gioia.patterns import MAX_REACH_TOKENS, has_unbounded_repeat, pattern_refusals


def _codebook(patterns_by_concept: list[list[tuple[dict, ...]]]) -> Codebook:
    concepts = tuple(
        Concept(f"c{i}", f"C{i}", "t", "d", patterns=tuple(patterns))
        for i, patterns in enumerate(patterns_by_concept)
    )
    theme = Theme("t", "T", "d", concepts=concepts)
    return Codebook("test", (Dimension("d", "D", themes=(theme,)),))


def reference_matches(nlp, codebook: Codebook, matcher: ConceptMatcher, doc):
    """ConceptMatcher.matches as it was with every pattern on spaCy's Matcher."""
    bounded, reaching = Matcher(nlp.vocab), Matcher(nlp.vocab)
    for concept in codebook.concepts:
        for index, pattern in enumerate(concept.patterns):
            chosen = reaching if has_unbounded_repeat(pattern) else bounded
            chosen.add(f"{concept.id}\x1fpattern\x1f{index}", [list(pattern)])
    found: dict[tuple[str, int], int] = {}
    strings = doc.vocab.strings
    sentence_starts = _sentence_starts(doc)
    if len(bounded):
        for match_id, start, end in bounded(doc):
            _keep_longest(found, strings[match_id], start, end)
    if len(reaching):
        for window, first_starts in windows(doc, sentence_starts):
            for match_id, start, end in reaching(window):
                if start < first_starts and end - start <= MAX_REACH_TOKENS:
                    offset = window.start
                    _keep_longest(found, strings[match_id], offset + start, offset + end)
    cues = sorted((end, -start, strings[kind]) for kind, start, end in matcher._cues(doc))
    out = []
    for (key, start), end in found.items():
        span = doc[start:end]
        sentence = _sentence_of(sentence_starts, span.start)
        cue, factor = _cue_over(doc, span, cues, sentence)
        rule = matcher._rules[key]
        out.append((span.start, span.end, rule.concept, rule.term, sentence, cue, factor))
    return sorted(out)


def new_matches(matcher: ConceptMatcher, doc):
    return sorted(
        (m.span.start, m.span.end, m.rule.concept, m.rule.term, m.sentence, m.cue, m.cue_factor)
        for m in matcher.matches(doc)
    )


WORDS = ("have", "had", "a", "the", "lunch", "Lunch", "cover", "for", "locum", "I", "felt",
         "alone", "not", "never", ",", ".", "-", "two", "way")  # fmt: skip
# A few words, so that the generated patterns match often.
WORD = st.sampled_from(("have", "had", "a", "the", "lunch", "Lunch", "I"))
TEXT = st.lists(st.one_of(WORD, st.sampled_from([",", ".", "\n\n", "not"])), max_size=90)


@st.composite
def token_specs(draw) -> dict:
    """A token spec of the kinds codebooks use, sometimes one the tree leaves to spaCy."""
    kind = draw(st.sampled_from(["LEMMA", "LOWER", "ORTH", "TEXT", "lower", "IN", "ANY",
                                 "ANY", "ANY", "IS_STOP", "two"]))  # fmt: skip
    if kind == "IN":
        spec: dict = {"LOWER": {"IN": draw(st.lists(WORD, min_size=1, max_size=3))}}
    elif kind == "ANY":
        spec = {}
    elif kind == "IS_STOP":  # not a word: spaCy's Matcher runs it
        spec = {"IS_STOP": True}
    elif kind == "two":  # two attributes on one token: spaCy's Matcher too
        spec = {"LOWER": draw(WORD), "LEMMA": draw(WORD)}
    else:
        spec = {kind: draw(WORD)}
    op = draw(st.sampled_from([None, None, None, "?", "*", "*", "+", "{1,2}", "{,2}", "{2}", "!"]))
    if op is not None:
        spec["OP"] = op
    return spec


@st.composite
def codebooks(draw) -> Codebook:
    concepts = []
    for _ in range(draw(st.integers(1, 3))):
        patterns = []
        for _ in range(draw(st.integers(1, 3))):
            pattern = tuple(draw(st.lists(token_specs(), min_size=1, max_size=5)))
            if not pattern_refusals(pattern):
                patterns.append(pattern)
        concepts.append(patterns)
    return _codebook(concepts)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebook=codebooks(), words=TEXT)
def test_pattern_matches_equal_spacys(nlp, codebook, words):
    doc = nlp(" ".join(words))
    matcher = ConceptMatcher(nlp, codebook)
    assert new_matches(matcher, doc) == reference_matches(nlp, codebook, matcher, doc)


def test_long_sentences_and_the_reach_equal_spacys(nlp):
    """Unbounded patterns over sentences longer than two windows, seeded."""
    import random

    rng = random.Random(17)
    shapes = [
        ({"LEMMA": "have"}, {"OP": "*"}, {"LOWER": "lunch"}),
        ({"LOWER": "i"}, {"OP": "+"}, {"LEMMA": "feel"}, {}, {"LOWER": "alone"}),
        ({"LEMMA": "cover"}, {"LOWER": {"IN": ["for", "the"]}, "OP": "?"}, {"OP": "*"},
         {"LOWER": "locum"}),
    ]  # fmt: skip
    codebook = _codebook([shapes])
    matcher = ConceptMatcher(nlp, codebook)
    assert not len(matcher._reaching)  # all three run on gioia's matcher
    for _ in range(20):
        words = [rng.choice(WORDS[:14]) for _ in range(rng.randint(0, 300))]
        doc = nlp(" ".join(words) + rng.choice(["", " ."]))
        assert new_matches(matcher, doc) == reference_matches(nlp, codebook, matcher, doc)


@pytest.mark.parametrize(
    ("pattern", "runs_here"),
    [
        (({"LEMMA": "have"}, {"LOWER": {"IN": ["a", "the"]}, "OP": "?"}, {"LEMMA": "lunch"}), True),
        (({"LEMMA": "cover"}, {"OP": "*"}, {"LOWER": "locum"}), True),
        (({"TEXT": "GP"}, {}, {"orth": "rota", "OP": "{1,2}"}), True),
        (({"OP": "*"}, {"LOWER": "locum"}), False),  # a repeat at an end
        (({"LOWER": "very", "OP": "+"}, {"LOWER": "tired"}), False),  # a repeated word
        (({"LOWER": {"REGEX": "^lunch"}},), False),
        (({"LOWER": {"NOT_IN": ["a"]}},), False),
        (({"IS_PUNCT": True},), False),
        (({"LOWER": "a", "LEMMA": "a"},), False),
        (({"LOWER": "a", "OP": "!"}, {"LOWER": "b"}), False),
        (({"LENGTH": 5},), False),
    ],
)
def test_which_patterns_run_without_spacys_matcher(nlp, pattern, runs_here):
    assert (pattern_phrase(pattern, nlp.vocab.strings) is not None) is runs_here
    matcher = ConceptMatcher(nlp, _codebook([[pattern]]))
    on_spacy = len(matcher._patterns) + len(matcher._reaching)
    assert on_spacy == (0 if runs_here else 1)


def test_an_unbounded_pattern_reads_at_most_its_reach_from_each_start(nlp, monkeypatch):
    """ "i the i the ...": [i, *, the] matches from every "i" to every later "the" in the
    sentence; gioia's matcher reads at most MAX_REACH_TOKENS tokens from each "i", so
    its work is linear in the transcript's length."""
    read = 0
    original = keywords._rows

    def counting_rows(table, start, stop):
        nonlocal read
        for row in original(table, start, stop):
            read += 1
            yield row

    monkeypatch.setattr(keywords, "_rows", counting_rows)
    matcher = ConceptMatcher(nlp, _codebook([[({"LOWER": "i"}, {"OP": "*"}, {"LOWER": "the"})]]))
    doc = nlp("i the " * 1500)
    matches = matcher.matches(doc)
    assert read <= 1500 * MAX_REACH_TOKENS
    assert len({m.span.start for m in matches}) == 1500
    assert max(len(m.span) for m in matches) == MAX_REACH_TOKENS
    assert read >= 1400 * MAX_REACH_TOKENS  # (the counter counts: most starts read 40)


def test_a_phrase_with_a_repeat_needs_a_reach(nlp):
    with pytest.raises(ValueError, match="reach"):
        keywords.KeywordMatcher().add("k", ((keywords.ANY, (), "*"),))
    assert matching.MAX_REACH_TOKENS == MAX_REACH_TOKENS
