"""Knowledge gaps: the questions the bot could not answer, grouped by similarity for curators.

Pure functions over plain values (no Slack, no SQL): `normalise_question` is what the state database stores
beside each unanswered question; `group_questions` clusters them with rapidfuzz, most asked first.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rapidfuzz import fuzz, process, utils

DEFAULT_SIMILARITY = 80.0


@dataclass
class Gap:
    """A cluster of similar unanswered questions: `question` is the most asked wording, `count` how often
    any wording was asked, `wordings` each distinct wording with its count (most first), `last_asked` UTC."""

    question: str
    count: int
    wordings: list[tuple[str, int]] = field(default_factory=list)
    last_asked: datetime | None = None


def normalise_question(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced form used to group questions: 'When's the  RCN vote?' ->
    "when s the rcn vote"."""
    return " ".join(re.sub(r"[^\w]+", " ", utils.default_process(text or "")).split())


def group_questions(items: Iterable[tuple[str, str, datetime]], *,
                    similarity: float = DEFAULT_SIMILARITY) -> list[Gap]:
    """Group (question, normalised, asked_at) triples whose normalised forms score >= `similarity`
    (rapidfuzz token_sort_ratio, 0–100) against a group's most asked wording.

    Returns Gaps sorted by count (most asked first), then most recently asked."""
    items = list(items)
    counts = Counter(n or normalise_question(q) for q, n, _ in items)
    display: dict[str, str] = {}
    last: dict[str, datetime] = {}
    for q, n, at in items:
        key = n or normalise_question(q)
        display.setdefault(key, q)
        if key not in last or at > last[key]:
            last[key] = at
    groups: dict[str, list[str]] = {}  # representative normalised -> members
    for key, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        best = process.extractOne(key, list(groups), scorer=fuzz.token_sort_ratio, score_cutoff=similarity)
        groups.setdefault(best[0] if best else key, []).append(key)
    gaps = [Gap(question=display[rep], count=sum(counts[m] for m in members),
                wordings=[(display[m], counts[m]) for m in members],
                last_asked=max(last[m] for m in members)) for rep, members in groups.items()]
    gaps.sort(key=lambda g: (-g.count, -(g.last_asked.timestamp() if g.last_asked else 0)))
    return gaps
