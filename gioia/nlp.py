"""The spaCy pipeline gioia parses transcripts with, and the pass that parses (or loads,
from :mod:`gioia.doccache`) every document once.

Default: ``spacy.blank(lang)`` + sentencizer + lookup lemmas from spacy-lookups-data. No
model is ever downloaded. Both components are spaCy's own rules, reimplemented over token
arrays (:class:`ArraySentencizer`, :class:`LookupLemmatizer`, tested against spaCy's):
spaCy's versions build a Python ``Token`` object for every token, which made them several
times slower than the tokenizer. The lemmas are looked up case-insensitively, and a
sentence also ends at a speaker turn and after :data:`MAX_SENTENCE_TOKENS` tokens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy
import spacy
from spacy.attrs import IS_PUNCT, LEMMA, ORTH
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc
from spacy.vocab import Vocab

from gioia.doccache import DocCache
from gioia.errors import NlpError
from gioia.workers import shared_map

__all__ = [
    "LOOKUP_LEMMAS",
    "MAX_SENTENCE_TOKENS",
    "SENTENCES",
    "ArraySentencizer",
    "LookupLemmatizer",
    "build_ahead",
    "build_pipeline",
    "parse_missing",
    "with_documents",
]

SENTENCES = "gioia_sentencizer"
LOOKUP_LEMMAS = "gioia_lookup_lemmas"
# The longest a sentence of the default pipeline gets, in tokens (whitespace tokens
# included). spaCy's rules end a sentence at punctuation only, so a transcript without
# any (a hostile one, or an automatic transcript with no punctuation) was one sentence,
# and reading the sentence of every match made suggesting it quadratic (issue 16). The
# longest sentence of the real interviews gioia is tested on has 275 tokens.
MAX_SENTENCE_TOKENS = 1000


@Language.factory(SENTENCES)
def _make_sentencizer(nlp: Language, name: str) -> ArraySentencizer:
    return ArraySentencizer(name)


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based sentencizer, deciding from token arrays: the same sentences
    (a sentence ends after a run of ".", "!", "?" and the like, at the next token that is
    not punctuation), without spaCy's ``Token`` object for every token, which made its
    ``predict`` the slowest step of the default pipeline.

    Two rules of its own keep every sentence short whatever the punctuation: a blank line
    starts a sentence (in a normalised transcript, see :mod:`gioia.ingest`, blank lines
    are exactly the boundaries between speaker turns, so no sentence crosses a turn; the
    blank line opens the next sentence, as it does after a turn that ends with a full
    stop), and so does the token after :data:`MAX_SENTENCE_TOKENS` tokens of one
    sentence."""

    def predict(self, docs: Iterable[Doc]) -> list[list[bool]]:
        return [self._starts(doc) for doc in docs]

    def _starts(self, doc: Doc) -> list[bool]:
        if not len(doc):
            return []
        table = doc.to_array([ORTH, IS_PUNCT])
        distinct, position = numpy.unique(table[:, 0], return_inverse=True)
        texts = [doc.vocab.strings[h] for h in distinct.tolist()]
        ends_sentence = numpy.array([t in self.punct_chars for t in texts], bool)
        blank_line = numpy.array([_is_blank_line(t) for t in texts], bool)
        is_punct = table[:, 1].astype(bool).tolist()
        starts = [False] * len(doc)
        starts[0] = True
        sentence_start = 0
        seen_end = False
        for i, (ends, blank, punct) in enumerate(
            zip(
                ends_sentence[position].tolist(),
                blank_line[position].tolist(),
                is_punct,
                strict=True,
            )
        ):
            if (
                (seen_end and not punct and not ends)
                or blank
                or i - sentence_start >= MAX_SENTENCE_TOKENS
            ):
                starts[i] = True
                sentence_start = i
                seen_end = False
            if ends:
                seen_end = True
        return starts


def _is_blank_line(text: str) -> bool:
    """Whether a token is whitespace holding a blank line."""
    return text.count("\n") >= 2 and text.isspace()


@Language.factory(LOOKUP_LEMMAS)
def _make_lookup_lemmatizer(nlp: Language, name: str) -> LookupLemmatizer:
    return LookupLemmatizer(nlp.vocab, nlp.lang)


class LookupLemmatizer:
    """spaCy's lookup lemmatizer, made case-insensitive and fast: a word's lemma is the
    ``lemma_lookup`` table's entry (spacy-lookups-data) for its surface form, else for its
    lower-cased form, else the lower-cased form itself, lower-cased.

    spaCy's ``lemmatizer`` in lookup mode looks every token up by surface form, so
    "Sharing" at the start of a sentence misses the entry for "sharing". This component
    replaces it rather than correcting it afterwards: it looks each distinct word of a
    document up once (token arrays, no ``Token`` objects), which makes it several times
    faster, with the same table."""

    def __init__(self, vocab: Vocab, lang: str):
        self.vocab = vocab
        self.lang = lang
        self._table: Table | None = None
        self._lemma_of: dict[int, int] = {}  # word's hash → its lemma's hash

    def initialize(self, get_examples: object = None, *, nlp: Language | None = None) -> None:
        # Raises ValueError when spacy-lookups-data has no table for the language.
        self._table = load_lookups(self.lang, ["lemma_lookup"]).get_table("lemma_lookup")
        self._lemma_of.clear()

    def __call__(self, doc: Doc) -> Doc:
        words = doc.to_array(ORTH)
        if len(words):
            distinct, position = numpy.unique(words, return_inverse=True)
            lemmas = numpy.fromiter(
                (self._lemma(int(word)) for word in distinct), numpy.uint64, len(distinct)
            )
            doc.from_array([LEMMA], lemmas[position].reshape(-1, 1))
        return doc

    def _lemma(self, word: int) -> int:
        lemma = self._lemma_of.get(word)
        if lemma is None:
            if self._table is None:
                raise ValueError(f"{LOOKUP_LEMMAS} is used before nlp.initialize()")
            text = self.vocab.strings[word]
            lower = text.lower()
            found = self._table.get(text, self._table.get(lower, lower))
            lemma = self._lemma_of[word] = self.vocab.strings.add(str(found).lower())
        return lemma


# Pipelines built ahead of their use (build_ahead), each taken by the next
# build_pipeline of its configuration: `gioia suggest --jobs N` builds one while
# ingest's worker processes read the transcripts (issue 17).
_built_ahead: dict[tuple[str, str | None], Language] = {}


def build_ahead(lang: str = "en", model: str | None = None) -> None:
    """Build the pipeline now for the next :func:`build_pipeline` of the same
    configuration; a pipeline that cannot be built is left for that call to report."""
    with contextlib.suppress(NlpError):
        _built_ahead[(lang, model)] = _build(lang, model)


def build_pipeline(lang: str = "en", model: str | None = None) -> Language:
    """The configured pipeline: a named trained pipeline, or the blank default."""
    ahead = _built_ahead.pop((lang, model), None)
    return ahead if ahead is not None else _build(lang, model)


def _build(lang: str, model: str | None) -> Language:
    if model:
        try:
            return spacy.load(model)
        except OSError as exc:
            raise NlpError(
                f"the spaCy pipeline {model!r} named in gioia.yaml is not installed",
                hint=f"install it (e.g. `pip install {model}`) or set `settings: nlp: model: null` "
                "to use the built-in blank pipeline",
            ) from exc
    try:
        nlp = spacy.blank(lang)
    except (ImportError, KeyError) as exc:
        raise NlpError(
            f"spaCy has no language {lang!r}",
            hint="set `settings: nlp: lang:` in gioia.yaml to a spaCy language code such as en",
        ) from exc
    # spaCy refuses texts over a million characters by default, a guard for memory-hungry
    # parsers; this pipeline's memory grows linearly, and transcript size is bounded by
    # settings.limits.transcript_mb instead.
    nlp.max_length = 100_000_000
    nlp.add_pipe(SENTENCES)
    nlp.add_pipe(LOOKUP_LEMMAS)
    try:
        nlp.initialize()
    except (ValueError, OSError) as exc:
        raise NlpError(
            f"no lookup lemma tables for language {lang!r}",
            hint="install spacy-lookups-data (`pip install spacy-lookups-data`), "
            "or name a trained pipeline in `settings: nlp: model:`",
        ) from exc
    return nlp


def parse_missing(
    build_nlp: Callable[[], Language],
    texts: Mapping[str, str],
    cache: DocCache,
    *,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, list[tuple[int, int]]], int]:
    """Sentence spans of every text: from the cache, or by parsing (in ``jobs``
    processes) and caching the texts that are not in it. Returns the spans by id and how
    many texts were parsed. ``build_nlp`` is called only when a text must be parsed;
    ``progress(id)`` is called as each text is done."""
    sentences: dict[str, list[tuple[int, int]]] = {}
    missing = []
    for transcript, text in texts.items():
        cached = cache.sentences(text)
        if cached is None:
            missing.append(transcript)
            continue
        sentences[transcript] = cached
        if progress:
            progress(transcript)
    parsed = 0
    for transcript, spans, _, _ in with_documents(
        build_nlp, {t: texts[t] for t in missing}, cache, None, jobs=jobs
    ):
        sentences[transcript] = spans
        parsed += 1
        if progress:
            progress(transcript)
    return {t: sentences[t] for t in texts}, parsed


DocumentWork = Callable[[str, Doc, list[tuple[int, int]]], object]


def with_documents(
    build_nlp: Callable[[], Language],
    texts: Mapping[str, str],
    cache: DocCache,
    work: DocumentWork | None,
    *,
    jobs: int = 1,
) -> Iterator[tuple[str, list[tuple[int, int]], bool, object]]:
    """Every text's document — parsed and cached when the cache does not hold it, else
    loaded from it — with ``work(id, doc, sentence spans)`` done on it while it is at
    hand, in ``jobs`` processes (this one among them: :mod:`gioia.workers`). Yields (id,
    sentence spans, whether it was parsed, what ``work`` returned) in the order of
    ``texts``, one at a time, so that the caller can fold the results as they come and
    never holds every document (nor every result).

    Each worker process parses and works itself, and sends back only spans and results:
    shipping Doc objects between processes (spaCy's ``n_process``) costs more than
    parsing them with the default pipeline. The spans are kept in ``cache`` in this
    process; the caller saves it (:meth:`DocCache.save`)."""
    if not texts:
        return
    global _worker
    _worker = (build_nlp(), cache, texts, work)
    try:
        if jobs > 1 and len(texts) > 1:
            # Forked workers inherit the pipeline, cache and work set above.
            done = shared_map(_document_here, _document_in_worker, list(texts), jobs, most=8)
            for transcript, spans, parsed, result, entry in done:
                if entry is not None:  # the worker's cache is its own: keep it here
                    cache.keep_entry(texts[transcript], entry)
                yield transcript, spans, parsed, result
        else:
            yield from map(_document, texts)
    finally:
        _worker = None


_worker: tuple[Language, DocCache, Mapping[str, str], DocumentWork | None] | None = None


def _document(transcript: str) -> tuple[str, list[tuple[int, int]], bool, object]:
    assert _worker is not None, "with_documents sets the pipeline before any work"
    nlp, cache, texts, work = _worker
    text = texts[transcript]
    spans = cache.sentences(text)
    doc = None if spans is None or work is None else cache.get(nlp, text)
    parsed = spans is None or (work is not None and doc is None)
    if parsed:
        doc = nlp(text)
        spans = cache.put(text, doc)
    assert spans is not None
    return transcript, spans, parsed, None if work is None else work(transcript, doc, spans)


def _document_here(
    transcript: str,
) -> tuple[str, list[tuple[int, int]], bool, object, tuple[str, str] | None]:
    """As :func:`_document`, shaped as :func:`_document_in_worker`'s: this process's
    cache keeps what it parsed already."""
    return (*_document(transcript), None)


def _document_in_worker(
    transcript: str,
) -> tuple[str, list[tuple[int, int]], bool, object, tuple[str, str] | None]:
    """As :func:`_document`, with the cache entry a parse made, for the parent to keep."""
    assert _worker is not None, "with_documents sets the pipeline before any work"
    done = _document(transcript)
    cache, texts = _worker[1], _worker[2]
    return (*done, cache.entry(texts[transcript]) if done[2] else None)
