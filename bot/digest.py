"""Standing summaries computed from the knowledge base at a moment: latest totals, open ballots, strikes.

Core side (no Slack imports): Slack's `/strike-totals`, `/strikebot ballots|strikes` and App Home, the CLI and
the answering engine can all use these. Every function takes `now` and only uses facts knowable at `now`
(a figure from the end of its as-of day, a ballot result from its announcement). Each returns a `Digest`:
plain-text lines plus the sources behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.clock import PartialDate, fmt_count, fmt_partial, fmt_pct, fmt_range, parse_partial
from bot.composing import any_published_by, sources_of
from bot.knowledge import KnowledgeBase
from bot.models import Ballot, Figure, Source, Strike
from bot.phrasings import Names, org_label

TOTAL_METRIC = "appointments_rescheduled"
QUALIFIER_WORDS = {"exact": "", "about": "about ", "more_than": "more than ", "nearly": "nearly ",
                   "at_least": "at least "}
SETTING_WORDS = {"acute": "acute", "mental_health": "mental health", "community": "community",
                 "non_acute": "non-acute", "all_settings": "all settings", "not_stated": ""}
PURPOSE_LABELS = {"statutory_strike_ballot": "strike ballot", "pay_offer_consultation": "pay offer vote",
                  "indicative_poll": "indicative poll", "referendum": "referendum"}
OUTCOME_WORDS = {"accept": "accepted", "reject": "rejected", "mandate": "strike mandate won",
                 "no_mandate": "no strike mandate", "pending": "result pending", "": "result not recorded"}


@dataclass(frozen=True)
class Scope:
    """A filter for totals: union ids and staff-group ids (empty = everything) and its display `label`."""

    unions: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    label: str = "all unions and staff groups"

    @property
    def everything(self) -> bool:
        """True when nothing is filtered."""
        return not self.unions and not self.groups


@dataclass
class Digest:
    """A titled list of plain-text `lines` (no Slack markup) with the `sources` they came from.

    `as_of` is the newest as-of/announcement date used (text as curated) or None; `empty` says nothing matched
    (the lines then explain what there is instead)."""

    title: str
    lines: list[str]
    sources: list[Source] = field(default_factory=list)
    as_of: str | None = None
    empty: bool = False
    headline: str = ""  # one line (<= ~200 chars) that answers on its own; '' = none (the title leads)
    bold: str = ""  # the part of `headline` a renderer may emphasise (the key figure), '' = none
    detail: list[str] = field(default_factory=list)  # what sits behind "Show workings" (not in the first message)
    detail_sources: list[Source] = field(default_factory=list)  # the sources of `detail`

    @property
    def all_lines(self) -> list[str]:
        """Headline, lines and detail together (for plain text and tests)."""
        return ([self.headline] if self.headline else []) + self.lines + self.detail


def _known(p, now: datetime) -> bool:  # noqa: ANN001 - PartialDate | None
    """A dated fact is knowable once its date is over (the index's `known_utc` convention)."""
    return p is not None and p.last <= now


def _add(sources: list[Source], *more: Source | None) -> None:
    for s in more:
        if s is not None and s not in sources:
            sources.append(s)


def resolve_scope(kb: KnowledgeBase, text: str | None) -> Scope | None:
    """Turn '/strike-totals BMA' or 'junior doctors' into a Scope. Blank text -> everything.

    Matches organisation and staff-group ids, names and aliases case-insensitively (also with a trailing 's'
    dropped). Returns None when `text` names nothing the knowledge base knows."""
    q = " ".join((text or "").lower().split())
    if not q:
        return Scope()
    candidates = {q, q.rstrip("s"), q.removeprefix("the ")}
    for o in kb.organisations().values():
        names = {o.id, o.name.lower(), *o.aliases}
        if candidates & names:
            return Scope(unions=(o.id,), label=org_label(o, o.id))
    for g in kb.staff_groups().values():
        names = {g.id, g.id.replace("_", " "), g.name.lower(), *g.aliases}
        if candidates & names or any(n.rstrip("s") in candidates for n in names):
            return Scope(groups=(g.id,), label=g.name)
    return None


def _figure_scope(f: Figure, strikes: dict[str, Strike]) -> tuple[set[str], set[str]]:
    st = [strikes[i] for i in f.strike_ids if i in strikes]
    unions = set(f.unions) | {u for s in st for u in s.unions}
    return unions, set(f.staff_groups) | {g for s in st for g in s.staff_groups}


def _in_scope(f: Figure, scope: Scope, strikes: dict[str, Strike]) -> bool:
    unions, groups = _figure_scope(f, strikes)
    if scope.everything:
        return True
    if f.cumulative and not unions and not groups:
        return False  # an all-strikes total is not a total for one union
    return bool(set(scope.unions) & unions) or bool(set(scope.groups) & groups)


def _figure_text(f: Figure, noun: str = "") -> str:
    """'about 196,225 appointments rescheduled (acute, England)'."""
    where = ", ".join(x for x in (SETTING_WORDS.get(f.setting, f.setting), f.area) if x)
    value = f"{QUALIFIER_WORDS.get(f.qualifier, '')}{fmt_count(f.value)}" + (f" {noun}" if noun else "")
    return value + (f" ({where})" if where else "")


SETTING_PHRASES = {"acute": "in acute hospitals", "mental_health": "in mental health services",
                   "community": "in community services", "non_acute": "outside acute hospitals",
                   "all_settings": "across all NHS settings", "not_stated": ""}
NEWEST_SHOWN = 3  # per-strike figures in the first message; the rest are behind "Show workings"


def day_range(a: PartialDate, b: PartialDate) -> str:
    """A span in whole days, without clock times: '11–15 April 2023', '15 December 2022 – 2 July 2024'."""
    def day(p: PartialDate) -> PartialDate:
        return parse_partial(p.local_first.strftime("%Y-%m-%d")) if p.precision == "minute" else p
    return fmt_range(day(a), day(b))


def _where(f: Figure) -> str:
    """'in acute hospitals in England' (setting, then area)."""
    return " ".join(x for x in (SETTING_PHRASES.get(f.setting, f.setting.replace("_", " ")),
                                f"in {f.area}" if f.area else "") if x)


def _headline(total: Figure) -> tuple[str, str]:
    """The running-total headline and the figure text to emphasise."""
    value = f"{QUALIFIER_WORDS.get(total.qualifier, '')}{fmt_count(total.value)}"
    span = ""
    if total.period_start and total.period_end:
        span = f", {day_range(total.period_start, total.period_end)}"
    elif total.period_end:
        span = f" to {fmt_partial(total.period_end, weekday=False)}"
    line = (f"Running total: {value} appointments rescheduled {_where(total)}{span}, as of "
            f"{fmt_partial(total.as_of, weekday=False)} ({total.source.publisher}).")
    return line, value


def _strike_who(f: Figure, strikes: dict[str, Strike], names: Names) -> str:
    """'BMA junior doctors (resident doctors), 11–15 April 2023' (one 'who' for strikes by the same people)."""
    st = [strikes[i] for i in f.strike_ids if i in strikes]
    if not st:
        return ", ".join(f.strike_ids)
    whos = [f"{names.unions(s.unions)} {names.groups_text(s.staff_groups)}" for s in st]
    spans = [day_range(s.start, s.end) for s in st]
    if len(set(whos)) == 1:
        return f"{whos[0]}, " + " and ".join(spans)
    return "; ".join(f"{w}, {d}" for w, d in zip(whos, spans, strict=True))


def strike_figures(kb: KnowledgeBase, now: datetime, scope: Scope | None = None) -> list[Figure]:
    """Every per-strike count of rescheduled appointments knowable at `now` that measures whole strikes, in acute
    hospitals in England (the running total's own series), newest version per set of strikes, no strike counted
    twice, oldest strike first. Includes strikes that no published running total covers yet."""
    scope = scope or Scope()
    strikes = {s.id: s for s in kb.all("strike")}
    figs = [f for f in _usable(kb, now, scope, strikes) if not f.cumulative and f.strike_ids]
    return _latest_per_strike(figs, None, strikes, scope)


def running_totals(kb: KnowledgeBase, now: datetime) -> list[Figure]:
    """The curated running totals of rescheduled appointments (acute hospitals, England) knowable at `now`, one
    per as-of date (an exact count before a rounded one), oldest first. Never a sum the bot made."""
    strikes = {s.id: s for s in kb.all("strike")}
    pool = [f for f in _usable(kb, now, Scope(), strikes)
            if f.cumulative and f.area == "England" and f.setting == "acute"]
    best: dict[str, Figure] = {}
    for f in sorted(pool, key=lambda f: (f.as_of.last, f.qualifier == "exact")):
        best[f.as_of.text] = f
    return sorted(best.values(), key=lambda f: f.as_of.last)


def _usable(kb: KnowledgeBase, now: datetime, scope: Scope, strikes: dict[str, Strike]) -> list[Figure]:
    return [f for f in kb.all("figure") if f.metric == TOTAL_METRIC and not f.variant_of
            and f.as_of.first <= now and any_published_by(f, now) and _in_scope(f, scope, strikes)]


def latest_totals(kb: KnowledgeBase, now: datetime, scope: Scope | None = None) -> Digest:
    """The latest cumulative count of rescheduled appointments knowable at `now` as a headline, the newest
    per-strike figures in a few lines (also strikes after the running total), and, as `detail`, every
    per-strike figure under the total with how they add up (its workings). Returns a Digest; `empty` when no
    figure matches `scope`."""
    scope = scope or Scope()
    names = Names(kb)
    strikes = {s.id: s for s in kb.all("strike")}
    figures = _usable(kb, now, scope, strikes)
    cumulative = _headline_total([f for f in figures if f.cumulative])
    singles = [f for f in figures if not f.cumulative and f.strike_ids]
    per_strike = _latest_per_strike(singles, cumulative, strikes, scope)
    newest = _latest_per_strike(singles, None, strikes, scope)
    if cumulative is not None:  # like for like with the total (its setting and area)
        newest = [f for f in newest if (f.setting, f.area) == (cumulative.setting, cumulative.area)]
    newest = newest[-NEWEST_SHOWN:][::-1]
    title = f"Latest totals: rescheduled appointments ({scope.label})"
    if cumulative is None and not per_strike and not newest:
        return Digest(title, [f"I hold no figures on rescheduled appointments for {scope.label} yet."],
                      empty=True, headline=f"I hold no figures on rescheduled appointments for {scope.label} yet.")
    sources: list[Source] = []
    if cumulative is not None:
        headline, bold = _headline(cumulative)
        _add(sources, *sources_of([cumulative], now))
    else:
        headline, bold = f"No published running total covers {scope.label}; the newest per-strike figures:", ""
    end = (cumulative.period_end or cumulative.as_of).last if cumulative is not None else None
    lines = ["Newest per-strike figures:"] if newest and cumulative is not None else []
    for f in newest:
        after = end is not None and any(strikes[i].end.first > end for i in f.strike_ids if i in strikes)
        lines.append(f"• {_strike_who(f, strikes, names)}: {fmt_count(f.value)} (as of "
                     f"{fmt_partial(f.as_of, weekday=False)})" + (", after the running total" if after else ""))
        _add(sources, *sources_of([f], now))
    detail: list[str] = []
    detail_sources: list[Source] = list(sources[:1]) if cumulative is not None else []
    if per_strike:
        detail.append("Per strike, " + (_where(cumulative) if cumulative else "in acute hospitals in England") + ":")
    for f in per_strike:
        detail.append(f"• {_strike_who(f, strikes, names)}: {_figure_text(f, 'appointments')}, as of "
                      f"{fmt_partial(f.as_of, weekday=False)}")
        _add(detail_sources, *sources_of([f], now))
    detail += _workings(cumulative, per_strike)
    dates = [f.as_of for f in per_strike + newest] + ([cumulative.as_of] if cumulative else [])
    newest_date = max(dates, key=lambda p: p.last)
    return Digest(title, lines, sources, newest_date.text, headline=headline, bold=bold, detail=detail,
                  detail_sources=detail_sources)


def _headline_total(totals: list[Figure]) -> Figure | None:
    """The running total to lead with: NHS England's own series (England, acute trusts), newest first, an exact
    count before a rounded one; only when no such total exists, the newest England-wide one of another setting.
    A London total is never 'the' total."""
    england = [f for f in totals if f.area == "England"]
    acute = [f for f in england if f.setting == "acute"]
    pool = acute or england
    if not pool:
        return None
    return max(pool, key=lambda f: (f.as_of.last, f.qualifier == "exact"))


def _latest_per_strike(figs: list[Figure], cumulative: Figure | None, strikes: dict[str, Strike],
                       scope: Scope) -> list[Figure]:
    """The per-strike figures that can sit under a running total and be added up, oldest strike first:
    - the total's setting and area (without a total: acute trusts, England), never a mix;
    - published by the total's as-of date, for strikes that ended by its period end;
    - whole strikes only (a first-day count inside a two-day strike is left out);
    - for a union or staff group, figures whose every strike is in scope (not a joint count with others);
    - the newest version per set of strikes, and no strike counted twice (larger sets win)."""
    setting, area = (cumulative.setting, cumulative.area) if cumulative is not None else ("acute", "England")
    figs = [f for f in figs if f.setting == setting and f.area == area and _covers_whole_strikes(f, strikes)]
    if cumulative is not None:
        end = (cumulative.period_end or cumulative.as_of).last
        figs = [f for f in figs if f.as_of.last <= cumulative.as_of.last
                and all(strikes[i].end.first <= end for i in f.strike_ids if i in strikes)]
    if not scope.everything:
        figs = [f for f in figs if all(_strike_in_scope(strikes[i], scope) for i in f.strike_ids if i in strikes)]
    best: dict[tuple[str, ...], Figure] = {}
    for f in figs:
        if f.strike_ids not in best or f.as_of.last > best[f.strike_ids].as_of.last:
            best[f.strike_ids] = f
    chosen: list[Figure] = []
    counted: set[str] = set()
    for f in sorted(best.values(), key=lambda f: (-len(f.strike_ids), f.id)):
        if counted.isdisjoint(f.strike_ids):
            chosen.append(f)
            counted |= set(f.strike_ids)
    return sorted(chosen, key=lambda f: ((f.period_start or f.as_of).first, f.id))


def _strike_in_scope(s: Strike, scope: Scope) -> bool:
    return bool(set(scope.unions) & set(s.unions)) or bool(set(scope.groups) & set(s.staff_groups))


def _covers_whole_strikes(f: Figure, strikes: dict[str, Strike]) -> bool:
    """False when the figure's period is shorter than the strikes it measures (e.g. a first-day count)."""
    st = [strikes[i] for i in f.strike_ids if i in strikes]
    if not st:
        return False
    if f.period_start and f.period_start.local_first.date() > min(s.start.local_first.date() for s in st):
        return False
    return not (f.period_end and f.period_end.local_last.date() < max(s.end.local_last.date() for s in st))


def _workings(cumulative: Figure | None, per_strike: list[Figure]) -> list[str]:
    """How the listed figures relate to the total. The sum is our arithmetic on sourced figures, and says so."""
    if not per_strike:
        return []
    total = sum(f.value for f in per_strike)
    n = len(per_strike)
    line = (f"Workings (our arithmetic on the figures listed, not a published number): the {n} per-strike "
            f"figure{'s' if n != 1 else ''} add{'s' if n == 1 else ''} up to {fmt_count(total)}")
    if cumulative is None:
        return [line + "."]
    rest = cumulative.value - total
    if abs(rest) < 0.5:
        return [line + ", matching the running total."]
    if rest > 0:
        return [line + f"; the other {fmt_count(rest)} of the running total are strikes with no whole-strike "
                       "figure listed here."]
    return [line + f", {fmt_count(-rest)} more than the running total (the figures were revised after it)."]


def _ballot_line(b: Ballot, names: Names, now: datetime) -> str:
    who = f"{org_label(names.orgs.get(b.union), b.union)} {names.groups_text((b.staff_group,))}"
    what = f"{PURPOSE_LABELS.get(b.purpose, b.purpose)} on {b.subject}"
    if _known(b.result_known_from, now) and b.outcome:
        res = OUTCOME_WORDS.get(b.outcome, b.outcome)
        nums = ", ".join(x for x in (
            f"{fmt_pct(b.outcome_pct)} in favour of that outcome" if b.outcome_pct is not None else "",
            f"turnout {fmt_pct(b.turnout_pct)}" if b.turnout_pct is not None else "") if x)
        when = fmt_partial(b.result_known_from, weekday=False) if b.result_known_from else ""
        return f"• {who} {what}: {res}" + (f" ({nums})" if nums else "") + (f", {when}" if when else "")
    closes = f"closes {fmt_partial(b.closes)}" if b.closes else "closing date not announced"
    return f"• {who} {what}: {closes}"


def open_ballots(kb: KnowledgeBase, now: datetime, *, recent: int = 3) -> Digest:
    """Ballots open at `now` with their deadlines, soonest first; when none is open, the `recent` most recent
    results instead (`empty` is then True). Returns a Digest."""
    names = Names(kb)
    ballots = [b for b in kb.all("ballot") if not b.variant_of and any_published_by(b, now)]  # public by now
    live = [b for b in ballots if b.closes is not None and now < b.closes.last
            and (b.opens is None or b.opens.first <= now) and not _known(b.announced, now)]
    if live:
        live.sort(key=lambda b: b.closes.last)
        sources: list[Source] = []
        for b in live:
            _add(sources, *sources_of([b], now))
        return Digest("Open ballots", [_ballot_line(b, names, now) for b in live], sources)
    done = sorted((b for b in ballots if _known(b.result_known_from, now)),
                  key=lambda b: b.result_known_from.last, reverse=True)[:recent]
    if not done:
        return Digest("Open ballots", ["No ballot is open, and I hold no results yet."], empty=True)
    sources = []
    for b in done:
        _add(sources, *sources_of([b], now))
    return Digest("Open ballots", ["No ballot is open now. Most recent results:"]
                  + [_ballot_line(b, names, now) for b in done], sources, empty=True)


def _strike_line(s: Strike, names: Names) -> str:
    status = {"called_off": " (called off)", "curtailed": " (cut short)", "planned": ""}.get(s.status, "")
    # the curator's scope prose is not shown: its numbers ("55 trusts") would bypass the typed columns
    who = f"{names.unions(s.unions)} {names.groups_text(s.staff_groups)}"
    return f"• {who}: {fmt_range(s.start, s.end)}{status}"


def strikes_digest(kb: KnowledgeBase, now: datetime, *, upcoming: int = 5, recent: int = 3) -> Digest:
    """Strikes under way or still to come at `now` (soonest first, up to `upcoming`) and the `recent` most
    recent ones. Returns a Digest; `empty` when there are no upcoming strikes."""
    names = Names(kb)
    strikes = [s for s in kb.all("strike") if any_published_by(s, now)]  # announced by `now`
    ahead = sorted((s for s in strikes if s.end.last > now), key=lambda s: s.start.first)[:upcoming]
    past = sorted((s for s in strikes if s.end.last <= now), key=lambda s: s.end.last, reverse=True)[:recent]
    lines = ["Upcoming or under way:"] + [_strike_line(s, names) for s in ahead] if ahead else [
        "No strikes are announced."]
    if past:
        lines += ["Most recent:"] + [_strike_line(s, names) for s in past]
    sources: list[Source] = []
    for s in ahead + past:
        _add(sources, *sources_of([s], now))
    return Digest("Strikes", lines, sources, empty=not ahead)


def as_text(d: Digest) -> str:
    """A Digest as plain text: title, lines, then 'Sources:' with title, publisher, date and URL."""
    out = [d.title, *d.all_lines]
    sources = list(dict.fromkeys([*d.sources, *d.detail_sources]))
    if sources:
        out.append("Sources: " + "; ".join(f"{s.title} ({s.publisher}, {s.published}) {s.url}"
                                           for s in sources))
    return "\n".join(out)
