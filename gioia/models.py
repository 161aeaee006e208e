"""The data model: frozen dataclasses every stage reads and writes.

Stages pass these between each other; none of them does I/O. Serialisation to and from
JSON lives in :mod:`gioia.serialise`, in one place.

The records a study holds by the hundred thousand (turns, segments, suggestions and
their evidence, codings) are slotted: a thousand interviews make about half a million
of them, and a slotted instance takes 48 bytes where one with a ``__dict__`` takes 350.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["dimension", "theme", "concept"]
Decision = Literal["accept", "reject"]
SOURCES = (
    "human", "keyword", "pattern", "similarity", "exemplar", "learned", "auto", "import",
)  # fmt: skip
# Speaker labels taken as the interviewer unless gioia.yaml says otherwise.
DEFAULT_INTERVIEWER_LABELS = (
    "Interviewer",
    "Interviewer 1",
    "I",
    "Q",
    "Researcher",
    "Moderator",
    "Facilitator",
)


def text_hash(text: str) -> str:
    """A short, stable content hash (used for segment identity and caches)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- codebook


@dataclass(frozen=True)
class Concept:
    """A first-order concept: informant-centric, the unit a segment is coded with."""

    id: str
    label: str
    theme: str  # id of the parent second-order theme
    dimension: str  # id of the grandparent aggregate dimension
    definition: str = ""
    include: str = ""
    exclude: str = ""
    in_vivo: bool = False
    keywords: tuple[str, ...] = ()
    patterns: tuple[tuple[Mapping[str, object], ...], ...] = ()
    veto: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Theme:
    """A second-order theme: researcher-centric, groups concepts."""

    id: str
    label: str
    dimension: str
    definition: str = ""
    concepts: tuple[Concept, ...] = ()


@dataclass(frozen=True)
class Dimension:
    """An aggregate dimension: the theory level, groups themes."""

    id: str
    label: str
    definition: str = ""
    themes: tuple[Theme, ...] = ()


@dataclass(frozen=True)
class Relation:
    """A researcher-authored link between two nodes of the data structure."""

    source: str
    target: str
    type: str
    memo: str = ""


@dataclass(frozen=True)
class Codebook:
    """The three-level Gioia codebook."""

    title: str
    dimensions: tuple[Dimension, ...]
    relations: tuple[Relation, ...] = ()
    version: int = 1

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(t for d in self.dimensions for t in d.themes)

    @property
    def concepts(self) -> tuple[Concept, ...]:
        return tuple(c for t in self.themes for c in t.concepts)

    def concept(self, concept_id: str) -> Concept | None:
        """The concept with this id, or whose ``aliases`` include it (a renamed concept)."""
        for c in self.concepts:
            if c.id == concept_id or concept_id in c.aliases:
                return c
        return None

    def node_label(self, node_id: str) -> str:
        for node in self.iter_nodes():
            if node[0] == node_id:
                return node[2]
        raise KeyError(node_id)

    def iter_nodes(self) -> Iterator[tuple[str, Level, str, str | None]]:
        """(id, level, label, parent id) for every node, depth first in codebook order."""
        for d in self.dimensions:
            yield d.id, "dimension", d.label, None
            for t in d.themes:
                yield t.id, "theme", t.label, d.id
                for c in t.concepts:
                    yield c.id, "concept", c.label, t.id


# --------------------------------------------------------------------------- study


@dataclass(frozen=True)
class Participant:
    """One row of participants.csv."""

    id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    transcript: str | None = None  # stem of their transcript, when it is not the id
    speaker: str | None = None  # their label in a focus-group transcript


# --------------------------------------------------------------------------- transcripts


@dataclass(frozen=True, slots=True)
class Turn:
    """One speaker turn. ``start``/``end`` delimit the spoken text (not the label)
    in the transcript's normalised text."""

    speaker: str
    start: int
    end: int
    is_interviewer: bool = False
    participant: str | None = None  # participant id, once speakers are attributed
    line: int | None = None  # 1-based line in the source file where the turn begins


@dataclass(frozen=True)
class Transcript:
    """One transcript, normalised: ``text`` is the text all offsets refer to."""

    id: str  # file stem, unique in the study
    path: str  # source file, relative to the transcripts folder
    format: str  # "txt", "md", "otter", ...
    encoding: str
    text: str
    turns: tuple[Turn, ...]
    warnings: tuple[str, ...] = ()

    @property
    def speakers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.speaker for t in self.turns))

    @property
    def participant_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if not t.is_interviewer)

    def participants_in(self, start: int, end: int) -> tuple[str, ...]:
        """The participants whose talk ``[start, end)`` overlaps, in order of speaking:
        overlap, not start, so a span that begins on a speaker label counts."""
        found = (
            t.participant
            for t in self.turns
            if t.participant is not None and t.start < end and start < t.end
        )
        return tuple(dict.fromkeys(found))

    def turn_at(self, offset: int) -> Turn | None:
        """The turn whose spoken text contains ``offset``."""
        for turn in self.turns:
            if turn.start <= offset < turn.end:
                return turn
        return None


@dataclass(frozen=True, slots=True)
class Segment:
    """The unit that is coded: a participant turn, or a sentence-aligned part of one."""

    transcript: str
    start: int
    end: int
    text: str
    speaker: str
    participant: str | None
    turn: int  # index of the turn in the transcript

    @property
    def sha(self) -> str:
        return text_hash(self.text)

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.transcript, self.start, self.end)


# --------------------------------------------------------------------------- suggestions


@dataclass(frozen=True, slots=True)
class Evidence:
    """A matched term and its character span in the transcript's normalised text."""

    term: str
    start: int
    end: int
    cue: str | None = None  # e.g. a negation or hedge that lowered the score


@dataclass(frozen=True, slots=True)
class Suggestion:
    transcript: str
    start: int
    end: int
    concept: str
    score: float
    method: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Hit:
    """A keyword or pattern match in a codable segment, as plain data: found while the
    document is at hand (perhaps in another process, or an earlier run), then weighed by
    the statistics of the whole corpus (:func:`gioia.suggest.weigh_hits`)."""

    segment: tuple[int, int]  # (start, end) of the segment the match lies in
    concept: str
    method: str  # "keyword" | "pattern"
    term: str
    start: int
    end: int
    cue: str | None  # e.g. "negation: never"
    rule_weight: float
    cue_factor: float
    lemmas: tuple[str, ...]  # the lower-cased lemmas of the match's words


# --------------------------------------------------------------------------- journal


@dataclass(frozen=True, slots=True)
class Coding:
    """One line of a coder's journal: a human (or auto) decision about a span."""

    transcript: str
    start: int  # -1 with end -1: "place by quote"
    end: int
    concept: str
    decision: Decision
    coder: str
    source: str
    quote: str
    at: str  # ISO 8601 UTC timestamp
    score: float | None = None
    memo: str = ""
    flags: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.transcript, self.start, self.end, self.concept)


@dataclass(frozen=True, slots=True)
class PlacedCoding:
    """An accepted coding resolved against the current corpus: where it lies now and
    whose talk it is."""

    coding: Coding
    concept: str  # canonical concept id (aliases resolved)
    start: int
    end: int
    # Every participant whose talk the span overlaps, in order: a selection that begins on
    # a speaker label, or spans two turns, counts for each speaker it holds words of.
    participants: tuple[str, ...]

    @property
    def participant(self) -> str | None:
        """The participant whose words the coding quotes first (its attribution)."""
        return self.participants[0] if self.participants else None


@dataclass(frozen=True)
class Orphan:
    """A journal decision that cannot be placed in the current transcript text: reported,
    never dropped."""

    coding: Coding
    reason: str
    line: int | None = None  # its line in the coder's journal


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class Node:
    """A node of the data structure with what the counted codings say about it."""

    id: str
    level: Level
    label: str
    parent: str | None
    participants: tuple[str, ...]  # ids expressing it (the node or a descendant)
    transcripts: tuple[str, ...]
    segments: int  # accepted codings of the node or a descendant
