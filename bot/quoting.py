"""Quote-ready sentences: one house-style sentence with attribution, built from an Answer's matched fact.

Pure and Slack-free (used by the "Copy for a story" button and `strikebot ask --quote`). Every number and date
comes from typed columns (value, qualifier, setting, strike dates, percentages), never from the engine's wording,
so the sentence stays right whatever the answer text says. The attribution names who produced the number: the
organisation when a figure is its own claim, else an official source's publisher ("NHS England figures show …"),
else the reporting outlet ("According to PA Media, …").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import fmt_count, fmt_gbp, fmt_partial, fmt_pct
from bot.composing import QUALIFIER, published_by
from bot.digest import day_range
from bot.knowledge import KnowledgeBase
from bot.models import NATION_NAMES, Answer, Ballot, Fact, Figure, Source, Strike
from bot.phrasings import Names, org_label

WHERE = {"acute": "in acute hospitals", "mental_health": "in mental health services",
         "community": "in community health services", "non_acute": "outside acute hospitals",
         "all_settings": "across NHS hospital, mental health and community services", "not_stated": ""}
# how each metric reads in a sentence: {v} value, {where} setting and area, {when} ' during the … strike of …',
# {what} the strike itself ('the junior doctors' strike of …'); anything else uses the generic last entry
METRIC_SENTENCE = {
    "appointments_rescheduled": "{v} appointments were rescheduled{where}{when}",
    "staff_absent_peak": "{v} staff were absent at the peak{where}{when}",
    "staff_absent_daily_avg": "{v} staff were absent on an average day{where}{when}",
    "planned_care_delivered_pct": "{v} of planned care went ahead{where}{when}",
    "strikers": "{v} staff were on strike{where}{when}",
    "": "the {noun}{where}{when} was {v}",
}
CHOICE = {"accept": "accepted", "reject": "rejected", "mandate": "backed strike action"}
ARTICLE_WORDS = ("Association", "College", "Union", "Society", "Department", "Government")


@dataclass(frozen=True)
class Quote:
    """A sentence ready to paste into a story (`text`, plain, no markup) and the `source` it rests on."""

    text: str
    source: Source


def quote_for(ans: Answer, kb: KnowledgeBase, now: datetime) -> Quote | None:
    """The quote for `ans`'s matched fact (a figure, strike or ballot result), or None when there is nothing
    quotable (a decline, a background answer, an offer, a statement). `kb` only names strikes, unions and staff
    groups; `now` (aware) sets the tense; the Answer's `sources` (public at the moment asked) bound which source may be credited."""
    if ans.status != "answered" or ans.matched is None:
        return None
    fact = next((f for f in ans.facts if getattr(f, "id", None) == ans.matched.fact_id), None)
    names = Names(kb)
    if isinstance(fact, Figure):
        return _figure(fact, ans, kb, names, now)
    if isinstance(fact, Strike):
        return _strike(fact, ans, names, now)
    if isinstance(fact, Ballot) and fact.outcome in CHOICE and fact.outcome_pct is not None:
        return _ballot(fact, ans, names, now)
    return None


def _official(fact: Fact, now: datetime) -> Source | None:
    """The first official source of `fact` already published at `now`."""
    for s in (fact.source, *getattr(fact, "other_sources", ())):
        if s.kind == "official" and published_by(s, now):
            return s
    return None


def _publisher(s: Source) -> str:
    """'NHS England via WiredGov' -> 'NHS England'; 'British Medical Association' -> 'the British Medical
    Association' (who published it first, ready to follow 'according to')."""
    name = s.publisher.split(" via ", 1)[0].strip()
    if name.startswith(("British ", "Royal ")) or name.split(" ")[-1] in ARTICLE_WORDS:
        return "the " + name
    return name


def _possessive(groups: list[str]) -> str:
    """['junior doctors'] -> "junior doctors'"; ['consultants', 'junior doctors'] -> "consultants' and junior
    doctors'"."""
    return " and ".join(g + ("'" if g.endswith("s") else "'s") for g in groups)


def _group_words(names: Names, ids: tuple[str, ...]) -> list[str]:
    """Staff-group names for running text: 'Junior doctors (resident doctors)' -> 'junior doctors'."""
    out = []
    for i in ids:
        g = names.groups.get(i)
        name = (g.name if g else i.replace("_", " ")).split(" (", 1)[0]
        out.append(name if name.isupper() or name[:2].isupper() else name[:1].lower() + name[1:])
    return list(dict.fromkeys(out))


def _strike_words(strikes: list[Strike], names: Names) -> str:
    """"the junior doctors' strike of 11–15 April 2023" (or 'strikes of … and …' for several)."""
    groups = _group_words(names, tuple(g for s in strikes for g in s.staff_groups))
    spans = " and ".join(day_range(s.start, s.end) for s in strikes)
    plural = "strikes" if len(strikes) > 1 else "strike"
    return f"the {_possessive(groups)} {plural} of {spans}"


def _figure(f: Figure, ans: Answer, kb: KnowledgeBase, names: Names, now: datetime) -> Quote | None:
    strikes = kb.get_many("strike", f.strike_ids) if f.strike_ids else []
    when = f" during {_strike_words(strikes, names)}" if strikes else ""
    if not strikes and f.period_start and f.period_end:
        when = (f" from {fmt_partial(f.period_start, weekday=False)} to "
                f"{fmt_partial(f.period_end, weekday=False)}")
    where = (" " + WHERE[f.setting]) if WHERE.get(f.setting) else ""
    official = None if f.claimed_by else _official(f, now)
    source = official or f.source
    if f.claimed_by:
        lead = f"The {org_label(names.orgs.get(f.claimed_by), f.claimed_by)} says "
    else:
        lead = f"{_publisher(source)[:1].upper()}{_publisher(source)[1:]} figures show " if official else \
            f"According to {_publisher(source)}, "
    if f.area and not (official and f.area == "England" and "England" in source.publisher):
        where += f" in {f.area}"
    value = QUALIFIER.get(f.qualifier, "") + _value(f)
    template = METRIC_SENTENCE.get(f.metric, METRIC_SENTENCE[""])
    if f.metric == "cost" and strikes:
        body = f"{_strike_words(strikes, names)} cost {value}"
    else:
        body = template.format(v=value, where=where, when=when, noun=f.metric.replace("_", " "))
    if f.cumulative:
        body += f" (a running total, as of {fmt_partial(f.as_of, weekday=False)})"
    return Quote(_sentence(lead + body), source)


def _value(f: Figure) -> str:
    if f.unit == "percent":
        return fmt_pct(f.value)
    if f.unit == "gbp":
        return fmt_gbp(f.value)
    if f.unit in ("days", "hours"):
        return f"{fmt_count(f.value)} {f.unit}"
    return fmt_count(f.value)


def _nations(ids: tuple[str, ...]) -> str:
    words = [NATION_NAMES.get(i, i) for i in ids]
    return " and ".join(words) if len(words) < 3 else ", ".join(words[:-1]) + " and " + words[-1]


def _strike(s: Strike, ans: Answer, names: Names, now: datetime) -> Quote:
    groups = " and ".join(_group_words(names, s.staff_groups))
    who = f"{names.unions(s.unions)} {groups}"
    where = f" in {_nations(s.nations)}" if s.nations else ""
    source = _official(s, now) or s.source
    if s.status == "called_off":
        verb = "called off the strike planned for"
    elif s.end.last <= now:
        verb = "were on strike on" if s.start.local_first.date() == s.end.local_last.date() else "were on strike"
    else:
        verb = "are due to strike on" if s.start.local_first.date() == s.end.local_last.date() else \
            "are due to strike"
    text = f"According to {_publisher(source)}, {who}{where} {verb} {day_range(s.start, s.end)}"
    return Quote(_sentence(text), source)


def _ballot(b: Ballot, ans: Answer, names: Names, now: datetime) -> Quote:
    union = org_label(names.orgs.get(b.union), b.union)
    groups = " and ".join(_group_words(names, (b.staff_group,)))
    turnout = f", on a turnout of {fmt_pct(b.turnout_pct)}" if b.turnout_pct is not None else ""
    when = f" (announced {fmt_partial(b.announced, weekday=False)})" if b.announced else ""
    source = _official(b, now) or b.source
    subject = f" {b.subject}" if b.outcome in ("accept", "reject") else ""
    text = (f"According to {_publisher(source)}, {fmt_pct(b.outcome_pct)} of {union} {groups} who voted "
            f"{CHOICE[b.outcome]}{subject}{turnout}{when}")
    return Quote(_sentence(text), source)


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
