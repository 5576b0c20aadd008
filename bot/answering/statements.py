"""Who said what (paraphrased statements)."""

from __future__ import annotations

from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _load, _rank_by_text, carries
from bot.answering.time import _in_windows, _windows
from bot.answering.understanding import Understanding, text_form
from bot.catalog import Catalog, StatementKey, known_by
from bot.knowledge import KnowledgeBase


def _about_time(s: StatementKey, wins: list, strikes: Catalog) -> bool:  # type: ignore[type-arg]
    """A statement fits the question's time words when it was made then, or is about a strike held then
    ('what did Streeting say about the November strike' means the strike's month, not the statement's)."""
    if _in_windows(s.date.first, s.date.last, wins):
        return True
    strike = strikes.by_id(s.strike_id) if s.strike_id else None
    return strike is not None and _in_windows(strike.start.first, strike.end.last, wins)


def _about_groups(kb: KnowledgeBase, s: StatementKey, u: Understanding, strikes: Catalog) -> bool:  # type: ignore[type-arg]
    """A question naming a staff group ('what did Pat Cullen say about the consultants' offer') is answered only
    by a statement about that group: its strike's, or one its paraphrase names."""
    if not u.groups:
        return True
    strike = strikes.by_id(s.strike_id) if s.strike_id else None
    if strike is not None and u.groups & set(strike.staff_groups):
        return True
    names = [n for g in u.groups for n in (kb.staff_groups()[g].name, *kb.staff_groups()[g].aliases)]
    return any(carries(kb, s, text_form(kb, n)) for n in names)


def handle_statements(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Who said what (paraphrased), known at `now`."""
    wins = _windows(u)
    people = (u.role_hits or u.speaker_hits) if u.answer_type == "who" else (u.speaker_hits or u.role_hits)
    if people:
        labels = [f"s:{x}" for x in people]
    elif u.unions or u.bodies:
        labels = [f"u:{x}" for x in u.unions | u.bodies]
    else:
        return None
    strikes = kb.catalog("strike")
    st = [s for s in kb.catalog("statement").select(any_of=[labels])
          if s.date.first <= now and known_by(s, now) and _about_time(s, wins, strikes)
          and _about_groups(kb, s, u, strikes)]
    if not st:
        return None
    st.sort(key=lambda s: s.date.last)
    if len(st) > 2:
        ranked = _rank_by_text(u, st, lambda s: s.paraphrase)
        st = [s for _x, s in ranked[:2]]
    st = _load(kb, "statement", st)
    return Result("statement", st, 0.85 if len(st) == 1 else 0.78, C.statements_text(kb, st))
