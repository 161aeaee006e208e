"""The order of the stages, and the only package that knows it.

Each public function here is what one command does, as a plain function that returns
data: the CLI renders it. Stages never import each other; this package passes their
outputs along: study → ingest → parse → segment → suggest → journal → structure → report.

    loading       gioia.yaml, codebook.yaml, participants.csv, validated together
    corpus        ingest (normalised text, speakers) and parse (sentences, segments)
    suggestions   each learner's suggestions made, cached and reused; batch acceptance
    coding        the review session, a coding by quote, the audit trail
    analysis      counted codings → data structure, saturation, agreement
    commands      report, run (and its quality gates), check
    discovery     candidate in-vivo concepts
    interchange   REFI-QDA and CSV export, imports
"""

from gioia.agreement import alpha_gate_failure
from gioia.pipeline.accept import AcceptResult, accept
from gioia.pipeline.analysis import (
    Analysis,
    ReportedAgreement,
    agreement_analysis,
    agreement_coders,
    agreement_hint,
    analyse,
    interview_order,
    reported_agreement,
    retrieval,
    saturation_analysis,
)
from gioia.pipeline.coding import audit_log, code, review_session
from gioia.pipeline.commands import (
    AUTO_CODER,
    CheckResult,
    ReportResult,
    RunResult,
    check,
    failed_gates,
    report,
    run,
)
from gioia.pipeline.corpus import Parsed, ingest, parse
from gioia.pipeline.discovery import discover
from gioia.pipeline.interchange import EXPORT_FORMATS, export, import_file
from gioia.pipeline.loading import Corpus, LoadedStudy, Progress, load_study
from gioia.pipeline.suggestions import (
    Suggested,
    learner_for,
    learning_space,
    publish,
    read_suggestions,
    suggest,
    suggest_for,
    suggestions_path,
)
from gioia.report import node_summary, transcript_summary

__all__ = [
    "AUTO_CODER",
    "EXPORT_FORMATS",
    "AcceptResult",
    "Analysis",
    "CheckResult",
    "Corpus",
    "LoadedStudy",
    "Parsed",
    "Progress",
    "ReportResult",
    "ReportedAgreement",
    "RunResult",
    "Suggested",
    "accept",
    "agreement_analysis",
    "agreement_coders",
    "agreement_hint",
    "alpha_gate_failure",
    "analyse",
    "audit_log",
    "check",
    "code",
    "discover",
    "export",
    "failed_gates",
    "import_file",
    "ingest",
    "interview_order",
    "learner_for",
    "learning_space",
    "load_study",
    "node_summary",
    "parse",
    "publish",
    "read_suggestions",
    "report",
    "reported_agreement",
    "retrieval",
    "review_session",
    "run",
    "saturation_analysis",
    "suggest",
    "suggest_for",
    "suggestions_path",
    "transcript_summary",
]
