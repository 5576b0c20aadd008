"""Shared fixtures: knowledge bases built with the real build code."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.build import build
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase

TINY = Path(__file__).parent / "data" / "kb"


@pytest.fixture(scope="session")
def tiny_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The tiny fixture KB from tests/data/kb."""
    out = tmp_path_factory.mktemp("tiny") / "kb.sqlite"
    build(TINY, out)
    return KnowledgeBase.open(out)


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The real curated knowledge base from knowledge/."""
    out = tmp_path_factory.mktemp("real") / "kb.sqlite"
    build(DEFAULT_KNOWLEDGE_DIR, out)
    return KnowledgeBase.open(out)
