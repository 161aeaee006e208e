"""Candidate first-order concepts in the informants' own words (``gioia discover``).

A Gioia analysis starts from informant-centric terms. This module lists recurring,
distinctive phrases of participant talk that the codebook does not cover yet, for the
researcher to read and, if they hold, to add as in-vivo concepts.

Phrases. Within one sentence of a segment (participant talk: interviewer turns are never
segments), every run of 2 to 4 consecutive words (tokens with a letter; punctuation ends
a run) whose first and last words are content words (not stop words nor fillers of
speech, see :mod:`gioia.assist.lexicon`) is a phrase, known by its lemmas: "letting off
steam" and "let off steam" are one phrase, shown as it was most often said.

A phrase is a candidate when

- it was said at least ``min_count`` times, by at least ``min_participants`` participants;
- no concept's keyword covers it: a keyword covers a phrase when all the keyword's
  content lemmas are in the phrase, or when the phrase is part of the keyword;
- no longer phrase that passes the counts contains it with the same count (it is only
  ever part of that one);
- it contains no phrase the interviewer said: the interviewer's words are the
  researcher's framing, echoed, not the informants' own terms.

Distinctiveness, the order of the list. The keyness of a content word w is
``max(0, ln p_talk(w) - ln p_general(w))``: how many times more frequent it is in the
participants' talk (its share of their words) than in general language, from spaCy's
word probability tables (``lexeme_prob`` in spacy-lookups-data; a word missing from the
table counts as rare as the table's rarest). For languages without such a table, the
keyness of w is its inverse document frequency over the segments, ``ln(N / df(w))``.
A phrase scores ``log2(1 + count) * mean keyness of its content words``: frequent
phrases made of words unusual outside this study come first ("coffee room" before
"last week").
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import spacy_lookups_data
import yaml
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from gioia.assist.lexicon import content_tokens, is_word, segment_span
from gioia.models import Codebook, Segment, Transcript

__all__ = [
    "Candidate",
    "GeneralFrequencies",
    "concept_stubs",
    "discover_candidates",
    "load_general_frequencies",
]

MIN_WORDS, MAX_WORDS = 2, 4
EXAMPLES = 2
# Longer example sentences are cut to this many words either side of the phrase.
EXAMPLE_CONTEXT_WORDS = 10


@dataclass(frozen=True)
class GeneralFrequencies:
    """Natural-log probabilities of lower-cased words in general language."""

    log_probs: Mapping[str, float]
    unseen: float  # for a word missing from the table: that of the rarest word in it


@dataclass(frozen=True)
class Candidate:
    phrase: str  # as participants most often said it, e.g. "letting off steam"
    lemmas: str  # e.g. "let off steam": how a codebook keyword would state it
    count: int
    participants: tuple[str, ...]
    examples: tuple[str, ...]  # short sentences using it, from different participants
    distinctiveness: float


def load_general_frequencies(lang: str, words: Iterable[str]) -> GeneralFrequencies | None:
    """spaCy's word probabilities for ``lang`` (kept for ``words`` only: the table holds
    a million words), or None when spacy-lookups-data has none for that language."""
    path = Path(str(spacy_lookups_data.get_file(f"{lang}_lexeme_prob.json.gz")))
    if not path.is_file():
        return None
    table: dict[str, float] = json.loads(gzip.decompress(path.read_bytes()))
    wanted = set(words)
    # A word is listed in several casings; the most frequent stands for the word.
    kept: dict[str, float] = {}
    for word, log_prob in table.items():
        lower = word.lower()
        if lower in wanted and log_prob > kept.get(lower, -math.inf):
            kept[lower] = log_prob
    return GeneralFrequencies(kept, min(table.values()))


@dataclass
class _Phrase:
    wordings: Counter[str] = field(default_factory=Counter)
    participants: set[str] = field(default_factory=set)
    occurrences: list[tuple[str, Span, Span]] = field(default_factory=list)  # who, where, sent


def discover_candidates(
    nlp: Language,
    codebook: Codebook,
    transcripts: Mapping[str, Transcript],
    docs: Mapping[str, Doc],
    segments: Mapping[str, Sequence[Segment]],
    general: GeneralFrequencies | None = None,
    *,
    min_count: int = 2,
    min_participants: int = 2,
    limit: int | None = 30,
) -> list[Candidate]:
    """Candidate in-vivo concepts, the most distinctive first (see the module docstring)."""
    phrases, word_counts, document_frequency = _participant_phrases(docs, segments)
    frequent = {
        lemmas: phrase
        for lemmas, phrase in phrases.items()
        if sum(phrase.wordings.values()) >= min_count
        and len(phrase.participants) >= min_participants
    }
    said_by_interviewer = _interviewer_phrases(transcripts, docs)
    keywords = _keyword_lemmas(nlp, codebook)
    kept = {
        lemmas: phrase
        for lemmas, phrase in _without_parts_of_longer(frequent).items()
        if not any(part in said_by_interviewer for part in _parts(lemmas))
        and not any(_covers(keyword, lemmas) for keyword in keywords)
    }
    total_words = sum(word_counts.values())
    segment_count = sum(len(s) for s in segments.values())

    def keyness(word: str) -> float:
        if general is None:
            return math.log(segment_count / max(document_frequency[word], 1))
        share = word_counts[word] / total_words
        return max(0.0, math.log(share) - general.log_probs.get(word, general.unseen))

    candidates = []
    for lemmas, phrase in kept.items():
        count = sum(phrase.wordings.values())
        content = [t.lower_ for t in content_tokens(phrase.occurrences[0][1])]
        mean_keyness = sum(keyness(w) for w in content) / len(content)
        candidates.append(
            Candidate(
                phrase=min(phrase.wordings, key=lambda w: (-phrase.wordings[w], w)),
                lemmas=" ".join(lemmas),
                count=count,
                participants=tuple(sorted(phrase.participants)),
                examples=_examples(phrase.occurrences),
                distinctiveness=round(math.log2(1 + count) * mean_keyness, 4),
            )
        )
    candidates.sort(key=lambda c: (-c.distinctiveness, -c.count, c.lemmas))
    return candidates[:limit] if limit is not None else candidates


def _participant_phrases(
    docs: Mapping[str, Doc], segments: Mapping[str, Sequence[Segment]]
) -> tuple[dict[tuple[str, ...], _Phrase], Counter[str], Counter[str]]:
    """Every phrase of the segments by its lemmas; how often each word was said; and in
    how many segments."""
    phrases: dict[tuple[str, ...], _Phrase] = defaultdict(_Phrase)
    word_counts: Counter[str] = Counter()
    document_frequency: Counter[str] = Counter()
    for transcript in sorted(segments):
        for segment in segments[transcript]:
            span = segment_span(docs[transcript], segment.start, segment.end)
            words = [t.lower_ for t in span if is_word(t)]
            word_counts.update(words)
            document_frequency.update(set(words))
            # Talk no participant is attributed to is told apart by transcript and speaker.
            who = segment.participant or f"{segment.transcript} {segment.speaker}"
            for run in _runs(span):
                for ngram in _ngrams(run):
                    phrase = phrases[tuple(t.lemma_.lower() for t in ngram)]
                    phrase.wordings[_wording(ngram)] += 1
                    phrase.participants.add(who)
                    sentence = ngram[0].sent
                    # A sentence may run into the speaker's label: the example is the talk.
                    in_segment = span.doc[
                        max(sentence.start, span.start) : min(sentence.end, span.end)
                    ]
                    phrase.occurrences.append((who, ngram, in_segment))
    return phrases, word_counts, document_frequency


def _wording(ngram: Span) -> str:
    """The phrase as said, without the capital of a sentence's first word ("Car park")."""
    text = " ".join(ngram.text.split())
    if ngram[0].is_sent_start and ngram[0].is_title:
        return text[0].lower() + text[1:]
    return text


def _runs(span: Span) -> list[list[Token]]:
    """Runs of consecutive words within one sentence."""
    runs: list[list[Token]] = [[]]
    for token in span:
        if token.is_sent_start or not is_word(token):
            runs.append([])
        if is_word(token):
            runs[-1].append(token)
    return [run for run in runs if len(run) >= MIN_WORDS]


def _ngrams(run: Sequence[Token]) -> Iterable[Span]:
    doc = run[0].doc
    is_content = {t.i for t in content_tokens(run)}
    for size in range(MIN_WORDS, MAX_WORDS + 1):
        for first in range(len(run) - size + 1):
            last = run[first + size - 1]
            if run[first].i in is_content and last.i in is_content:
                yield doc[run[first].i : last.i + 1]


def _interviewer_phrases(
    transcripts: Mapping[str, Transcript], docs: Mapping[str, Doc]
) -> set[tuple[str, ...]]:
    """The phrases of every interviewer turn, by lemmas."""
    said: set[tuple[str, ...]] = set()
    for tid, transcript in transcripts.items():
        for turn in transcript.turns:
            if turn.is_interviewer and tid in docs:
                for run in _runs(segment_span(docs[tid], turn.start, turn.end)):
                    said.update(tuple(t.lemma_.lower() for t in ngram) for ngram in _ngrams(run))
    return said


def _parts(lemmas: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """Every run of at least two of the lemmas, the whole included."""
    for size in range(MIN_WORDS, len(lemmas) + 1):
        for first in range(len(lemmas) - size + 1):
            yield lemmas[first : first + size]


def _keyword_lemmas(nlp: Language, codebook: Codebook) -> list[tuple[tuple[str, ...], set[str]]]:
    """Each keyword's word lemmas and its content lemmas."""
    keywords = [k for concept in codebook.concepts for k in concept.keywords]
    return [
        (
            tuple(t.lemma_.lower() for t in doc if is_word(t)),
            {t.lemma_.lower() for t in content_tokens(doc)},
        )
        for doc in nlp.pipe(keywords)
    ]


def _covers(keyword: tuple[tuple[str, ...], set[str]], phrase: tuple[str, ...]) -> bool:
    words, content = keyword
    if content and content <= set(phrase):
        return True
    return _contains(words, phrase)


def _contains(longer: Sequence[str], part: Sequence[str]) -> bool:
    return any(
        tuple(longer[i : i + len(part)]) == tuple(part) for i in range(len(longer) - len(part) + 1)
    )


def _without_parts_of_longer(
    phrases: dict[tuple[str, ...], _Phrase],
) -> dict[tuple[str, ...], _Phrase]:
    counts = {lemmas: sum(phrase.wordings.values()) for lemmas, phrase in phrases.items()}
    # Each phrase marks its parts that it accounts for entirely.
    only_parts = {
        part
        for lemmas in phrases
        for part in _parts(lemmas)
        if part != lemmas and counts.get(part) == counts[lemmas]
    }
    return {lemmas: phrase for lemmas, phrase in phrases.items() if lemmas not in only_parts}


def _examples(occurrences: Sequence[tuple[str, Span, Span]]) -> tuple[str, ...]:
    """Up to two example sentences, from different participants when there are, the
    shortest first, each cut down to the words around the phrase."""
    # A stable sort: among sentences of one length, the first said comes first.
    by_length = sorted(occurrences, key=lambda o: len(o[2]))
    chosen: list[tuple[str, Span, Span]] = []
    for who, ngram, sentence in by_length:
        if len(chosen) < EXAMPLES and all(who != c[0] for c in chosen):
            chosen.append((who, ngram, sentence))
    for occurrence in by_length:
        if len(chosen) < EXAMPLES and occurrence not in chosen:
            chosen.append(occurrence)
    return tuple(_excerpt(ngram, sentence) for _, ngram, sentence in chosen)


def _excerpt(ngram: Span, sentence: Span) -> str:
    doc = ngram.doc
    start = max(sentence.start, ngram.start - EXAMPLE_CONTEXT_WORDS)
    end = min(sentence.end, ngram.end + EXAMPLE_CONTEXT_WORDS)
    text = " ".join(doc[start:end].text.split())
    return ("… " if start > sentence.start else "") + text + (" …" if end < sentence.end else "")


def concept_stubs(candidates: Sequence[Candidate], taken_ids: Iterable[str] = ()) -> str:
    """The candidates as codebook concepts (``id``, ``label``, ``in_vivo: true``,
    ``keywords``, ``examples``) in YAML, to paste under a theme's ``concepts:``; ids that
    are in ``taken_ids`` or repeat get a numeric suffix."""
    used = set(taken_ids)
    stubs = []
    for candidate in candidates:
        base = re.sub(r"[^a-z0-9]+", "-", candidate.phrase.lower()).strip("-") or "concept"
        concept_id, suffix = base, 2
        while concept_id in used:
            concept_id, suffix = f"{base}-{suffix}", suffix + 1
        used.add(concept_id)
        stubs.append(
            {
                "id": concept_id,
                "label": candidate.phrase,
                "in_vivo": True,
                "keywords": [candidate.phrase.lower()],
                "examples": list(candidate.examples),
            }
        )
    return yaml.safe_dump(stubs, sort_keys=False, allow_unicode=True, width=88)
