"""Ballot questions: deadlines, results, turnout, recommendations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from operator import attrgetter

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import NEAR, _distinguished, _entities, _load, _rank_by_text, national_first
from bot.answering.time import _windows
from bot.answering.understanding import Understanding
from bot.catalog import BallotKey, known_by
from bot.clock import fmt_day
from bot.knowledge import KnowledgeBase


def _ballots(kb: KnowledgeBase, u: Understanding, now: datetime) -> list[BallotKey]:
    """Dated, non-variant ballots agreeing with the question's entities and time words, by close (or
    announcement, or opening). The catalog matched union, group and windows exactly; nations are checked here.
    An undated ballot can't be placed in time, so it never answers."""
    wins = _windows(u)
    found = kb.catalog("ballot").select(any_of=_entities(u), windows=wins)
    if wins and u.month and not u.days:
        # 'the march 2023 pay offer': the month may name the offer voted on, not the vote, which closes within
        # VOTE_AFTER of it; such a vote counts when its subject names that month (and any year asked)
        later = [(start, end + VOTE_AFTER) for start, end in wins]
        month = date(2000, u.month, 1).strftime("%B").lower()
        ids = {b.id for b in found}
        found += [b for b in kb.catalog("ballot").select(any_of=_entities(u), windows=later) if b.id not in ids
                  and month in b.subject.lower() and all(str(y) in b.subject for y in u.years)]
    out = [b for b in found
           if not b.variant_of and (b.opens or b.closes or b.announced) and known_by(b, now)
           and not (u.nations and not (u.nations & set(b.nations)))]
    return sorted(out, key=attrgetter("order"))  # by close, else announcement, else opening (catalog.ballot_order)



VOTE_AFTER = timedelta(days=120)  # how long after an offer the votes on it are looked for


FIELD = {"turnout": "turnout_pct", "votes": "votes_cast", "mandate_expires": "mandate_expires"}


def _opening(kb: KnowledgeBase, u: Understanding, ballots: list[BallotKey], now: datetime) -> Result | None:
    """'When does the ballot open?': ballots opening after `now` (or open now), by their opening date; a
    question about a ballot with no curated opening date is declined, never answered with its close."""
    upcoming = [b for b in ballots if b.opens and (b.opens.first > now or (
        u.tense != "future" and b.closes and b.closes.last >= now))]  # 'when will it open': not one already open
    if not upcoming:
        return None
    chosen = _load(kb, "ballot", upcoming[:2])
    return Result("ballot_deadline", chosen, 0.9 if len(chosen) == 1 else 0.8,
                  C.ballots_opening_text(kb, chosen, now))


def _who_voted(kb: KnowledgeBase, u: Understanding, known: list[BallotKey], now: datetime) -> Result | None:
    """'Which unions accepted the March 2023 pay offer?': of the votes on the one subject the question matches
    best (those within NEAR of it), the ones whose outcome is the one named, each union with its result. None
    when no vote on it had that outcome (the question is then declined, never answered with the others)."""
    ranked = _rank_by_text(u, known, lambda b: f"{b.subject} {b.purpose.replace('_', ' ')}")
    same = {b.id for s, b in ranked if s >= ranked[0][0] - NEAR}
    chosen = [b for b in known if b.id in same and b.outcome == u.vote_outcome]  # in time order
    if not chosen:
        return None
    facts = _load(kb, "ballot", chosen)
    return Result("ballot_result", facts, 0.9, C.ballots_result_text(kb, facts, u, now),
                  gives=frozenset({"who", "result", "percentage"}))


def handle_ballots(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Ballot deadlines, results, turnout and leadership recommendations, as known at `now`."""
    if u.has("recommend") and not (u.unions or u.groups):
        return None  # "what did the pay review body recommend?" is not about a union's vote
    ballots = _ballots(kb, u, now)
    if not ballots:
        return None
    if u.has("strike_vote"):
        ballots = [b for b in ballots if b.purpose == "statutory_strike_ballot" or b.outcome == "for_action"]
    elif u.has("offer_vote") or u.vote_outcome:  # 'did the RCN accept …': a vote on an offer, not for strikes
        ballots = [b for b in ballots if b.purpose != "statutory_strike_ballot"]
    if u.percents:  # 'did the rcn accept the 5.5%?': the votes on the offer or award with that percentage
        named = [o for o in kb.all("offer") if C.offer_public(o, now) and any(
            C.same_percent(p, v) for p in u.percents for v in (o.consolidated_pct, o.consolidated_pct_max, o.one_off_pct)
            if v is not None)]
        on_it = [b for b in ballots if any(y in b.subject for o in named
                                           for y in (*o.pay_years, str(o.date.local_first.year)))]
        ballots = on_it or ballots
    if not ballots:
        return None  # a vote on an offer is never answered with a strike ballot, nor the other way round
    if u.ballot_field == "opens":
        return _opening(kb, u, ballots, now)
    if u.intent == "ballot_deadline" or u.order == "next" or (u.answer_type == "date" and u.tense == "future"):
        open_now = _distinguished(kb, u, [b for b in ballots if b.closes and b.closes.last >= now],
                                  lambda b: b.subject)
        if u.order == "next" and len(open_now) > 1:
            # 'when does the next ballot close?': the one closing soonest (and any closing the same day)
            open_now.sort(key=lambda b: b.closes.last)  # type: ignore[union-attr]
            first_day = fmt_day(open_now[0].closes.last)  # type: ignore[union-attr]
            open_now = [b for b in open_now if fmt_day(b.closes.last) == first_day]  # type: ignore[union-attr]
        if 1 < len(open_now) <= 12:
            open_now = national_first(kb, u, open_now, lambda b: b.subject)  # a local vote after the national one
        if open_now:
            chosen = _load(kb, "ballot", open_now[:3])
            return Result("ballot_deadline", chosen, 0.9 if len(chosen) == 1 else 0.8,
                          C.ballots_deadline_text(kb, chosen, now))
        if u.intent == "ballot_deadline" and not u.has_when():
            closed = sorted((b for b in ballots if (b.closes or b.announced) and
                             (b.closes or b.announced).first <= now),  # type: ignore[union-attr]
                            key=lambda b: (b.closes or b.announced).last)  # type: ignore[union-attr]
            if closed:
                last = _load(kb, "ballot", closed[-1:])
                return Result("ballot_deadline", last, 0.75, C.ballot_closed_text(
                    kb, last[0], now, any_union=not (u.unions or u.groups)))
    known = [b for b in ballots if b.result_known_from and b.result_known_from.last <= now and b.outcome]
    known_ids = {b.id for b in known}
    pending = [b for b in ballots if b.id not in known_ids]  # ids, not whole records: O(n) at 100k
    if not known:
        if pending:
            first = _load(kb, "ballot", pending[:2])
            return Result("ballot_deadline", first, 0.75, C.ballots_deadline_text(kb, first, now))
        return None
    if u.answer_type == "who" and u.vote_outcome and len(known) > 1:
        return _who_voted(kb, u, known, now)
    latest = False
    if u.ballot_field == "mandate_expires" and not u.has_when():
        # 'is the mandate still live?': the newest mandate won, not an older one whose subject matches better
        known = [b for b in known if b.outcome == "mandate"] or known
        latest = True
    if latest or u.order in ("latest", "last", "next") or len(known) == 1:
        chosen = known[-1:]
    else:
        ranked = _rank_by_text(u, known, lambda b: f"{b.subject} {b.purpose.replace('_', ' ')}")
        chosen = national_first(kb, u, [b for _s, b in ranked[:3]], lambda b: b.subject)
    chosen = _load(kb, "ballot", chosen)
    if u.ballot_field in FIELD:
        with_field = [b for b in chosen if getattr(b, FIELD[u.ballot_field]) is not None]
        if not with_field or getattr(chosen[0], FIELD[u.ballot_field]) is None:  # the ballot meant lacks it:
            # never another ballot's turnout in its place
            return Result("ballot_result", [], 0.9, C.ballot_field_not_held(kb, chosen[0], u.ballot_field))
        chosen = with_field
    if u.answer_type == "why" and not all(b.outcome == "no_mandate" and b.turnout_pct is not None
                                          and b.turnout_pct < 50 for b in chosen):
        return None  # the one reason a ballot row holds: a strike mandate lost on the legal turnout threshold
    score = 0.9 if len(chosen) == 1 else 0.78
    variants = [v for b in chosen for v in C.ballot_variants(kb, b, now)]
    return Result("ballot_result", chosen, score, C.ballots_result_text(kb, chosen, u, now), cited=variants)
