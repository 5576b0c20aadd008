"""A candidate reply produced by a handler."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.models import Fact


@dataclass
class Result:
    """A candidate reply: the facts shown (primary first), its score 0–1 and the composed text. `cited` adds the
    facts the text mentions beside them (other sources' versions, a newer total) for the source list."""

    intent: str
    facts: list[Fact]
    score: float
    text: str
    runner_up: float = 0.0
    cited: list[Fact] = field(default_factory=list)
    gives: frozenset[str] = frozenset()  # answer types this reply gives when not its kind's (an FAQ's own)
    note: str = ""  # a line saying which part of a compound question is not answered

