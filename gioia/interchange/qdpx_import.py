"""Build or update a study from a REFI-QDA project (``.qdpx``) or codebook (``.qdc``).

The archive and its XML pass :mod:`~gioia.interchange.safety` before anything else; the
project is read by :mod:`~gioia.interchange.project_reader` and imported by
:mod:`~gioia.interchange.project_import`. A ``.qdpx`` gioia wrote carries the study
itself (:mod:`~gioia.interchange.carried`): into a new or empty folder, it is restored.
"""

from __future__ import annotations

from pathlib import Path

from gioia.errors import Location
from gioia.interchange.carried import read_carried
from gioia.interchange.codebook_merge import merge_codebook
from gioia.interchange.levels import CodeTreeMapping, default_levels, parse_levels
from gioia.interchange.project_import import (
    ImportResult,
    ImportWarnings,
    code_tree,
    import_project,
    is_new,
    restore_project,
    sets_message,
    study_settings,
    write_codebook,
)
from gioia.interchange.project_reader import read_project
from gioia.interchange.qdc import read_qdc
from gioia.interchange.refi import count_codes, local_name
from gioia.interchange.safety import InterchangeError, parse_xml, read_archive

__all__ = ["ImportResult", "import_project", "import_qdc", "import_qdpx"]


def import_qdpx(archive: Path, study: Path, *, levels: str | None = None) -> ImportResult:
    """Create or update the study in ``study`` from a REFI-QDA project archive.
    ``levels`` overrides the level mapping (see :mod:`gioia.interchange.levels`)."""
    where = Location.of(archive)
    entries = read_archive(archive)
    project_file = _project_entry(entries, archive.name, where)
    root = parse_xml(entries[project_file], project_file, where)
    if local_name(root.tag) != "Project":
        raise InterchangeError(
            f"{archive.name}: {project_file} is not a REFI-QDA project "
            f"(its root element is <{local_name(root.tag)}>)",
            hint="export the project again as REFI-QDA (.qdpx)",
            location=where,
        )
    project = read_project(root, entries, where)
    carried = read_carried(entries, entries[project_file], where)
    if carried is not None and carried.intact and carried.files and is_new(study):
        return restore_project(project, carried, study, archive)
    return import_project(project, study, file=archive, levels=levels, carried=carried)


def import_qdc(file: Path, study: Path, *, levels: str | None = None) -> ImportResult:
    """Create or merge the study's codebook.yaml from a REFI-QDA codebook (``.qdc``)."""
    where = Location.of(file)
    spec = parse_levels(levels) if levels else None
    codebook_file = read_qdc(file)
    paths, _ = study_settings(study)
    warnings = ImportWarnings(where)
    codes = code_tree(codebook_file.codes, codebook_file.origin)
    mapping = CodeTreeMapping(codes, spec or default_levels(codes))
    if codebook_file.sets:
        warnings.add(sets_message(codebook_file.sets))
    if not codes:
        warnings.add("the codebook has no codes: nothing to import")
    merged = merge_codebook(paths.codebook, mapping.finish(), title=file.stem, source=file.name)
    write_codebook(paths.codebook, merged.text, merged.backup)
    return ImportResult(
        study=study,
        origin=codebook_file.origin,
        levels=str(mapping.spec) if codes else "",
        sources=0,
        sources_unchanged=0,
        sources_reanchored=0,
        sources_skipped=0,
        codes=count_codes(codebook_file.codes),
        codes_merged=mapping.merged,
        nodes_added=merged.added,
        codings=0,
        unplaced=0,
        duplicates=0,
        codings_skipped=0,
        coders=(),
        participants=0,
        warnings=tuple(warnings.problems),
    )


def _project_entry(entries: dict[str, bytes], name: str, where: Location) -> str:
    if "project.qde" in entries:
        return "project.qde"
    found = sorted(e for e in entries if e.lower().endswith(".qde"))
    if not found:
        raise InterchangeError(
            f"{name} holds no project.qde, so it is no REFI-QDA project",
            hint="export the project again as REFI-QDA (.qdpx)",
            location=where,
        )
    return min(found, key=lambda e: (e.count("/"), e))
