"""Helpers for the per-kind answering tests: ask at a moment and check the reply's real values."""

from __future__ import annotations

import pytest

from bot.answering import answer
from bot.clock import parse_now


@pytest.fixture
def ask(real_kb):
    """ask(question, now) -> Answer, on the real curated knowledge base."""

    def run(question: str, now: str):  # noqa: ANN202
        return answer(question, real_kb, now=parse_now(now))

    return run
