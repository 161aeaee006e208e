"""The spaCy pipeline gioia parses transcripts with, and its content-hash cache.

Default: ``spacy.blank(lang)`` + sentencizer + lookup lemmatizer from spacy-lookups-data.
No model is ever downloaded. The lookup tables are keyed by surface form, so "Sharing"
at the start of a sentence would miss the entry for "sharing"; a small component after
the lemmatizer looks lemmas up by lower-cased form, so lemma matching is case-insensitive.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import multiprocessing
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from gioia.errors import NlpError
from gioia.fsutil import atomic_write_bytes

__all__ = [
    "DocCache",
    "LazyDocs",
    "build_pipeline",
    "describe_pipeline",
    "parse_missing",
    "pipeline_fingerprint",
]

LOWERCASE_LEMMAS = "gioia_lowercase_lemmas"
# Bump when the way documents are built changes, so old caches are not reused.
_PIPELINE_REVISION = 1


@Language.factory(LOWERCASE_LEMMAS)
def _make_lowercase_lemmas(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    lemmatizer = nlp.get_pipe("lemmatizer")

    def lowercase_lemmas(doc: Doc) -> Doc:
        table = lemmatizer.lookups.get_table("lemma_lookup", {})
        for token in doc:
            lower = token.lower_
            token.lemma_ = str(table.get(token.text, table.get(lower, lower))).lower()
        return doc

    return lowercase_lemmas


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
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.add_pipe(LOWERCASE_LEMMAS)
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


class DocCache:
    """Parsed documents stored as DocBin files named by a hash of text + pipeline, so an
    unchanged transcript is never parsed twice, with their sentence spans beside them
    (segmenting needs only those, so a warm run never loads a document it does not
    match against). Safe to delete."""

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = folder
        self.fingerprint = fingerprint

    def key(self, text: str) -> str:
        digest = hashlib.sha256(self.fingerprint.encode("utf-8") + b"\0" + text.encode("utf-8"))
        return digest.hexdigest()[:32]

    def _path(self, text: str, suffix: str = ".spacy") -> Path:
        return self.folder / f"{self.key(text)}{suffix}"

    def get(self, nlp: Language, text: str) -> Doc | None:
        path = self._path(text)
        if not path.is_file():
            return None
        try:
            docs = list(DocBin().from_bytes(path.read_bytes()).get_docs(nlp.vocab))
        except Exception:  # noqa: BLE001 - a corrupt cache entry is re-parsed, never fatal
            return None
        # The file name is a hash of the text, so one document means the right one.
        if len(docs) != 1:
            return None
        return docs[0]

    def sentences(self, text: str) -> list[tuple[int, int]] | None:
        """The cached sentence spans of ``text``, or None when it was never parsed."""
        path = self._path(text, ".sents.json")
        if not (path.is_file() and self._path(text).is_file()):
            return None
        try:
            return [(start, end) for start, end in json.loads(path.read_text("utf-8"))]
        except (ValueError, TypeError):
            return None  # a corrupt entry is rebuilt

    def put(self, doc: Doc) -> list[tuple[int, int]]:
        store = DocBin(attrs=["ORTH", "LEMMA", "SENT_START"], store_user_data=False)
        store.add(doc)
        atomic_write_bytes(self._path(doc.text), store.to_bytes())
        spans = [(sentence.start_char, sentence.end_char) for sentence in doc.sents]
        atomic_write_bytes(self._path(doc.text, ".sents.json"), json.dumps(spans).encode())
        return spans


class LazyDocs(Mapping[str, Doc]):
    """Transcript id → parsed document, loaded from the cache when asked for and not
    kept: a corpus of any size is held one document at a time."""

    def __init__(self, nlp: Language, cache: DocCache, texts: Mapping[str, str]):
        self._nlp = nlp
        self._cache = cache
        self._texts = texts

    def __getitem__(self, transcript: str) -> Doc:
        text = self._texts[transcript]
        doc = self._cache.get(self._nlp, text)
        if doc is None:  # the cache was deleted meanwhile: parse again
            doc = self._nlp(text)
            self._cache.put(doc)
        return doc

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def parse_missing(
    nlp: Language,
    texts: Mapping[str, str],
    cache: DocCache,
    *,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, list[tuple[int, int]]], int]:
    """Sentence spans of every text: from the cache, or by parsing (in ``jobs``
    processes) and caching the texts that are not in it. Returns the spans by id and how
    many texts were parsed. ``progress(id)`` is called as each text is done."""
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
    if jobs > 1 and len(missing) > 1:
        # Each worker parses and writes its documents to the cache itself and sends back
        # only sentence spans: shipping Doc objects between processes (spaCy's n_process)
        # costs more than parsing them with this light pipeline.
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, context, _start_worker, (nlp, cache)) as pool:
            done = pool.map(_parse_and_cache, (texts[t] for t in missing), chunksize=4)
            for transcript, spans in zip(missing, done, strict=True):
                sentences[transcript] = spans
                if progress:
                    progress(transcript)
    else:
        for transcript, doc in zip(missing, nlp.pipe(texts[t] for t in missing), strict=True):
            sentences[transcript] = cache.put(doc)
            if progress:
                progress(transcript)
    return {t: sentences[t] for t in texts}, len(missing)


_worker: tuple[Language, DocCache] | None = None


def _start_worker(nlp: Language, cache: DocCache) -> None:
    global _worker
    _worker = (nlp, cache)


def _parse_and_cache(text: str) -> list[tuple[int, int]]:
    assert _worker is not None, "the pool initialiser sets the worker's pipeline"
    nlp, cache = _worker
    return cache.put(nlp(text))
