"""results.json: everything computed about a study, in the shape fixed by DESIGN §9.

It is the report's context (the templates render it) and the interface for scripts and
CI, so it is assembled here, in one place, from what the stages computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from gioia import __version__
from gioia.agreement import joined_names
from gioia.anonymise import AnonymisedTexts, Anonymiser
from gioia.models import Codebook, Node, Orphan, Participant, PlacedCoding, Suggestion, Transcript
from gioia.participants import attribution, reportable_attributes
from gioia.report.demographics import LARGE_GROUP, LARGE_SHARE, demographics, subgroups
from gioia.report.srqr import srqr_status
from gioia.report.trimming import OMITTED, evidence_sentences, keyword_spans
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
    learnt_from: Sequence[str] = (),
    decisions: Sequence[PlacedCoding] = (),
    pending: int | None = None,
    pipeline: Mapping[str, Any] | None = None,
    saturation: Mapping[str, Any] | None = None,
    agreement: Mapping[str, Any] | None = None,
    agreement_not_computed: str | None = None,
) -> dict[str, Any]:
    """Everything computed, as written to results.json. ``participants`` are those with
    talk in the corpus (N); ``quotes`` the representative quotes chosen per concept;
    ``decisions`` every placed journal line of the counted coders (for how suggestions
    were reviewed); ``pending`` the suggestions no counted coder has decided;
    ``pipeline`` the NLP pipeline's description for the methods section; ``learnt_from``
    the coders whose decisions the suggestions were learnt from (none: the codebook's)."""
    by_id = {p.id: p for p in participants}
    settings = study.settings
    reportable = reportable_attributes(study.settings.reportable, participants)
    subgroup_attributes = [
        a
        for a in (settings.subgroups if settings.subgroups is not None else reportable)
        if a in reportable
    ]
    anonymiser = Anonymiser(settings.anonymise)
    texts = {t.id: t.text for t in transcripts}
    documents = AnonymisedTexts(anonymiser, texts)
    # The evidence of each suggestion, for trimming the quotes accepted automatically.
    evidence = {
        (s.transcript, s.start, s.end, s.concept): [(e.start, e.end) for e in s.evidence]
        for s in suggestions or ()
    }
    keywords_of = {c.id: c.keywords for c in codebook.concepts}
    definitions = {d.id: d.definition for d in codebook.dimensions}
    definitions.update({t.id: t.definition for t in codebook.themes})
    definitions.update({c.id: c.definition for c in codebook.concepts})
    keywords = {c.id: len(c.keywords) for c in codebook.concepts}
    node_rows = [
        {
            **node_summary(n),
            "definition": definitions.get(n.id, ""),
            **({"keywords": keywords[n.id]} if n.id in keywords else {}),
        }
        for n in nodes
    ]
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
        "suppression": {"min_cell": settings.min_cell},
        "units": demographics(participants, reportable, settings.binning, settings.min_cell),
        "nodes": node_rows,
        "quotes": {
            concept: [
                {
                    **_quote_text(q, documents, texts, evidence, keywords_of),
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
                    "quote": anonymiser.text(o.coding.quote),
                    "reason": o.reason,
                }
                for o in orphans
            ],
            # Counted, but overlapping no participant's talk: in no node's n of N.
            "unattributed": [
                {
                    "coder": c.coding.coder,
                    "transcript": c.coding.transcript,
                    "concept": c.concept,
                    "quote": documents.quote(c.coding.transcript, c.start, c.end),
                }
                for c in counted
                if not c.participants
            ],
        },
        "corpus": {
            "transcripts": [transcript_summary(t, speakers=False) for t in transcripts],
            "segments": segment_count,
        },
        "suggestions": {
            "total": len(suggestions or ()),
            "by_method": dict(sorted(Counter(s.method for s in suggestions or ()).items())),
            "learnt_from": list(learnt_from),
        },
        "subgroups": subgroups(
            node_rows,
            participants,
            subgroup_attributes,
            settings.binning,
            settings.min_cell,
            settings.report.subgroup_statements,
        ),
        # Which absences the report states in sentences: those gioia.yaml names, else
        # those where nobody in a group of at least large_group participants raised a node
        # that more than large_share of the other groups' participants raised.
        "subgroup_statements": {
            "requested": (
                None
                if settings.report.subgroup_statements is None
                else list(settings.report.subgroup_statements)
            ),
            "large_share": LARGE_SHARE,
            "large_group": LARGE_GROUP,
        },
        "review": review_summary(decisions, pending),
        "methods": methods_summary(study, codebook, transcripts, segment_count, coders, pipeline),
        "saturation": dict(saturation) if saturation else None,
        "agreement": dict(agreement) if agreement else None,
        # why agreement is None although coders could be compared (e.g. none named)
        "agreement_not_computed": None if agreement else agreement_not_computed,
        "limitations": limitations(
            node_rows,
            len(participants),
            orphans,
            sum(1 for c in counted if not c.participants),
            pending,
            saturation,
            agreement,
        ),
        "srqr": srqr_status(
            study.metadata, has_codings=bool(counted), has_participants=bool(participants)
        ),
    }


def _quote_text(
    placed: PlacedCoding,
    documents: AnonymisedTexts,
    texts: Mapping[str, str],
    evidence: Mapping[tuple[str, int, int, str], Sequence[tuple[int, int]]],
    keywords_of: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """A quote's text as the report shows it: as the coder chose it, or, when accepted
    automatically (``source: auto``), only the sentences that carry its evidence (the
    suggestion's matched terms, else the concept's keywords), with " […] " where
    sentences between them are left out. ``trimmed`` says which; ``shown`` lists the
    spans of a trimmed quote."""
    coding = placed.coding
    whole = {"text": documents.quote(coding.transcript, placed.start, placed.end)}
    text = texts.get(coding.transcript)
    if coding.source != "auto" or text is None:
        return {**whole, "trimmed": False}
    found = evidence.get((coding.transcript, coding.start, coding.end, placed.concept))
    if not found:
        found = keyword_spans(text, placed.start, placed.end, keywords_of.get(placed.concept, ()))
    runs = evidence_sentences(text, placed.start, placed.end, found)
    if runs == [(placed.start, placed.end)]:
        return {**whole, "trimmed": False}
    return {
        "text": OMITTED.join(documents.quote(coding.transcript, a, b) for a, b in runs),
        "trimmed": True,
        "shown": [[a, b] for a, b in runs],
    }


# How the report groups the sources of decisions.
_SOURCE_GROUP = {"human": "manual", "auto": "auto", "import": "import"}


def review_summary(decisions: Sequence[PlacedCoding], pending: int | None) -> dict[str, Any]:
    """How suggestions were reviewed (SRQR 15): decisions by kind of source, the latest
    decision per coder, span and concept counting once."""
    latest: dict[tuple[str, str, int, int, str], Any] = {}
    for placed in decisions:
        c = placed.coding
        latest[(c.coder, c.transcript, placed.start, placed.end, placed.concept)] = c
    counts: Counter[str] = Counter()
    automatic: Counter[tuple[str, str]] = Counter()
    for coding in latest.values():
        if "undo" in coding.flags:
            continue
        group = _SOURCE_GROUP.get(coding.source, "suggestion")
        counts[f"{coding.decision}ed ({group})"] += 1
        if coding.source == "auto" and coding.decision == "accept":
            # `gioia accept` says in each line's memo how its threshold was chosen.
            automatic[(coding.coder, coding.memo.removeprefix("auto: "))] += 1
    return {
        "decisions": dict(sorted(counts.items())),
        "pending_suggestions": pending,
        "automatic": [
            {"coder": coder, "codings": n, "how": how}
            for (coder, how), n in sorted(automatic.items())
        ],
    }


def methods_summary(
    study: Study,
    codebook: Codebook,
    transcripts: Sequence[Transcript],
    segment_count: int,
    coders: Sequence[str],
    pipeline: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What the methods paragraph (SRQR 13, 14) states."""
    settings = study.settings
    return {
        "formats": dict(sorted(Counter(t.format for t in transcripts).items())),
        "encodings": dict(sorted(Counter(t.encoding for t in transcripts).items())),
        "segmentation": {
            "unit": settings.segmentation.unit,
            "max_words": settings.segmentation.max_words,
            "segments": segment_count,
        },
        "nlp": dict(pipeline or {}),
        "codebook": {
            "dimensions": len(codebook.dimensions),
            "themes": len(codebook.themes),
            "concepts": len(codebook.concepts),
            "keywords": sum(len(c.keywords) for c in codebook.concepts),
            "relations": len(codebook.relations),
        },
        "coders": list(coders),
        "anonymised_names": len(settings.anonymise),
    }


def limitations(
    nodes: Sequence[Mapping[str, Any]],
    total: int,
    orphans: Sequence[Orphan],
    unattributed: int,
    pending: int | None,
    saturation: Mapping[str, Any] | None,
    agreement: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """Limitations the data show (SRQR 19), each a kind and what it concerns."""
    found: list[dict[str, Any]] = []
    for node in nodes:
        if node["level"] != "dimension" and len(node["participants"]) == 1:
            found.append(
                {
                    "kind": "single-participant",
                    "node": node["id"],
                    "participant": node["participants"][0],
                }
            )
        elif node["level"] != "dimension" and total and not node["participants"]:
            found.append({"kind": "not-raised", "node": node["id"]})
    if orphans:
        found.append({"kind": "orphaned-codings", "count": len(orphans)})
    if unattributed:
        found.append({"kind": "unattributed-codings", "count": unattributed})
    if pending:
        found.append({"kind": "pending-suggestions", "count": pending})
    if saturation and saturation.get("guest", {}).get("point") is None:
        found.append(
            {
                "kind": "saturation-not-reached",
                "reason": saturation.get("guest", {}).get("reason", ""),
            }
        )
    if agreement:
        alpha = (agreement.get("pooled") or {}).get("alpha")
        if alpha is not None and alpha < 0.667:
            found.append(
                {
                    "kind": "low-agreement",
                    "alpha": alpha,
                    "coders": joined_names(agreement["coders"]),
                    "segments": agreement.get("segments", agreement["pooled"]["units"]),
                }
            )
    return found
