"""``gioia init``: a new study folder, empty or with the bundled example study."""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from gioia.errors import StudyError
from gioia.fsutil import atomic_write_bytes, atomic_write_text

__all__ = ["init_study"]

# The example study and the starter codebooks live at the top of the repository
# (examples/, codebooks/); gioia/_example and gioia/_codebooks link to them, so an
# installed gioia carries them too.
PACKAGE_DATA = files("gioia")

GIOIA_YAML = """\
# gioia study file: the study's prose (feeds the SRQR report) and gioia's settings.
# Every key is optional; see `gioia check` for what is missing.
study:
  title: {title}
  # abstract: ...
  # research_question: ...
  # approach: Gioia methodology within an interpretivist paradigm ...
settings:
  attribution: "({{id}})"
  # interviewer_labels: [Interviewer, I, Q, Researcher, Moderator, Facilitator]
  # segmentation: {{unit: turn, max_words: 150}}
  # suggest: {{learn_from: null, auto_accept_min_score: null, auto_accept_target_precision: null}}
"""

# The cache, and the lock files of journals being written.
GITIGNORE = ".gioia/\ncodings/.*.lock\n"


def init_study(target: Path, *, example: bool = False) -> list[Path]:
    """Create a study in ``target`` (created if missing) and return the files written.
    Never overwrites: a folder that already holds a study is an error."""
    for name in ("gioia.yaml", "codebook.yaml"):
        if (target / name).exists():
            raise StudyError(
                f"{target / name} already exists; gioia init never overwrites a study",
                hint="choose an empty or new folder",
            )
    target.mkdir(parents=True, exist_ok=True)
    if example:
        return _copy_example(target)
    starter = PACKAGE_DATA.joinpath("_codebooks", "starter.yaml").read_text(encoding="utf-8")
    written = {
        target / "gioia.yaml": GIOIA_YAML.format(title=target.resolve().name),
        target / "codebook.yaml": starter,
        target / "participants.csv": "id\n",
        target / ".gitignore": GITIGNORE,
        target / "transcripts" / ".gitkeep": "",
        target / "codings" / ".gitkeep": "",
    }
    for path, text in written.items():
        if not path.exists():
            atomic_write_text(path, text)
    return sorted(written)


def _copy_example(target: Path) -> list[Path]:
    with as_file(PACKAGE_DATA.joinpath("_example")) as source:
        written = []
        for path in sorted(Path(source).rglob("*")):
            relative = path.relative_to(source)
            if not path.is_file() or _is_generated(relative):
                continue
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if not destination.exists():
                atomic_write_bytes(destination, path.read_bytes())
                written.append(destination)
    gitignore = target / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(gitignore, GITIGNORE)
        written.append(gitignore)
    return written


def _is_generated(relative: Path) -> bool:
    """Outputs of an earlier run in the source tree are not part of the example."""
    top = relative.parts[0]
    return top in {".gioia", "report", "__pycache__"} or relative.suffix == ".pyc"
