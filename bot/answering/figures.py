"""Impact figures per strike (rescheduled appointments, staff absent, planned care), cost, superlatives."""

from __future__ import annotations

from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _load, _strikes
from bot.answering.strikes import handle_strikes
from bot.answering.time import _windows
from bot.answering.totals import _totals
from bot.answering.understanding import Understanding
from bot.catalog import FigureKey, StrikeKey, known_by
from bot.knowledge import KnowledgeBase

MAX_FIGURES = 8  # figures listed in one reply; a question matching more (a whole year) is told how to narrow it


def _figures_for(kb: KnowledgeBase, strikes: list[StrikeKey], metric: str | tuple[str, ...], now: datetime,
                 u: Understanding) -> list[FigureKey]:
    """Per-strike figures of `metric` measuring any of `strikes`, known at `now`, agreeing with the question's
    setting and area (keys, in the order of `strikes`)."""
    metrics = (metric,) if isinstance(metric, str) else metric
    if u.nations and "england" not in u.nations:
        return []  # impact figures are NHS England's: never answer a Wales or NI question with them
    referrers = kb.catalog("figure").referrers  # '<strike id>|<metric>' -> figure keys
    found: dict[str, FigureKey] = {}
    for s in strikes:
        for m in metrics:
            for f in referrers.get(f"{s.id}|{m}", ()):
                found[f.id] = f
    fits = [f for f in found.values() if _figure_fits(f, metrics, now, u)]
    return sorted(fits, key=lambda f: f.row)  # curated order, as the sources list them


def _figure_fits(f: FigureKey, metrics: tuple[str, ...], now: datetime, u: Understanding) -> bool:
    return (f.metric in metrics and not f.cumulative and f.as_of.first <= now and known_by(f, now)
            and not (u.setting and f.setting != u.setting)
            and (f.area.lower() in ("england", *u.places) or f.area.lower() in u.norm
                 or any(p in f.area.lower() for p in u.places)))  # a local figure only when its place is asked


def _strike_days(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """'How many days have junior doctors been on strike in total?': the latest curated count of strike days
    (metric strike_days) known at `now` for the union or staff group asked, as of its date; None without one."""
    keys = _totals(kb, "strike_days", lambda f: f.metric == "strike_days").known_at(now)[0]
    figs = [f for f in _load(kb, "figure", keys)
            if (not u.groups or set(f.staff_groups) & u.groups) and (not u.unions or set(f.unions) & u.unions)]
    if u.has_when():  # 'since March 2023': only a count that begins in the time asked ('since July 2025' has none)
        wins = [(a, b) for a, b in _windows(u) if a <= now]
        figs = [f for f in figs if f.period_start is not None and any(
            a <= f.period_start.first <= b for a, b in wins)]
    if not figs or not (u.groups or u.unions):
        return None
    return Result("impact_figure", figs[-1:], 0.85, C.figures_text(kb, figs[-1:], u, now))


def handle_impact(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Per-strike impact (rescheduled appointments, staff absent, planned care delivered)."""
    metric: str | tuple[str, ...] = "appointments_rescheduled"
    if u.intent == "staff_absent":
        avg = u.has("per_day")
        metric = ("staff_absent_daily_avg",) if avg else ("staff_absent_peak", "staff_absent_daily_avg")
    elif u.has("planned_care"):
        metric = "planned_care_delivered_pct"
    if u.has("strike_days"):
        return _strike_days(kb, u, now)  # a count of strike days, never an appointments figure in its place
    if u.intent == "impact_figure" and u.has("strikers") and not u.has("appointment_words"):
        metric = "strikers"  # how many people struck, never how many appointments moved
    if metric == "appointments_rescheduled" and not u.asks_for_appointments:
        return None  # "how many patients / trusts / hours / strikes …": not what an appointments figure counts
    if not (u.unions or u.groups or u.has_when() or u.order or u.nth):
        return None  # "figures" alone names no strike: answering with some strike's number would be a guess
    if not u.has_when() and not u.order and not u.nth and u.has("plural_strikes"):
        return None  # "the ambulance strikes" without a date: one strike's number is not theirs
    strikes = _strikes(kb, u, now)
    if not strikes:
        return None
    if not u.has_when() and (u.order in (None, "last", "latest", "first") or u.nth):
        # the strike the order word names among those held by `now` (start order); it must have the figure
        held = [s for s in strikes if s.start.first <= now and s.status != "called_off"]
        if u.order == "first" or u.nth:
            pick = held[(u.nth or 1) - 1:(u.nth or 1)]
        else:
            pick = held[-1:]
        if u.has("latest_figure") and u.order in ("last", "latest"):
            with_fig = [s for s in held if _figures_for(kb, [s], metric, now, u)]  # the newest figure of its kind
            pick = with_fig[-1:] or pick
        if pick and not _figures_for(kb, pick, metric, now, u):
            # the strike meant has no such figure: say so, as a decline (nothing asked for can be given)
            return Result("impact_figure", [], 0.8, C.no_figure_yet(kb, _load(kb, "strike", pick)[0], now))
        strikes = pick
    found = _figures_for(kb, strikes, metric, now, u)
    if u.places:  # 'at York hospital': only a figure for that place, never the national one
        found = [f for f in found if any(p in f.area.lower() for p in u.places)]
    area = C.asked_area(u, [f.area for f in found])
    keys = sorted(found, key=lambda f: C.figure_rank(f, area, one_strike=not u.has("plural_strikes")))
    figs = _load(kb, "figure", keys[:MAX_FIGURES])
    if metric == "strikers" and u.unions:  # a union's own count of its strikers answers only for that union
        figs = [f for f in figs if set(f.unions) & u.unions]
    if not figs:
        return None
    return Result(u.intent if u.intent != "unknown" else "impact_figure", figs, 0.88,
                  C.figures_text(kb, figs, u, now, more=len(keys) - len(figs)))


def handle_cost(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Cost estimates of the action, as known at `now`. A question naming a strike (who or when) gets only cost
    figures measuring that strike, or nothing; one naming no strike gets the latest overall estimates. Costs
    are NHS England's: a question about another nation is declined."""
    if u.nations and "england" not in u.nations:
        return None
    if u.unions or u.groups or u.has_when():
        keys = _figures_for(kb, _strikes(kb, u, now), "cost", now, u)
        keys = sorted(keys, key=lambda f: f.as_of.last)[-3:]
    else:
        keys = _totals(kb, "cost", lambda f: f.metric == "cost").known_at(now)[0][-3:]
    figs = _load(kb, "figure", keys)
    if not figs:
        return None
    return Result("impact_figure", figs, 0.8, C.figures_text(kb, figs, u, now))


def handle_comparison(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Superlatives: the longest strike, the strike with the most rescheduled appointments."""
    if u.order == "longest":
        return handle_strikes(kb, u, now)
    biggest = kb.cached("most_appointments", lambda: sorted(
        (f for f in kb.catalog("figure").items if f.metric == "appointments_rescheduled" and not f.cumulative
         and f.setting == "acute" and f.area == "England" and f.strike_ids), key=lambda f: (-f.value, f.row)))
    anything = not (u.unions or u.groups or u.nations or u.has_when())
    strikes = set() if anything else {s.id for s in _strikes(kb, u, now)}
    best = next((f for f in biggest if f.as_of.last <= now and known_by(f, now)
                 and (anything or strikes & set(f.strike_ids))), None)
    if best is None:
        return None
    full = _load(kb, "figure", [best])
    return Result("comparison", full, 0.85, C.figures_text(kb, full, u, now, lead="The most disruptive"))

