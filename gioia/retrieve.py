"""Retrieve coded segments: every counted coding of a node or of a participant, as
`gioia show` prints it (the "retrieve coded segments" of every QDA tool).

Pure: the caller passes the codebook, the corpus and the placed codings; nothing is read,
printed or written here.

The codings are the ones that count (DESIGN §8): the accepted codings of the coders
gioia.yaml names (default: every journal), united, one per span and concept. A theme or
a dimension retrieves the codings of all its concepts; a participant, the codings that
overlap that participant's talk. Each coding lists every counted coder whose latest
decision on it is ``accept``. Quotes are the study's own text, cut from the current
transcript at the coding's placed span, so they read as the corpus does now; the
terminal is the researcher's own view and shows them unanonymised, but participant
attributes appear only when gioia.yaml allows them (``settings: reportable:``).

The JSON shape (``gioia show --json``; ``schema_version`` is bumped when a key changes)::

    {"schema_version": 1,
     "selector": {"by": "concept"|"theme"|"dimension"|"participant",
                  "id": str, "label": str|null},
     "counts": {"codings": int, "segments": int,   # distinct spans
                "transcripts": int, "participants": int, "of_participants": int},
     "participants": [{"id": str, "attribution": str,   # as the report attributes quotes
                       "attributes": {reportable column: value}}],
     "codings": [{"transcript": str, "start": int, "end": int, "concept": str,
                  "concept_label": str, "participants": [str], "coders": [str],
                  "quote": str}]}

``codings`` are ordered by transcript (corpus order), then position, then the concepts'
order in the codebook; ``participants`` are those the codings count for, in study order.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from gioia.errors import GioiaError
from gioia.models import Codebook, Participant, PlacedCoding, Transcript

__all__ = ["SCHEMA_VERSION", "Retrieval", "RetrievedCoding", "Selector", "retrieve"]

SCHEMA_VERSION = 1

Selector = Literal["concept", "theme", "dimension", "participant"]
# The known name a mistyped one most likely meant, or None.
Closest = Callable[[str, Iterable[str]], "str | None"]


def _close_spelling(value: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(value, list(known), n=1)
    return close[0] if close else None


@dataclass(frozen=True)
class RetrievedCoding:
    transcript: str
    start: int
    end: int
    concept: str
    concept_label: str
    participants: tuple[str, ...]  # whose talk the span overlaps
    coders: tuple[str, ...]  # the counted coders who accepted it
    quote: str  # the current transcript's text at the span


@dataclass(frozen=True)
class Retrieval:
    by: Selector
    id: str
    label: str | None  # the node's label; None for a participant
    codings: tuple[RetrievedCoding, ...]
    participants: tuple[str, ...]  # those the codings count for, in study order
    of_participants: int  # N: participants with talk in the corpus
    attributes: Mapping[str, Mapping[str, str]]  # participant -> reportable attributes
    attributions: Mapping[str, str]  # participant -> e.g. "(GP7, male, salaried GP)"

    @property
    def segments(self) -> int:
        return len({(c.transcript, c.start, c.end) for c in self.codings})

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "selector": {"by": self.by, "id": self.id, "label": self.label},
            "counts": {
                "codings": len(self.codings),
                "segments": self.segments,
                "transcripts": len({c.transcript for c in self.codings}),
                "participants": len(self.participants),
                "of_participants": self.of_participants,
            },
            "participants": [
                {
                    "id": p,
                    "attribution": self.attributions.get(p, ""),
                    "attributes": dict(self.attributes.get(p, {})),
                }
                for p in self.participants
            ],
            "codings": [
                {
                    "transcript": c.transcript,
                    "start": c.start,
                    "end": c.end,
                    "concept": c.concept,
                    "concept_label": c.concept_label,
                    "participants": list(c.participants),
                    "coders": list(c.coders),
                    "quote": c.quote,
                }
                for c in self.codings
            ],
        }


def retrieve(
    by: Selector,
    wanted: str,
    *,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    participants: Sequence[Participant],
    speaking: Sequence[str],
    counted: Sequence[PlacedCoding],
    decisions: Sequence[PlacedCoding],
    reportable: Sequence[str] | None,
    attributions: Mapping[str, str] | None = None,
    closest: Closest = _close_spelling,
) -> Retrieval:
    """The counted codings of one node (``by`` concept, theme or dimension, with the
    node's descendants) or of one participant.

    ``participants`` are participants.csv's rows, ``speaking`` the ids of those with talk
    in the corpus (N, in study order); ``counted`` and ``decisions`` the counted codings
    and every placed decision of the counted coders (for who accepted each coding);
    ``reportable`` gioia.yaml's ``settings: reportable:`` (None: every column);
    ``attributions`` each participant's quote attribution as the report fills it.
    Unknown ids raise :class:`GioiaError` with a "did you mean" (the name ``closest``
    finds; by default a close spelling)."""
    label: str | None = None
    if by == "participant":
        known = list(dict.fromkeys([*(p.id for p in participants), *speaking]))
        if wanted not in known:
            raise _unknown(wanted, known, "participant", codebook, closest)
        concepts = None
    else:
        node_id, label = _node(codebook, by, wanted, closest)
        concepts = _concepts_under(codebook, by, node_id)
        wanted = node_id
    labels = {c.id: c.label for c in codebook.concepts}
    rank = {c.id: i for i, c in enumerate(codebook.concepts)}
    order = {t.id: i for i, t in enumerate(transcripts)}
    texts = {t.id: t.text for t in transcripts}
    accepted_by = _accepted_by(decisions)
    selected = [
        c
        for c in counted
        if (c.concept in concepts if concepts is not None else wanted in c.participants)
    ]
    selected.sort(
        key=lambda c: (order.get(c.coding.transcript, len(order)), c.start, c.end, rank[c.concept])
    )
    codings = tuple(
        RetrievedCoding(
            transcript=c.coding.transcript,
            start=c.start,
            end=c.end,
            concept=c.concept,
            concept_label=labels[c.concept],
            participants=c.participants,
            coders=accepted_by.get(_key(c), (c.coding.coder,)),
            quote=texts[c.coding.transcript][c.start : c.end],
        )
        for c in selected
    )
    if concepts is None:
        expressing = {wanted} if codings else set()
    else:
        expressing = {p for c in codings for p in c.participants}
    study_order = {pid: i for i, pid in enumerate([*speaking, *(p.id for p in participants)])}
    ordered = tuple(sorted(expressing, key=lambda p: (study_order.get(p, len(study_order)), p)))
    return Retrieval(
        by=by,
        id=wanted,
        label=label,
        codings=codings,
        participants=ordered,
        of_participants=len(speaking),
        attributes=_attributes(participants, ordered, reportable),
        attributions={p: (attributions or {}).get(p, "") for p in ordered},
    )


def _key(placed: PlacedCoding) -> tuple[str, int, int, str]:
    return (placed.coding.transcript, placed.start, placed.end, placed.concept)


def _accepted_by(decisions: Sequence[PlacedCoding]) -> dict[tuple, tuple[str, ...]]:
    """Per placed span and concept, the coders whose latest decision on it is an accept
    (the rule of :func:`gioia.journal.place_codings`: a coder's later line wins)."""
    latest: dict[str, dict[tuple, str]] = {}
    for placed in decisions:
        latest.setdefault(placed.coding.coder, {})[_key(placed)] = placed.coding.decision
    found: dict[tuple, list[str]] = {}
    for coder in sorted(latest):
        for key, decision in latest[coder].items():
            if decision == "accept":
                found.setdefault(key, []).append(coder)
    return {key: tuple(coders) for key, coders in found.items()}


def _node(codebook: Codebook, by: str, wanted: str, closest: Closest) -> tuple[str, str]:
    """The id and label of the node of level ``by`` named ``wanted`` (a concept also by
    a former id, its aliases)."""
    if by == "concept" and (concept := codebook.concept(wanted)) is not None:
        return concept.id, concept.label
    nodes = {node_id: label for node_id, level, label, _ in codebook.iter_nodes() if level == by}
    if wanted in nodes:
        return wanted, nodes[wanted]
    raise _unknown(wanted, list(nodes), by, codebook, closest)


def _unknown(
    wanted: str, known: Sequence[str], what: str, codebook: Codebook, closest: Closest
) -> GioiaError:
    """The error for an id that is not a known one, with the closest as "did you mean"
    (or, for a node of another level, the option that finds it)."""
    levels = {node_id: level for node_id, level, _, _ in codebook.iter_nodes()}
    if what != "participant" and wanted in levels:
        hint = f"{wanted!r} is a {levels[wanted]}: use --{levels[wanted]} {wanted}"
    else:
        shown = ", ".join(list(known)[:8]) + (", ..." if len(known) > 8 else "")
        close = closest(wanted, known)
        hint = f"did you mean {close!r}?" if close else f"known: {shown or '(none)'}"
    return GioiaError(f"no {what} {wanted!r} in this study", hint=hint)


def _concepts_under(codebook: Codebook, by: str, node_id: str) -> set[str]:
    if by == "concept":
        return {node_id}
    if by == "theme":
        return {c.id for t in codebook.themes if t.id == node_id for c in t.concepts}
    return {
        c.id for d in codebook.dimensions if d.id == node_id for t in d.themes for c in t.concepts
    }


def _attributes(
    participants: Sequence[Participant], shown: Sequence[str], reportable: Sequence[str] | None
) -> dict[str, dict[str, str]]:
    """The attributes gioia.yaml lets outputs show (``reportable``; None: every column,
    the report's rule) of the participants shown, in participants.csv's column order."""
    rows = {p.id: p for p in participants}
    return {
        pid: {
            k: v for k, v in rows[pid].attributes.items() if reportable is None or k in reportable
        }
        for pid in shown
        if pid in rows
    }
