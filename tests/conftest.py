"""Shared fixtures. The spaCy pipeline is built once per test session: it is the real
default pipeline (blank + sentencizer + lookup lemmatizer), never a mock."""

from __future__ import annotations

import pytest

from gioia.nlp import build_pipeline


@pytest.fixture(scope="session")
def nlp():
    return build_pipeline("en")
