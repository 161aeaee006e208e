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

Each name is imported from its stage when first used (PEP 562): a command imports the
stages it runs, not every stage with the report, the interchange formats and
python-docx (a fifth of a second of every command's start, issue 17). No name here is
also a module of this package: importing that module would set the package's attribute
to the module, hiding the name.
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name is defined.
_SOURCES: dict[str, tuple[str, ...]] = {
    "gioia.agreement": ("alpha_gate_failure",),
    "gioia.pipeline.batch_accept": ("AcceptResult", "accept"),
    "gioia.pipeline.analysis": (
        "Analysis",
        "ReportedAgreement",
        "agreement_analysis",
        "agreement_coders",
        "agreement_hint",
        "analyse",
        "interview_order",
        "reported_agreement",
        "retrieval",
        "saturation_analysis",
    ),
    "gioia.pipeline.coding": ("audit_log", "code", "review_session"),
    "gioia.pipeline.commands": (
        "AUTO_CODER",
        "CheckResult",
        "ReportResult",
        "RunResult",
        "check",
        "failed_gates",
        "report",
        "run",
    ),
    "gioia.pipeline.corpus": ("Parsed", "ingest", "parse"),
    "gioia.pipeline.discovery": ("discover",),
    "gioia.pipeline.interchange": ("EXPORT_FORMATS", "export", "import_file"),
    "gioia.pipeline.loading": ("Corpus", "LoadedStudy", "Progress", "load_study"),
    "gioia.pipeline.suggestions": (
        "Suggested",
        "prepare_matching",
        "learner_for",
        "learning_space",
        "publish",
        "read_suggestions",
        "suggest",
        "suggest_for",
        "suggestions_path",
    ),
    "gioia.report": ("node_summary", "transcript_summary"),
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}

__all__ = sorted(_WHERE)  # each resolved by __getattr__


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
