"""Rendering for the terminal: tables, trees, problems and progress (rich lives here
and in cli.py only). Data goes to stdout, messages to stderr.

Everything shown passes through :class:`SafeConsole`, which shows a control character
of the data (from a codebook label, a file name, a transcript, a problem's message)
rather than letting the terminal obey it: an escape sequence in a label must not retitle
the window, clear the screen or rewrite what was printed. ``--json`` output escapes the
same characters (:func:`print_json`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from gioia.errors import GioiaError, Problem

# What a terminal obeys instead of showing: C0 controls but tab and newline (ESC starts
# every escape sequence), DEL, C1 controls (U+009B is an 8-bit CSI), and the
# bidirectional embeddings, overrides and isolates that reorder what follows them.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same in JSON, where json.dumps already escapes C0 controls.
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match[0])
    if code < 0x20:
        return chr(0x2400 + code)  # its Control Pictures symbol, e.g. ␛ for ESC
    return "\u2421" if code == 0x7F else "\ufffd"  # ␡, or the replacement character


def terminal_safe(text: str) -> str:
    """``text`` with each character a terminal would obey replaced by one it shows (one
    for one, so positions in the text stay where they were)."""
    return _UNSAFE.sub(_visible, text)


class SafeConsole(Console):
    """A rich console that never writes a control character of the data: text is made
    safe before it is laid out (strings, markup included, and gioia's :class:`Text`),
    and again as it is written (whatever else rich renders). rich's own escape
    sequences (colours, cursor moves of a progress bar) are not data and pass."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(terminal_safe(text), **kwargs)

    def render(self, renderable: Any, options: Any = None) -> Iterator[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and _UNSAFE.search(segment.text):
                yield Segment(terminal_safe(segment.text), segment.style)
            else:
                yield segment


out = SafeConsole(highlight=False, soft_wrap=False)
# soft_wrap: a message is one line however narrow the terminal, so CI logs can be grepped.
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: plain JSON on stdout, no colour, no wrapping. Characters
    a terminal would obey are written as ``\\u`` escapes, which JSON reads back as the
    same text."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = _UNSAFE_IN_JSON.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
    out.file.write(text + "\n")


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


def audit_table(trail: list[dict[str, Any]]) -> Table:
    """Decisions per coder: totals, by source and decision, first and last day."""
    table = Table(title="Audit trail", title_justify="left")
    for column in ("coder", "decisions", "by source", "days", "first", "last"):
        table.add_column(column)
    for row in trail:
        table.add_row(
            escape(row["coder"]),
            str(row["decisions"]),
            escape(", ".join(f"{k} {v}" for k, v in row["by_source"].items())),
            str(len(row["by_day"])),
            row["first"] or "-",
            row["last"] or "-",
        )
    return table


def srqr_table(items: list[dict[str, Any]]) -> Table:
    """SRQR items and where the study answers them; missing ones are the researcher's
    to write (in gioia.yaml's study: section)."""
    # Imported here: the report package (jinja2, the figures) is not for every command.
    from gioia.report import SRQR_ITEMS

    keys = {item.number: item.key for item in SRQR_ITEMS}
    table = Table(title="SRQR (2014)", title_justify="left")
    for column in ("item", "name", "status", "to do"):
        table.add_column(column)
    for row in items:
        missing = row["status"] == "missing"
        todo = ""
        if missing:
            key = keys[row["item"]]
            todo = f"set study: {key} in gioia.yaml" if key else "needs accepted codings"
        table.add_row(
            str(row["item"]),
            escape(row["name"]),
            "[bold red]missing[/]" if missing else row["status"],
            escape(todo),
        )
    return table


def saturation_view(result: dict[str, Any]) -> Group:
    """The discovery curve as a text chart, then the statements."""
    level = "first-order concepts" if result["level"] == "concept" else "second-order themes"
    chart = Table(
        title=f"Code saturation ({level}), interviews in analysis order", title_justify="left"
    )
    for column, justify in (
        ("#", "right"),
        ("interview", "left"),
        ("new", "right"),
        ("total", "right"),
        ("", "left"),
        ("expected", "right"),
    ):
        chart.add_column(column, justify=justify)  # type: ignore[arg-type]
    top = max(result["cumulative"], default=0) or 1
    point = result["guest"]["point"]
    for i, (tid, new, total, expected) in enumerate(
        zip(
            result["order"],
            result["new_per_interview"],
            result["cumulative"],
            result["expected_curve"],
            strict=True,
        ),
        start=1,
    ):
        bar = (
            "█" * round(30 * (total - new) / top) + "[green]" + "█" * round(30 * new / top) + "[/]"
        )
        marker = " ◀ p" if point == i else ""
        chart.add_row(str(i), escape(tid), str(new), str(total), bar + marker, f"{expected:.2f}")
    guest, francis, orders = result["guest"], result["francis"], result["orders"]
    lines = [
        f"Guest et al. 2020 (base {guest['base']}, run {guest['run']}, threshold "
        f"{guest['threshold']:.0%}): "
        + (f"saturation at {guest['label']}" if guest["label"] else "not reached")
        + f" — {guest['reason']}",
        f"Francis et al. 2010 ({francis['initial']}+{francis['stop']}): "
        + (f"saturation at interview {francis['point']}" if francis["point"] else "not reached")
        + (f" — {francis['reason']}" if francis.get("reason") else ""),
    ]
    if orders.get("reached_fraction") is not None:
        seed = f", seed {orders['seed']}" if orders.get("seed") is not None else ""
        lines.append(
            f"Orders that saturate: {orders['reached_fraction']:.1%} of {orders['count']} "
            f"({orders['method']}{seed})"
        )
    chao = result["chao2"]
    lines.append(
        f"Chao2 {'–' if chao is None else f'{chao:.2f}'}, bias-corrected "
        f"{result['chao2_bias_corrected']:.2f}, sample coverage {result['coverage']:.1%} "
        f"({result.get('codes_observed', '?')} codes observed)"
    )
    lines.append("This is code saturation (no new codes), not meaning saturation.")
    return Group(chart, *(Text(terminal_safe(line)) for line in lines))


def agreement_table(data: dict[str, Any], labels: dict[str, str]) -> Table:
    coders = data["coders"]
    segments = data.get("segments")
    on = "" if segments is None else f" on {segments} segment{'' if segments == 1 else 's'}"
    table = Table(
        title=f"Agreement between {', '.join(coders[:-1])} and {coders[-1]}{on} "
        f"({data.get('level', 'concept')}; units: segment × {data.get('level', 'concept')})",
        title_justify="left",
    )
    for column in ("code", "units", "agreement", "alpha", "kappa", "PABAK", "disagree"):
        table.add_column(column, justify="left" if column == "code" else "right")
    rows = [{**data["pooled"], "id": "pooled"}, *data["concepts"]]
    for row in rows:
        table.add_row(
            "[bold]pooled[/]"
            if row["id"] == "pooled"
            else escape(labels.get(row["id"], row["id"])),
            str(row["units"]),
            _share(row["percent"]),
            _coefficient(row["alpha"]),
            _coefficient(row.get("kappa")),
            _coefficient(row.get("pabak")),
            str(row.get("disagreements", "")),
        )
    return table


def disagreements_table(
    data: dict[str, Any], texts: dict[str, str], labels: dict[str, str]
) -> Table:
    """The contested segments, most contested codes first, with who said what."""
    table = Table(title="Disagreements", title_justify="left")
    for column in ("code", "segment", "quote", *data["coders"]):
        table.add_column(column)
    for item in data.get("disagreements", []):
        transcript, _, span = item["unit"].rpartition(":")
        start, end = (int(x) for x in span.split("-"))
        quote = " ".join(texts[transcript][start:end].split())
        table.add_row(
            escape(labels.get(item["concept"], item["concept"])),
            escape(item["unit"]),
            escape(quote[:60] + ("…" if len(quote) > 60 else "")),
            *(
                "–" if item["coders"].get(c) is None else str(item["coders"][c])
                for c in data["coders"]
            ),
        )
    return table


def retrieval_view(data: dict[str, Any]) -> Group:
    """`gioia show`: what was selected, a count line ("12 codings from 7 of 15
    participants"), and the codings grouped by transcript, in order of position.
    Participants are attributed as the data carry it (the report's attribution)."""
    selector, counts = data["selector"], data["counts"]
    label = f": {escape(terminal_safe(selector['label']))}" if selector["label"] else ""
    heading = f"[bold]{selector['by']} {escape(terminal_safe(selector['id']))}[/]{label}"
    n = counts["codings"]
    line = (
        f"{n} coding{'' if n == 1 else 's'} from {counts['participants']} of "
        f"{counts['of_participants']} participants"
    )
    transcripts = counts["transcripts"]
    if transcripts:
        line += f", in {transcripts} transcript{'' if transcripts == 1 else 's'}"
    if counts["segments"] != n:
        line += f" ({counts['segments']} distinct segments)"
    if not data["codings"]:
        return Group(heading, line)
    attributions = {p["id"]: p["attribution"] for p in data["participants"]}
    several = selector["by"] != "concept"
    parts: list[Any] = [heading, line]
    previous = None
    for coding in data["codings"]:
        if coding["transcript"] != previous:
            parts += ["", f"[bold]{escape(terminal_safe(coding['transcript']))}[/]"]
            previous = coding["transcript"]
        about = [
            f"{coding['start']}–{coding['end']}",
            _attributed(coding["participants"], attributions),
            ", ".join(coding["coders"]),
            *((coding["concept_label"],) if several else ()),
        ]
        parts.append(f"  [dim]{escape(terminal_safe(' · '.join(about)))}[/]")
        quote = escape(terminal_safe(" ".join(coding["quote"].split())))
        parts.append(Padding(quote, (0, 0, 0, 4), expand=False))
    return Group(*parts)


def _attributed(participants: list[str], attributions: dict[str, str]) -> str:
    """Participants as the report attributes quotes, "GP3, female, salaried GP", where
    the data carry an attribution (reportable attributes only), else by id."""
    shown = [attributions.get(p, "").strip().strip("()") or p for p in participants]
    return "; ".join(shown) or "–"


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _coefficient(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def candidates_table(candidates: list[dict[str, Any]]) -> Table:
    """Candidate in-vivo concepts from `gioia discover`."""
    table = Table(title="Candidate first-order concepts", title_justify="left")
    for column in ("phrase", "count", "participants", "example"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for row in candidates:
        example = row["examples"][0] if row["examples"] else ""
        table.add_row(
            escape(row["phrase"]),
            str(row["count"]),
            escape(", ".join(row["participants"])),
            escape(example[:70] + ("…" if len(example) > 70 else "")),
        )
    return table


def counts_table(title: str, header: tuple[str, str], counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(header[0])
    table.add_column(header[1], justify="right")
    for key, value in counts.items():
        table.add_row(escape(key), str(value))
    return table


def evaluation_table(evaluation: Any, thresholds: Sequence[float]) -> Table:
    """`gioia suggest --evaluate`: cross-validated precision and recall by threshold."""
    from gioia.assist.ranker import wilson_interval  # scikit-learn stays unimported

    table = Table(
        title=f"If {evaluation.learner} accepted automatically",
        title_justify="left",
        caption=f"cross-validated by interview: {evaluation.decisions} decisions in "
        f"{evaluation.interviews} interviews, {evaluation.folds} folds; "
        f"{evaluation.accepted} of {evaluation.pairs} pairs accepted",
        caption_justify="left",
    )
    for column in ("score at least", "suggested", "precision", "95% interval", "recall"):
        table.add_column(column, justify="right")
    wanted = {round(t, 2) for t in thresholds}
    for row in evaluation.rows:
        if row.threshold in wanted:
            low, high = wilson_interval(row.right, row.suggested)
            table.add_row(
                f"{row.threshold:.2f}",
                str(row.suggested),
                _share(row.precision),
                f"{low:.0%}-{high:.0%}" if row.suggested else "–",
                _share(row.recall),
            )
    return table
