"""A study on disk: gioia.yaml (prose and settings), its paths, and participants.csv
(read by :mod:`gioia.participants`, re-exported here).

A folder with only ``transcripts/`` and ``codebook.yaml`` is a complete study: a missing
gioia.yaml means every default, a missing participants.csv means participants are
derived from the transcripts. What is present is checked strictly: unknown keys and bad
values are errors with their line, all listed at once.
"""

from __future__ import annotations

import codecs
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails

from gioia.errors import ConfigError, Location, Problem, StudyError
from gioia.models import DEFAULT_INTERVIEWER_LABELS
from gioia.participants import load_participants
from gioia.yamlsource import (
    YamlDocument,
    YamlPath,
    blank_as,
    format_path,
    in_file_order,
    invalid,
    load_yaml,
    validation_problems,
)

__all__ = [
    "CONFIG_FILE",
    "Settings",
    "Study",
    "StudyConfig",
    "StudyPaths",
    "StudyText",
    "inside_inputs",
    "load_participants",
    "open_study",
]

CONFIG_FILE = "gioia.yaml"
CACHE_DIR = ".gioia"
_NUMBER = r"\d+(?:\.\d+)?"
_BIN_LABEL = re.compile(rf"^\s*(?:({_NUMBER})\s*-\s*({_NUMBER})|(?:<=|>=|<|>)\s*{_NUMBER})\s*$")


def _check_bin_label(label: str) -> str:
    match = _BIN_LABEL.match(label)
    if match and not (match[1] and float(match[1]) > float(match[2])):
        return label
    raise invalid(
        "bin_label",
        f"'{label}' is not a bin",
        'bins are ranges "a-b" (a <= b), "<a", "<=a", ">a" or ">=a", e.g. ["1-5", "6-10", ">10"]',
    )


def _check_encoding(name: str) -> str:
    try:
        codecs.lookup(name)
        "".encode(name)  # codecs that are no text encoding (base64, rot13) fail here
    except (LookupError, UnicodeError):
        hint = "use a Python codec name such as utf-8, cp1252 or latin-1"
        raise invalid("unknown_encoding", f"unknown encoding '{name}'", hint) from None
    return name


def _check_template(template: str) -> str:
    """An attribution template is filled by str.format with a participant's columns, so
    it must parse and name each field."""
    hint = (
        'name participants.csv columns in braces, e.g. "({id}, {sex}, {role})"; '
        "write {{ and }} for literal braces"
    )
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise invalid("attribution_template", f"not a valid template: {exc}", hint) from None
    for name in names:
        if not name or name[0].isdigit() or any(c in name for c in ".["):
            message = f"not a valid template: '{{{name}}}' does not name a column"
            raise invalid("attribution_template", message, hint)
    return template


Score = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=1)]
Names = tuple[str, ...]


class _Section(BaseModel):
    # A coder or label typed as a bare number (12) is meant as text.
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class StudyText(_Section):
    """The prose no computation can produce, one key per SRQR item that needs it."""

    title: str | None = None  # SRQR 1
    abstract: str | None = None  # 2
    problem: str | None = None  # 3
    research_question: str | None = None  # 4
    approach: str | None = None  # 5
    researchers: str | None = None  # 6: reflexivity
    context: str | None = None  # 7
    sampling: str | None = None  # 8
    ethics: str | None = None  # 9
    data_collection: str | None = None  # 10
    instruments: str | None = None  # 11
    units: str | None = None  # 12
    processing: str | None = None  # 13
    analysis: str | None = None  # 14
    trustworthiness: str | None = None  # 15
    integration: str | None = None  # 18
    limitations: str | None = None  # 19
    conflicts_of_interest: str | None = None  # 20
    funding: str | None = None  # 21


class PathSettings(_Section):
    transcripts: str = "transcripts"
    codings: str = "codings"
    codebook: str = "codebook.yaml"
    participants: str = "participants.csv"
    report: str = "report"


class SegmentationSettings(_Section):
    unit: Literal["turn", "sentence"] = "turn"
    max_words: Count = 150


class NlpSettings(_Section):
    lang: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")] = "en"
    model: str | None = None  # None: spacy.blank + sentencizer + lookup lemmatizer


class SuggestSettings(_Section):
    # Whose journals suggestions learn from when no coder is named (`gioia suggest`,
    # `gioia run`): pooled on purpose; None: the codebook alone.
    learn_from: Names | None = None
    auto_accept_min_score: Score | None = None
    # `gioia run` accepts at the lowest threshold whose cross-validated precision on
    # learn_from's decisions reaches this (instead of a fixed minimum score).
    auto_accept_target_precision: Score | None = None


class FrancisSettings(_Section):
    initial: Count = 10
    stop: Count = 3


class SaturationSettings(_Section):
    level: Literal["concept", "theme"] = "concept"
    base: Count = 4
    run: Count = 2
    threshold: Score = 0.05
    # "participants" (participants.csv row order), "files", a participants.csv column
    # (e.g. interview_date), or an explicit list of transcript ids
    order: Annotated[str, StringConstraints(min_length=1)] | Names = "participants"
    francis: Annotated[FrancisSettings, blank_as({})] = FrancisSettings()
    permutations: Count = 10000
    seed: int = 1


class GateSettings(_Section):
    saturation_required: bool = False
    min_alpha: Score | None = None


class ReportSettings(_Section):
    """What the report states in sentences rather than tables."""

    # Node ids whose subgroup absences ("not raised by any of the 4 participants with
    # role = partner") are written as sentences; None: those where the difference is
    # large (gioia.report.demographics.LARGE_SHARE). Checked against the codebook.
    subgroup_statements: Names | None = None


class LimitSettings(_Section):
    """How large an input gioia reads: beyond it a file is refused with a message, not
    read for minutes (legacy encodings are detected at about 3 s per MB) or parsed into
    gigabytes. A two-hour interview is about 100 kB of text."""

    transcript_mb: Annotated[float, Field(gt=0)] = 10


class Settings(_Section):
    """Everything gioia does; every key optional."""

    paths: Annotated[PathSettings, blank_as({})] = PathSettings()
    interviewer_labels: Annotated[Names, blank_as(())] = DEFAULT_INTERVIEWER_LABELS
    coders: Names | None = None  # None: every journal in codings/
    encoding: Annotated[
        dict[str, Annotated[str, AfterValidator(_check_encoding)]], blank_as({})
    ] = {}
    segmentation: Annotated[SegmentationSettings, blank_as({})] = SegmentationSettings()
    nlp: Annotated[NlpSettings, blank_as({})] = NlpSettings()
    suggest: Annotated[SuggestSettings, blank_as({})] = SuggestSettings()
    saturation: Annotated[SaturationSettings, blank_as({})] = SaturationSettings()
    binning: Annotated[
        dict[str, tuple[Annotated[str, AfterValidator(_check_bin_label)], ...]], blank_as({})
    ] = {}
    reportable: Names | None = None  # None: every participants.csv column
    subgroups: Names | None = None  # None: every reportable attribute
    attribution: Annotated[str, AfterValidator(_check_template)] = "({id})"
    # Names in quotes replaced in every output, e.g. {Priya: "[colleague]"} (not in the
    # design card's list: the report issue asks for it).
    anonymise: Annotated[dict[str, str], blank_as({})] = {}
    min_cell: Count = 1
    gates: Annotated[GateSettings, blank_as({})] = GateSettings()
    report: Annotated[ReportSettings, blank_as({})] = ReportSettings()
    limits: Annotated[LimitSettings, blank_as({})] = LimitSettings()

    def encoding_for(self, relative: str) -> str | None:
        """The encoding gioia.yaml sets for the transcript at ``relative`` (a path in the
        transcripts folder, with ``/``): by that path, else by the file's name."""
        return self.encoding.get(relative) or self.encoding.get(relative.rsplit("/", 1)[-1])


class StudyConfig(_Section):
    """gioia.yaml."""

    study: Annotated[StudyText, blank_as({})] = StudyText()
    settings: Annotated[Settings, blank_as({})] = Settings()


@dataclass(frozen=True)
class StudyPaths:
    """Absolute paths of a study's files and folders, after gioia.yaml's overrides."""

    config: Path
    transcripts: Path
    codings: Path
    codebook: Path
    participants: Path
    report: Path
    cache: Path


@dataclass(frozen=True)
class Study:
    """An opened study: its folder, validated gioia.yaml and resolved paths."""

    root: Path
    config: StudyConfig
    paths: StudyPaths
    # Positions of gioia.yaml's values, so later checks can point at a setting's line.
    positions: Mapping[YamlPath, tuple[int, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def settings(self) -> Settings:
        return self.config.settings

    @property
    def metadata(self) -> dict[str, str]:
        """The ``study:`` prose keys that are set (blank ones count as missing)."""
        prose = self.config.study.model_dump()
        return {key: text.strip() for key, text in prose.items() if text and text.strip()}

    @property
    def attribution(self) -> str:
        return self.settings.attribution

    def location(self, *keys: str | int) -> Location:
        """Where a key of gioia.yaml is, e.g. ``location("settings", "attribution")``;
        the file alone when the key is not written there (a default)."""
        return YamlDocument(self.paths.config, None, self.positions).location(keys)


def open_study(root: Path) -> tuple[Study, tuple[Problem, ...]]:
    """Open the study in ``root``. Returns it with warnings; raises StudyError when the
    folder does not exist and ConfigError listing every problem of gioia.yaml."""
    if not root.is_dir():
        state = "is not a folder" if root.exists() else "does not exist"
        raise StudyError(
            f"study folder {root} {state}",
            hint="run `gioia init DIR` to create a study, or pass the folder holding gioia.yaml",
            location=Location.of(root),
        )
    root = root.resolve()
    config_file = root / CONFIG_FILE
    leaving = _link_out(root, Path(CONFIG_FILE))
    if leaving is not None:  # refused before it is opened: nothing of it is read
        raise ConfigError([leaving])
    if config_file.exists():
        document = load_yaml(config_file, what=CONFIG_FILE)
    else:
        document = YamlDocument(config_file, None, {})
    problems = list(document.problems)
    try:
        config = StudyConfig.model_validate({} if document.data is None else document.data)
    except ValidationError as exc:
        problems += validation_problems(exc, document, StudyConfig, _hint_for)
        raise ConfigError(in_file_order(problems)) from None
    paths = _resolve_paths(root, document, config.settings.paths, problems)
    if not problems:
        problems += _outside_problems(root, document, config.settings.paths, paths)
        problems += _report_problems(document, paths)
    if problems:  # duplicate keys, values that cannot be read, unusable paths
        raise ConfigError(problems)
    warnings = _missing_path_warnings(document, paths)
    return Study(root, config, paths, document.positions), tuple(warnings)


def _resolve_paths(
    root: Path, document: YamlDocument, paths: PathSettings, problems: list[Problem]
) -> StudyPaths:
    def resolve(key: str) -> Path:
        value = getattr(paths, key)
        try:
            path = (root / Path(value).expanduser()).resolve()
            path.exists()  # a name too long for the file system fails here, not later
        except (OSError, RuntimeError, ValueError) as exc:  # ~nobody, a NUL, too long
            where = ("settings", "paths", key)
            reason = getattr(exc, "strerror", None) or str(exc)
            shown = repr(value) if len(value) <= 60 else repr(value[:57] + "...")
            problems.append(
                Problem(
                    f"{format_path(where)}: {shown} cannot be used as a path ({reason})",
                    document.location(where),
                    "paths are relative to the study folder; ~ is your home folder",
                )
            )
            return root
        return path

    return StudyPaths(
        config=document.path,
        transcripts=resolve("transcripts"),
        codings=resolve("codings"),
        codebook=resolve("codebook"),
        participants=resolve("participants"),
        report=resolve("report"),
        cache=root / CACHE_DIR,
    )


# The study's inputs, which every command reads: each must lie inside the study folder, so
# that a study someone hands you cannot make gioia read (and report, or export) your
# other files through a link or a path in its gioia.yaml.
_INPUTS = ("transcripts", "codings", "codebook", "participants")
_WHY_INSIDE = "gioia reads a study's files only from inside its folder"
_LINK_HINT = (
    f"{_WHY_INSIDE}: copy the file into the study folder instead of linking to it "
    "(a link to a place inside the study is fine)"
)
_PATH_HINT = f"{_WHY_INSIDE}: move the files into the study folder and name them from there"


def _outside_problems(
    root: Path, document: YamlDocument, written: PathSettings, paths: StudyPaths
) -> list[Problem]:
    """Every input of the study that lies outside its folder: a path of gioia.yaml, or a
    file or folder that is a link (journals in codings/ too; transcripts are checked as
    they are found, :func:`gioia.ingest.find_transcripts`)."""
    problems = []
    for key in _INPUTS:
        path = getattr(paths, key)
        if path.is_relative_to(root):
            continue
        value = getattr(written, key)
        link = _link_out(root, Path(value).expanduser())
        where = ("settings", "paths", key)
        if link is not None:
            problems.append(link)
        else:
            problems.append(
                Problem(
                    f"{format_path(where)}: {path} is outside the study folder {root}",
                    document.location(where),
                    _PATH_HINT,
                )
            )
    if not problems and paths.codings.is_dir():
        for journal in sorted(paths.codings.glob("*.jsonl")):
            link = _link_out(root, journal.relative_to(root))
            if link is not None:
                problems.append(link)
    return problems


def _link_out(root: Path, relative: Path) -> Problem | None:
    """A problem naming the first link on the way from ``root`` to ``relative`` that
    leads outside ``root`` (an absolute ``relative`` has none); None when there is none.
    Only the links are looked at: nothing is opened."""
    current = root
    for part in relative.parts:
        current = current / part
        if not current.is_relative_to(root) or ".." in current.relative_to(root).parts:
            return None  # written outside the study, not led there by a link
        if not current.is_symlink():
            continue
        try:
            target = current.resolve()
        except (OSError, RuntimeError):  # a loop of links leads nowhere: reading it fails
            return None
        if not target.is_relative_to(root):
            name = current.relative_to(root).as_posix()
            return Problem(
                f"{name} is a link to {target}, outside the study folder {root}",
                Location.of(current),
                _LINK_HINT,
            )
    return None


def inside_inputs(target: Path, paths: StudyPaths) -> str | None:
    """Which input folder of the study (``transcripts`` or ``codings``) holds ``target``,
    an output: a report there would be read back as a transcript (or sit among the
    journals, which only decisions may write to). None when neither does."""
    target = target.resolve()
    for key in ("transcripts", "codings"):
        if target.is_relative_to(getattr(paths, key)):
            return key
    return None


def _report_problems(document: YamlDocument, paths: StudyPaths) -> list[Problem]:
    folder = inside_inputs(paths.report, paths)
    if folder is None:
        return []
    where = ("settings", "paths", "report")
    return [
        Problem(
            f"{format_path(where)}: the report folder {paths.report} is inside the {folder} "
            f"folder {getattr(paths, folder)}"
            + (
                ": the next run would read the report as a transcript"
                if folder == "transcripts"
                else ""
            ),
            document.location(where),
            f"set settings.paths.report to a folder outside the {folder} folder",
        )
    ]


def _missing_path_warnings(document: YamlDocument, paths: StudyPaths) -> list[Problem]:
    """A path set in gioia.yaml that does not exist is most likely a typo: point at its
    line. (Missing default paths are reported by whatever needs them.)"""
    warnings = []
    for key in ("transcripts", "codebook", "participants"):
        where = ("settings", "paths", key)
        if where in document.positions and not getattr(paths, key).exists():
            warnings.append(
                Problem(
                    f"{format_path(where)}: {getattr(paths, key)} does not exist",
                    document.location(where),
                    "paths are relative to the study folder",
                    severity="warning",
                )
            )
    return warnings


def _hint_for(details: ErrorDetails) -> str | None:
    """Hints for keys written in the wrong part of gioia.yaml."""
    kind, loc = details["type"], details["loc"]
    if kind == "extra_forbidden" and len(loc) <= 2:
        key = loc[-1]
        if key in Settings.model_fields and loc[:-1] != ("settings",):
            return f"'{key}' is a setting: put it under 'settings:'"
        if key in StudyText.model_fields and loc[:-1] != ("study",):
            return f"'{key}' is study prose: put it under 'study:'"
    if loc == ("settings", "nlp", "lang"):
        return "a spaCy language code, e.g. en, de or nl"
    return None
