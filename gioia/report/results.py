"""results.json: everything computed about a study, in the shape fixed by DESIGN §9.

It is the report's context (the templates render it) and the interface for scripts and
CI, so it is assembled here, in one place, from what the stages computed.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from gioia import __version__
from gioia.models import Codebook, Node, Orphan, Participant, PlacedCoding, Suggestion, Transcript
from gioia.report.srqr import srqr_status
from gioia.segment import count_words
from gioia.study import Study

__all__ = [
    "attribution",
    "build_results",
    "node_summary",
    "reportable_attributes",
    "transcript_summary",
]

SCHEMA_VERSION = 1


def reportable_attributes(
    configured: Sequence[str] | None, participants: Sequence[Participant]
) -> list[str]:
    """The attributes that may appear in outputs: ``settings.reportable``, or every
    participants.csv column when it is not set."""
    if configured is not None:
        return list(configured)
    return sorted({k for p in participants for k in p.attributes})


def attribution(template: str, participant: Participant | None, reportable: Sequence[str]) -> str:
    """Fill a quote attribution such as ``({id}, {sex}, {role})``. Only ``id`` and
    reportable attributes are ever filled in; anything else is left out, so a template
    can never leak an attribute gioia.yaml does not allow."""
    if participant is None:
        return ""
    allowed = {"id": participant.id}
    allowed.update({k: v for k, v in participant.attributes.items() if k in reportable})
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if field is not None:
            parts.append(str(allowed.get(field, "")))
    text = "".join(parts)
    # Withheld or empty attributes leave ", ," behind; tidy them so the result reads well.
    while ", ," in text or "(, " in text or ", )" in text:
        text = text.replace(", ,", ",").replace("(, ", "(").replace(", )", ")")
    return text


def transcript_summary(transcript: Transcript, *, speakers: bool = True) -> dict[str, Any]:
    """What `gioia ingest` shows and results.json records about one transcript. Speaker
    labels can be real names, so outputs that leave the researcher's terminal omit them
    (``speakers=False``); participants are named by their ids."""
    turns = transcript.participant_turns
    summary: dict[str, Any] = {
        "id": transcript.id,
        "format": transcript.format,
        "encoding": transcript.encoding,
    }
    if speakers:
        summary["speakers"] = list(transcript.speakers)
        summary["interviewer"] = list(
            dict.fromkeys(t.speaker for t in transcript.turns if t.is_interviewer)
        )
    return summary | {
        "participants": sorted({t.participant for t in turns if t.participant}),
        "participant_turns": len(turns),
        "words": sum(count_words(transcript.text[t.start : t.end]) for t in turns),
        "warnings": len(transcript.warnings),
    }


def node_summary(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "level": node.level,
        "label": node.label,
        "parent": node.parent,
        "participants": list(node.participants),
        "transcripts": list(node.transcripts),
        "segments": node.segments,
    }


def build_results(
    *,
    study: Study,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    participants: Sequence[Participant],
    nodes: Sequence[Node],
    counted: Sequence[PlacedCoding],
    orphans: Sequence[Orphan],
    coders: Sequence[str],
    quotes: Mapping[str, Sequence[PlacedCoding]],
    suggestions: Sequence[Suggestion] | None,
    segment_count: int,
) -> dict[str, Any]:
    """Everything computed, as written to results.json. ``participants`` are those with
    talk in the corpus (N); ``quotes`` the representative quotes chosen per concept."""
    by_id = {p.id: p for p in participants}
    reportable = reportable_attributes(study.settings.reportable, participants)
    texts = {t.id: t.text for t in transcripts}
    definitions = {d.id: d.definition for d in codebook.dimensions}
    definitions.update({t.id: t.definition for t in codebook.themes})
    definitions.update({c.id: c.definition for c in codebook.concepts})
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "gioia", "version": __version__},
        "study": {
            "title": study.metadata.get("title") or codebook.title,
            "participants": [p.id for p in participants],
            "transcripts": [t.id for t in transcripts],
            "metadata": dict(study.metadata),
        },
        "codebook": {
            "title": codebook.title,
            "relations": [
                {"from": r.source, "to": r.target, "type": r.type, "memo": r.memo}
                for r in codebook.relations
            ],
        },
        "nodes": [{**node_summary(n), "definition": definitions.get(n.id, "")} for n in nodes],
        "quotes": {
            concept: [
                {
                    "text": texts[q.coding.transcript][q.start : q.end],
                    "attribution": attribution(
                        study.settings.attribution, by_id.get(q.participant or ""), reportable
                    ),
                    "transcript": q.coding.transcript,
                    "participant": q.participant,
                    "start": q.start,
                    "end": q.end,
                    "power": "power" in q.coding.flags,
                }
                for q in chosen
            ]
            for concept, chosen in quotes.items()
        },
        "codings": {
            "counted": len(counted),
            "coders": list(coders),
            "by_source": dict(sorted(Counter(c.coding.source for c in counted).items())),
            "orphaned": [
                {
                    "coder": o.coding.coder,
                    "transcript": o.coding.transcript,
                    "concept": o.coding.concept,
                    "quote": o.coding.quote,
                    "reason": o.reason,
                }
                for o in orphans
            ],
        },
        "corpus": {
            "transcripts": [transcript_summary(t, speakers=False) for t in transcripts],
            "segments": segment_count,
        },
        "suggestions": {
            "total": len(suggestions or ()),
            "by_method": dict(sorted(Counter(s.method for s in suggestions or ()).items())),
        },
        "srqr": srqr_status(
            study.metadata, has_codings=bool(counted), has_participants=bool(participants)
        ),
    }
