"""JSON (de)serialisation of the data model, in one place.

Journal lines, suggestion lines and cached corpus entries are all written and read here,
so their key order and optional keys are the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from gioia.models import Coding, Evidence, Hit, Suggestion, Transcript, Turn

__all__ = [
    "coding_from_dict",
    "coding_to_dict",
    "dumps_line",
    "matches_from_dict",
    "matches_to_dict",
    "suggestion_from_dict",
    "suggestion_to_dict",
    "transcript_from_dict",
    "transcript_to_dict",
]

CODING_REQUIRED = (
    "transcript",
    "start",
    "end",
    "concept",
    "decision",
    "coder",
    "source",
    "quote",
    "at",
)
CODING_OPTIONAL = ("score", "memo", "flags")


def dumps_line(obj: Mapping[str, Any]) -> str:
    """One compact JSON line, non-ASCII kept readable, ending in a newline."""
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def suggestion_to_dict(suggestion: Suggestion) -> dict[str, Any]:
    evidence = []
    for item in suggestion.evidence:
        entry: dict[str, Any] = {"term": item.term, "start": item.start, "end": item.end}
        if item.cue:
            entry["cue"] = item.cue
        evidence.append(entry)
    return {
        "transcript": suggestion.transcript,
        "start": suggestion.start,
        "end": suggestion.end,
        "concept": suggestion.concept,
        "score": suggestion.score,
        "method": suggestion.method,
        "evidence": evidence,
    }


def suggestion_from_dict(data: Mapping[str, Any]) -> Suggestion:
    return Suggestion(
        transcript=data["transcript"],
        start=int(data["start"]),
        end=int(data["end"]),
        concept=data["concept"],
        score=float(data["score"]),
        method=data["method"],
        evidence=tuple(
            Evidence(e["term"], int(e["start"]), int(e["end"]), e.get("cue"))
            for e in data["evidence"]
        ),
    )


def coding_to_dict(coding: Coding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "transcript": coding.transcript,
        "start": coding.start,
        "end": coding.end,
        "concept": coding.concept,
        "decision": coding.decision,
        "coder": coding.coder,
        "source": coding.source,
    }
    if coding.score is not None:
        data["score"] = coding.score
    data.update(quote=coding.quote, at=coding.at, memo=coding.memo, flags=list(coding.flags))
    return data


def coding_from_dict(data: Mapping[str, Any]) -> Coding:
    """A journal line as a Coding. The caller has validated the types."""
    return Coding(
        transcript=data["transcript"],
        start=data["start"],
        end=data["end"],
        concept=data["concept"],
        decision=data["decision"],
        coder=data["coder"],
        source=data["source"],
        quote=data["quote"],
        at=data["at"],
        score=data.get("score"),
        memo=data.get("memo") or "",
        flags=tuple(data.get("flags") or ()),
    )


def transcript_to_dict(transcript: Transcript) -> dict[str, Any]:
    """A transcript as read from its file (speakers not yet attributed to participants),
    for the ingest cache."""
    return {
        "id": transcript.id,
        "path": transcript.path,
        "format": transcript.format,
        "encoding": transcript.encoding,
        "text": transcript.text,
        "turns": [
            [t.speaker, t.start, t.end, t.is_interviewer, t.participant, t.line]
            for t in transcript.turns
        ],
        "warnings": list(transcript.warnings),
    }


def transcript_from_dict(data: Mapping[str, Any]) -> Transcript:
    return Transcript(
        id=data["id"],
        path=data["path"],
        format=data["format"],
        encoding=data["encoding"],
        text=data["text"],
        # The cache wrote these fields itself, already typed: a warm run reads every
        # turn of every transcript through here.
        turns=tuple(Turn(*turn) for turn in data["turns"]),
        warnings=tuple(data["warnings"]),
    )


def matches_to_dict(hits: Sequence[Hit], lemma_counts: Mapping[str, int]) -> dict[str, Any]:
    """One transcript's keyword and pattern matches and lemma counts, for the match cache
    (:mod:`gioia.pipeline.suggestions`)."""
    return {
        "hits": [
            [
                *h.segment,
                h.concept,
                h.method,
                h.term,
                h.start,
                h.end,
                h.cue,
                h.rule_weight,
                h.cue_factor,
                list(h.lemmas),
            ]
            for h in hits
        ],
        "lemmas": dict(lemma_counts),
    }


def matches_from_dict(data: Mapping[str, Any]) -> tuple[list[Hit], dict[str, int]]:
    hits = [
        Hit(
            (int(segment_start), int(segment_end)),
            concept,
            method,
            term,
            int(start),
            int(end),
            cue,
            float(rule_weight),
            float(cue_factor),
            tuple(lemmas),
        )
        for (
            segment_start,
            segment_end,
            concept,
            method,
            term,
            start,
            end,
            cue,
            rule_weight,
            cue_factor,
            lemmas,
        ) in data["hits"]
    ]
    return hits, {str(lemma): int(n) for lemma, n in data["lemmas"].items()}
