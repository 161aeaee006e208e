"""The typer app, its shared options, and the one place errors become exit codes."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gioia import __version__
from gioia.errors import GioiaError
from gioia.fsutil import is_out_of_space, write_failure


class _OnUse(ModuleType):
    """A module imported when one of its names is first used, not when a command module
    is: ``gioia --help`` and each command's ``--help`` import neither the pipeline
    (every stage, numpy, python-docx, the report) nor the console and the interactive
    screens (rich, the report)."""

    def __init__(self, name: str):
        super().__init__(name)

    def __getattr__(self, attribute: str) -> Any:
        module = importlib.import_module(self.__name__)
        return getattr(module, attribute)


if TYPE_CHECKING:
    from gioia import console, pipeline
    from gioia.cli import screen
else:
    console = _OnUse("gioia.console")
    pipeline = _OnUse("gioia.pipeline")
    screen = _OnUse("gioia.cli.screen")

app = typer.Typer(
    name="gioia",
    help="Gioia-method analysis of interview transcripts: suggest, review and count "
    "codings, and write an SRQR-aligned report.\n\nExample: gioia run examples/peer-support",
    no_args_is_help=True,
    add_completion=False,
    # Transcripts are confidential: a traceback must never show local variables.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
codebook_app = typer.Typer(
    help="Work with codebook.yaml.\n\nExample: gioia codebook schema > codebook.schema.json",
    no_args_is_help=True,
)
app.add_typer(codebook_app, name="codebook")

StudyDir = Annotated[Path, typer.Argument(help="The study folder.", show_default=True)]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
Coder = Annotated[str, typer.Option("--coder", help="Your coder name: codings/<coder>.jsonl.")]


# Set by --debug: an unexpected error then shows its traceback (never local variables).
_debug = False


@contextmanager
def handle_errors() -> Iterator[None]:
    try:
        yield
    except GioiaError as error:
        console.print_error(error)
        raise typer.Exit(1) from None
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as error:
        # A full disk is no bug: the outputs and journals say so themselves, naming their
        # file; this is the last resort for any other write.
        if isinstance(error, OSError) and is_out_of_space(error):
            console.print_error(
                GioiaError(
                    write_failure(error.filename, error),
                    hint="free some space on that disk and run the command again",
                )
            )
            raise typer.Exit(1) from None
        if _debug:
            raise
        # A bug in gioia, not in the study: say so briefly; a traceback could show
        # transcript text, so it appears only when asked for.
        console.message(
            f"internal error: {type(error).__name__}. This is a bug in gioia; run the "
            "command again with `gioia --debug ...` to see the traceback, and report it."
        )
        raise typer.Exit(1) from None


def load_study(directory: Path, out: Path | None = None) -> pipeline.LoadedStudy:
    loaded = pipeline.load_study(directory, out=out)
    console.print_problems(loaded.warnings)
    return loaded


Jobs = Annotated[
    int,
    typer.Option(
        "--jobs", min=1, help="Processes that read, parse and match transcripts in parallel."
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write the report (and gioia's cache) here, e.g. for a read-only study."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gioia {__version__}")  # the console (rich, the report) not needed
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of an internal error.")
    ] = False,
) -> None:
    """Gioia-method analysis of interview transcripts."""
    global _debug
    _debug = debug


def main() -> Any:
    return app()
