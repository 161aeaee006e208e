"""The spaCy pipeline gioia parses transcripts with, and its content-hash cache.

Default: ``spacy.blank(lang)`` + sentencizer + lookup lemmas from spacy-lookups-data. No
model is ever downloaded. Both components are spaCy's own rules, reimplemented over token
arrays (:class:`ArraySentencizer`, :class:`LookupLemmatizer`, tested against spaCy's):
spaCy's versions build a Python ``Token`` object for every token, which made them several
times slower than the tokenizer. The lemmas are looked up case-insensitively.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy
import spacy
from spacy.attrs import IDX, IS_PUNCT, LEMMA, LENGTH, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.pipeline import Sentencizer
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from gioia.errors import NlpError
from gioia.fsutil import atomic_write_bytes

__all__ = [
    "DocCache",
    "LazyDocs",
    "LazyTokenTables",
    "TokenTable",
    "build_pipeline",
    "describe_pipeline",
    "parse_missing",
    "pipeline_fingerprint",
    "sentence_spans",
]

SENTENCES = "gioia_sentencizer"
LOOKUP_LEMMAS = "gioia_lookup_lemmas"
# Bump when the way documents are built changes, so old caches are not reused.
_PIPELINE_REVISION = 3


@Language.factory(SENTENCES)
def _make_sentencizer(nlp: Language, name: str) -> ArraySentencizer:
    return ArraySentencizer(name)


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based sentencizer, deciding from token arrays: the same sentences
    (a sentence ends after a run of ".", "!", "?" and the like, at the next token that is
    not punctuation), without spaCy's ``Token`` object for every token, which made its
    ``predict`` the slowest step of the default pipeline."""

    def predict(self, docs: Iterable[Doc]) -> list[list[bool]]:
        return [self._starts(doc) for doc in docs]

    def _starts(self, doc: Doc) -> list[bool]:
        if not len(doc):
            return []
        table = doc.to_array([ORTH, IS_PUNCT])
        distinct, position = numpy.unique(table[:, 0], return_inverse=True)
        ends_sentence = numpy.array(
            [doc.vocab.strings[h] in self.punct_chars for h in distinct.tolist()], bool
        )[position].tolist()
        is_punct = table[:, 1].astype(bool).tolist()
        starts = [False] * len(doc)
        starts[0] = True
        seen_end = False
        for i, (ends, punct) in enumerate(zip(ends_sentence, is_punct, strict=True)):
            if seen_end and not punct and not ends:
                starts[i] = True
                seen_end = False
            elif ends:
                seen_end = True
        return starts


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


def build_pipeline(lang: str = "en", model: str | None = None) -> Language:
    """The configured pipeline: a named trained pipeline, or the blank default."""
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


def describe_pipeline(lang: str, model: str | None) -> dict[str, str]:
    """The pipeline as a methods section names it, with the versions that matter."""
    described = {
        "pipeline": model or f"spacy.blank('{lang}') + sentencizer + lookup lemmatizer",
        "spacy": importlib.metadata.version("spacy"),
    }
    package = model or "spacy-lookups-data"
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        described[package] = importlib.metadata.version(package)
    return described


def pipeline_fingerprint(lang: str, model: str | None) -> str:
    """What a cached document depends on besides its text."""
    parts = [f"rev={_PIPELINE_REVISION}", f"lang={lang}", f"model={model}"]
    for package in ("spacy", "spacy-lookups-data", model or ""):
        if not package:
            continue
        try:
            parts.append(f"{package}={importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{package}=?")
    return ";".join(parts)


@dataclass(frozen=True)
class TokenTable:
    """A parsed document's tokens as arrays: where each starts in the text, and its word
    and lemma as string hashes (``strings`` maps every hash used to its string). What
    corpus statistics need, without building a ``Doc``: loading one costs about as much
    as parsing the text with the default pipeline."""

    starts: numpy.ndarray  # int64
    words: numpy.ndarray  # uint64 hashes
    lemmas: numpy.ndarray  # uint64 hashes
    strings: Mapping[int, str]

    @classmethod
    def of_doc(cls, doc: Doc) -> TokenTable:
        table = doc.to_array([IDX, ORTH, LEMMA])
        hashes = numpy.unique(table[:, 1:]).tolist()
        return cls(
            table[:, 0].astype(numpy.int64),
            table[:, 1],
            table[:, 2],
            {h: doc.vocab.strings[h] for h in hashes},
        )


class DocCache:
    """Parsed documents stored under a hash of text + pipeline, so an unchanged
    transcript is never parsed twice, with their sentence spans beside them (segmenting
    needs only those, so a warm run never loads a document it does not match against).
    Safe to delete.

    A trained pipeline's documents are stored as DocBin files. The default pipeline's
    are stored as token arrays (:data:`_TOKEN_ATTRS`) and the strings they refer to:
    ``DocBin.add`` reads nine strings through a ``Token`` object for every token, which
    took twice as long as parsing the document with this pipeline."""

    def __init__(self, folder: Path, fingerprint: str, *, trained: bool = False):
        self.folder = folder
        self.fingerprint = fingerprint
        self.trained = trained
        self._suffix = ".spacy" if trained else ".tokens.npz"

    def key(self, text: str) -> str:
        digest = hashlib.sha256(self.fingerprint.encode("utf-8") + b"\0" + text.encode("utf-8"))
        return digest.hexdigest()[:32]

    def _path(self, text: str, suffix: str) -> Path:
        return self.folder / f"{self.key(text)}{suffix}"

    def get(self, nlp: Language, text: str) -> Doc | None:
        path = self._path(text, self._suffix)
        if not path.is_file():
            return None
        try:
            data = path.read_bytes()
            doc = _doc_from_docbin(data, nlp) if self.trained else _doc_from_arrays(data, nlp)
        except Exception:  # noqa: BLE001 - a corrupt cache entry is re-parsed, never fatal
            return None
        # The file name is a hash of the text, so a document that does not span the
        # text exactly is a damaged entry. (Comparing doc.text would build a Token
        # object for every token: longer than loading the document.)
        if doc is None or not len(doc) or doc[-1].idx + len(doc[-1].text_with_ws) != len(text):
            return None
        return doc

    def tokens(self, nlp: Callable[[], Language], text: str) -> TokenTable | None:
        """The cached document of ``text`` as a :class:`TokenTable`, or None when it is
        not cached. ``nlp`` gives the pipeline, needed only to read a DocBin."""
        if self.trained:
            doc = self.get(nlp(), text)
            return None if doc is None else TokenTable.of_doc(doc)
        path = self._path(text, self._suffix)
        try:
            tokens, strings = _read_arrays(path.read_bytes())
        # Missing or damaged: the caller parses the text again.
        except Exception:  # noqa: BLE001
            return None
        words = tokens[:, 0]
        distinct, position = numpy.unique(words, return_inverse=True)
        lengths = numpy.array([len(strings[h]) for h in distinct.tolist()], dtype=numpy.int64)
        ends = numpy.cumsum(lengths[position] + tokens[:, 3].astype(numpy.int64))
        if not len(ends) or int(ends[-1]) != len(text):
            return None  # not this text's tokens: a damaged entry
        starts = numpy.concatenate(([0], ends[:-1]))
        return TokenTable(starts, words, tokens[:, 1], strings)

    def sentences(self, text: str) -> list[tuple[int, int]] | None:
        """The cached sentence spans of ``text``, or None when it was never parsed."""
        path = self._path(text, ".sents.json")
        if not (path.is_file() and self._path(text, self._suffix).is_file()):
            return None
        try:
            return [(start, end) for start, end in json.loads(path.read_text("utf-8"))]
        except (ValueError, TypeError):
            return None  # a corrupt entry is rebuilt

    def put(self, text: str, doc: Doc) -> list[tuple[int, int]]:
        """Store ``doc``, parsed from ``text`` (given, because ``doc.text`` would build a
        ``Token`` for every token), and return its sentence spans."""
        data = _docbin_bytes(doc) if self.trained else _array_bytes(doc)
        atomic_write_bytes(self._path(text, self._suffix), data, cache=True)
        spans = sentence_spans(doc)
        atomic_write_bytes(self._path(text, ".sents.json"), json.dumps(spans).encode(), cache=True)
        return spans


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) characters of each sentence of ``doc``, as ``Span.start_char`` and
    ``end_char`` give them, read from token arrays: ``doc.sents`` builds a ``Token`` for
    every token, which took longer than parsing."""
    if not len(doc):
        return []
    table = doc.to_array([IDX, LENGTH, SENT_START]).astype(numpy.int64)
    starts, ends = table[:, 0], table[:, 0] + table[:, 1]
    first = numpy.flatnonzero(table[:, 2] == 1).tolist()
    if not first or first[0] != 0:
        first.insert(0, 0)
    last = [*(i - 1 for i in first[1:]), len(doc) - 1]
    return list(zip(starts[first].tolist(), ends[last].tolist(), strict=True))


# What the default pipeline adds to a document, as Doc.to_array columns; ORTH and LEMMA
# hold string hashes, whose strings are stored beside them.
_TOKEN_ATTRS = [ORTH, LEMMA, SENT_START, SPACY]


def _array_bytes(doc: Doc) -> bytes:
    tokens = doc.to_array(_TOKEN_ATTRS)
    hashes = numpy.unique(tokens[:, :2])
    encoded = [doc.vocab.strings[int(h)].encode("utf-8") for h in hashes]
    buffer = io.BytesIO()
    numpy.savez(
        buffer,
        tokens=tokens,
        hashes=hashes,
        lengths=numpy.array([len(e) for e in encoded], dtype=numpy.int64),
        strings=numpy.frombuffer(b"".join(encoded), dtype=numpy.uint8),
    )
    return buffer.getvalue()


def _read_arrays(data: bytes) -> tuple[numpy.ndarray, dict[int, str]]:
    """The token array and the strings of its hashes, as :func:`_array_bytes` wrote them."""
    with numpy.load(io.BytesIO(data), allow_pickle=False) as stored:
        tokens, hashes = stored["tokens"], stored["hashes"].tolist()
        lengths, encoded = stored["lengths"].tolist(), stored["strings"].tobytes()
    ends = numpy.cumsum(lengths).tolist()
    strings = {
        h: encoded[start:end].decode("utf-8")
        for h, start, end in zip(hashes, [0, *ends[:-1]], ends, strict=True)
    }
    return tokens, strings


def _doc_from_arrays(data: bytes, nlp: Language) -> Doc:
    tokens, strings = _read_arrays(data)
    for string in strings.values():
        nlp.vocab.strings.add(string)
    words = [strings[orth] for orth in tokens[:, 0].tolist()]
    doc = Doc(nlp.vocab, words=words, spaces=tokens[:, 3].astype(bool).tolist())
    return doc.from_array([LEMMA, SENT_START], tokens[:, 1:3])


def _docbin_bytes(doc: Doc) -> bytes:
    store = DocBin(store_user_data=False)
    store.add(doc)
    return store.to_bytes()


def _doc_from_docbin(data: bytes, nlp: Language) -> Doc | None:
    docs = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    return docs[0] if len(docs) == 1 else None


class LazyDocs(Mapping[str, Doc]):
    """Transcript id → parsed document, loaded from the cache when asked for and not
    kept: a corpus of any size is held one document at a time. ``nlp`` gives the
    pipeline, built when the first document is asked for."""

    def __init__(self, nlp: Callable[[], Language], cache: DocCache, texts: Mapping[str, str]):
        self._nlp = nlp
        self._cache = cache
        self._texts = texts

    def __getitem__(self, transcript: str) -> Doc:
        text = self._texts[transcript]
        nlp = self._nlp()
        doc = self._cache.get(nlp, text)
        if doc is None:  # the cache was deleted meanwhile: parse again
            doc = nlp(text)
            self._cache.put(text, doc)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


class LazyTokenTables(Mapping[str, TokenTable]):
    """Transcript id → its document's :class:`TokenTable`, read from the cache when
    asked for (parsing the text again when the cache was deleted meanwhile)."""

    def __init__(self, nlp: Callable[[], Language], cache: DocCache, texts: Mapping[str, str]):
        self._nlp = nlp
        self._cache = cache
        self._texts = texts

    def __getitem__(self, transcript: str) -> TokenTable:
        text = self._texts[transcript]
        table = self._cache.tokens(self._nlp, text)
        if table is None:
            doc = self._nlp()(text)
            self._cache.put(text, doc)
            table = TokenTable.of_doc(doc)
        return table

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


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
    hand, in ``jobs`` processes. Yields (id, sentence spans, whether it was parsed, what
    ``work`` returned) in the order of ``texts``, one at a time, so that the caller can
    fold the results as they come and never holds every document (nor every result).

    Each worker parses, writes the cache and works itself, and sends back only spans and
    results: shipping Doc objects between processes (spaCy's ``n_process``) costs more
    than parsing them with the default pipeline."""
    if not texts:
        return
    global _worker
    _worker = (build_nlp(), cache, texts, work)
    try:
        if jobs > 1 and len(texts) > 1:
            # Forked workers inherit the pipeline, cache and work set above.
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(jobs, context) as pool:
                yield from pool.map(_document, texts, chunksize=2)
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
