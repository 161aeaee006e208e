"""Loading a study: its configuration files, validated together."""

from __future__ import annotations

import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from gioia.codebook import load_codebook
from gioia.errors import ConfigError, GioiaError, Problem
from gioia.import_state import interrupted_import
from gioia.models import (
    Codebook,
    Participant,
    Transcript,
)
from gioia.participants import reportable_attributes
from gioia.study import Study, inside_inputs, load_participants, open_study
from gioia.yamlsource import did_you_mean, load_yaml

# Called as progress(stage, done, total) while a stage works through transcripts.
Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class LoadedStudy:
    """A study whose configuration files all validated."""

    study: Study
    codebook: Codebook
    participants: tuple[Participant, ...]  # participants.csv rows; () if there is none
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class Corpus:
    transcripts: tuple[Transcript, ...]
    participants: tuple[Participant, ...]  # those with talk in the corpus, in study order
    problems: tuple[Problem, ...]  # warnings; errors too when ingested with strict=False

    def by_id(self) -> dict[str, Transcript]:
        return {t.id: t for t in self.transcripts}


def load_study(root: Path, *, out: Path | None = None) -> LoadedStudy:
    """Open a study and validate gioia.yaml, codebook.yaml and participants.csv together,
    so one run lists every configuration problem. ``out`` moves everything gioia writes
    (the report and the .gioia cache) elsewhere, for a study that is read-only."""
    study, warnings = open_study(root)
    if out is not None:
        refuse_output_in_inputs(study, out, "--out")
        study = replace(
            study, paths=replace(study.paths, report=out.resolve(), cache=out.resolve() / ".gioia")
        )
    problems: list[Problem] = list(warnings)
    codebook = None
    participants: tuple[Participant, ...] = ()
    try:
        codebook, codebook_warnings = load_codebook(study.paths.codebook)
        problems += codebook_warnings
    except ConfigError as exc:
        problems += exc.problems
    try:
        participants, participant_warnings = load_participants(study.paths.participants)
        problems += participant_warnings
    except ConfigError as exc:
        problems += exc.problems
    problems += _attribution_problems(study, participants)
    problems += _auto_accept_problems(study)
    if codebook is not None:
        problems += _unset_annotation_problems(study, codebook)
        problems += _statement_problems(study, codebook)
    interrupted = interrupted_import(study.root)
    if interrupted is not None:
        problems.append(interrupted)
    if codebook is None or any(p.is_error for p in problems):
        raise ConfigError(problems)
    return LoadedStudy(study, codebook, participants, tuple(problems))


def refuse_output_in_inputs(study: Study, target: Path, option: str) -> None:
    """An output (``option`` names where it was given) must not be written into the
    transcripts folder, where the next run would read it as a transcript, nor among the
    journals, which only decisions write to."""
    folder = inside_inputs(target, study.paths)
    if folder is not None:
        raise GioiaError(
            f"{option} {target} is inside the {folder} folder {getattr(study.paths, folder)}"
            + (
                ": the next run would read what is written there as a transcript"
                if folder == "transcripts"
                else ""
            ),
            hint=f"write it to a folder outside the {folder} folder",
        )


# Token attributes only a trained pipeline's components set; the default pipeline
# (spacy.blank, sentencizer, gioia's lemmatizer) sets none of them.
_TRAINED_ONLY = ("POS", "TAG", "MORPH", "DEP", "ENT_TYPE", "ENT_IOB")


def _unset_annotation_problems(study: Study, codebook: Codebook) -> list[Problem]:
    """A codebook pattern on an attribute the configured pipeline never sets matches
    nothing (spaCy refuses it at matching time): an error at the pattern's line, found
    by `gioia check` rather than half-way through `gioia suggest`."""
    if study.settings.nlp.model is not None:
        return []
    document = None
    problems = []
    for d, dimension in enumerate(codebook.dimensions):
        for t, theme in enumerate(dimension.themes):
            for c, concept in enumerate(theme.concepts):
                for p, pattern in enumerate(concept.patterns):
                    for k, token in enumerate(pattern):
                        for key in token:
                            if str(key).upper() not in _TRAINED_ONLY:
                                continue
                            if document is None:
                                document = load_yaml(study.paths.codebook, what="codebook")
                            path = ("dimensions", d, "themes", t, "concepts", c)
                            problems.append(
                                Problem(
                                    f"concept '{concept.id}', pattern {p + 1}: {key} is not "
                                    "set by the default NLP pipeline (spacy.blank with "
                                    "gioia's lemmatizer sets LEMMA only), so the pattern "
                                    "can never match",
                                    document.location((*path, "patterns", p, k, key)),
                                    hint="name a trained pipeline that sets it in gioia.yaml "
                                    "(settings: nlp: model: en_core_web_sm, once installed), "
                                    "or match on LOWER, LEMMA or TEXT",
                                )
                            )
    return problems


def _statement_problems(study: Study, codebook: Codebook) -> list[Problem]:
    """settings.report.subgroup_statements names nodes of the codebook."""
    named = study.settings.report.subgroup_statements or ()
    ids = [n.id for n in (*codebook.dimensions, *codebook.themes, *codebook.concepts)]
    return [
        Problem(
            f"settings.report.subgroup_statements: {node!r} is not a node of the codebook",
            study.location("settings", "report", "subgroup_statements", index),
            hint=did_you_mean(node, ids) or "name dimension, theme or concept ids",
        )
        for index, node in enumerate(named)
        if node not in ids
    ]


def _auto_accept_problems(study: Study) -> list[Problem]:
    """`gioia run` accepts by a minimum score or by a target precision, not both; a
    target precision is estimated from the journals it learns from, so it needs some."""
    suggest = study.settings.suggest
    where = study.location("settings", "suggest")
    if suggest.auto_accept_min_score is not None and suggest.auto_accept_target_precision:
        return [
            Problem(
                "auto_accept_min_score and auto_accept_target_precision are both set",
                where,
                hint="keep one: a fixed minimum score, or a target precision",
            )
        ]
    if suggest.auto_accept_target_precision is not None and not suggest.learn_from:
        return [
            Problem(
                "auto_accept_target_precision needs learn_from: the coders whose "
                "decisions estimate the precision",
                where,
                hint="add e.g. learn_from: [hb] under settings.suggest",
            )
        ]
    return []


def _attribution_problems(study: Study, participants: Sequence[Participant]) -> list[Problem]:
    """Fields of the attribution template must be columns of participants.csv, and are
    only filled in when reportable (DESIGN §4)."""
    template = study.settings.attribution
    where = study.location("settings", "attribution")
    columns = {k for p in participants for k in p.attributes}
    allowed = reportable_attributes(study.settings.reportable, participants)
    problems = []
    for _, name, _, _ in string.Formatter().parse(template):
        if not name or name == "id":
            continue
        if participants and name not in columns:
            problems.append(
                Problem(
                    f"attribution template {template!r} names {{{name}}}, "
                    "which is not a column of participants.csv",
                    where,
                    hint="use {id} or a participants.csv column",
                )
            )
        elif name not in allowed:
            problems.append(
                Problem(
                    f"attribution field {{{name}}} is not reportable: quotes will leave it out",
                    where,
                    hint=f"add {name} to settings.reportable if it may appear in reports",
                    severity="warning",
                )
            )
    return problems
