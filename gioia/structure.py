"""The Gioia data structure with what the counted codings say about each node.

Counting rule (DESIGN §8): a participant counts once per node if any accepted coding of
the node *or of a descendant* lies in their talk; a segment counts once per node however
many of the node's concepts it was coded with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from gioia.models import Codebook, Node, PlacedCoding

__all__ = ["build_nodes", "representative_quotes"]


def build_nodes(
    codebook: Codebook, codings: Sequence[PlacedCoding], participant_order: Sequence[str]
) -> list[Node]:
    """Every node of the codebook, depth first, with its participants, transcripts and
    segment count. Participants are listed in ``participant_order``."""
    rank = {pid: i for i, pid in enumerate(participant_order)}
    parent_of = {node_id: parent for node_id, _, _, parent in codebook.iter_nodes()}
    participants: dict[str, set[str]] = defaultdict(set)
    transcripts: dict[str, set[str]] = defaultdict(set)
    spans: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    for coding in codings:
        node: str | None = coding.concept
        while node is not None:  # the concept, its theme, its dimension
            spans[node].add((coding.coding.transcript, coding.start, coding.end))
            transcripts[node].add(coding.coding.transcript)
            participants[node].update(coding.participants)
            node = parent_of[node]
    return [
        Node(
            id=node_id,
            level=level,
            label=label,
            parent=parent,
            participants=tuple(
                sorted(participants[node_id], key=lambda p: (rank.get(p, len(rank)), p))
            ),
            transcripts=tuple(sorted(transcripts[node_id])),
            segments=len(spans[node_id]),
        )
        for node_id, level, label, parent in codebook.iter_nodes()
    ]


def representative_quotes(
    codings: Sequence[PlacedCoding], per_concept: int = 3
) -> dict[str, list[PlacedCoding]]:
    """Up to ``per_concept`` quotes per concept: power quotes first, then by score (codings
    accepted from a suggestion carry one), one per participant before a second from
    anyone; ties in transcript order."""
    by_concept: dict[str, list[PlacedCoding]] = defaultdict(list)
    for coding in codings:
        by_concept[coding.concept].append(coding)
    chosen: dict[str, list[PlacedCoding]] = {}
    for concept, items in by_concept.items():
        items = sorted(
            items,
            key=lambda c: (
                "power" not in c.coding.flags,
                -(c.coding.score or 0.0),
                c.coding.transcript,
                c.start,
            ),
        )
        picked: list[PlacedCoding] = []
        seen: set[str | None] = set()
        for coding in items:  # first pass: power quotes, and one per participant
            if "power" in coding.coding.flags or coding.participant not in seen:
                picked.append(coding)
                seen.add(coding.participant)
        picked += [c for c in items if c not in picked]
        chosen[concept] = picked[:per_concept]
    return chosen
