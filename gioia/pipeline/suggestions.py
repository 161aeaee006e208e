"""Suggestions made and cached per learner, and their evaluation (accepting them in a
batch: :mod:`gioia.pipeline.batch_accept`)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gioia import __version__
from gioia.assist.cache import MatchCache, SuggestionCache, read_suggestion_file
from gioia.assist.labels import Learner
from gioia.doccache import TokenTable, pipeline_fingerprint
from gioia.errors import GioiaError
from gioia.fsutil import atomic_write_text
from gioia.journal import (
    journal_path,
    place_codings,
    read_journals,
)
from gioia.models import (
    Hit,
    Segment,
    Suggestion,
    text_hash,
)
from gioia.pipeline.corpus import Parsed
from gioia.pipeline.loading import Corpus, LoadedStudy, Progress, _no_progress
from gioia.serialise import suggestion_from_dict
from gioia.study import Study

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from gioia.assist.features import Space
    from gioia.assist.ranker import CrossValidation, Evaluation

# How the suggestions of a run were made (DESIGN §6): from the codebook alone; keyword
# scores rescored by the learner's term records (too few decisions to fit a ranker); or
# scored by the learner's ranker.
CODEBOOK, RECORDS, LEARNED = "codebook", "records", "learned"


def learner_for(
    loaded: LoadedStudy, coder: str | None = None, learn_from: Sequence[str] | None = None
) -> Learner:
    """Whose decisions suggestions learn from: ``learn_from`` when given (pooling on
    purpose), else the coder's own journal, else gioia.yaml's ``suggest.learn_from``,
    else nobody's (the codebook alone)."""
    if learn_from:
        names = tuple(dict.fromkeys(learn_from))
    elif coder is not None:
        names = (coder,)
    else:
        names = tuple(loaded.study.settings.suggest.learn_from or ())
    for name in names:
        journal_path(loaded.study.paths.codings, name)  # a usable coder name, or an error
    return Learner(names)


@dataclass(frozen=True)
class Suggested:
    """A learner's suggestions and what was learnt making them."""

    learner: Learner
    stage: str  # CODEBOOK, RECORDS or LEARNED
    by_concept: dict[str, int]
    evaluation: Evaluation | None  # the ranker's cross-validation (LEARNED only)
    calibration: tuple[float, float] | None  # of the ranker's scores (LEARNED only)
    cache: SuggestionCache
    note: str = ""  # why a learner with decisions has no ranker yet
    # The text each suggestion's offsets refer to: every transcript's id and the hash of
    # the normalised text they were made from (empty: not known, never applied as is).
    texts: Mapping[str, str] = field(default_factory=dict)
    _suggestions: list[Suggestion] | None = field(default=None, repr=False, compare=False)
    # Reused from the cache: the hash of the file the run that made them wrote, and how
    # to make them again when the file is no longer that (edited or copied over since).
    _digest: str = field(default="", repr=False, compare=False)
    _remake: Callable[[], Suggested] | None = field(default=None, repr=False, compare=False)

    @property
    def learnt_from(self) -> list[str]:
        """The coders whose decisions shaped these suggestions (none: the codebook's)."""
        return list(self.learner.coders) if self.stage != CODEBOOK else []

    @property
    def suggestions(self) -> list[Suggestion]:
        """The suggestions, read from the cache when this run reused them — if the
        cache is still the file the run that made them wrote; else made again."""
        if self._suggestions is not None:
            return self._suggestions
        made = _read_sealed(self.cache.path, self._digest)
        if made is not None:
            return made
        if self._remake is None:
            raise GioiaError(
                f"the suggestions cache {self.cache.path} changed while gioia ran",
                hint="run the command again",
            )
        # .gioia/suggestions.jsonl is a hard link to the cache: a script or an editor
        # that wrote into it, or a copy put over it, changed the cache too.
        made = self._remake().suggestions
        object.__setattr__(self, "_suggestions", made)  # made once per run
        return made


def suggest_for(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    progress: Progress = _no_progress,
    *,
    learner: Learner | None = None,
) -> Suggested:
    """``learner``'s suggestions for every segment (default: :func:`learner_for` with no
    coder), made afresh, or reused from the cache when nothing they depend on changed.
    Never touches a journal."""
    learner = learner if learner is not None else learner_for(loaded)
    cache = SuggestionCache(loaded.study.paths.cache / "suggestions", learner.key)
    texts = transcript_hashes(corpus)
    inputs = _suggestion_inputs(loaded, corpus, learner, texts)

    def make() -> Suggested:
        return _make_and_keep(loaded, corpus, parsed, progress, learner, cache, inputs, texts)

    record = cache.record(inputs)
    if record is not None:
        try:
            return _from_record(learner, cache, record, texts, make)
        except (KeyError, TypeError, ValueError):
            pass  # a damaged record: make them again
    return make()


def _make_and_keep(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    progress: Progress,
    learner: Learner,
    cache: SuggestionCache,
    inputs: str,
    texts: Mapping[str, str],
) -> Suggested:
    """The learner's suggestions made afresh and written to its cache, sealed by the
    hash of the file as written."""
    made, stage, validation, note = _make_suggestions(loaded, corpus, parsed, progress, learner)
    evaluation = validation.evaluation if validation else None
    calibration = validation.calibration if validation else None
    made.sort(key=lambda s: (s.transcript, s.start, s.end, s.concept))
    counts = {concept.id: 0 for concept in loaded.codebook.concepts}
    for suggestion in made:
        counts[suggestion.concept] += 1
    record = {
        "learner": list(learner.coders),
        "stage": stage,
        "note": note,
        "by_concept": counts,
        "evaluation": evaluation.to_dict() if evaluation else None,
        "calibration": calibration,
    }
    cache.write(inputs, made, **record)
    # The lock again, now with the hash of the file written: a reuse that finds another
    # file there (.gioia/suggestions.jsonl, a hard link to it, edited or copied over)
    # makes them again. A lock without it (a crash in between) is a damaged one.
    record["digest"] = _file_digest(cache.path)
    lock = json.dumps({"inputs": inputs, **record}, ensure_ascii=False)
    atomic_write_text(cache.lock, lock, cache=True)
    return Suggested(
        learner, stage, counts, evaluation, calibration, cache, note, texts, _suggestions=made
    )


def _from_record(
    learner: Learner,
    cache: SuggestionCache,
    record: dict,
    texts: Mapping[str, str],
    remake: Callable[[], Suggested],
) -> Suggested:
    evaluation = None
    if record.get("evaluation") is not None:
        from gioia.assist.ranker import Evaluation

        evaluation = Evaluation.from_dict(record["evaluation"])
    counts = {str(concept): int(n) for concept, n in record["by_concept"].items()}
    calibration = record.get("calibration")
    digest = record["digest"]
    if not isinstance(digest, str) or not digest:
        raise ValueError("no digest")
    return Suggested(
        learner,
        str(record["stage"]),
        counts,
        evaluation,
        (float(calibration[0]), float(calibration[1])) if calibration else None,
        cache,
        str(record.get("note", "")),
        texts,
        _digest=digest,
        _remake=remake,
    )


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_sealed(path: Path, digest: str) -> bool:
    try:
        return bool(digest) and _file_digest(path) == digest
    except OSError:
        return False


def _read_sealed(path: Path, digest: str) -> list[Suggestion] | None:
    """The suggestions in ``path`` if its content hashes to ``digest``; None when it is
    missing, damaged, or another file."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not digest or hashlib.sha256(data).hexdigest() != digest:
        return None
    try:
        return [
            suggestion_from_dict(json.loads(line))
            for line in data.decode("utf-8").splitlines()
            if line.strip()
        ]
    except (ValueError, KeyError, TypeError):
        return None


def transcript_hashes(corpus: Corpus) -> dict[str, str]:
    """Each transcript's id and the hash of its normalised text: what suggestions made
    from this corpus are tied to."""
    return {t.id: text_hash(t.text) for t in corpus.transcripts}


def suggest(
    loaded: LoadedStudy,
    corpus: Corpus,
    parsed: Parsed,
    progress: Progress = _no_progress,
    *,
    learner: Learner | None = None,
) -> list[Suggestion]:
    """The suggestions of :func:`suggest_for`, as a list."""
    return suggest_for(loaded, corpus, parsed, progress, learner=learner).suggestions


def publish(loaded: LoadedStudy, suggested: Suggested) -> Path:
    """Make ``.gioia/suggestions.jsonl``, the file scripts and the report read, hold
    ``suggested``, and record beside it whose decisions they were learnt from; returns
    its path. Reused suggestions whose cache is no longer the file their run wrote
    (edited, or copied over, through this very file) are made again first."""
    target = suggestions_path(loaded.study)
    if suggested._suggestions is None and not _is_sealed(suggested.cache.path, suggested._digest):
        suggested.suggestions  # noqa: B018 - makes them again, into the cache
    suggested.cache.publish(target)
    origin = {
        "learnt_from": suggested.learnt_from,
        "stage": suggested.stage,
        "texts": dict(suggested.texts),  # what they were made from, for the report
    }
    atomic_write_text(_origin_path(loaded.study), json.dumps(origin), cache=True)
    return target


def published_suggestions(study: Study, corpus: Corpus) -> list[Suggestion] | None:
    """The suggestions of the last ``gioia suggest`` when they were made from the
    corpus's present texts; None when there are none, or they were made from other text
    (a transcript edited, added or removed since): the report counts no stale ones."""
    try:
        origin = json.loads(_origin_path(study).read_text(encoding="utf-8"))
        made_from = origin["texts"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if made_from != transcript_hashes(corpus):
        return None
    return read_suggestions(study)


def suggestions_learnt_from(study: Study) -> list[str]:
    """Whose decisions the suggestions of the last ``gioia suggest`` were learnt from
    (none: the codebook's, or no record)."""
    try:
        origin = json.loads(_origin_path(study).read_text(encoding="utf-8"))
        return [str(coder) for coder in origin["learnt_from"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _origin_path(study: Study) -> Path:
    return study.paths.cache / "suggestions.origin.json"


def _suggestion_inputs(
    loaded: LoadedStudy, corpus: Corpus, learner: Learner, texts: Mapping[str, str]
) -> str:
    """A hash of everything a learner's suggestions depend on: gioia and the NLP
    pipeline, the codebook, the settings, every transcript's text and speakers, and the
    learner's journals (and no other: a coder's suggestions do not change when another
    coder decides)."""
    settings = loaded.study.settings
    digest = hashlib.sha256()
    for part in (
        __version__,
        pipeline_fingerprint(settings.nlp.lang, settings.nlp.model),
        settings.model_dump_json(include={"nlp", "segmentation"}),
        loaded.study.paths.codebook.read_bytes().hex(),
        "\0".join(learner.coders),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    for transcript in corpus.transcripts:
        speakers = [(t.start, t.participant) for t in transcript.turns]
        digest.update(f"{transcript.id}\0{texts[transcript.id]}\0{speakers}".encode())
    codings = loaded.study.paths.codings
    for coder in learner.coders:
        path = codings / f"{coder}.jsonl"
        content = path.read_bytes() if path.is_file() else b""
        digest.update(coder.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def _make_suggestions(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress, learner: Learner
) -> tuple[list[Suggestion], str, CrossValidation | None, str]:
    """The learner's suggestions, how they were made, the ranker's cross-validation,
    and a note when decisions are too few for a ranker."""
    keyword = _codebook_suggestions(loaded, corpus, parsed, progress)
    if not learner.coders:
        return keyword, CODEBOOK, None, ""
    from gioia.assist.labels import MACHINE_SOURCES, label_pairs, standing_decisions

    journals = read_journals(loaded.study.paths.codings, learner.coders)
    _, decisions, _ = place_codings(journals, corpus.by_id(), loaded.codebook)
    # In the order of the pair space's segments (by transcript, then start).
    segments = [s for t in sorted(parsed.segments) for s in parsed.segments[t]]
    labels = label_pairs(segments, decisions, learner)
    if labels.decisions == 0:
        return keyword, CODEBOOK, None, f"{learner.name} has no decisions to learn from yet"
    # The stages that learn import SciPy and scikit-learn: only a run that learns pays.
    from gioia.assist.ranker import cross_validate, fit, learned_suggestions, not_trainable
    from gioia.assist.records import learn_from_decisions

    space = _space(loaded, corpus, parsed, keyword)
    too_few = not_trainable(labels, space)
    if too_few is not None:
        human = [p for p in decisions if p.coding.source not in MACHINE_SOURCES]
        accepted = [p for p in standing_decisions(human) if p.coding.decision == "accept"]
        return learn_from_decisions(keyword, accepted, human), RECORDS, None, too_few
    validation = cross_validate(space, labels, learner)
    model = fit(space, labels)
    model.calibration = validation.calibration
    made = learned_suggestions(space, labels, model, learner)
    return made, LEARNED, validation, ""


def learning_space(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress = _no_progress
) -> Space:
    """The study's (segment, concept) pairs with their features, as a ranker sees them."""
    keyword = suggest_for(loaded, corpus, parsed, progress, learner=Learner(())).suggestions
    return _space(loaded, corpus, parsed, keyword)


def _space(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, keyword: Sequence[Suggestion]
) -> Space:
    from gioia.assist.space import study_space  # spaCy and SciPy: only to learn

    return study_space(
        parsed.nlp,
        parsed.docs,
        corpus.transcripts,
        parsed.segments,
        loaded.codebook.concepts,
        keyword,
    )


def prepare_matching(loaded: LoadedStudy) -> None:
    """Import what making suggestions needs (spaCy, gioia's matching) and build the
    study's NLP pipeline, about seven tenths of a second: ``gioia suggest --jobs N`` does
    it while ingest's worker processes read the files."""
    import gioia.assist.lexicon
    import gioia.assist.matching  # noqa: F401
    from gioia.nlp import build_ahead

    build_ahead(loaded.study.settings.nlp.lang, loaded.study.settings.nlp.model)


def _codebook_suggestions(
    loaded: LoadedStudy, corpus: Corpus, parsed: Parsed, progress: Progress
) -> list[Suggestion]:
    """Keyword and pattern suggestions, and vector similarity when the pipeline has
    vectors: the codebook's suggestions, before anyone decides."""
    # The stages that match import spaCy: only a run that makes suggestions pays the
    # second it takes, and a run that reuses them starts at once.
    from gioia.assist.lexicon import CorpusStats, lemma_frequency
    from gioia.assist.matching import ConceptMatcher, find_hits, weigh_hits
    from gioia.assist.vectors import suggest_by_vectors

    matcher = ConceptMatcher(parsed.nlp, loaded.codebook, str(loaded.study.paths.codebook))
    cache = _match_cache(loaded)
    by_id = corpus.by_id()

    def match_and_count(
        transcript_id: str, doc: Doc, segments: tuple[Segment, ...]
    ) -> tuple[list[Hit], Counter[str], tuple[str, str]]:
        found = find_hits(doc, segments, matcher)
        counts = lemma_frequency(TokenTable.of_doc(doc), segments)
        return found, counts, cache.entry(by_id[transcript_id], found, counts)

    # One pass over the documents (in parallel with --jobs): each is parsed or loaded
    # once, matched, and counted for corpus statistics; the matches are weighed when the
    # statistics are complete. A transcript matched before against the same codebook is
    # not read at all: its matches and counts come from the match cache.
    hits: dict[str, list[Hit]] = {}
    frequency: Counter[str] = Counter()
    for transcript in corpus.transcripts:
        cached = cache.get(transcript)
        if cached is not None:
            hits[transcript.id], lemma_counts = cached
            frequency.update(lemma_counts)
    missing = [t.id for t in corpus.transcripts if t.id not in hits]
    for transcript_id, (found_hits, lemma_counts, entry) in parsed.each_document(
        match_and_count, only=missing
    ):
        hits[transcript_id] = found_hits
        frequency.update(lemma_counts)
        cache.keep(by_id[transcript_id], entry)
    cache.save(corpus.transcripts)
    segments = sum(len(s) for s in parsed.segments.values())
    stats = CorpusStats(segments, dict(frequency))
    suggestions: list[Suggestion] = []
    for transcript in corpus.transcripts:
        suggestions += weigh_hits(transcript.id, hits[transcript.id], stats)
    progress("suggest", len(corpus.transcripts), len(corpus.transcripts))
    found = {(s.transcript, s.start, s.end, s.concept) for s in suggestions}
    suggestions += suggest_by_vectors(
        parsed.nlp, loaded.codebook, parsed.docs, parsed.segments, found
    )
    suggestions.sort(key=lambda s: (s.transcript, s.start, s.end, s.concept))
    return suggestions


def _match_cache(loaded: LoadedStudy) -> MatchCache:
    settings = loaded.study.settings
    return MatchCache(
        loaded.study.paths.cache / "matches.jsonl",
        (
            __version__.encode(),
            pipeline_fingerprint(settings.nlp.lang, settings.nlp.model).encode(),
            settings.model_dump_json(include={"nlp", "segmentation"}).encode(),
            loaded.study.paths.codebook.read_bytes(),
        ),
    )


def suggestions_path(study: Study) -> Path:
    return study.paths.cache / "suggestions.jsonl"


def read_suggestions(study: Study) -> list[Suggestion] | None:
    """The suggestions of the last ``gioia suggest``, or None when there are none yet."""
    return read_suggestion_file(suggestions_path(study))
