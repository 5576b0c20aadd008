"""Strike questions: dates, next / current / last strike, how long, longest."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import islice

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _load, _strikes
from bot.answering.understanding import Understanding
from bot.catalog import StrikeKey, known_by
from bot.clock import LONDON
from bot.knowledge import KnowledgeBase

MAX_STRIKES = 8  # strikes listed in one reply (the most recent when no date is named, else the first)


def _start_ts(s: StrikeKey) -> float:
    return s.start.first.timestamp()


def _pick_strikes(strikes: list[StrikeKey], u: Understanding, now: datetime,
                  max_span: float) -> tuple[list[StrikeKey], str]:
    """Apply the question's order word (next / last / first / longest) relative to `now`.

    `strikes` are in start order (as `_strikes` returns them); `max_span` is the longest strike's span in
    seconds, so the search for a strike still running at `now` can start by bisection instead of a scan.
    Strikes not yet public at `now` are skipped, and so are strikes called off unless every candidate was."""
    every_called_off = not any(s.status_at(now) != "called_off" and known_by(s, now) for s in strikes)

    def held(s: StrikeKey) -> bool:
        return known_by(s, now) and (every_called_off or s.status_at(now) != "called_off")

    if u.order == "longest":
        return [max((s for s in strikes if held(s)), key=lambda s: s.duration_hours or 0)], "longest"
    if u.order == "first" or u.nth:  # 'the first', 'the 3rd junior doctor strike': counted among those held
        nth = (u.nth or 1) - 1
        return list(islice((s for s in strikes if held(s)), nth, nth + 1)), f"nth:{nth + 1}" if u.nth else "first"
    if u.order in ("last", "latest"):
        upto_now = bisect_right(strikes, now.timestamp(), key=_start_ts)
        return [s for s in reversed(strikes[:upto_now]) if held(s)][:1], "last"
    about_now = u.tense in ("present", "future") and not u.has_when() and u.order is None
    if u.order == "next" or about_now:
        running = strikes[bisect_left(strikes, now.timestamp() - max_span, key=_start_ts):]
        if u.this_week:
            wk_start = (now.astimezone(LONDON) - timedelta(days=now.astimezone(LONDON).weekday())).replace(
                hour=0, minute=0, second=0, microsecond=0)
            wk_end = wk_start.astimezone(UTC) + timedelta(days=7)
            week = []
            for s in running:
                if s.start.first >= wk_end:
                    break
                if held(s) and s.end.last >= now:
                    week.append(s)
            return week, "this_week"
        ahead = [s for s in running if held(s) and s.end.last >= now]
        if u.has("plural_strikes") or u.answer_type == "who":
            return ahead[:MAX_STRIKES], "upcoming"  # 'who is striking', 'when are the strikes': all those ahead
        return ahead[:1], "next"
    return [s for s in strikes if held(s)], "all"


def _none_in_span(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """No strike known in the week or day asked about (ahead of `now`): say so, with the most recent strike of
    the unions or groups asked (so the reply has a fact to cite); None when there is none before `now`."""
    before = [s for s in _strikes(kb, replace(u, span=None), now) if s.start.first <= now]
    if not before:
        return None
    last = _load(kb, "strike", before[-1:])
    return Result("next_strike", last, 0.8, C.nothing_in_span(kb, last[0], u.span, now))  # type: ignore[arg-type]


def handle_cover(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """'Are there exemptions for A&E?', 'is it a full walkout?': the care the strike asked about keeps up (the
    next or current one, or the one named), from its curated `cover`; None when that strike's cover is not
    curated, so the general FAQ on derogations answers instead."""
    strikes = _strikes(kb, u, now, check_known=False)
    if not any(known_by(s, now) for s in strikes):
        return None
    chosen, mode = _pick_strikes(strikes, u, now, kb.catalog("strike").max_span)
    if mode == "all" and len(chosen) != 1:
        return None  # no one strike is meant: the FAQ explains derogations in general
    full = [s for s in _load(kb, "strike", chosen[:1]) if s.cover]
    if not full:
        return None
    return Result("strike_cover", full, 0.9, C.cover_text(kb, full[0], now))


def handle_strikes(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Strike dates, next/current/last strike, how long, longest."""
    if u.order == "longest" and not (u.unions or u.groups or u.nations or u.has_when()):
        # a KB-wide superlative: walk the strikes longest first (ties in start order) to the first public at `now`
        by_length = kb.cached("strikes_by_length", lambda: sorted(kb.catalog("strike").items,
                                                                  key=lambda s: -(s.duration_hours or 0)))
        best = next((s for s in by_length if known_by(s, now) and s.status != "called_off"), None)
        strikes = [best] if best else []
    else:
        strikes = _strikes(kb, u, now, check_known=False)  # _pick_strikes checks publication on what it picks
    if not any(known_by(s, now) for s in strikes):
        if u.span and u.span[1] >= now and u.tense != "past" and u.span[1] - u.span[0] <= timedelta(days=7):
            # 'is there a strike next week?': none known that week (a season or holiday is declined instead)
            return _none_in_span(kb, u, now)
        return None
    chosen, mode = _pick_strikes(strikes, u, now, kb.catalog("strike").max_span)
    if mode in ("next", "this_week", "upcoming") and not chosen:
        started = bisect_right(strikes, now.timestamp(), key=_start_ts)
        last = next((s for s in reversed(strikes[:started]) if known_by(s, now)), None)
        past = _load(kb, "strike", [last] if last else [])
        text = C.nothing_upcoming(kb, u, past[-1] if past else None, now, this_week=mode == "this_week")
        return Result("next_strike", past, 0.8, text)
    if not chosen:
        return None
    left_out = max(0, len(chosen) - MAX_STRIKES)
    if left_out:
        chosen = chosen[-MAX_STRIKES:] if not u.has_when() else chosen[:MAX_STRIKES]
    score = 0.9 if len(chosen) == 1 else 0.8
    if mode == "all" and len(chosen) > 1 and not (u.has_when() or u.unions or u.groups):
        score = 0.5  # an unqualified "when are the strikes" is not answered with an arbitrary list
    intent = {"next": "next_strike", "this_week": "next_strike", "upcoming": "next_strike",
              "longest": "comparison"}.get(mode, "strike_dates")
    chosen = _load(kb, "strike", chosen)
    text = C.strikes_text(kb, chosen, u, now, mode, left_out=left_out, latest=not u.has_when())
    if u.answer_type == "status" and u.has("status_words") and len(chosen) == 1:  # 'did it go ahead?': in words
        text = C.status_sentence(chosen[0], now) + "\n" + text
    return Result(intent, chosen, score, text)
