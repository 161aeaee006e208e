"""Parsed documents kept between runs, and what gioia reads from them without spaCy.

A warm run (nothing changed since the last) must not pay for importing spaCy and
building the pipeline: this module imports spaCy only inside the functions that make or
rebuild a ``Doc``, and numpy only where a ``Doc`` is read, so that reading cached
sentence spans and the pipeline's fingerprint costs nothing but the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gioia.fsutil import atomic_write_bytes
from gioia.keyed_cache import KeyedCacheFile

if TYPE_CHECKING:
    import numpy
    from spacy.language import Language
    from spacy.strings import StringStore
    from spacy.tokens import Doc

__all__ = [
    "DocCache",
    "LazyDocs",
    "TokenTable",
    "describe_pipeline",
    "pipeline_fingerprint",
    "sentence_spans",
]

# Bump when the way documents are built changes, so old caches are not reused.
_PIPELINE_REVISION = 4


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
    and lemma as string hashes (``strings`` gives each hash's string). What
    corpus statistics read of a document (:func:`gioia.similarity.lemma_frequency`),
    taken with ``Doc.to_array``: reading it token by token would build a ``Token`` object
    for every token."""

    starts: numpy.ndarray  # int64
    words: numpy.ndarray  # uint64 hashes
    lemmas: numpy.ndarray  # uint64 hashes
    # hash → string: the document's vocabulary's StringStore, read only for the hashes
    # asked for (copying every hash's string into a dict took as long as reading them)
    strings: StringStore

    @classmethod
    def of_doc(cls, doc: Doc) -> TokenTable:
        import numpy
        from spacy.attrs import IDX, LEMMA, ORTH

        table = doc.to_array([IDX, ORTH, LEMMA])
        return cls(table[:, 0].astype(numpy.int64), table[:, 1], table[:, 2], doc.vocab.strings)


class DocCache:
    """Parsed documents' sentence spans, under a hash of text + pipeline, so an
    unchanged transcript is never parsed only to be segmented: segmenting needs only
    the spans, so a warm run (and `gioia report`, `check`) never builds a document. The
    spans of the whole corpus are one file (``sentences.jsonl``, a
    :class:`~gioia.keyed_cache.KeyedCacheFile`), written by :meth:`save` once a pass is
    done. Safe to delete.

    A trained pipeline's documents are stored too, one DocBin file each: parsing with it
    is slow. The default pipeline's are not (issue 17): parsing a document with it takes
    about as long as loading one from a cache (1.5 against 1.1 ms for 2,000 words), and
    writing one took longer than both, so a run that needs the document parses it."""

    def __init__(self, folder: Path, fingerprint: str, *, trained: bool = False):
        self.folder = folder
        self.fingerprint = fingerprint
        self.trained = trained
        self._spans = KeyedCacheFile(folder / "sentences.jsonl")
        # A run asks for a text's key several times (is it cached, keep it, save it):
        # hashed once.
        self._keys: dict[str, str] = {}

    def key(self, text: str) -> str:
        key = self._keys.get(text)
        if key is None:
            digest = hashlib.sha256(self.fingerprint.encode("utf-8") + b"\0" + text.encode())
            key = self._keys[text] = digest.hexdigest()[:32]
        return key

    def _document_path(self, text: str) -> Path:
        return self.folder / f"{self.key(text)}.spacy"

    def get(self, nlp: Language, text: str) -> Doc | None:
        """The cached document of ``text``, or None (never for the default pipeline)."""
        if not self.trained:
            return None
        path = self._document_path(text)
        if not path.is_file():
            return None
        try:
            doc = _doc_from_docbin(path.read_bytes(), nlp)
        except Exception:  # noqa: BLE001 - a corrupt cache entry is re-parsed, never fatal
            return None
        # The file name is a hash of the text, so a document that does not span the
        # text exactly is a damaged entry. (Comparing doc.text would build a Token
        # object for every token: longer than loading the document.)
        if doc is None or not len(doc) or doc[-1].idx + len(doc[-1].text_with_ws) != len(text):
            return None
        return doc

    def sentences(self, text: str) -> list[tuple[int, int]] | None:
        """The cached sentence spans of ``text``, or None when it was never parsed."""
        found = self._spans.get(self.key(text))
        if found is None or (self.trained and not self._document_path(text).is_file()):
            return None
        try:
            return [(start, end) for start, end in found]
        except (ValueError, TypeError):
            return None  # a damaged entry is made again

    def put(self, text: str, doc: Doc) -> list[tuple[int, int]]:
        """Keep ``doc``'s sentence spans until :meth:`save` (and store ``doc`` now, for a
        trained pipeline), parsed from ``text`` (given, because ``doc.text`` would build
        a ``Token`` for every token); returns the spans."""
        if self.trained:
            atomic_write_bytes(self._document_path(text), _docbin_bytes(doc), cache=True)
        spans = sentence_spans(doc)
        self.keep(text, spans)
        return spans

    def keep(self, text: str, spans: list[tuple[int, int]]) -> None:
        """Keep the sentence spans of ``text`` until :meth:`save`."""
        self._spans.put(self.key(text), spans)  # (JSON writes the pairs as lists)

    def entry(self, text: str) -> tuple[str, str] | None:
        """The entry kept for ``text``, as the key and line a worker process sends to
        the one that saves the cache (:meth:`keep_entry`)."""
        key = self.key(text)
        line = self._spans.line_of(key)
        return None if line is None else (key, line)

    def keep_entry(self, text: str, entry: tuple[str, str]) -> None:
        key, line = entry
        self._keys[text] = key
        self._spans.put_line(key, line)

    def save(self, texts: Iterable[str]) -> None:
        """Write the spans of ``texts`` (the corpus's; others are dropped) to the cache."""
        self._spans.save(self.key(text) for text in texts)


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """(start, end) characters of each sentence of ``doc``, as ``Span.start_char`` and
    ``end_char`` give them, read from token arrays: ``doc.sents`` builds a ``Token`` for
    every token, which took longer than parsing."""
    if not len(doc):
        return []
    import numpy
    from spacy.attrs import IDX, LENGTH, SENT_START

    table = doc.to_array([IDX, LENGTH, SENT_START]).astype(numpy.int64)
    starts, ends = table[:, 0], table[:, 0] + table[:, 1]
    first = numpy.flatnonzero(table[:, 2] == 1).tolist()
    if not first or first[0] != 0:
        first.insert(0, 0)
    last = [*(i - 1 for i in first[1:]), len(doc) - 1]
    return list(zip(starts[first].tolist(), ends[last].tolist(), strict=True))


def _docbin_bytes(doc: Doc) -> bytes:
    from spacy.tokens import DocBin

    store = DocBin(store_user_data=False)
    store.add(doc)
    return store.to_bytes()


def _doc_from_docbin(data: bytes, nlp: Language) -> Doc | None:
    from spacy.tokens import DocBin

    docs = list(DocBin().from_bytes(data).get_docs(nlp.vocab))
    return docs[0] if len(docs) == 1 else None


class LazyDocs(Mapping[str, "Doc"]):
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
        if doc is None:  # the default pipeline's are not kept, or the cache was deleted
            doc = nlp(text)
            self._cache.put(text, doc)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)
