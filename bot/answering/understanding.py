"""Understanding a question: the one reader of the question text.

`understand(question, kb, now)` returns an `Understanding`: normalised text, intent, answer type asked, entities, time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.answering.vocabulary import Vocabulary
from bot.clock import LONDON
from bot.knowledge import KnowledgeBase
from bot.matching import MONTHS, NATIONS, AliasIndex, build_alias_index, normalise, stem_text


@dataclass
class Understanding:
    """What the engine made of a question: normalised text, intent and entities."""

    raw: str
    norm: str
    intent: str = "unknown"
    unions: set[str] = field(default_factory=set)
    bodies: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    uncovered: list[str] = field(default_factory=list)
    nations: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    month: int | None = None
    days: list[int] = field(default_factory=list)
    order: str | None = None
    setting: str | None = None
    metric: str | None = None
    threshold: float | None = None
    this_week: bool = False
    speaker_hits: list[str] = field(default_factory=list)
    faq_like: bool = False
    span: tuple[datetime, datetime] | None = None  # a relative week ('last week'), UTC
    nth: int | None = None  # "the second strike" -> 2
    classes: frozenset[str] = frozenset()  # vocabulary classes with a phrase in the question
    reason_or_place: str = ""  # 'why' or 'where' when the question asks for a reason or a place
    percents: list[float] = field(default_factory=list)  # percentages named ('the 3% offer' -> [3.0])
    answer_types: list[str] = field(default_factory=list)  # kinds of answer asked, the one that decides first
    weak_types: frozenset[str] = frozenset()  # of those, the ones only hinted at ('said', 'result', 'what is')
    ballot_field: str = ""  # what of a ballot is asked: turnout, votes, opens, closes, mandate_expires ('' = result)

    @property
    def answer_type(self) -> str:
        """The kind of answer asked ('date', 'count', 'why' … see vocabulary.ANSWER_TYPES), '' when unclear."""
        return self.answer_types[0] if self.answer_types else ""
    asks_for_appointments: bool = True  # False: a 'how many' question counts something else (patients, hours)

    def has_when(self) -> bool:
        """True when the question names a year, a month or a relative week ('last week')."""
        return bool(self.years or self.month or self.span)

    def has(self, cls: str) -> bool:
        """True when the question holds a phrase of vocabulary class `cls` (knowledge/vocabulary.csv)."""
        return cls in self.classes


def vocabulary(kb: KnowledgeBase) -> Vocabulary:
    """The knowledge base's compiled vocabulary (cached per KB file version)."""
    return kb.cached("vocabulary", lambda: Vocabulary(kb.vocabulary_rows()))


def reason_or_place(kb: KnowledgeBase, norm: str) -> str:
    """'why' or 'where' when a text (in matching form) asks for a reason or a place, else '': an answer of one
    kind never answers the other ('Where have nurses voted to strike?' is not 'Why did nurses strike?')."""
    return vocabulary(kb).first_value("reason_place", norm) or ""


def text_form(kb: KnowledgeBase, text: str) -> str:
    """A curated text in the form questions are matched in: normalised, synonyms folded (memoised per KB)."""
    memo: dict[str, str] = kb.cached("text_forms", dict)
    out = memo.get(text)
    if out is None:
        out = memo[text] = vocabulary(kb).fold(normalise(text), fuzzy=False)
    return out



def alias_index(kb: KnowledgeBase) -> AliasIndex:
    """Names and aliases of organisations and staff groups from the knowledge base (cached per KB file)."""

    def load() -> AliasIndex:
        entries = [("union", o.id, [o.name, *o.aliases], o.covered) for o in kb.organisations().values()]
        entries += [("group", g.id, [g.name, *g.aliases], g.covered) for g in kb.staff_groups().values()]
        return build_alias_index(entries, form=lambda t: text_form(kb, t))

    return kb.cached("alias_index", load)


def speakers(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Surname (normalised) -> statement speakers containing it (cached)."""

    def load() -> dict[str, set[str]]:
        vocab = vocabulary(kb)
        out: dict[str, set[str]] = {}
        for speaker in kb.speaker_names():
            for person in re.split(r";|\band\b", speaker):
                words = [w for w in normalise(person).split() if not vocab.has("title", w)]
                if words and len(words[-1]) > 2:
                    out.setdefault(words[-1], set()).add(speaker)
        return out

    return kb.cached("speakers", load)


def understand(question: str, kb: KnowledgeBase, now: datetime | None = None) -> Understanding:
    """Normalise `question` and spot its intent and entities (unions, staff groups, nations, dates, order).
    With `now` (aware), relative dates are resolved in Europe/London: last/this/next month or year, and
    last/next week (Monday to Sunday)."""
    vocab = vocabulary(kb)
    norm = vocab.fold(normalise(question), fuzzy=False)
    u = Understanding(question, norm, classes=vocab.classes_in(norm))
    stemmed = stem_text(norm)
    for a in alias_index(kb).find(stemmed):
        if not a.covered:
            names = kb.organisations() if a.kind == "union" else kb.staff_groups()
            u.uncovered.append(names[a.entity_id].name)
        elif a.kind == "union":
            org = kb.organisations()[a.entity_id]
            # NHS bodies and government are speakers and offerers, never a filter on who struck
            (u.unions if org.kind == "union" else u.bodies).add(a.entity_id)
        else:
            u.groups.add(a.entity_id)
    padded = f" {norm} "
    u.nations = {v for k, v in NATIONS.items() if f" {k} " in padded}
    u.years = {int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", norm)}
    for word in norm.split():
        if word in MONTHS and not (word == "may" and not re.search(r"\bmay (19|20)\d\d\b|\bin may\b|\d may\b", norm)):
            u.month = MONTHS[word]
            break
    if u.month:
        u.days = [int(d) for d in re.findall(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b(?= (?:and |to |- )?(?:[0-3]?\d )?"
                                             r"(?:" + "|".join(k for k in MONTHS) + r")\b)", norm)]
    if u.has("most_recent"):
        u.order = "latest"  # "the most recent strike" is the latest one, not the one with the most of anything
    else:
        u.order = vocab.first_value("order", norm)
    nth = re.search(r"\b(second|third|fourth|fifth) (?:\w+ ){0,4}?(strike|walkout)", norm)
    if nth:
        u.nth = {"second": 2, "third": 3, "fourth": 4, "fifth": 5}[nth.group(1)]
    if now is not None:
        _relative_dates(u, now)
    if u.has("this_week"):
        u.this_week = True
        u.order = u.order or "next"
    u.setting = vocab.first_value("setting", norm)
    big = [float(n) for n in re.findall(r"\b(\d{5,})\b", norm)]
    u.threshold = max(big) if big else None
    names = speakers(kb)
    u.speaker_hits = sorted({s for w in norm.split() for s in names.get(w, ())})
    u.intent = _intent(u)
    u.reason_or_place = reason_or_place(kb, norm)
    u.answer_types, u.weak_types = _answer_types(vocab, norm)
    u.ballot_field = _ballot_field(u)
    u.percents = [float(x) for x in re.findall(r"\b(\d+(?:\.\d+)?) percent\b", norm)]
    u.asks_for_appointments = _asks_for_appointments(u)
    u.faq_like = u.has("faq_like") or (u.has("starts_will") and not u.has("will_there")) or (
        u.has("kind_faq") and not u.has("not_faq_like"))
    return u


def _relative_dates(u: Understanding, now: datetime) -> None:
    """Resolve 'last month', 'this year', 'next week' … against `now` (Europe/London) into the question's
    month, years or week span. An explicit month or year in the question wins."""
    local = now.astimezone(LONDON)
    m = re.search(r"\b(last|this|next|previous|coming) (month|year|week)\b", u.norm)
    if not m or (m.group(2) != "week" and u.has_when()):
        return
    step = {"last": -1, "previous": -1, "this": 0, "next": 1, "coming": 1}[m.group(1)]
    if m.group(2) == "year":
        u.years = {local.year + step}
    elif m.group(2) == "month":
        index = local.year * 12 + local.month - 1 + step
        u.years, u.month = {index // 12}, index % 12 + 1
    elif step:  # "this week" keeps its own meaning (strikes under way or due this week)
        monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
        start = monday + timedelta(days=7 * step)
        u.span = (start.astimezone(UTC), (start + timedelta(days=7) - timedelta(microseconds=1)).astimezone(UTC))


def _answer_types(vocab: Vocabulary, norm: str) -> tuple[list[str], frozenset[str]]:
    """The kinds of answer a question asks for, from its `asks` phrases: interrogatives ('when', 'how many',
    'why' …) in the order asked, then the weaker hints ('said', 'result', 'what is') that decide only when no
    interrogative is present. Returns (types, the weak ones among them)."""
    found = [v for _pos, v in vocab.values_in("asks", norm)]
    strong = [v for v in found if not v.endswith(":weak")]
    weak = [v.split(":")[0] for v in found if v.endswith(":weak")]
    types = list(dict.fromkeys(strong + weak))
    return types, frozenset(t for t in weak if t not in strong)


def _ballot_field(u: Understanding) -> str:
    """Which column of a ballot the question asks for: 'votes' (votes cast), 'turnout', 'mandate_expires',
    'opens' or 'closes'; '' for its result. A reply must then show that column, or decline."""
    if u.has("field_votes"):
        return "votes"
    if u.has("field_turnout"):
        return "turnout"
    if u.has("mandate") and (u.has("field_expiry") or u.answer_type in ("date", "duration")):
        return "mandate_expires"
    if u.answer_type == "date" and u.has("field_opens"):
        return "opens"
    if u.answer_type == "date" and u.has("field_closes"):
        return "closes"
    return ""


HOW_MANY_COUNTED = re.compile(
    r"\bhow many (?:(?:\w+ ){0,3}(?:appointments?|appts?|operations?|procedures?|outpatient\w*|inpatient\w*)\b|"
    r"(?:were|was|have|has|had|did|got|are|is|will)\b)")


def _asks_for_appointments(u: Understanding) -> bool:
    """False when a 'how many …' question counts something other than appointments (patients, trusts, hours,
    strikes, per day or on one day of a strike): an appointments figure would answer another question."""
    if u.has("day_part"):
        return False  # per-strike figures cover whole strikes
    return "how many" not in u.norm or bool(HOW_MANY_COUNTED.search(u.norm))


def _intent(u: Understanding) -> str:
    t = u.norm

    def _has(kind: str, _text: str) -> bool:
        return u.has(f"kind_{kind}")

    if not t.strip():
        return "empty"
    if u.speaker_hits and (_has("statement", t) or re.search(r"\bwho is\b", t)):
        return "statement"
    if _has("ballot", t):
        if _has("deadline", t) and re.search(r"\bwhen\b|\bdeadline\b|\buntil\b|\bhow long\b|\bdays\b", t):
            return "ballot_deadline"
        return "ballot_result"
    if u.order == "longest" or (u.order == "most" and _has("figure", t)):
        return "comparison"
    if re.search(r"\bstaff\b.*\b(off|absent|out)\b|\babsent\b|\boff work\b|\bwalked out\b", t) and re.search(
            r"\bhow many\b|\bnumber\b|\bpeak\b|\baverage\b", t):
        return "staff_absent"
    if re.search(r"\bcost\b|\bcosts\b|\bhow much did\b.*\bcost\b", t):
        return "cost"
    if _has("figure", t) and (_has("cumulative", t) or t.strip() in ("latest", "totals", "latest totals")):
        if re.search(r"\bhow many\b.*\b(strike|walkout)\b.*\b(in|on|during)\b", t) and not _has("cumulative", t):
            return "impact_figure"
        return "cumulative_total"
    if _has("figure", t):
        return "impact_figure"
    if (_has("offer", t) or re.search(r"\bwhat (did|do|does|will) .+ (get|got|receive)\b", t)) and not re.search(
            r"\bstrike\b.*\bwhen\b|\bwhen\b.*\bstrike\b", t):
        return "pay_offer"
    if _has("strike", t) or re.search(r"\bwhen\b|\bhow long\b|\bdates?\b", t):
        return "strike_dates"
    if u.speaker_hits:
        return "statement"
    return "faq" if _has("faq", t) else "unknown"

