"""Build or update a study from a project another program wrote, read into
:class:`~gioia.interchange.project_reader.ProjectData` (from a ``.qdpx`` by
:mod:`.qdpx_import`, or from Taguette's exports by :mod:`.taguette`).

Everything is read, checked and planned first, and only then written, so a refused file
(unsafe, broken, or clashing with the study) leaves the study as it was:

1. sources become transcripts and codings journal lines
   (:mod:`~gioia.interchange.transcripts_plan`), the code tree is laid onto the three
   Gioia levels (:mod:`~gioia.interchange.levels`) and merged into codebook.yaml
   (:mod:`~gioia.interchange.codebook_merge`), cases into participants.csv
   (:mod:`~gioia.interchange.participants_merge`);
2. files are written atomically, then journal lines appended (``source: import``) to
   ``codings/<user>.jsonl`` — never rewriting a journal.

A coding already in a journal is not appended again (see
:func:`~gioia.interchange.transcripts_plan.new_journal_lines`), so importing the same file
twice adds nothing. Every code and coding of the file is accounted for in the
:class:`ImportResult`: each code is a codebook node or merged into one; each coding is
appended, a duplicate, or skipped with a warning saying why. gioia's own export, whole
and unchanged, is restored instead (:func:`restore_project`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from gioia.errors import Location, Problem, StudyError
from gioia.fsutil import atomic_write_bytes, atomic_write_text
from gioia.import_state import begin_import, finish_import
from gioia.ingest import read_transcript
from gioia.interchange.carried import CarriedStudy, restore_study
from gioia.interchange.codebook_merge import merge_codebook
from gioia.interchange.levels import (
    CodeTreeMapping,
    default_levels,
    expand_dotted_paths,
    parse_levels,
)
from gioia.interchange.participants_merge import ParticipantRow, merge_participants
from gioia.interchange.project_reader import ProjectData
from gioia.interchange.refi import ImportedCode, count_codes
from gioia.interchange.transcripts_plan import (
    PlannedCoding,
    PlannedTranscript,
    new_journal_lines,
    plan_codings,
    plan_transcripts,
)
from gioia.journal import APPEND_WAIT_SECONDS, append_coding, journal_path, lock, now_utc
from gioia.study import CONFIG_FILE, Settings, StudyPaths, open_study

__all__ = [
    "ImportResult",
    "ImportWarnings",
    "code_tree",
    "import_project",
    "is_new",
    "restore_project",
    "sets_message",
    "study_settings",
    "write_codebook",
]


@dataclass(frozen=True)
class ImportResult:
    """What an import did. ``codings + duplicates + codings_skipped`` is every coding in
    the file; ``codes`` every code, each now a codebook node or merged into one."""

    study: Path
    origin: str  # the program that wrote the file, as the file says
    levels: str  # the level mapping applied, e.g. "1,2,3+" ("" when there were no codes)
    sources: int  # transcripts written
    sources_unchanged: int  # already in the study with the same text
    sources_reanchored: int  # in the study with other text: codings placed on the study's
    sources_skipped: int  # sources that could not become transcripts (see warnings)
    codes: int
    codes_merged: int  # of those, merged into an ancestor concept (closed levels)
    nodes_added: int  # dimensions, themes and concepts added to codebook.yaml
    codings: int  # journal lines appended
    unplaced: int  # of those, lines gioia cannot place (reported as orphans, kept)
    duplicates: int  # already in a journal: not appended again
    codings_skipped: int  # not importable (see warnings)
    coders: tuple[str, ...]  # journals that received lines
    participants: int  # participants.csv rows added
    warnings: tuple[Problem, ...]
    restored: bool = False  # a gioia export restored whole: its own files, not REFI-QDA


def import_project(
    project: ProjectData,
    study: Path,
    *,
    file: Path,
    levels: str | None = None,
    carried: CarriedStudy | None = None,
) -> ImportResult:
    """Create or update the study in ``study`` from a project another program wrote,
    read into :class:`ProjectData` (from a ``.qdpx``, or a Taguette export). ``file`` is
    the file it was read from, named in warnings and in the codebook's provenance;
    ``carried`` what gioia's own export carries beside the REFI-QDA project."""
    where = Location.of(file)
    spec = parse_levels(levels) if levels else None
    paths, settings = study_settings(study)
    coders_setting = settings.coders
    warnings = ImportWarnings(where)
    if carried is not None and not carried.intact:
        warnings.add(
            "the project was changed after gioia exported it: it is imported from its "
            "REFI-QDA content, and gioia's own files in it (gioia.yaml, keywords, "
            "journals) are not used; codes keep their ids where their GUIDs are gioia's"
        )

    codes = code_tree(project.codes, project.origin)
    mapping = CodeTreeMapping(codes, spec or default_levels(codes))
    transcripts, refused = plan_transcripts(
        project.sources, paths.transcripts, _reader(paths.transcripts, settings)
    )
    planned: list[PlannedCoding] = []
    skipped = project.other_codings + sum(s.whole_codings for s in project.sources)
    for transcript in transcripts:
        lines, reasons = plan_codings(transcript, mapping.concept_for)
        planned += lines
        skipped += len(reasons)
        warnings.add_grouped(transcript.id, reasons)
        warnings.add_many(
            f"source {transcript.source.name!r}: {n}" for n in transcript.source.notes
        )
        warnings.add_many(f"{transcript.path.name}: {w}" for w in transcript.warnings)
        unplaced = sum(1 for line in lines if not line.placed)
        if unplaced and transcript.reanchored:
            warnings.add(
                f"{unplaced} coding(s) of {transcript.source.name!r} could not be placed on "
                f"the study's own text of {transcript.path.name}: their words are not there "
                "(or are there more than once); they are in the journal with the source's "
                "words",
                hint="`gioia check` lists them as orphans: recode them with `gioia code`",
            )
        elif unplaced:
            warnings.add(
                f"{unplaced} coding(s) of {transcript.source.name!r} lie in text gioia does "
                f"not read as talk in {transcript.id}.txt; they are in the journal with the "
                "source's words",
                hint="`gioia check` lists them as orphans; add the speaker label gioia missed",
            )
    for source, reason in refused:
        codings_there = sum(len(s.codings) for s in source.selections)
        skipped += codings_there
        warnings.add(
            f"source {source.name!r} is not imported: {reason}"
            + (f"; its {codings_there} coding(s) are skipped" if codings_there else "")
        )
    _report_project_leftovers(project, warnings)
    if mapping.merged:
        warnings.add(
            f"{mapping.merged} code(s) deeper than the levels {mapping.spec} are merged into "
            "their ancestor concept (named in its include:)",
            hint="pass levels ending in 'N+' to keep each code as a concept of its own",
        )

    merged = merge_codebook(
        paths.codebook,
        mapping.finish(),
        title=project.name,
        source=file.name,
        known_ids=carried.ids if carried is not None else {},
    )
    new, duplicates = new_journal_lines(
        planned, project.users, project.creating_user, paths.codings
    )
    with ExitStack() as held:
        # Hold every journal that receives lines from the duplicate check to the last
        # append: a second import of the same file cannot add the same lines in between.
        for coder in sorted({coding.coder for coding, _ in new}):
            held.enter_context(lock(journal_path(paths.codings, coder), wait=APPEND_WAIT_SECONDS))
        new, duplicates = new_journal_lines(
            planned, project.users, project.creating_user, paths.codings
        )
        rows, row_warnings = _participant_rows(project, transcripts)
        participants = merge_participants(paths.participants, rows)
        warnings.add_many(row_warnings)
        warnings.add_many(f"participants.csv: {c}" for c in participants.conflicts)
        coders = tuple(sorted({c.coder for c, _ in new}))
        if coders_setting is not None:
            for coder in sorted(set(coders) - set(coders_setting)):
                warnings.add(
                    f"coder {coder!r} is not in settings.coders of {CONFIG_FILE}: "
                    "their imported codings will not count",
                    hint=f"add {coder} to settings.coders",
                )
        if not planned and not skipped:
            warnings.add("the project has no codings: only its sources and codes are imported")
        if not codes:
            warnings.add(
                "the project has no codes: codebook.yaml is not written",
                hint="write the codebook, or import one from a .qdc file",
            )

        # Recorded as begun before the first write and finished after the last: killed
        # in between, the study says so (gioia.import_state) until the import is rerun.
        root = paths.config.parent
        begin_import(root, file, now_utc())
        for transcript in transcripts:
            if not (transcript.unchanged or transcript.reanchored):
                atomic_write_bytes(transcript.path, transcript.data)
        write_codebook(paths.codebook, merged.text, merged.backup)
        if participants.text is not None:
            atomic_write_text(paths.participants, participants.text)
        for coding, _ in new:
            append_coding(journal_path(paths.codings, coding.coder), coding)
        finish_import(root)

    return ImportResult(
        study=study,
        origin=project.origin,
        levels=str(mapping.spec) if codes else "",
        sources=sum(1 for t in transcripts if not (t.unchanged or t.reanchored)),
        sources_unchanged=sum(1 for t in transcripts if t.unchanged),
        sources_reanchored=sum(1 for t in transcripts if t.reanchored),
        sources_skipped=len(refused),
        codes=count_codes(project.codes),
        codes_merged=mapping.merged,
        nodes_added=merged.added,
        codings=len(new),
        unplaced=sum(1 for _, placed in new if not placed),
        duplicates=duplicates,
        codings_skipped=skipped,
        coders=coders,
        participants=participants.added,
        warnings=tuple(warnings.problems),
    )


def is_new(study: Path) -> bool:
    return not study.exists() or (study.is_dir() and not any(study.iterdir()))


def restore_project(
    project: ProjectData, carried: CarriedStudy, study: Path, file: Path
) -> ImportResult:
    """The study exactly as gioia exported it, into a new or empty folder."""
    restored = restore_study(carried, study, Location.of(file))
    return ImportResult(
        study=study,
        origin=project.origin,
        levels="",
        sources=restored.transcripts,
        sources_unchanged=0,
        sources_reanchored=0,
        sources_skipped=0,
        codes=count_codes(project.codes),
        codes_merged=0,
        nodes_added=count_codes(project.codes),
        codings=restored.lines,
        unplaced=0,
        duplicates=0,
        codings_skipped=0,
        coders=restored.journals,
        participants=restored.participants,
        warnings=(),
        restored=True,
    )


class ImportWarnings:
    def __init__(self, where: Location):
        self.where = where
        self.problems: list[Problem] = []

    def add(self, message: str, *, hint: str = "") -> None:
        self.problems.append(Problem(message, self.where, hint, severity="warning"))

    def add_many(self, messages: Iterable[str]) -> None:
        for message in messages:
            self.add(message)

    def add_grouped(self, transcript: str, reasons: Sequence[str]) -> None:
        """One warning per kind of reason, with how often it occurred."""
        counts: dict[str, int] = {}
        for reason in reasons:
            counts[reason] = counts.get(reason, 0) + 1
        for reason, count in counts.items():
            self.add(f"{count} coding(s) in {transcript} are skipped: {reason}")


def study_settings(study: Path) -> tuple[StudyPaths, Settings]:
    """The study's paths and settings; defaults for a new folder."""
    if study.exists() and not study.is_dir():
        raise StudyError(f"{study} is a file, not a study folder", location=Location.of(study))
    if study.is_dir():
        opened, _ = open_study(study)
        return opened.paths, opened.settings
    root = study.resolve()
    settings = Settings()
    defaults = settings.paths
    return (
        StudyPaths(
            config=root / CONFIG_FILE,
            transcripts=root / defaults.transcripts,
            codings=root / defaults.codings,
            codebook=root / defaults.codebook,
            participants=root / defaults.participants,
            report=root / defaults.report,
            cache=root / ".gioia",
        ),
        settings,
    )


def _reader(folder: Path, settings: Settings) -> Callable[[str, Path], tuple[str, tuple[str, ...]]]:
    """gioia's reading of a transcript already in the study, as the study reads it."""

    def read(stem: str, path: Path) -> tuple[str, tuple[str, ...]]:
        relative = path.relative_to(folder).as_posix()
        transcript = read_transcript(
            path,
            transcript_id=stem,
            rel_path=relative,
            encoding=settings.encoding_for(relative),
            interviewer_labels=settings.interviewer_labels,
            max_bytes=int(settings.limits.transcript_mb * 2**20),
        )
        return transcript.text, transcript.warnings

    return read


def code_tree(codes: tuple[ImportedCode, ...], origin: str) -> tuple[ImportedCode, ...]:
    flat = all(not code.children for code in codes)
    if flat and origin.casefold().startswith("taguette"):
        return expand_dotted_paths(codes)
    return codes


def _report_project_leftovers(project: ProjectData, warnings: ImportWarnings) -> None:
    whole = sum(s.whole_codings for s in project.sources)
    if whole:
        warnings.add(
            f"{whole} coding(s) of whole sources are skipped: gioia codes passages",
            hint="code the passages of those sources that carry the code",
        )
    if project.other_sources:
        warnings.add(
            f"{project.other_sources} picture, PDF, audio or video source(s) are not "
            f"imported, with their {project.other_codings} coding(s): gioia reads text",
            hint="export their transcripts as text sources",
        )
    if project.sets:
        warnings.add(sets_message(project.sets))


def sets_message(sets: int) -> str:
    return (
        f"{sets} set(s) of codes are not imported: a Gioia codebook groups codes by its "
        "three levels only"
    )


def _participant_rows(
    project: ProjectData, transcripts: Sequence[PlannedTranscript]
) -> tuple[list[ParticipantRow], list[str]]:
    """A row per case, and per source with variables of its own; warnings."""
    stems = {t.source.guid: t.id for t in transcripts}
    rows, warnings = [], []
    linked: set[str] = set()
    for case in project.cases:
        mine = [stems[guid] for guid in case.sources if guid in stems]
        linked.update(case.sources)
        if len(mine) > 1:
            warnings.append(
                f"case {case.name!r} is linked to {len(mine)} sources; participants.csv "
                f"ties it to the first, {mine[0]} (set the speaker column for the others)"
            )
        rows.append(ParticipantRow(case.name, mine[0] if mine else None, case.variables))
    for transcript in transcripts:
        source = transcript.source
        if source.variables and source.guid not in linked:
            rows.append(ParticipantRow(transcript.id, None, source.variables))
    return rows, warnings


def write_codebook(path: Path, text: str | None, backup: str | None) -> None:
    if text is None:
        return
    if backup is not None:
        atomic_write_text(path.with_name(path.name + ".bak"), backup)
    atomic_write_text(path, text)
