"""A transcript with no sentence punctuation, at scale (issue 16, item 9): many short
turns with no ".", "?" or "!" made the whole transcript one sentence, and reading the
sentence of every keyword match (negation and hedge cue scope, veto) walked it, so
`gioia suggest` was quadratic: 20,000 turn pairs took 152 s. Sentences now end at every
speaker turn and after ``MAX_SENTENCE_TOKENS`` tokens, and cue scope bisects sentence
starts read once; the work is counted here, never timed."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

import pytest
from spacy.tokens import Doc, Span

from gioia import ingest
from gioia.assist import matching
from gioia.assist.matching import ConceptMatcher, find_hits
from gioia.doccache import sentence_spans
from gioia.ingest.speakers import attribute_speakers
from gioia.models import Codebook, Concept, Dimension, Theme, Transcript
from gioia.nlp import MAX_SENTENCE_TOKENS
from gioia.segment import segment_transcript

# A negation cue in every interviewer turn, a keyword in every participant turn.
PAIR = "I: no\nGP1: rant\n"


def unpunctuated(tmp_path, pairs: int) -> Transcript:
    """The transcript of ``pairs`` turn pairs, read and normalised as gioia reads it."""
    path = tmp_path / f"GP1-{pairs}.txt"
    path.write_text(PAIR * pairs, encoding="utf-8")
    transcript = ingest.read_transcript(path, transcript_id="GP1", rel_path=path.name)
    attributed, _ = attribute_speakers(transcript, ())
    return attributed


def codebook() -> Codebook:
    venting = Concept("venting", "Venting", "theme", "dim", keywords=("rant",))
    theme = Theme("theme", "Theme", "dim", concepts=(venting,))
    return Codebook("test", (Dimension("dim", "Dimension", themes=(theme,)),))


def test_no_sentence_crosses_a_speaker_turn(nlp, tmp_path):
    transcript = unpunctuated(tmp_path, 2000)
    assert len(transcript.turns) == 4000
    starts = [start for start, _ in sentence_spans(nlp(transcript.text))]
    for before, after in pairwise(transcript.turns):
        # A sentence starts between the end of one turn's talk and the next one's.
        index = bisect_left(starts, before.end)
        assert index < len(starts) and starts[index] <= after.start, (before, after)


def test_a_long_turn_without_punctuation_is_cut_into_short_sentences(nlp):
    doc = nlp("P1: " + "so we rant and " * MAX_SENTENCE_TOKENS)  # 4 * MAX + 2 tokens
    assert [len(s) for s in doc.sents] == [MAX_SENTENCE_TOKENS] * 4 + [2]


def test_a_turn_ends_a_sentence_whatever_its_punctuation(nlp):
    text = "Interviewer: How was it?\n\nP1: Fine. We rant\n\nInterviewer: And then\nP1: no"
    assert [s.text for s in nlp(text).sents] == [
        "Interviewer: How was it?",
        "\n\nP1: Fine.",
        "We rant",
        "\n\nInterviewer: And then\nP1: no",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Interviewer: How was it?\n\nP1: Fine. We rant\n\nInterviewer: And then\nP1: no",
        PAIR * 3,
        "no punctuation at all " * 400,
        "",
    ],
)
def test_a_matchs_sentence_is_span_sent(nlp, text):
    doc = nlp(text)
    starts = matching._sentence_starts(doc)
    assert [matching._sentence_of(starts, t.i) for t in doc] == [t.sent.start for t in doc]


def test_a_matchs_sentence_by_hand(nlp):
    doc = Doc(nlp.vocab, words=list("abcdef"), sent_starts=[True, None, False, True, None, None])
    starts = matching._sentence_starts(doc)
    assert [matching._sentence_of(starts, t.i) for t in doc] == [t.sent.start for t in doc]
    assert [matching._sentence_of(starts, t.i) for t in doc] == [0, 0, 0, 3, 3, 3]


class _CountedReads(Sequence):
    """A sequence that counts the items read from it, a slice as all it copies."""

    def __init__(self, items: Sequence, work: Counter):
        self._items = items
        self._work = work

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        found = self._items[index]
        self._work["cues read"] += len(found) if isinstance(index, slice) else 1
        return found


def _cue_scope_work(nlp, tmp_path, monkeypatch, pairs: int) -> int:
    """Cue entries read and sentence tokens walked while matching the transcript of
    ``pairs`` unpunctuated turn pairs. ``Span.sent`` answers through the document's
    hook, counting the tokens of the sentence it returns: those spaCy's own walk from
    the span to the sentence's start and end visits."""
    work: Counter = Counter()
    real_cue_over = matching._cue_over

    def cue_over(doc: Doc, span: Span, cues: Sequence, *rest):
        return real_cue_over(doc, span, _CountedReads(cues, work), *rest)

    monkeypatch.setattr(matching, "_cue_over", cue_over)
    transcript = unpunctuated(tmp_path, pairs)
    doc = nlp(transcript.text)
    sentences = [doc[s.start : s.end] for s in doc.sents]
    starts = [s.start for s in sentences]

    def sentence_of(span: Span) -> Span:
        sentence = sentences[bisect_right(starts, span.start) - 1]
        work["sentence tokens walked"] += len(sentence)
        return sentence

    doc.user_span_hooks["sent"] = sentence_of
    segments = segment_transcript(transcript, sentence_spans(doc))
    hits = find_hits(doc, segments, ConceptMatcher(nlp, codebook()))
    # Every participant turn is suggested, and the interviewer's "no" does not reach
    # over the turn boundary into the participant's talk.
    assert len(hits) == pairs
    assert {(hit.term, hit.cue) for hit in hits} == {("rant", None)}
    return sum(work.values())


def test_cue_scope_work_grows_linearly_with_the_transcript(nlp, tmp_path, monkeypatch):
    small = _cue_scope_work(nlp, tmp_path, monkeypatch, 2000)
    large = _cue_scope_work(nlp, tmp_path, monkeypatch, 4000)
    assert small > 0
    # Twice the text, twice the work and a bisection's step more per match (2.15 times
    # here); it was four times: quadratic.
    assert large < 2.5 * small
