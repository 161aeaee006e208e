"""REFI-QDA and CSV export, and imports from other QDA tools."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gioia.errors import GioiaError, Location, Problem
from gioia.fsutil import atomic_write_bytes, atomic_write_text
from gioia.ingest.decode import decode
from gioia.interchange import (
    ImportResult,
    build_csv,
    build_qdc,
    build_qdpx,
    build_taguette_codebook,
    import_qdc,
    import_qdpx,
    import_taguette,
)
from gioia.interchange.carried import study_files
from gioia.pipeline.analysis import analyse
from gioia.pipeline.corpus import Corpus, ingest
from gioia.pipeline.loading import LoadedStudy, refuse_output_in_inputs
from gioia.report import (
    reportable_attributes,
)

# --------------------------------------------------------------------------- interchange

EXPORT_FORMATS = ("qdpx", "qdc", "csv", "taguette")
# The default file of a format, after the study's name, when it is not ".<format>".
_EXPORT_NAMES = {"taguette": "-taguette-codebook.csv"}
_TAGUETTE_SUFFIXES = (".sqlite3", ".sqlite", ".db", ".csv")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    warnings: tuple[Problem, ...] = ()  # the corpus's and the analysis's, and the export's


def export(
    loaded: LoadedStudy, *, format: str, out: Path | None = None, excel: bool = False
) -> ExportResult:
    """The study as a REFI-QDA project (qdpx), its codebook (qdc, or taguette: a CSV that
    Taguette's codebook import reads) or its counted codings as CSV, written atomically to
    ``out`` (default: report/<study>.<format>, or <study>-taguette-codebook.csv). With
    ``excel``, the codings CSV starts with a UTF-8 byte order mark, without which Excel on
    Windows reads it in the system's legacy encoding and garbles curly quotes and accents.

    The names of gioia.yaml's ``settings.anonymise`` are replaced in the CSV's quotes and
    memos and in the project's sources, selections and memos; an anonymised project
    carries none of the study's own files, and the result's warnings say so."""
    if excel and format != "csv":
        raise GioiaError("--excel is for the codings CSV", hint="add --format csv")
    if format not in EXPORT_FORMATS:
        raise GioiaError(f"unknown export format {format!r}", hint="use qdpx, qdc, csv or taguette")
    study = loaded.study
    name = study.root.resolve().name + _EXPORT_NAMES.get(format, f".{format}")
    target = out or study.paths.report / name
    refuse_output_in_inputs(study, target, "--out" if out else "the export")
    if format == "qdc":
        atomic_write_bytes(target, build_qdc(loaded.codebook))
        return ExportResult(target)
    if format == "taguette":
        atomic_write_text(target, build_taguette_codebook(loaded.codebook))
        return ExportResult(target)
    corpus = ingest(loaded)
    analysis = analyse(loaded, corpus)
    warnings = [*corpus.problems, *analysis.warnings]
    common = {
        "codebook": loaded.codebook,
        "transcripts": corpus.transcripts,
        "participants": corpus.participants,
        "codings": analysis.counted,
        "attributes": reportable_attributes(study.settings.reportable, corpus.participants),
        "anonymise": study.settings.anonymise,
    }
    if format == "qdpx":
        title = study.metadata.get("title") or loaded.codebook.title
        if study.settings.anonymise:
            carried: dict[str, bytes] = {}
            warnings.append(_not_carried(study.location("settings", "anonymise")))
        else:
            carried = _carried_files(loaded, corpus, common["attributes"])
        atomic_write_bytes(target, build_qdpx(title=title, carried=carried, **common))
    else:
        text = build_csv(**common, file_texts=_file_texts(loaded, corpus))
        atomic_write_bytes(target, ("\ufeff" if excel else "").encode() + text.encode("utf-8"))
    return ExportResult(target, tuple(warnings))


def _not_carried(where: Location) -> Problem:
    return Problem(
        "settings.anonymise is set, so the .qdpx carries none of the study's own files "
        "(its transcripts and journals hold the names, gioia.yaml lists them): its sources "
        "and codings are anonymised, and `gioia import` reads it as a REFI-QDA project, "
        "not as this study restored",
        where,
        hint="to copy the study itself, copy its folder (as confidential as the transcripts)",
        severity="warning",
    )


def _file_texts(loaded: LoadedStudy, corpus: Corpus) -> dict[str, str]:
    """The decoded text of each plain-text transcript file, where a quote's place in the
    file the researcher keeps can be given (a Word document has no such offsets)."""
    folder, settings = loaded.study.paths.transcripts, loaded.study.settings
    texts = {}
    for transcript in corpus.transcripts:
        if transcript.path.lower().endswith((".docx", ".odt", ".rtf")):
            continue
        path = folder / transcript.path
        try:
            texts[transcript.id], _ = decode(
                path.read_bytes(),
                source=transcript.path,
                encoding=settings.encoding_for(transcript.path),
            )
        except (OSError, GioiaError):  # read a moment ago; if not now, no offsets
            continue
    return texts


def _carried_files(
    loaded: LoadedStudy, corpus: Corpus, attributes: Sequence[str]
) -> dict[str, bytes]:
    """The study's own files, for the .qdpx to carry: nothing when one lies outside the
    study folder, as it could not be put back where gioia.yaml says."""
    study, paths = loaded.study, loaded.study.paths
    order = study.settings.saturation.order
    kept = [*attributes, *([order] if isinstance(order, str) else [])]
    files = study_files(
        study.root,
        [paths.config, paths.codebook, paths.transcripts, paths.codings],
        [paths.transcripts / t.path for t in corpus.transcripts],
        sorted(paths.codings.glob("*.jsonl")) if paths.codings.is_dir() else [],
        paths.participants,
        kept,
    )
    return files or {}


def import_file(source: Path, study: Path, *, levels: str | None = None) -> ImportResult:
    """Build or update a study from another QDA tool's REFI-QDA export (.qdpx or .qdc)
    or Taguette's (a project .sqlite3, a highlights or codebook .csv). Journals are only
    appended to; importing the same file twice adds nothing."""
    suffix = source.suffix.lower()
    if not source.is_file():
        raise GioiaError(
            f"no file {source}", hint="give the path of a .qdpx, .qdc, .sqlite3 or .csv export"
        )
    if suffix == ".qdpx":
        return import_qdpx(source, study, levels=levels)
    if suffix == ".qdc":
        return import_qdc(source, study, levels=levels)
    if suffix in _TAGUETTE_SUFFIXES:
        return import_taguette(source, study, levels=levels)
    raise GioiaError(
        f"{source.name}: gioia imports REFI-QDA .qdpx projects and .qdc codebooks, and "
        "Taguette's project (.sqlite3) and highlights or codebook CSV",
        hint="export your project from NVivo, ATLAS.ti, MAXQDA or QualCoder as REFI-QDA "
        "(.qdpx); from Taguette, use Export project (.sqlite3)",
    )
