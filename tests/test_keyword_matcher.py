"""Keyword and veto phrases matched over token arrays (issue 17) give exactly the matches
spaCy's PhraseMatcher and Matcher gave: the reference below is the code that
ConceptMatcher ran before, kept here only to compare against."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher, PhraseMatcher

from gioia.assist.keywords import MAX_GAP_WORDS
from gioia.assist.matching import (
    ConceptMatcher,
    _cue_over,
    _keep_longest,
    _sentence_of,
    _sentence_starts,
)
from gioia.models import Codebook, Concept, Dimension, Theme


def _codebook(concepts: list[Concept]) -> Codebook:
    theme = Theme("t", "T", "d", concepts=tuple(concepts))
    return Codebook("test", (Dimension("d", "D", themes=(theme,)),))


def _concept(cid: str, **fields) -> Concept:
    return Concept(cid, cid.upper(), "t", "d", **fields)


def _old_gapped_pattern(phrase):
    pattern = []
    for i, token in enumerate(phrase):
        if token.text == "-":
            pattern.append({"ORTH": "-", "OP": "?"})
            continue
        if i and phrase[i - 1].text != "-":
            pattern += [{"IS_STOP": True, "OP": "?"}] * MAX_GAP_WORDS
        pattern.append({"LEMMA": token.lemma_})
    return pattern


def reference_matches(nlp, codebook: Codebook, matcher: ConceptMatcher, doc):
    """ConceptMatcher.matches as it was with spaCy's matchers for keywords and vetoes
    (codebook patterns plain LEMMA/LOWER ones, added concept by concept after its
    keywords, as the old code did), as comparable tuples."""
    phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
    plurals = PhraseMatcher(nlp.vocab, attr="LOWER")
    patterns = Matcher(nlp.vocab)
    for concept in codebook.concepts:
        for method, texts in (("keyword", concept.keywords), ("veto", concept.veto)):
            for phrase, parsed in zip(texts, nlp.pipe(texts), strict=True):
                if len(parsed) == 0:
                    continue
                key = f"{concept.id}\x1f{method}\x1f{phrase}"
                if len(parsed) == 1 or method == "veto":
                    phrases.add(key, [parsed])
                    if len(parsed) == 1:
                        forms = [parsed[0].lower_ + "s", parsed[0].lower_ + "es"]
                        plurals.add(key, list(nlp.tokenizer.pipe(forms)))
                else:
                    patterns.add(key, [_old_gapped_pattern(parsed)])
        for index, pattern in enumerate(concept.patterns):
            patterns.add(f"{concept.id}\x1fpattern\x1f{index}", [list(pattern)])
    found: dict[tuple[str, int], int] = {}
    strings = doc.vocab.strings
    for spacy_matcher in (phrases, plurals, patterns):
        if len(spacy_matcher) == 0:
            continue
        for match_id, start, end in spacy_matcher(doc):
            _keep_longest(found, strings[match_id], start, end)
    sentence_starts = _sentence_starts(doc)
    cues = sorted((end, -start, strings[kind]) for kind, start, end in matcher._cues(doc))
    out = []
    for (key, start), end in found.items():
        span = doc[start:end]
        sentence = _sentence_of(sentence_starts, span.start)
        cue, factor = _cue_over(doc, span, cues, sentence)
        rule = matcher._rules[key]
        out.append(
            (span.start_char, span.end_char, rule.concept, rule.term, rule.method, sentence,
             cue, factor)
        )  # fmt: skip
    out.sort(key=lambda m: m[:4])
    return _vetoes_last(out)


def _vetoes_last(matches):
    """Of matches of one concept and term on the same words, the vetoes last: spaCy's
    PhraseMatcher gave a keyword and a veto on the same words in its hash table's order
    (either way, the veto cancels both). A keyword and a pattern keep their order."""
    return sorted(matches, key=lambda m: (m[:4], m[4] == "veto"))


def new_matches(matcher: ConceptMatcher, doc):
    return _vetoes_last([
        (m.span.start_char, m.span.end_char, m.rule.concept, m.rule.term, m.rule.method,
         m.sentence, m.cue, m.cue_factor)
        for m in matcher.matches(doc)
    ])  # fmt: skip


# Words that make the cases: lemmas and their forms, stop words for gaps, hyphens,
# plurals as written, cues, punctuation, a turn boundary, an unknown acronym.
WORDS = (
    "share", "sharing", "shared", "workload", "workloads", "the", "a", "of", "to", "and",
    "it", "do", "did", "not", "never", "maybe", "two", "way", "plot", "plots", "-", "co", "op",
    "PDP", "PDPs", "pdps", "rant", "ranting", "Ranted", "vent", ",", ".", "?", "I", "we", "my",
    "lunch", "have", "had", "no", "one",
)  # fmt: skip
TEXT_TOKENS = st.sampled_from([*WORDS, "\n\n", "-", "--"])
PHRASE_WORDS = st.sampled_from((
    "share", "workload", "the", "of", "it", "do", "two", "way", "plot", "-", "co", "op", "PDP",
    "rant", "vent", "lunch", "have", "not", "no", "one", "a",
))  # fmt: skip


@st.composite
def phrases(draw):
    words = draw(st.lists(PHRASE_WORDS, min_size=1, max_size=4))
    joiner = draw(st.sampled_from([" ", " ", "-", "  "]))
    return joiner.join(words) if draw(st.booleans()) else " ".join(words)


@st.composite
def codebooks(draw):
    concepts = []
    for i in range(draw(st.integers(1, 4))):
        keywords = draw(st.lists(phrases(), min_size=0, max_size=4))
        veto = draw(st.lists(phrases(), max_size=1))
        patterns = []
        # a pattern whose text is a keyword of the same concept: the order of tied matches
        for keyword in keywords[:1]:
            if draw(st.booleans()) and " " in keyword:
                patterns.append(tuple({"LEMMA": w} for w in keyword.split()))
        concepts.append(
            _concept(f"c{i}", keywords=tuple(keywords), veto=tuple(veto), patterns=tuple(patterns))
        )
    return _codebook(concepts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebook=codebooks(), words=st.lists(TEXT_TOKENS, max_size=60))
def test_keyword_matches_equal_spacys(nlp, codebook, words):
    doc = nlp(" ".join(words))
    matcher = ConceptMatcher(nlp, codebook)
    assert new_matches(matcher, doc) == reference_matches(nlp, codebook, matcher, doc)


def test_seeded_longer_texts_equal_spacys(nlp):
    """Longer texts, many keywords: a seeded generator, beside the property above."""
    import random

    rng = random.Random(17)
    vocabulary = [*WORDS, "\n\n"]
    for _ in range(30):
        concepts = []
        for i in range(rng.randint(1, 12)):
            keywords = tuple(
                rng.choice([" ", "-"]).join(
                    rng.choice(WORDS[:30]) for _ in range(rng.randint(1, 3))
                )
                for _ in range(rng.randint(1, 4))
            )
            concepts.append(_concept(f"c{i}", keywords=keywords))
        codebook = _codebook(concepts)
        doc = nlp(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 400))))
        matcher = ConceptMatcher(nlp, codebook)
        assert new_matches(matcher, doc) == reference_matches(nlp, codebook, matcher, doc)


def test_the_documented_cases(nlp):
    codebook = _codebook(
        [
            _concept("w", keywords=("share workload", "two-way plot", "PDP")),
        ]
    )
    matcher = ConceptMatcher(nlp, codebook)
    doc = nlp("Sharing the workload. Two way plots and two-way plots. Our PDPs.")
    found = [
        (doc.text[m.span.start_char : m.span.end_char], m.rule.term) for m in matcher.matches(doc)
    ]
    assert found == [
        ("Sharing the workload", "share workload"),
        ("Two way plots", "two-way plot"),
        ("two-way plots", "two-way plot"),
        ("PDPs", "PDP"),
    ]
    # three stop words are one too many
    assert not matcher.matches(nlp("share it to the workload"))


# The cost with 250 concepts against 50 is a speed target, measured by
# benchmarks/suggest_speed.py (target 2), not a timed unit test.
