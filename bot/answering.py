"""The answering core: `answer(question, kb, *, now) -> Answer` (normalise → retrieve → score → decide → compose).

Imports neither Slack nor dotenv; the Slack listeners, the CLI, the evaluator and the benchmarks all call it
the same way. UNDER CONSTRUCTION: the engine lands in the next commits; the signature is fixed.
"""

from __future__ import annotations

from datetime import datetime

from bot.knowledge import KnowledgeBase
from bot.models import Answer


def answer(question: str, kb: KnowledgeBase, *, now: datetime) -> Answer:
    """Answer `question` as it could have been answered at `now` (aware datetime).

    Returns an Answer (status 'answered' with sources, or 'no_answer' with up to 3 suggestions); never raises
    for bad input. Raises KnowledgeBaseMissing only when the knowledge base file is gone.
    """
    return Answer(status="no_answer", text="I can't answer that yet.", confidence=0.0, intent="unknown")
