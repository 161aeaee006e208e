"""Shared fixtures. The spaCy pipeline is built once per test session: it is the real
default pipeline (blank + sentencizer + lookup lemmatizer), never a mock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gioia.nlp import build_pipeline


@pytest.fixture(scope="session")
def nlp():
    return build_pipeline("en")


def needs_shared_corpus(path: Path) -> pytest.MarkDecorator:
    """Skip a test whose real corpus under ../shared/corpora is absent, except in CI
    (``CI=true``), where a missing corpus is a failure: the test runs and fails on it,
    rather than passing CI by skipping the real data it is about."""
    in_ci = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
    return pytest.mark.skipif(
        not path.exists() and not in_ci,
        reason=f"real corpus not found at {path} (read in place, never copied)",
    )
