"""Parsed documents kept between runs, and what gioia reads from them without spaCy.

A warm run (nothing changed since the last) must not pay for importing spaCy and
building the pipeline: this module imports spaCy only inside the functions that make or
rebuild a ``Doc``, so that reading cached sentence spans, token arrays and the pipeline's
fingerprint costs nothing more than numpy.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy

from gioia.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from spacy.language import Language
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
    and lemma as string hashes (``strings`` maps every hash used to its string). What
    corpus statistics read of a document (:func:`gioia.similarity.lemma_frequency`),
    taken with ``Doc.to_array``: reading it token by token would build a ``Token`` object
    for every token."""

    starts: numpy.ndarray  # int64
    words: numpy.ndarray  # uint64 hashes
    lemmas: numpy.ndarray  # uint64 hashes
    strings: Mapping[int, str]

    @classmethod
    def of_doc(cls, doc: Doc) -> TokenTable:
        from spacy.attrs import IDX, LEMMA, ORTH

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
    from spacy.attrs import IDX, LENGTH, SENT_START

    table = doc.to_array([IDX, LENGTH, SENT_START]).astype(numpy.int64)
    starts, ends = table[:, 0], table[:, 0] + table[:, 1]
    first = numpy.flatnonzero(table[:, 2] == 1).tolist()
    if not first or first[0] != 0:
        first.insert(0, 0)
    last = [*(i - 1 for i in first[1:]), len(doc) - 1]
    return list(zip(starts[first].tolist(), ends[last].tolist(), strict=True))


def _array_bytes(doc: Doc) -> bytes:
    """What the default pipeline adds to a document, as ``Doc.to_array`` columns (ORTH,
    LEMMA, SENT_START, SPACY), and the strings of the ORTH and LEMMA hashes."""
    from spacy.attrs import LEMMA, ORTH, SENT_START, SPACY

    tokens = doc.to_array([ORTH, LEMMA, SENT_START, SPACY])
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
    from spacy.attrs import LEMMA, SENT_START
    from spacy.tokens import Doc

    tokens, strings = _read_arrays(data)
    for string in strings.values():
        nlp.vocab.strings.add(string)
    words = [strings[orth] for orth in tokens[:, 0].tolist()]
    doc = Doc(nlp.vocab, words=words, spaces=tokens[:, 3].astype(bool).tolist())
    return doc.from_array([LEMMA, SENT_START], tokens[:, 1:3])


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
        if doc is None:  # the cache was deleted meanwhile: parse again
            doc = nlp(text)
            self._cache.put(text, doc)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)
