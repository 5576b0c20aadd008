"""Who said what (paraphrased statements)."""

from __future__ import annotations

from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _load, _rank_by_text
from bot.answering.time import _in_windows, _windows
from bot.answering.understanding import Understanding
from bot.catalog import known_by
from bot.knowledge import KnowledgeBase


def handle_statements(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Who said what (paraphrased), known at `now`."""
    wins = _windows(u)
    if u.speaker_hits:
        labels = [f"s:{x}" for x in u.speaker_hits]
    elif u.unions or u.bodies:
        labels = [f"u:{x}" for x in u.unions | u.bodies]
    else:
        return None
    st = [s for s in kb.catalog("statement").select(any_of=[labels], windows=wins)
          if s.date.first <= now and known_by(s, now) and _in_windows(s.date.first, s.date.last, wins)]
    if not st:
        return None
    st.sort(key=lambda s: s.date.last)
    if len(st) > 2:
        ranked = _rank_by_text(u, st, lambda s: s.paraphrase)
        st = [s for _x, s in ranked[:2]]
    st = _load(kb, "statement", st)
    return Result("statement", st, 0.85 if len(st) == 1 else 0.78, C.statements_text(kb, st))
