"""Running totals of rescheduled appointments."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.selection import _load, _strikes
from bot.answering.time import _windows
from bot.answering.understanding import Understanding
from bot.catalog import FigureKey, known_by
from bot.knowledge import KnowledgeBase


class Totals:
    """Figures of one kind in as-of order (then curated order), with their as-of times for bisecting by `now`.

    A figure counts from the start of its as-of day (or month), once a source for it is out (`known_by`):
    the same rule as per-strike figures, so 'latest totals' and 'last week's strike' agree at any `now`."""

    def __init__(self, keys: list[FigureKey]):
        self.keys = sorted(keys, key=lambda f: (f.as_of.first, f.row))
        self.times = [f.as_of.first.timestamp() for f in self.keys]
        self.by_variant: dict[str, list[FigureKey]] = {}
        for f in self.keys:
            if f.variant_of:
                self.by_variant.setdefault(f.variant_of, []).append(f)

    def known_at(self, now: datetime) -> tuple[list[FigureKey], list[float]]:
        """Keys whose as-of moment is at or before `now` and whose source was out by then, and their as-of
        times (POSIX seconds)."""
        n = bisect_right(self.times, now.timestamp())
        pairs = [(f, t) for f, t in zip(self.keys[:n], self.times[:n], strict=True) if known_by(f, now)]
        return [f for f, _t in pairs], [t for _f, t in pairs]


def _totals(kb: KnowledgeBase, name: str, keep) -> Totals:  # noqa: ANN001
    """A cached `Totals` of the figures `keep(key)` accepts (one per KB file version and `name`)."""
    return kb.cached(("totals", name), lambda: Totals([f for f in kb.catalog("figure").items if keep(f)]))


def handle_cumulative(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Running totals of rescheduled appointments: latest known at `now`, after a strike, or when passing N."""
    if not u.asks_for_appointments:
        return None  # 'how many strikes have there been so far?': not what a total of appointments counts
    totals = _totals(kb, "cumulative", lambda f: f.cumulative and f.metric == "appointments_rescheduled")
    cums, times = totals.known_at(now)
    if u.setting:
        pairs = [(f, t) for f, t in zip(cums, times, strict=True) if f.setting == u.setting]
        cums, times = [f for f, _t in pairs], [t for _f, t in pairs]
    if not cums:
        return None
    if u.threshold and u.has("threshold_verb"):
        over = next((f for f in cums if f.value >= u.threshold and f.qualifier in ("exact", "more_than", "at_least")),
                    None)
        if over is None:
            last = _load(kb, "figure", cums[-1:])
            return Result("cumulative_total", last, 0.75, C.not_passed_text(kb, last[0], u.threshold, now))
        release = _load(kb, "figure", _same_release(cums, times, totals, over))
        first = next(f for f in release if f.id == over.id)
        others = [f for f in release if f.id != over.id]
        return Result("cumulative_total", [first], 0.9, C.passed_text(kb, first, u.threshold, now, others),
                      cited=others)
    anchor = cums[-1]
    # 'the running total in february' names no strike: the total as it stood then, not the next one after
    as_of_words = u.has("as_of") or (u.has_when() and not u.has("kind_strike"))
    if (u.groups or u.unions) and not u.has_when():
        return None  # the running totals count every strike: never give one as a union's or a staff group's
    if as_of_words and u.has_when() and not (u.groups or u.unions):
        # "as of April 2023": the last total published by its end; a month with no year is its latest by now
        end = max((b for a, b in _windows(u) if a <= now), default=now)
        by_then = [f for f in cums if f.as_of.last <= end]
        if not by_then:
            return None
        anchor = by_then[-1]
    elif u.has_when() or u.groups or u.unions:
        strikes = _strikes(kb, u, now)
        if strikes and u.has_when():
            in_cums = {f.id for f in cums}
            cat = kb.catalog("figure")
            tied_ids = {f.id for s in strikes for f in cat.referring_to(f"{s.id}|appointments_rescheduled")
                        if f.id in in_cums}
            tied = [f for f in cums if f.id in tied_ids] if tied_ids else []
            end = max(s.end.last for s in strikes).timestamp()
            after = next((f for f in cums if f.as_of.last.timestamp() >= end), None)
            if not tied and after is None:
                return None
            anchor = tied[-1] if tied else after  # type: ignore[assignment]
    group = _load(kb, "figure", _same_release(cums, times, totals, anchor))
    shown = {f.id for f in group}
    newer = next((f for f in reversed(cums) if f.as_of.last > anchor.as_of.last and f.setting == anchor.setting
                  and f.area == anchor.area and f.id not in shown), None)
    newer_full = _load(kb, "figure", [newer] if newer else [])
    return Result("cumulative_total", group, 0.88, C.cumulative_text(kb, group, newer_full, u, now),
                  cited=newer_full)


def _same_release(cums: list[FigureKey], times: list[float], totals: Totals, anchor: FigureKey) -> list[FigureKey]:
    """The anchor's release: totals published from 10 days before it to 10 days after (whole days), and every
    other source's version of them (`variant_of`), headline first (acute, exact). `times` are the as-of
    POSIX seconds of `cums`."""
    t = anchor.as_of.first.timestamp()  # `times` are as-of starts (see Totals)
    lo, hi = bisect_left(times, t - 10 * 86400), bisect_left(times, t + 11 * 86400)
    near = cums[lo:hi]
    if anchor not in near:
        near = [anchor, *near]  # never without its own headline
    ids = {f.id for f in near} | {f.variant_of for f in near if f.variant_of}
    extra_ids = {f.id for i in ids for f in totals.by_variant.get(i, [])} | ids
    extra_ids -= {f.id for f in near}
    if extra_ids:
        near = near + [f for f in cums if f.id in extra_ids]
    return sorted(near, key=lambda f: (f.variant_of != "", f.setting != "acute", f.qualifier != "exact",
                                       -f.as_of.last.timestamp()))
