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
from collections.abc import Callable, Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from gioia.errors import NlpError
from gioia.fsutil import atomic_write_bytes

__all__ = [
    "DocCache",
    "build_pipeline",
    "describe_pipeline",
    "parse_texts",
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
    unchanged transcript is never parsed twice. Safe to delete."""

    def __init__(self, folder: Path, fingerprint: str):
        self.folder = folder
        self.fingerprint = fingerprint

    def key(self, text: str) -> str:
        digest = hashlib.sha256(self.fingerprint.encode("utf-8") + b"\0" + text.encode("utf-8"))
        return digest.hexdigest()[:32]

    def _path(self, text: str) -> Path:
        return self.folder / f"{self.key(text)}.spacy"

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

    def put(self, doc: Doc) -> None:
        store = DocBin(attrs=["ORTH", "LEMMA", "SENT_START"], store_user_data=False)
        store.add(doc)
        atomic_write_bytes(self._path(doc.text), store.to_bytes())


def parse_texts(
    nlp: Language,
    texts: Sequence[str],
    cache: DocCache | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Doc], int]:
    """Parse ``texts`` in order, reusing cached documents. Returns the documents and how
    many had to be parsed. ``progress(i)`` is called as each text is done."""
    docs: list[Doc | None] = [cache.get(nlp, text) if cache else None for text in texts]
    missing = [i for i, doc in enumerate(docs) if doc is None]
    for i, doc in enumerate(docs):
        if doc is not None and progress:
            progress(i)
    for i, doc in zip(missing, nlp.pipe(texts[i] for i in missing), strict=True):
        docs[i] = doc
        if cache:
            cache.put(doc)
        if progress:
            progress(i)
    return [doc for doc in docs if doc is not None], len(missing)
