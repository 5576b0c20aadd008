"""Questions each fact answers, and the searchable text behind them.

The build stores these in the `docs` table (FTS5-indexed); the answering core uses the same phrasings to
score candidates and to suggest "questions I can answer" when it declines. Generated from typed columns, so a
suggestion never promises a fact the knowledge base lacks.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.clock import PartialDate, to_utc_iso
from bot.knowledge import KnowledgeBase
from bot.models import Ballot, Faq, Figure, Offer, Organisation, StaffGroup, Statement, Strike

METRIC_WORDS = {
    "appointments_rescheduled": "appointments rescheduled postponed cancelled operations procedures",
    "staff_absent_peak": "staff absent off work peak",
    "staff_absent_daily_avg": "staff absent off work average per day daily",
    "planned_care_delivered_pct": "planned care delivered maintained share",
    "cost": "cost money spent bill",
    "strike_days": "strike days number of days",
    "strikers": "strikers number striking doctors taking part",
}
PURPOSE_WORDS = {
    "statutory_strike_ballot": "strike ballot industrial action vote mandate",
    "pay_offer_consultation": "pay offer consultation vote",
    "indicative_poll": "indicative poll vote",
    "referendum": "referendum vote",
}


def org_label(org: Organisation | None, fallback: str = "") -> str:
    """Short display name: 'RCN', 'BMA', 'Unite' (acronym alias for long names)."""
    if org is None:
        return fallback
    if len(org.name) <= 12:
        return org.name
    for word in org.name.split():  # 'Unite the Union' -> 'Unite'
        if word.lower() in org.aliases:
            return word
    for alias in org.aliases:
        if " " not in alias and 2 <= len(alias) <= 5:
            return alias.upper()
    return org.name


PROPER_NOUN_STARTS = ("Agenda",)  # 'Agenda for Change staff' names a pay system: keep its capital


def group_label(group: StaffGroup | None, fallback: str = "") -> str:
    """Display name of a staff group in running text: 'Junior doctors (resident doctors)' -> 'junior doctors
    (resident doctors)'. Names that start with an acronym ('GPs') or a proper noun ('Agenda for Change staff')
    keep their capital."""
    if group is None:
        return fallback
    first = group.name.split(" ", 1)[0]
    if first[1:].islower() and first not in PROPER_NOUN_STARTS:
        return group.name[0].lower() + group.name[1:]
    return group.name


def month_year(p: PartialDate | None) -> str:
    """'April 2023' (or '2023' for a year-only date; '' for None)."""
    if p is None:
        return ""
    d = p.local_first
    return str(d.year) if p.precision == "year" else f"{d:%B %Y}"


class Names:
    """Labels for ids, looked up once per knowledge-base version."""

    def __init__(self, kb: KnowledgeBase):
        self.orgs = kb.organisations()
        self.groups = kb.staff_groups()

    def unions(self, ids: tuple[str, ...]) -> str:
        """'RCN and Unite'."""
        labels = [org_label(self.orgs.get(i), i) for i in ids]
        return " and ".join(labels) if len(labels) < 3 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def groups_text(self, ids: tuple[str, ...]) -> str:
        """'junior doctors and consultants'."""
        labels = [group_label(self.groups.get(i), i) for i in ids]
        return " and ".join(labels) if len(labels) < 3 else ", ".join(labels[:-1]) + " and " + labels[-1]

    def aliases(self, union_ids: tuple[str, ...], group_ids: tuple[str, ...]) -> str:
        """Every name and alias of the given unions and groups, for the search body."""
        words: list[str] = []
        for i in union_ids:
            o = self.orgs.get(i)
            if o:
                words += [o.name, *o.aliases]
        for i in group_ids:
            g = self.groups.get(i)
            if g:
                words += [g.name, *g.aliases]
        return " ".join(words)


def strike_questions(s: Strike, n: Names) -> list[str]:
    """Questions a strike row answers."""
    who, grp, when = n.unions(s.unions), n.groups_text(s.staff_groups), month_year(s.start)
    return [f"When was the {who} {grp} strike in {when}?", f"How long was the {grp} strike in {when}?",
            f"When did {grp} strike in {when}?"]


def ballot_questions(b: Ballot, n: Names) -> list[str]:
    """Questions a ballot row answers."""
    who = org_label(n.orgs.get(b.union), b.union)
    when = month_year(b.closes or b.announced)
    return [f"What was the result of the {who} ballot on {b.subject}?",
            f"When does the {who} ballot on {b.subject} close?",
            f"What was the turnout in the {who} {n.groups_text((b.staff_group,))} vote in {when}?"]


def offer_questions(o: Offer, n: Names) -> list[str]:
    """Questions an offer row answers."""
    grp = n.groups_text(o.staff_groups)
    return [f"What pay offer did {grp} get in {month_year(o.date)}?",
            f"What was the pay rise for {grp} in {' and '.join(o.pay_years) or month_year(o.date)}?"]


def figure_questions(f: Figure, n: Names, strikes: dict[str, Strike]) -> list[str]:
    """Questions a figure row answers."""
    st = [strikes[i] for i in f.strike_ids if i in strikes]
    grp = n.groups_text(tuple(dict.fromkeys(g for s in st for g in s.staff_groups))) or n.groups_text(f.staff_groups)
    when = month_year(st[0].start) if st else month_year(f.period_start or f.as_of)
    if f.metric == "appointments_rescheduled" and f.cumulative:
        return [f"What was the total number of rescheduled appointments as of {month_year(f.as_of)}?",
                "What is the latest total of rescheduled appointments?"]
    if f.metric == "appointments_rescheduled":
        where = {"mental_health": "mental health ", "community": "community "}.get(f.setting, "")
        return [f"How many {where}appointments were rescheduled in the {grp} strike in {when}?".replace("  ", " ")]
    if f.metric.startswith("staff_absent"):
        return [f"How many staff were absent during the {grp} strike in {when}?"]
    if f.metric == "planned_care_delivered_pct":
        return [f"How much planned care was delivered during the {grp} strike in {when}?"]
    if f.metric == "cost":
        return [f"How much have the strikes cost, as of {month_year(f.as_of)}?"]
    return []  # strikers, strike days: held and cited, but no question is answered with them yet


def statement_questions(s: Statement, n: Names) -> list[str]:
    """Questions a statement row answers."""
    return [f"What did {s.speaker} say in {month_year(s.date)}?", f"Who is {s.speaker}?"]


def _wrap(ids: tuple[str, ...]) -> str:
    return ";" + ";".join(ids) + ";" if ids else ""


def index_documents(kb: KnowledgeBase) -> Iterator[dict]:
    """Yield one `docs` row per fact: phrasings, searchable body, entities and time span (UTC ISO)."""
    n = Names(kb)
    strikes = {s.id: s for s in kb.all("strike")}
    for s in strikes.values():
        yield _doc("strike", s.id, strike_questions(s, n),
                   [s.summary, s.scope, n.aliases(s.unions, s.staff_groups), month_year(s.start), "strike walkout"],
                   s.unions, s.staff_groups, s.nations, s.start.first, s.end.last, None)
    for b in kb.all("ballot"):
        first = b.opens or b.closes or b.announced
        last = b.closes or b.announced or b.opens
        yield _doc("ballot", b.id, ballot_questions(b, n),
                   [b.summary, b.subject, PURPOSE_WORDS[b.purpose], n.aliases((b.union,), (b.staff_group,)),
                    month_year(last), b.outcome],
                   (b.union,), (b.staff_group,), b.nations, first.first if first else None,
                   last.last if last else None, b.result_known_from.last if b.result_known_from else None)
    for o in kb.all("offer"):
        yield _doc("offer", o.id, offer_questions(o, n),
                   [o.summary, "pay offer award rise deal", n.aliases(o.unions, o.staff_groups), month_year(o.date),
                    " ".join(o.pay_years)],
                   o.unions, o.staff_groups, o.nations, o.date.first, o.date.last, o.date.last)
    for f in kb.all("figure"):
        st = [strikes[i] for i in f.strike_ids if i in strikes]
        unions = tuple(dict.fromkeys(f.unions + tuple(u for s in st for u in s.unions)))
        groups = tuple(dict.fromkeys(f.staff_groups + tuple(g for s in st for g in s.staff_groups)))
        first = min((s.start.first for s in st), default=(f.period_start or f.as_of).first)
        last = max((s.end.last for s in st), default=(f.period_end or f.as_of).last)
        yield _doc("figure", f.id, figure_questions(f, n, strikes),
                   [f.summary, METRIC_WORDS.get(f.metric, ""), f.setting.replace("_", " "), f.area,
                    n.aliases(unions, groups), " ".join(month_year(s.start) for s in st),
                    "cumulative total" if f.cumulative else ""],
                   unions, groups, ("england",), first, last, f.as_of.last,
                   metric=f.metric, setting=f.setting, cumulative=f.cumulative, area=f.area)
    for s in kb.all("statement"):
        yield _doc("statement", s.id, statement_questions(s, n),
                   [s.paraphrase, s.speaker, s.role, month_year(s.date), "said say statement"],
                   (s.organisation,) if s.organisation else (), (), (), s.date.first, s.date.last, s.date.last)
    for q in kb.all("faq"):
        yield _doc("faq", q.id, [q.question, *q.phrasings], [q.answer], (), (), (), None, None, None)


def _doc(kind: str, fid: str, phrasings: list[str], body: list[str], unions: tuple[str, ...],
         groups: tuple[str, ...], nations: tuple[str, ...], first, last, known, *, metric: str = "",  # noqa: ANN001
         setting: str = "", cumulative: bool = False, area: str = "") -> dict:
    return {"kind": kind, "fact_id": fid, "phrasings": "|".join(phrasings),
            "body": " ".join(x for x in body if x), "unions": _wrap(unions), "groups": _wrap(groups),
            "nations": _wrap(nations), "first_utc": to_utc_iso(first), "last_utc": to_utc_iso(last),
            "known_utc": to_utc_iso(known), "metric": metric, "setting": setting, "cumulative": int(cumulative),
            "area": area}


def faq_question(q: Faq) -> str:
    """The canonical question of an FAQ (for suggestions)."""
    return q.question
