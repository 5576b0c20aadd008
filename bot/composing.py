"""Composing replies from typed columns: British number and date formats, scope, as-of date and sources.

Every figure, percentage and date in a reply is rendered here from a typed field of a bot.models dataclass;
curators' prose (summaries, scope notes) never supplies a number. Plain text, safe for Slack.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.catalog import StrikeKey
from bot.clock import (
    LONDON,
    PartialDate,
    fmt_count,
    fmt_curated,
    fmt_day,
    fmt_duration,
    fmt_gbp,
    fmt_partial,
    fmt_pct,
    fmt_range,
    parse_partial,
    published_moment,
)
from bot.knowledge import KnowledgeBase
from bot.models import NATION_NAMES, Ballot, Fact, Faq, Figure, Offer, Source, Statement, Strike
from bot.phrasings import Names, month_year, org_label

SETTING_TEXT = {
    "acute": "acute hospital trusts (inpatient and outpatient)",
    "mental_health": "mental health services",
    "community": "community health services",
    "non_acute": "mental health, learning disability and community services",
    "all_settings": "all settings (acute, mental health and community)",
    "not_stated": "settings not stated by the source",
}
QUALIFIER = {"exact": "", "about": "about ", "more_than": "more than ", "nearly": "nearly ", "at_least": "at least "}
METRIC_TEXT = {
    "appointments_rescheduled": "appointments rescheduled",
    "staff_absent_peak": "staff absent at the peak",
    "staff_absent_daily_avg": "staff absent on average per day",
    "planned_care_delivered_pct": "of planned care delivered",
    "cost": "estimated cost",
    "strike_days": "of strike action",
    "strikers": "staff on strike",
}
OUTCOME_TEXT = {"accept": "accepted", "reject": "rejected", "mandate": "voted for strike action (mandate won)",
                "no_mandate": "did not secure a strike mandate",
                "for_action": "voted in favour of action (an indicative poll, so no legal strike mandate)",
                "pending": "result pending"}
PURPOSE_TEXT = {"statutory_strike_ballot": "statutory strike ballot", "pay_offer_consultation": "consultation",
                "indicative_poll": "indicative poll", "referendum": "referendum"}
STATUS_TEXT = {"held": "", "called_off": " (called off)", "curtailed": " (cut short)", "planned": " (planned)"}
# How long after the curated-through date a question that depends on now says how far the knowledge runs.
CURRENCY_GRACE = timedelta(days=30)
COVERAGE = ("I cover NHS industrial action in England (with some Wales and Northern Ireland dates): strikes, "
            "ballots, pay offers and their impact, each with its source")


def kind_of(fact: Fact | None) -> str:
    """'strike', 'ballot', 'offer', 'figure', 'statement' or 'faq'."""
    return {Strike: "strike", Ballot: "ballot", Offer: "offer", Figure: "figure", Statement: "statement",
            Faq: "faq"}.get(type(fact), "unknown")


def published_by(s: Source, now: datetime | None) -> bool:
    """True when source `s` had surely been published at `now` (None = any time): a dated source on or before
    that Europe/London day; one dated only by month or year once that whole month or year had passed."""
    moment = published_moment(s.published) if now is not None else None
    return moment is None or moment <= now  # type: ignore[operator]


def any_published_by(fact: Fact, now: datetime) -> bool:
    """True when at least one of the fact's curated sources had been published at `now` (see published_by)."""
    srcs = [getattr(fact, "source", None), *getattr(fact, "other_sources", ())]
    return any(published_by(s, now) for s in srcs if s is not None)


def offer_public(o: Offer, now: datetime) -> bool:
    """True when offer `o` was public at `now`: from its curated announcement date when it has one (a day from
    that day's start), else from its date once one of its curated sources was out (clock.public_from's rule)."""
    if o.announced is not None:
        moment = published_moment(o.announced.text)
        return moment is not None and moment <= now
    return o.date.first <= now and any_published_by(o, now)


def sources_of(facts: list[Fact], now: datetime | None = None) -> list[Source]:
    """Sources of the facts shown, first seen first, without repeats: each fact's primary source, or, when
    that was published after `now` (a `--now` question about the past), the first of its other sources
    already published then; the primary stays when none was. Plus any leadership-recommendation source."""
    seen: dict[str, Source] = {}
    for f in facts:
        main = getattr(f, "source", None)
        if main is not None and not published_by(main, now):
            main = next((s for s in getattr(f, "other_sources", ()) if published_by(s, now)), main)
        for s in (main, getattr(f, "recommendation_source", None), *_status_sources(f, now)):
            if s is not None and s.id not in seen:
                seen[s.id] = s
    return list(seen.values())


def _status_sources(f: Fact, now: datetime | None) -> list[Source]:
    """A strike's or offer's status source (once that status was confirmed at `now`) and a strike's second end's
    source (once published): the reply shows both, so both are cited."""
    if isinstance(f, Offer):
        return [f.status_source] if f.status_source is not None and (
            now is None or f.status_at(now) == f.status) else []
    if not isinstance(f, Strike):
        return []
    out = []
    if f.status_source is not None and (now is None or f.status_at(now) == f.status):
        out.append(f.status_source)
    if f.end_alt_source is not None and f.end_alt is not None and published_by(f.end_alt_source, now):
        out.append(f.end_alt_source)
    return out


def as_of_text(facts: list[Fact]) -> str | None:
    """The newest as-of date of the figures shown ('2023-04-17'), if any."""
    dates = [f.as_of for f in facts if isinstance(f, Figure)]
    return max(dates, key=lambda p: p.last).text if dates else None


def cite(s: Source) -> str:
    """'NHS England, "Title", 17 April 2023 <url>'."""
    return f'{s.publisher}, "{s.title}", {fmt_curated(s.published)} — {s.url}'


def sources_block(facts: list[Fact], now: datetime | None = None) -> str:
    """'Source: …' lines for the facts shown, as known at `now` (see `sources_of`); a source published after
    `now` (no earlier one was curated) is marked so."""
    srcs = sources_of(facts, now)
    if not srcs:
        return ""
    label = "Source" if len(srcs) == 1 else "Sources"
    return f"\n{label}: " + "; ".join(
        cite(s) + ("" if published_by(s, now) else " (published after the date asked about)") for s in srcs)


def without_sources(text: str) -> str:
    """`text` without the 'Source(s): …' lines `sources_block` appended (for replies that list sources apart)."""
    cut = max(text.rfind("\nSource: "), text.rfind("\nSources: "))
    return text[:cut] if cut >= 0 else text


def value_text(f: Figure) -> str:
    """A figure's value with its qualifier and unit: 'more than 4,000', '93%', '£3 billion'."""
    if f.unit == "percent":
        v = fmt_pct(f.value)
    elif f.unit == "gbp":
        v = fmt_gbp(f.value)
    elif f.unit in ("days", "hours"):
        v = f"{fmt_count(f.value)} {f.unit}"
    else:
        v = fmt_count(f.value)
    return QUALIFIER.get(f.qualifier, "") + v


def _who(kb: KnowledgeBase, s: Strike) -> str:
    n = Names(kb)
    return f"{n.groups_text(s.staff_groups)} ({n.unions(s.unions)})"


def _nations(ids: tuple[str, ...]) -> str:
    names = [NATION_NAMES.get(i, i) for i in ids]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def strike_line(kb: KnowledgeBase, s: Strike | StrikeKey, now: datetime | None = None) -> str:
    """'Junior doctors (BMA), England: from 07:00 Tuesday 11 April to 07:00 Saturday 15 April 2023 — 96 hours.'
    (it starts a line or a bullet, so its first letter is a capital). With `now`, the status is as known then
    and the tense follows it (see `strike_status_phrase`); another source's end, once published, is added."""
    hours = f" — {fmt_count(s.duration_hours)} hours" if s.duration_hours else ""
    when, tail = strike_status_phrase(s, now)
    alt = ""
    alt_end, alt_src = getattr(s, "end_alt", None), getattr(s, "end_alt_source", None)  # a StrikeKey has neither
    if alt_end is not None and alt_src is not None and published_by(alt_src, now):
        alt = f"; {alt_src.publisher} gives the end as {fmt_partial(alt_end)}"
    line = f"{_who(kb, s)}, {_nations(s.nations)}: {when}{span(s.start, s.end)}{hours}{tail}{alt}."
    return line[:1].upper() + line[1:]


def strike_status_phrase(s: Strike | StrikeKey, now: datetime | None) -> tuple[str, str]:
    """The words around a strike's dates for its status as known at `now` (None = as curated, no tense):
    (prefix, suffix), e.g. ('', ' (planned)') for a strike still ahead, ('was due to run ', '; no later report
    curated') for one whose dates have passed with no report that it was held or called off, ('', ' (due to be
    under way; no report curated yet)') while it would be running, ('', ' (called off)') and so on."""
    status = s.status if now is None else s.status_at(now)
    if status != "planned" or now is None or s.start.first > now:
        return "", STATUS_TEXT[status]
    if s.end.last >= now:
        return "", " (due to be under way; no report curated yet)"
    as_of = getattr(s, "status_as_of", None)
    confirmed = (f", last confirmed as planned on {fmt_partial(as_of, weekday=False)}"
                 if as_of is not None and s.status == "planned" else "")
    return "was due to run ", f"; no later report curated{confirmed}"


def span(a: PartialDate, b: PartialDate) -> str:
    """Day range first, then exact times when known: '11–15 April 2023 (from 07:00 Tuesday 11 April 2023 to
    07:00 Saturday 15 April 2023)'."""
    if a.precision != "minute" and b.precision != "minute":
        return fmt_range(a, b)
    days = fmt_range(_day(a), _day(b))
    return f"{days} (from {fmt_partial(a)} to {fmt_partial(b)})"


ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", 6: "Sixth", 7: "Seventh", 8: "Eighth",
            9: "Ninth", 10: "Tenth", 11: "Eleventh", 12: "Twelfth"}  # the 'nth strike' understanding reads


def _day(p: PartialDate) -> PartialDate:
    return parse_partial(p.local_first.strftime("%Y-%m-%d")) if p.precision == "minute" else p


def strikes_text(kb: KnowledgeBase, strikes: list[Strike], u, now: datetime, mode: str, *,  # noqa: ANN001
                 left_out: int = 0, latest: bool = True) -> str:
    """Reply for strike-date questions; `left_out` more matching strikes were not listed (earlier ones when
    `latest`, else later ones), and the reply says so."""
    lead = {"next": "Next strike", "this_week": "Strike this week", "last": "Most recent strike",
            "upcoming": "Strike ahead or under way" if len(strikes) == 1 else "Strikes ahead or under way",
            "first": "First strike", "longest": "Longest strike",
            **{f"nth:{n}": f"{w} strike" for n, w in ORDINALS.items()}}.get(
        mode, "Strike" if len(strikes) == 1 else "Strikes")
    if mode == "longest":
        lead += " in the knowledge base"
    if mode == "next" and len(strikes) == 1 and strikes[0].start.first <= now:
        lead = "Strike under way now"  # 'when is the next strike?' on its third day: it has begun
    if len(strikes) == 1:
        s = strikes[0]
        body = f"{lead}: {strike_line(kb, s, now)}"
        if s.start.first > now:
            body += f" That is {fmt_duration(s.start.first - now)} from now."
    else:
        body = f"{lead}:\n" + "\n".join(f"• {strike_line(kb, s, now)}" for s in strikes)
    if left_out:
        body += (f"\n…and {left_out} {'earlier' if latest else 'later'} strike{'s' if left_out != 1 else ''}. "
                 "Name a month or year to see them.")
    return body + sources_block(list(strikes), now)


COVER_TEXT = {
    "full_walkout": "a full walkout: no national exemptions (derogations) for any service, A&E, maternity and "
                    "critical care included; hospitals cover with other staff",
    "christmas_day_cover": "on Christmas Day cover: strikers keep emergency care at bank-holiday levels while most "
                           "routine work stops",
    "local_cover": "with cover for life-threatening and urgent care agreed locally, trust by trust",
    "mixed": "partly on Christmas Day cover and partly a full walkout with no national exemptions",
}


def cover_text(kb: KnowledgeBase, s: Strike, now: datetime) -> str:
    """What care a strike keeps up, from its typed `cover` (curated from the sources' description of it)."""
    verb = "is" if s.end.last >= now else "was"
    return f"{strike_line(kb, s, now)}\nThat strike {verb} {COVER_TEXT[s.cover]}." + sources_block([s], now)


def status_sentence(s: Strike, now: datetime) -> str:
    """'It went ahead.' / 'It was called off.' / 'It was cut short.' / 'It is planned …': a strike's status as
    known at `now`, for a question that asks whether it is going ahead."""
    status = s.status_at(now)
    if status == "held":
        return "Yes: it went ahead (held)." if s.end.last < now else "Yes: it is going ahead."
    if status == "called_off":
        return "No: it was called off."
    if status == "curtailed":
        return "It went ahead but was cut short."
    if s.end.last < now:
        return "It was due to go ahead; no later report is curated."
    return "It is planned; no report that it was called off is curated."


def no_figure_yet(kb: KnowledgeBase, s: Strike, now: datetime) -> str:
    """The strike a question means, and that no figure for it is held (rather than another strike's)."""
    return (f"That strike: {strike_line(kb, s, now)}\nI hold no published figure for it (at "
            f"{fmt_partial(_at(now), weekday=False)}), so I won't give another strike's number instead."
            + sources_block([s], now))


def nothing_upcoming(kb: KnowledgeBase, u, last: Strike | None, now: datetime, *, this_week: bool) -> str:  # noqa: ANN001
    """'No upcoming strike is known …' with the most recent one (how far the knowledge runs is said once, by
    `currency_note`, not here)."""
    if this_week:  # a strike earlier in the week may be over: say only what is true from now on
        text = "No strike under way now or due for the rest of this week is in my knowledge base."
    else:
        text = f"No strike after {fmt_partial(_at(now), weekday=False)} is in my knowledge base."
    if last:
        text += f"\nMost recent: {strike_line(kb, last, now)}" + sources_block([last], now)
    return text


def nothing_in_span(kb: KnowledgeBase, last: Strike, span_utc: tuple[datetime, datetime], now: datetime) -> str:
    """'No strike from Monday 7 to Sunday 13 December 2026 is in my knowledge base.' with the most recent one."""
    a, b = (parse_partial(t.astimezone(LONDON).strftime("%Y-%m-%d")) for t in span_utc)
    when = fmt_partial(a) if a.text == b.text else fmt_range(a, b)
    return (f"No strike on {when} is in my knowledge base.\nMost recent: {strike_line(kb, last, now)}"
            + sources_block([last], now))


def _at(now: datetime) -> PartialDate:
    from bot.clock import parse_partial

    return parse_partial(now.astimezone(LONDON).strftime("%Y-%m-%d"))


def _ballot_who(kb: KnowledgeBase, b: Ballot) -> str:
    n = Names(kb)
    return f"{org_label(n.orgs.get(b.union), b.union)} {n.groups_text((b.staff_group,))}"


def _close_text(b: Ballot, now: datetime | None = None) -> str:
    """'closes at 12:00 Monday 16 September 2024', or 'closed …' once that is past at `now`."""
    if b.closes is None:
        return "closing date not known"
    c = fmt_partial(b.closes)
    verb = "closed" if now is not None and b.closes.last < now else "closes"
    return f"{verb} at {c}" if b.closes.precision == "minute" else f"{verb} {c}" + (
        " (end of day)" if b.closes.precision == "day" else "")


def ballots_deadline_text(kb: KnowledgeBase, ballots: list[Ballot], now: datetime) -> str:
    """When open ballots close, with time left at `now`."""
    lines = []
    for b in ballots:
        line = f"The {_ballot_who(kb, b)} {PURPOSE_TEXT[b.purpose]} on {b.subject} {_close_text(b, now)}"
        if b.closes and b.closes.last >= now:
            line += f" — {fmt_duration(b.closes.last - now)} from now"
        elif b.closes:
            line += "; its result is not in my knowledge base yet"
        lines.append(line + ".")
    return "\n".join(lines) + sources_block(list(ballots), now)


def ballots_opening_text(kb: KnowledgeBase, ballots: list[Ballot], now: datetime) -> str:
    """When ballots open (and close), relative to `now`."""
    lines = []
    for b in ballots:
        verb = "opens" if b.opens and b.opens.first > now else "opened"
        line = f"The {_ballot_who(kb, b)} {PURPOSE_TEXT[b.purpose]} on {b.subject} {verb} {fmt_partial(b.opens)}"
        lines.append(line + (f" and {_close_text(b)}." if b.closes else "."))
    return "\n".join(lines) + sources_block(list(ballots), now)


FIELD_TEXT = {"turnout": "the turnout", "votes": "how many votes were cast",
              "mandate_expires": "when the mandate expires"}


def ballot_field_not_held(kb: KnowledgeBase, b: Ballot, field: str) -> str:
    """Decline naming the column a ballot lacks: the result is not given in its place."""
    return f"I don't hold {FIELD_TEXT.get(field, field)} for the {_ballot_who(kb, b)} {PURPOSE_TEXT[b.purpose]} on {b.subject}."


def ballot_closed_text(kb: KnowledgeBase, b: Ballot, now: datetime, *, any_union: bool = False) -> str:
    """A ballot that has already closed (no open one matches). `any_union`: the question named no union or
    staff group, so the reply says no ballot of any union is open and names whose the most recent was."""
    when = f"closed {fmt_partial(b.closes)}" if b.closes else (
        f"was announced {fmt_partial(b.announced, weekday=False)}" if b.announced else "has no known date")
    if any_union:
        text = (f"No ballot is open in my knowledge base (at {fmt_day(now, weekday=False)}). The most recent, "
                f"{_ballot_who(kb, b)} on {b.subject}, {when}.")
    else:
        text = f"No open {_ballot_who(kb, b)} ballot is known. The most recent, on {b.subject}, {when}."
    # (its result only when the question was about that union's ballot: asked whether any ballot is open, the
    # result of the last one is a neighbouring fact)
    if not any_union and b.result_known_from and b.result_known_from.last <= now and b.outcome:
        text += " " + _result_sentence(b, now)
    return text + sources_block([b], now)


def _result_sentence(b: Ballot, now: datetime | None = None) -> str:
    parts = [f"Result: {OUTCOME_TEXT.get(b.outcome, b.outcome)}"]
    if b.outcome_pct is not None:
        parts[0] += f", {fmt_pct(b.outcome_pct)} in favour of that outcome"
    if b.turnout_pct is not None:
        parts.append(f"turnout {fmt_pct(b.turnout_pct)}")
    if b.votes_cast:
        parts.append(f"{fmt_count(b.votes_cast)} votes cast")
    s = "; ".join(parts)
    if b.announced:
        s += f" (announced {fmt_partial(b.announced)})"
    if b.mandate_expires:
        s += ". " + mandate_phrase(b.mandate_expires, now)
    return s + "."


def mandate_phrase(expires: PartialDate, now: datetime | None) -> str:
    """'Mandate runs to 7 January 2026' while it is current at `now` (or None), 'Mandate ran to 7 January 2026
    (expired)' once that whole day or month is over: a lapsed mandate is never presented as current."""
    when = fmt_partial(expires, weekday=False)
    if now is not None and expires.last < now:
        return f"Mandate ran to {when} (expired)"
    return f"Mandate runs to {when}"


def ballot_variants(kb: KnowledgeBase, b: Ballot, now: datetime | None = None) -> list[Ballot]:
    """Other sources' versions of ballot `b` (rows whose variant_of is b.id), in curated order; with `now`,
    only those a source of which was out by then (a report published later is not known yet)."""
    found = kb.get_many("ballot", [x.id for x in kb.catalog("ballot").referring_to(b.id)])
    return [v for v in found if now is None or any_published_by(v, now)]  # type: ignore[return-value]


def ballots_result_text(kb: KnowledgeBase, ballots: list[Ballot], u, now: datetime) -> str:  # noqa: ANN001
    """Results (outcome %, turnout, votes), leadership recommendations and other sources' versions."""
    lines = []
    facts: list[Fact] = []
    for b in ballots:
        head = f"{_ballot_who(kb, b)} — {PURPOSE_TEXT[b.purpose]} on {b.subject}"
        if b.closes:
            head += f" (closed {fmt_partial(b.closes, weekday=False)})"
        line = f"{head}: {_result_sentence(b, now)}"
        if b.recommendation in ("accept", "reject"):
            line += f" The union's leadership had recommended members {b.recommendation} it."
        elif b.recommendation == "none":
            line += " The union's leadership made no recommendation."
        for v in ballot_variants(kb, b, now):
            if v.turnout_pct is not None and v.turnout_pct != b.turnout_pct:
                line += f" {v.source.publisher} reported turnout as {fmt_pct(v.turnout_pct)}."
            if v.outcome_pct is not None and v.outcome_pct != b.outcome_pct:
                line += f" {v.source.publisher} reported {fmt_pct(v.outcome_pct)}."
            facts.append(v)
        lines.append(line)
        facts.insert(0, b)
    text = "\n".join(("• " + s) if len(lines) > 1 else s for s in lines)
    return text + sources_block(facts, now)


def offers_text(kb: KnowledgeBase, offers: list[Offer], variants: list[Offer], now: datetime) -> str:
    """Pay offers' headline terms from typed columns; variants reported by other sources beside them."""
    n = Names(kb)
    lines = []
    for o in offers:
        terms = _terms(o)
        years = f" for {' and '.join(o.pay_years)}" if o.pay_years else ""
        who = org_label(n.orgs.get(o.offered_by), o.offered_by)
        # a record of a deal that was accepted, imposed or put into payslips is an award on that date, not an offer
        status = o.status_at(now)
        noun = "offer" if status in ("offered", "rejected", "superseded") else "pay award"
        reported = (f" ({fmt_partial(o.status_as_of, weekday=False)})"
                    if o.status_as_of is not None and status == o.status else "")
        line = (f"{who} {noun} of {fmt_partial(o.date, weekday=False)} to {n.groups_text(o.staff_groups)}{years}: "
                f"{terms}. Status: {status}{reported}.")
        for v in (x for x in variants if x.variant_of == o.id):
            line += f" {v.source.publisher} reported it as {_terms(v)}."
        lines.append(line)
    text = "\n".join(("• " + s) if len(lines) > 1 else s for s in lines)
    return text + sources_block([*offers, *variants], now)


def _terms(o: Offer) -> str:
    t = []
    if o.consolidated_pct is not None:
        s = f"{'an average ' if o.consolidated_average else ''}{fmt_pct(o.consolidated_pct)} consolidated rise"
        if o.consolidated_pct_max is not None:
            s += f" (up to {fmt_pct(o.consolidated_pct_max)} for some)"
        t.append(s)
    if o.consolidated_gbp is not None:
        t.append(f"{fmt_gbp(o.consolidated_gbp)} consolidated")
    if o.one_off_pct is not None:
        t.append(f"a one-off {fmt_pct(o.one_off_pct)} non-consolidated payment")
    if o.one_off_min_gbp is not None or o.one_off_max_gbp is not None:
        lo = fmt_gbp(o.one_off_min_gbp) if o.one_off_min_gbp is not None else ""
        hi = fmt_gbp(o.one_off_max_gbp) if o.one_off_max_gbp is not None else ""
        t.append(f"one-off payments of {lo}–{hi}".replace("of –", "of up to ").rstrip("–"))
    if o.other_terms:
        t.append(o.other_terms)
    return " plus ".join(t) if t else "terms not given as figures"


def _strike_context(kb: KnowledgeBase, f: Figure) -> str:
    strikes = kb.get_many("strike", f.strike_ids)
    if not strikes:
        over = ""
        if f.period_start and f.period_end:
            over = f" over {fmt_range(f.period_start, f.period_end)}"
        return over
    part = ""
    if f.period_start and f.period_end and _shorter_than(f, strikes):
        part = f" on {fmt_range(f.period_start, f.period_end)} only (part of"  # e.g. a first-day count
    if len(strikes) == 1:
        s = strikes[0]
        ctx = f" the {_who(kb, s)} strike, {span(s.start, s.end)}"
    else:
        ctx = " the strikes of " + "; ".join(f"{_who(kb, s)} {fmt_range(s.start, s.end)}" for s in strikes)
    return f"{part}{ctx})" if part else f" during{ctx}"


def _shorter_than(f: Figure, strikes: list[Strike]) -> bool:
    """True when the figure's period leaves out days of the strikes it measures."""
    return bool(f.period_start and f.period_end) and (
        f.period_start.local_first.date() > min(s.start.local_first.date() for s in strikes)  # type: ignore[union-attr]
        or f.period_end.local_last.date() < max(s.end.local_last.date() for s in strikes))  # type: ignore[union-attr]


def _metric_text(kb: KnowledgeBase, f: Figure) -> str:
    """What a figure counts ('appointments rescheduled'); a count of strikers names the union that gave it
    ('staff on strike (Unison members)'), since it is that union's members, not everyone on strike."""
    metric = METRIC_TEXT.get(f.metric, f.metric.replace("_", " "))
    if f.metric == "strikers" and f.unions:
        orgs = kb.organisations()
        metric += " (" + " and ".join(org_label(orgs.get(x), x) for x in f.unions) + " members)"
    return metric


def figure_line(kb: KnowledgeBase, f: Figure) -> str:
    """'196,225 appointments rescheduled in acute hospital trusts (…), England, during … (as of …; NHS England).'"""
    where = SETTING_TEXT.get(f.setting, f.setting)
    metric = _metric_text(kb, f)
    scope = f" in {where}" if f.metric == "appointments_rescheduled" else ""
    claim = ""
    if f.claimed_by:
        org = kb.organisations().get(f.claimed_by)
        claim = f" — the {org_label(org, f.claimed_by)}'s own claim, not an official figure"
    line = (f"{value_text(f)} {metric}{scope}, {f.area}{_strike_context(kb, f)}{claim} "
            f"(as of {fmt_partial(f.as_of, weekday=False)}; {f.source.publisher}).")
    return line[:1].upper() + line[1:]  # it starts a line or a bullet ('More than 4,000 …')


def figure_rank(f, area: str = "England", *, one_strike: bool = False) -> tuple:  # noqa: ANN001
    """Sort key for listing figures (a Figure or its catalog key): the headline first, i.e. the area asked
    about (England unless the question names another, such as London), the main source's version, acute
    trusts, (with `one_strike`, when one strike is asked about) a figure for that strike alone before one
    summed over several, an exact count, then the largest value."""
    return (f.area.lower() != area.lower(), f.variant_of != "", f.setting != "acute",
            one_strike and len(f.strike_ids) > 1, f.qualifier != "exact", -f.value)


def asked_area(u, areas: list[str]) -> str:  # noqa: ANN001
    """The area among `areas` that the question names ('London'), else 'England'."""
    return next((a for a in areas if a.lower() != "england" and f" {a.lower()} " in f" {u.norm} "), "England")


def figures_text(kb: KnowledgeBase, figs: list[Figure], u, now: datetime, *, lead: str = "",  # noqa: ANN001
                 more: int = 0) -> str:
    """Per-strike figures, the headline first (acute, exact, England), others each with scope and source;
    `more` = how many further matching figures were left out (the reply says so and how to narrow)."""
    area = asked_area(u, [f.area for f in figs]) if u is not None else "England"
    one = u is not None and not u.has("plural_strikes")
    figs = sorted(figs, key=lambda f: figure_rank(f, area, one_strike=one))
    head, rest = figs[0], figs[1:]
    text = (f"{lead}: " if lead else "") + figure_line(kb, head)
    if rest:
        text += "\nAlso reported:\n" + "\n".join(f"• {figure_line(kb, f)}" for f in rest)
    if more > 0:
        text += (f"\n…and {more} more figure{'s' if more != 1 else ''} for other strikes or settings in that "
                 "period. Name the strike (month and union or staff group) to see its figures.")
    return text + sources_block(list(figs), now)


def cumulative_text(kb: KnowledgeBase, group: list[Figure], newer: list[Figure], u, now: datetime) -> str:  # noqa: ANN001
    """Running totals as of one release, each with scope and source; a newer total known at `now` noted."""
    head, rest = group[0], group[1:]
    text = f"Running total since the strikes began: {value_text(head)} appointments rescheduled in " \
           f"{SETTING_TEXT.get(head.setting)}, {head.area}, as of {fmt_partial(head.as_of, weekday=False)} " \
           f"({head.source.publisher})."
    text += _same_time_lines(head, rest)
    if newer:
        n = newer[0]
        text += (f"\nSuperseded: a newer total of {value_text(n)} (as of "
                 f"{fmt_partial(n.as_of, weekday=False)}, {n.source.publisher}) is also known.")
    return text + sources_block([*group, *newer], now)


def _same_time_lines(head: Figure, others: list[Figure]) -> str:
    """'Other totals from the same time:' bullets, each saying why it differs from `head` ('' for none)."""
    if not others:
        return ""
    return "\nOther totals from the same time:\n" + "\n".join(
        f"• {value_text(o)} — {SETTING_TEXT.get(o.setting)}, as of {fmt_partial(o.as_of, weekday=False)} "
        f"({o.source.publisher}; {_why_different(head, o)})" for o in others)


def _why_different(head: Figure, f: Figure) -> str:
    """Why a total from the same release differs from the headline: another setting, or the same count as
    another source (or version of the release) gives it."""
    if f.area != head.area:
        return f"covers {f.area} only"
    if f.as_of.text != head.as_of.text and not (f.variant_of == head.id or head.variant_of == f.id):
        return "a total published on another day"
    if f.setting == "not_stated":
        return "the source does not say which settings it counts"
    if f.setting != head.setting:
        return "counts a different setting"
    return "same setting, as another source or version of the release gives it"


def passed_text(kb: KnowledgeBase, f: Figure, threshold: float, now: datetime,
                others: list[Figure] | None = None) -> str:
    """When a running total first passed a threshold, with the other totals of the same release beside it
    (another setting or source may not have passed it: 531,000 all settings vs 483,085 acute)."""
    others = others or []
    text = (f"The running total first passed {fmt_count(threshold)} in the figures published "
            f"{fmt_partial(f.as_of)}: {value_text(f)} appointments rescheduled in {SETTING_TEXT.get(f.setting)}, "
            f"{f.area}{_strike_context(kb, f)}.")
    return text + _same_time_lines(f, others) + sources_block([f, *others], now)


def not_passed_text(kb: KnowledgeBase, f: Figure, threshold: float, now: datetime) -> str:
    """No known total reaches the threshold."""
    return (f"No total in my knowledge base reaches {fmt_count(threshold)}. The latest known is {value_text(f)} "
            f"(as of {fmt_partial(f.as_of, weekday=False)}).") + sources_block([f], now)


def statements_text(kb: KnowledgeBase, st: list[Statement]) -> str:
    """Paraphrased statements with speaker, role and date (curators' paraphrase; not quotes)."""
    lines = [f"{s.speaker} ({s.role}), {fmt_partial(s.date, weekday=False)}: {s.paraphrase} (paraphrased)"
             for s in st]
    return "\n".join(("• " + x) if len(lines) > 1 else x for x in lines) + sources_block(list(st))


def faq_text(q: Faq, now: datetime | None = None) -> str:
    """A curated FAQ answer with its source (marked when published after `now`: FAQs are background, kept
    for past dates too, but the reader should see the source is later)."""
    return q.answer + sources_block([q], now)


# Words that tie a question to the moment asked and that the engine's order words (next, latest, current, now …,
# knowledge/vocabulary.csv) do not already mark. A candidate for a vocabulary class of its own.
NOW_WORDS = re.compile(r"\b(so far|to date|open|still|yet|any more|anymore)\b")


def depends_on_now(u) -> bool:  # noqa: ANN001 - an answering.Understanding
    """True when the answer to question `u` depends on the moment asked (next, latest, open, this week, so far …)
    and the question names no date of its own ('the latest total in 2023' does not)."""
    if u.has_when():
        return False
    return bool(u.order in ("next", "latest", "last") or u.this_week
                or u.intent in ("next_strike", "cumulative_total", "ballot_deadline") or NOW_WORDS.search(u.norm))


def currency_note(kb: KnowledgeBase, u, now: datetime) -> str:  # noqa: ANN001
    """The one short line saying how far the knowledge runs: only for a question that depends on now
    (`depends_on_now`) asked more than CURRENCY_GRACE after the curated-through date (the newest figure's as-of
    date for a knowledge base without one). '' otherwise: no other reply carries it."""
    through = kb.curated_through() or kb.newest_as_of()
    if through is None or now - through.last <= CURRENCY_GRACE or not depends_on_now(u):
        return ""
    return f"\nMy knowledge runs to {fmt_partial(through, weekday=False)}."


def coverage_years(kb: KnowledgeBase) -> tuple[int, int]:
    """First and last year with facts (strike starts and figure as-of dates)."""
    return kb.cached("coverage_years", lambda: kb.year_range() or (2022, 2025))


ANSWER_TYPE_TEXT = {"date": "when", "duration": "how long", "count": "how many", "percentage": "what share",
                    "who": "who", "why": "why", "where": "where", "nations": "which nations", "advice": "what to do", "rule": "the rules",
                    "status": "whether it is going ahead", "terms": "the terms"}


def same_percent(asked: float, held: float) -> bool:
    """True when a percentage named in a question means a curated one: equal, or a whole number naming a rounded
    figure ('the 22% offer' is the 22.3% one; 'the 5.5% award' is only 5.5%)."""
    return abs(asked - held) < 0.01 or (float(asked).is_integer() and round(held) == asked)


def part_not_known(types: list[str]) -> str:
    """One line naming the parts of a compound question the reply does not answer ('why' …)."""
    parts = " or ".join(f"'{ANSWER_TYPE_TEXT.get(t, t)}'" for t in types)
    return f"I hold no sourced answer to the {parts} part of your question."


def months_not_known(months: list[int]) -> str:
    """One line naming the months of a compound question the reply has no fact for."""
    from bot.matching import MONTHS

    names: dict[int, str] = {}
    for m, i in MONTHS.items():  # full names come first
        names.setdefault(i, m.capitalize())
    return "I hold no sourced answer for " + " or ".join(names.get(m, str(m)) for m in months) + "."


def before_coverage(kb: KnowledgeBase, start: datetime, now: datetime) -> str:
    """Decline for a moment before the knowledge base's coverage begins."""
    return (f"My knowledge base starts with the NHS disputes of {start.astimezone(LONDON).year}; I hold nothing "
            f"for {fmt_partial(_at(now), weekday=False)}. {COVERAGE}.")


def unknown_topic(kb: KnowledgeBase, words: list[str]) -> str:
    """Decline for a question about something no curated fact mentions (the words are the asker's own)."""
    what = ", ".join(f"'{w}'" for w in words[:3])
    return f"I don't hold any sourced facts about {what}. {COVERAGE}."


def help_text(kb: KnowledgeBase) -> str:
    """What to ask."""
    return (f"Ask me a question in your own words. {COVERAGE}. For example: when is the next strike, "
            "when does a ballot close, how many appointments a strike rescheduled, or the latest totals.")


def not_confident(kb: KnowledgeBase) -> str:
    """Honest decline when no fact fits well enough."""
    return f"I don't have a sourced answer I'm confident in for that. {COVERAGE}."


def not_covered(kb: KnowledgeBase, names: list[str]) -> str:
    """Decline for a union, staff group or nation the knowledge base does not cover."""
    what = ", ".join(dict.fromkeys(n for n in names))
    return f"I don't hold facts about {what}. {COVERAGE}."


def out_of_scope(kb: KnowledgeBase, *, medical: bool = False) -> str:
    """Decline for questions outside NHS industrial action (other sectors, medical advice, chit-chat)."""
    extra = " For medical advice, contact NHS 111 (or 999 in an emergency)." if medical else ""
    return f"That's outside what I cover. {COVERAGE}.{extra}"


def outside_years(kb: KnowledgeBase, first: int, last: int) -> str:
    """Decline for years outside the coverage."""
    return f"My knowledge base covers {first} to {last}; I have nothing for that year. {COVERAGE}."


__all__ = ["month_year"]


# ---- headline first (issue 12): one line that answers on its own, the rest as detail ----------------------------

HEADLINE_MAX = 200  # characters: a headline reads whole on a phone, in a notification and in Slack's preview
SHORT_SETTING = {"acute": "acute hospitals", "mental_health": "mental health services",
                 "community": "community services", "non_acute": "mental health, learning disability and community "
                 "services", "all_settings": "all settings", "not_stated": ""}
_CLOCK = re.compile(r" \(from \d\d:\d\d [^)]*\)")  # '(from 07:00 Tuesday 11 April 2023 to …)': detail, not headline


def _short_group(kb: KnowledgeBase, ids: tuple[str, ...]) -> str:
    groups = kb.staff_groups()
    names = [re.sub(r" \(.*\)$", "", groups[g].name) if g in groups else g for g in ids]
    return " and ".join(dict.fromkeys(n[:1].lower() + n[1:] for n in names))


def figure_headline(kb: KnowledgeBase, f: Figure) -> tuple[str, str]:
    """('196,225 appointments rescheduled in acute hospitals, England, in the junior doctors strike of 11–15
    April 2023 (as of 17 April 2023).', '196,225'): the figure, what it counts, where, which strike, as of when."""
    value = value_text(f)
    metric = _metric_text(kb, f)
    where = SHORT_SETTING.get(f.setting, "")
    scope = f" in {where}" if where and f.metric == "appointments_rescheduled" else ""
    strikes = kb.get_many("strike", f.strike_ids)
    if len(strikes) == 1:
        s = strikes[0]
        ctx = f", in the {_short_group(kb, s.staff_groups)} strike of {fmt_range(_day(s.start), _day(s.end))}"
    elif strikes:
        ctx = f", over {len(strikes)} strikes from {fmt_range(_day(strikes[0].start), _day(strikes[-1].end))}"
    else:
        ctx = f", {fmt_range(f.period_start, f.period_end)}" if f.period_start and f.period_end else ""
    claim = ""
    if f.claimed_by:
        org = kb.organisations().get(f.claimed_by)
        claim = f" (the {org_label(org, f.claimed_by)}'s own claim)"
    text = f"{value} {metric}{scope}, {f.area}{ctx}{claim} (as of {fmt_partial(f.as_of, weekday=False)})."
    if f.cumulative and f.metric == "appointments_rescheduled":
        text = "Running total: " + text
    return text[:1].upper() + text[1:], value


def ballot_headline(kb: KnowledgeBase, b: Ballot, now: datetime | None) -> tuple[str, str]:
    """('RCN nurses: consultation on the March 2023 pay offer — rejected, 54% in favour; turnout 61% (14 April
    2023).', 'rejected, 54% in favour'): who voted, on what, the result and turnout, when it was announced."""
    if not (b.result_known_from and (now is None or b.result_known_from.last <= now) and b.outcome):
        return "", ""
    key = OUTCOME_SHORT.get(b.outcome, b.outcome)
    if b.outcome_pct is not None:
        key += f", {fmt_pct(b.outcome_pct)} in favour"
    turnout = f"; turnout {fmt_pct(b.turnout_pct)}" if b.turnout_pct is not None else ""
    when = f" ({fmt_partial(b.result_known_from, weekday=False)})"
    text = f"{_ballot_who(kb, b)}: {PURPOSE_TEXT[b.purpose]} on {b.subject} — {key}{turnout}{when}."
    return text, key


OUTCOME_SHORT = {"accept": "accepted", "reject": "rejected", "mandate": "strike mandate won",
                 "no_mandate": "no strike mandate", "for_action": "backed action (no legal mandate)",
                 "pending": "result pending"}


def compact_line(line: str) -> str:
    """A reply's line made headline-sized: clock-time detail dropped, then cut at a word boundary to at most
    HEADLINE_MAX characters with '…' (never mid-word)."""
    out = _CLOCK.sub("", line.strip().lstrip("• "))
    if len(out) <= HEADLINE_MAX:
        return out
    cut = out[: HEADLINE_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return cut + "…"


def headline_and_detail(kb: KnowledgeBase, facts: list[Fact], body: str,
                        now: datetime | None = None) -> tuple[str, str, str]:
    """(headline, detail, emphasis) of a reply: the headline answers on its own in at most HEADLINE_MAX
    characters (a figure reply's from its typed columns; otherwise the body's first line, or for a list its
    first item and how many more, compacted); the detail is every line of the body the headline does not
    already say in full, so nothing is lost behind 'More'. `emphasis` is the headline's key figure or date."""
    lines = [x for x in body.split("\n") if x.strip()]
    if not lines:
        return "", "", ""
    head = facts[0] if facts else None
    if isinstance(head, Figure):
        text, emphasis = figure_headline(kb, head)
        if len(text) <= HEADLINE_MAX:
            return text, "\n".join(lines), emphasis
    if isinstance(head, Ballot) and not lines[0].startswith(("The ", "No open")):  # a result, not a deadline
        text, emphasis = ballot_headline(kb, head, now)
        if text and len(text) <= HEADLINE_MAX:
            return text, "\n".join(lines), emphasis
    first = lines[0]
    bullets = [x for x in lines[1:] if x.startswith("• ")]
    if first.endswith(":") and bullets:
        more = f" (+{len(bullets) - 1} more)" if len(bullets) > 1 else ""
        text = compact_line(f"{first} {bullets[0][2:]}")
        text = text if len(text) + len(more) <= HEADLINE_MAX else compact_line(text[: HEADLINE_MAX - len(more)])
        return text + more, "\n".join(lines[1:]), ""
    text = compact_line(first)
    rest = lines[1:] if text == first.strip() else lines
    return text, "\n".join(rest), ""
