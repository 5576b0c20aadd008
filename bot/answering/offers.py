"""Pay offer and award questions."""

from __future__ import annotations

from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _rank_by_text
from bot.answering.time import _in_windows, _windows
from bot.answering.understanding import Understanding
from bot.knowledge import KnowledgeBase
from bot.models import Offer


def _group_family(kb: KnowledgeBase, groups: set[str]) -> set[str]:
    """Question groups plus the wider groups they belong to (nurses -> Agenda for Change staff)."""
    parents = kb.cached("group_parents", lambda: {g.id: set(getattr(g, "part_of", ()) or ())
                                                  for g in kb.staff_groups().values()})
    out = set(groups)
    for g in groups:
        out |= parents.get(g, set())
    return out


def handle_offers(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Pay offers and awards known at `now`."""
    wins = _windows(u)
    fam = _group_family(kb, u.groups)
    offers: list[Offer] = []
    for o in kb.all("offer"):
        if o.variant_of or not C.offer_public(o, now):
            continue
        if u.unions and not (u.unions & set(o.unions)) and not (fam & set(o.staff_groups)):
            continue
        if u.groups and not (fam & set(o.staff_groups)):
            continue
        if not _in_windows(o.date.first, o.date.last, wins):
            continue
        offers.append(o)
    asked_pct = u.percents
    if asked_pct:  # "the 3% offer": only an offer with that percentage in its terms
        offers = [o for o in offers if any(C.same_percent(p, v) for p in asked_pct for v in (
            o.consolidated_pct, o.consolidated_pct_max, o.one_off_pct) if v is not None)]
    if not offers:
        return None
    offers.sort(key=lambda o: o.date.last)
    if u.order in ("latest", "last") or (u.has("present") or u.tense == "present") and not u.has_when():
        # 'what is the pay offer for nurses?': the newest offer or award for them at `now`; an older offer it
        # superseded is never presented as current (an award already in pay is answered as the award it is)
        chosen = offers[-1:]
    elif len(offers) == 1:
        chosen = offers
    else:
        ranked = _rank_by_text(u, offers, lambda o: o.summary)
        chosen = [o for _s, o in ranked[:2]]
    variants = [v for v in kb.all("offer") if v.variant_of in {o.id for o in chosen} and C.offer_public(v, now)]
    score = 0.88 if len(chosen) == 1 else 0.76
    return Result("pay_offer", chosen + variants, score, C.offers_text(kb, chosen, variants, now))
