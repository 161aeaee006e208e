"""Rendering for the terminal: tables, trees, problems and progress (rich lives here
and in cli.py only). Data goes to stdout, messages to stderr."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from gioia.errors import GioiaError, Problem

out = Console(highlight=False, soft_wrap=False)
# soft_wrap: a message is one line however narrow the terminal, so CI logs can be grepped.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping."""
    out.file.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def print_error(error: GioiaError) -> None:
    problems = error.problems
    if len(problems) == 1 and problems[0].message == error.message:
        print_problem(problems[0])
        return
    err.print(f"[bold red]error:[/] {escape(str(error))}")
    print_problems(problems)


def print_problem(problem: Problem) -> None:
    colour = "red" if problem.is_error else "yellow"
    where = f"{escape(str(problem.location))}: " if problem.location else ""
    err.print(f"{where}[bold {colour}]{problem.severity}:[/] {escape(problem.message)}")
    if problem.hint:
        err.print(f"  [dim]hint: {escape(problem.hint)}[/]")


def print_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        print_problem(problem)


def message(text: str) -> None:
    err.print(escape(text))


@contextmanager
def progress_reporter() -> Iterator[Any]:
    """A ``progress(stage, done, total)`` callback: a rich progress bar when stderr is a
    terminal (stdout may be redirected to a file of data), one plain line per finished
    stage otherwise, so CI logs stay short."""
    if err.is_terminal:
        with Progress(
            TextColumn("{task.description:<8}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            tasks: dict[str, Any] = {}

            def update(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            yield update
        return

    def plain(stage: str, done: int, total: int) -> None:
        if done == total:
            err.print(f"{stage}: {total} transcript{'s' if total != 1 else ''}")

    yield plain


def transcripts_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Transcripts", title_justify="left")
    for column, justify in (
        ("transcript", "left"),
        ("format", "left"),
        ("encoding", "left"),
        ("participant", "left"),
        ("speakers", "left"),
        ("turns", "right"),
        ("words", "right"),
        ("warnings", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            escape(row["id"]),
            row["format"],
            row["encoding"],
            escape(", ".join(row["participants"]) or "-"),
            escape(", ".join(row["speakers"])),
            str(row["participant_turns"]),
            str(row["words"]),
            str(row["warnings"]),
        )
    return table


def interviewers_table(rows: list[dict[str, Any]]) -> Table:
    """Per transcript, who was taken as the interviewer and whose talk is coded."""
    table = Table(title="Speakers", title_justify="left")
    for column in ("transcript", "format", "encoding", "interviewer", "participants"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            escape(row["id"]),
            row["format"],
            row["encoding"],
            escape(", ".join(row["interviewer"]) or "(none found)"),
            escape(", ".join(row["participants"]) or "-"),
        )
    return table


def structure_tree(title: str, nodes: list[dict[str, Any]], total: int) -> Tree:
    """The data structure as a tree: dimension → theme → concept with n/N and segments."""
    tree = Tree(f"[bold]{escape(title)}[/]  (participants n/{total}, segments)")
    branches: dict[str | None, Tree] = {None: tree}
    styles = {"dimension": "bold", "theme": "", "concept": "dim"}
    for node in nodes:
        style = styles[node["level"]]
        label = escape(node["label"])
        text = f"[{style}]{label}[/]" if style else label
        n = len(node["participants"])
        branches[node["id"]] = branches[node["parent"]].add(
            f"{text}  {n}/{total}, {node['segments']} seg"
        )
    return tree


def counts_table(title: str, header: tuple[str, str], counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(header[0])
    table.add_column(header[1], justify="right")
    for key, value in counts.items():
        table.add_row(escape(key), str(value))
    return table
