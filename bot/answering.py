"""The answering core: `answer(question, kb, *, now) -> Answer`.

normalise (bot.matching) → understand (intent and entities) → retrieve (structured lookups over the typed tables,
FTS5 bm25 over curated phrasings) → score (entity agreement, rapidfuzz) → decide (threshold and margin) →
compose (from typed columns only; bot.composing).

Imports neither Slack nor dotenv. "No answer" is a value: `answer()` never raises for bad input.
Calibration of MIN_SCORE and MIN_MARGIN: see docs/calibration.md.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot import composing as C
from bot.catalog import BallotKey, FigureKey, StrikeKey, known_by
from bot.clock import LONDON
from bot.knowledge import KnowledgeBase
from bot.matching import (
    MONTHS,
    NATIONS,
    AliasIndex,
    build_alias_index,
    normalise,
    normalised,
    similarities,
    similarity,
    stem_text,
)
from bot.models import Answer, Fact, Match, Offer

# Decision numbers (0–1). Calibrated on ../shared/eval/dev.jsonl plus tests/eval_extra.jsonl; see
# docs/calibration.md for the sweep and why these values.
MIN_SCORE = 0.62  # best candidate must reach this
MIN_MARGIN = 0.06  # and beat the runner-up (a different answer) by this much
FAQ_VERBATIM = 0.9  # an FAQ phrasing matched this closely wins over a structured intent (not for numbers/dates)
FAQ_MIN = 0.72  # FAQ / free-text path: similarity needed when no structured intent applies
STALE_AFTER = timedelta(days=90)
MAX_STRIKES = 8  # strikes listed in one reply (the most recent when no date is named, else the first)
MAX_FIGURES = 8  # figures listed in one reply; a question matching more (a whole year) is told how to narrow it

KIND_WORDS = {
    "ballot": r"\b(ballot\w*|vote\w*|voting|poll|referendum|consultation|turnout|mandate|accept\w*|reject\w*|"
    r"result|results|recommend\w*|backed|back|support\w*|yes)\b",
    "deadline": r"\b(close|closes|closing|closed|deadline|until|ends?|last day|open|opens|run|runs)\b",
    "offer": r"\b(offer\w*|rise|raise|award\w*|deal|increase|uplift|pay)\b",
    "figure": r"\b(how many|number of|numbers|total|totals|figure|figures|cumulative|appointments|"
    r"rescheduled|operations|procedures|absent|off work|staff off|cost|costs|planned care|impact|disruption|"
    r"tally|count)\b",
    "cumulative": r"\b(total|totals|cumulative|so far|to date|since|overall|altogether|running|pass|passed|"
    r"reach|reached|top|topped|in all|million)\b",
    "strike": r"\b(strike\w*|walk\w*|industrial action|stoppage|action)\b",
    "statement": r"\b(say|said|says|saying|statement|comment\w*|quote\w*|react\w*|respond\w*|warn\w*|told)\b",
    "faq": r"^(why|what is|what are|what does|what do|what s a|what should|should|can|could|do i|does|is it|"
    r"will my|will i|how do|how can|how will|is my|are gp|where)\b",
}
DOMAIN = re.compile(
    r"\b(nhs|strike\w*|walk\w*|industrial|ballot\w*|vote\w*|voting|poll|union\w*|pay|offer|award|appointments?|"
    r"rescheduled|operations|hospital\w*|patients?|a e|111|999|gp|gps|pharmac\w*|mandate|turnout|ambulance\w*|"
    r"doctor\w*|nurse\w*|consultant\w*|paramedic\w*|physio\w*|radiographer\w*|emergency|derogation\w*|"
    r"dispute|picket\w*|health|trust|trusts|absent|agenda for change|afc|staff|totals?|latest|figures?|"
    r"rescheduled|cumulative)\b"
)
# Other sectors and topics the bot does not cover: declined even if a domain word appears.
OFF_SECTOR = re.compile(
    r"\b(teachers?|schools?|rail|railway|train|trains|tube|underground|bus|buses|drivers?|postal|royal mail|"
    r"airports?|border force|civil servants?|universit\w+|lecturers|barristers|firefighters|fire brigade|bin|"
    r"refuse|dockers|port|junior lawyers|lawyers|police|prison|steel|weather|football|premier league|recipe|"
    r"joke|capital of|stock|bitcoin|election results?)\b"
)
# A question about the asker's own situation: answered from an FAQ or not at all.
PERSONAL = re.compile(r"\b(can i|could i|should i|do i|am i|will i|would i|if i m|if i am|if i|will my|is my|are my|"
                      r"if my|my practice|my gp|my hospital|my trust)\b")
# Words that ask for a number: such a question is answered with a figure or declined, never with FAQ prose.
# ("Will my appointment be rescheduled?" has a figure word but asks for advice: it goes to the FAQs.)
NUMERIC = re.compile(r"\b(how many|how much|number of|numbers|total|totals|figures?|tally|count|cumulative|"
                     r"percent|percentage|cost|costs|peak|average)\b")
MEDICAL = re.compile(r"\b(ibuprofen|paracetamol|symptoms?|headache|dose|medicine|medication|diagnos\w*|"
                     r"rash|fever|treat my|cure)\b")
ORDINAL = {"first": "first", "earliest": "first", "next": "next", "upcoming": "next", "coming": "next",
           "future": "next", "last": "last", "latest": "latest", "recent": "latest", "newest": "latest",
           "current": "latest", "now": "latest", "longest": "longest", "biggest": "most", "most": "most",
           "worst": "most", "largest": "most", "highest": "most"}
SETTING_WORDS = {"mental health": "mental_health", "community": "community", "acute": "acute",
                 "all settings": "all_settings", "non acute": "non_acute"}


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

    def has_when(self) -> bool:
        """True when the question names a year, a month or a relative week ('last week')."""
        return bool(self.years or self.month or self.span)


@dataclass
class Result:
    """A candidate reply: the facts shown (primary first), its score 0–1 and the composed text. `cited` adds the
    facts the text mentions beside them (other sources' versions, a newer total) for the source list."""

    intent: str
    facts: list[Fact]
    score: float
    text: str
    runner_up: float = 0.0
    cited: list[Fact] = field(default_factory=list)


# ---- understanding ------------------------------------------------------------------------------------------


def alias_index(kb: KnowledgeBase) -> AliasIndex:
    """Names and aliases of organisations and staff groups from the knowledge base (cached per KB file)."""

    def load() -> AliasIndex:
        entries = [("union", o.id, [o.name, *o.aliases], o.covered) for o in kb.organisations().values()]
        entries += [("group", g.id, [g.name, *g.aliases], g.covered) for g in kb.staff_groups().values()]
        return build_alias_index(entries)

    return kb.cached("alias_index", load)


def speakers(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Surname (normalised) -> statement speakers containing it (cached)."""

    def load() -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for speaker in kb.speaker_names():
            for person in re.split(r";|\band\b", speaker):
                words = [w for w in normalise(person).split() if w not in ("sir", "dr", "prof", "professor", "dame")]
                if words and len(words[-1]) > 2:
                    out.setdefault(words[-1], set()).add(speaker)
        return out

    return kb.cached("speakers", load)


def understand(question: str, kb: KnowledgeBase, now: datetime | None = None) -> Understanding:
    """Normalise `question` and spot its intent and entities (unions, staff groups, nations, dates, order).
    With `now` (aware), relative dates are resolved in Europe/London: last/this/next month or year, and
    last/next week (Monday to Sunday)."""
    norm = normalise(question)
    u = Understanding(question, norm)
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
    if re.search(r"\bmost recent(ly)?\b", norm):
        u.order = "latest"  # "the most recent strike" is the latest one, not the one with the most of anything
    for word in norm.split() if u.order is None else ():
        if word in ORDINAL:
            u.order = ORDINAL[word]
            break
    nth = re.search(r"\b(second|third|fourth|fifth) (?:\w+ ){0,4}?(strike|walkout)", norm)
    if nth:
        u.nth = {"second": 2, "third": 3, "fourth": 4, "fifth": 5}[nth.group(1)]
    if now is not None:
        _relative_dates(u, now)
    if re.search(r"\bthis week\b|\btoday\b|\btomorrow\b|\bright now\b|\bat the moment\b", norm):
        u.this_week = True
        u.order = u.order or "next"
    for phrase, setting in SETTING_WORDS.items():
        if phrase in padded:
            u.setting = setting
    big = [float(n) for n in re.findall(r"\b(\d{5,})\b", norm)]
    u.threshold = max(big) if big else None
    names = speakers(kb)
    u.speaker_hits = sorted({s for w in norm.split() for s in names.get(w, ())})
    u.intent = _intent(u)
    u.faq_like = bool(re.search(r"\b(should i|can i|do i|will my|is my|am i|what should)\b|^will (?!there)", norm)) or (
        _has("faq", norm) and not re.search(r"\b(how many|what was|what were|when|percent|turnout)\b", norm))
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


def _has(kind: str, text: str) -> bool:
    return re.search(KIND_WORDS[kind], text) is not None


def _intent(u: Understanding) -> str:
    t = u.norm
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


# ---- time windows -------------------------------------------------------------------------------------------


def _windows(u: Understanding) -> list[tuple[datetime, datetime]]:
    """UTC windows the question's month/year/day words allow (empty = no constraint)."""
    if u.span:
        return [u.span]
    years = sorted(u.years) or list(range(2015, 2036))
    out = []
    for y in years:
        if u.month:
            days = u.days or []
            if days:
                for d in days:
                    try:
                        day = date(y, u.month, d)
                    except ValueError:
                        continue
                    out.append(_day_window(day, day))
            else:
                last = (date(y + (u.month == 12), u.month % 12 + 1, 1) - timedelta(days=1))
                out.append(_day_window(date(y, u.month, 1), last))
        elif u.years:
            out.append(_day_window(date(y, 1, 1), date(y, 12, 31)))
    return out


def _day_window(a: date, b: date) -> tuple[datetime, datetime]:
    start = datetime(a.year, a.month, a.day, tzinfo=LONDON).astimezone(UTC)
    end = datetime(b.year, b.month, b.day, 23, 59, 59, tzinfo=LONDON).astimezone(UTC)
    return start, end


def _in_windows(first: datetime | None, last: datetime | None, wins: list[tuple[datetime, datetime]]) -> bool:
    if not wins:
        return True
    if first is None or last is None:
        return False
    return any(first <= b and last >= a for a, b in wins)


# ---- entity agreement -----------------------------------------------------------------------------------------


def _entities(u: Understanding) -> list[list[str]]:
    """The question's unions and staff groups as catalog labels (each non-empty list must be matched)."""
    return [[f"u:{x}" for x in u.unions], [f"g:{x}" for x in u.groups]]


def _strikes(kb: KnowledgeBase, u: Understanding, now: datetime, *, check_known: bool = True) -> list[StrikeKey]:
    """Strikes agreeing with the question's entities and time words and already public at `now` (a curated
    source out by then), by start (keys: load text with _load). `check_known=False` leaves the publication
    test to the caller, which then looks at only the few strikes it picks (`_pick_strikes` does)."""
    wins = _windows(u)
    keys: list[StrikeKey] = kb.catalog("strike").select(any_of=_entities(u), windows=wins)
    # the catalog matched unions, groups and windows exactly (every named kind must overlap); nations here
    if u.nations:
        keys = [s for s in keys if u.nations & set(s.nations)]
    return [s for s in keys if known_by(s, now)] if check_known else keys


def _load(kb: KnowledgeBase, kind: str, keys: list) -> list:
    """The full records (summaries, sources) of the chosen keys, in the same order."""
    return kb.get_many(kind, [k.id for k in keys])


# ---- intent handlers ------------------------------------------------------------------------------------------


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
    if u.order == "first":
        return [next(s for s in strikes if held(s))], "first"
    if u.order in ("last", "latest"):
        upto_now = bisect_right(strikes, now.timestamp(), key=_start_ts)
        return [s for s in reversed(strikes[:upto_now]) if held(s)][:1], "last"
    future_words = re.search(r"\b(next|upcoming|will|when is|when are|going to|planned|coming)\b", u.norm)
    if u.order == "next" or (future_words and not u.has_when()):
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
        return [s for s in running if held(s) and s.end.last >= now][:1], "next"
    return [s for s in strikes if held(s)], "all"


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
        return None
    chosen, mode = _pick_strikes(strikes, u, now, kb.catalog("strike").max_span)
    if mode in ("next", "this_week") and not chosen:
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
    intent = {"next": "next_strike", "this_week": "next_strike", "longest": "comparison"}.get(mode, "strike_dates")
    chosen = _load(kb, "strike", chosen)
    return Result(intent, chosen, score, C.strikes_text(kb, chosen, u, now, mode,
                                                       left_out=left_out, latest=not u.has_when()))


def _ballots(kb: KnowledgeBase, u: Understanding, now: datetime) -> list[BallotKey]:
    """Dated, non-variant ballots agreeing with the question's entities and time words, by close (or
    announcement, or opening). The catalog matched union, group and windows exactly; nations are checked here.
    An undated ballot can't be placed in time, so it never answers."""
    wins = _windows(u)
    out = [b for b in kb.catalog("ballot").select(any_of=_entities(u), windows=wins)
           if not b.variant_of and (b.opens or b.closes or b.announced) and known_by(b, now)
           and not (u.nations and not (u.nations & set(b.nations)))]
    return sorted(out, key=lambda b: (b.closes or b.announced or b.opens).last)  # type: ignore[union-attr]


def _rank_by_text(u: Understanding, facts: list, text_of) -> list[tuple[float, object]]:  # noqa: ANN001
    """`facts` with their similarity (0–100) to the question, best first; ties keep the given order."""
    scores = similarities(u.norm, [normalised(text_of(f)) for f in facts])
    return sorted(zip(scores, facts, strict=True), key=lambda x: -x[0])


def handle_ballots(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Ballot deadlines, results, turnout and leadership recommendations, as known at `now`."""
    if re.search(r"\brecommend", u.norm) and not (u.unions or u.groups):
        return None  # "what did the pay review body recommend?" is not about a union's vote
    ballots = _ballots(kb, u, now)
    if not ballots:
        return None
    if re.search(r"\bstrike action\b|\b(for|to) strikes?\b|\bstrike ballots?\b|\bmandate\b|\bindustrial action\b",
                 u.norm):
        ballots = [b for b in ballots if b.purpose == "statutory_strike_ballot" or b.outcome == "for_action"]
    elif re.search(r"\boffer\b|\bdeal\b|\baward\b", u.norm):
        ballots = [b for b in ballots if b.purpose != "statutory_strike_ballot"]
    if not ballots:
        return None  # a vote on an offer is never answered with a strike ballot, nor the other way round
    if u.intent == "ballot_deadline" or u.order == "next":
        open_now = [b for b in ballots if b.closes and b.closes.last >= now]
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
                return Result("ballot_deadline", last, 0.75, C.ballot_closed_text(kb, last[0], now))
    known = [b for b in ballots if b.result_known_from and b.result_known_from.last <= now and b.outcome]
    known_ids = {b.id for b in known}
    pending = [b for b in ballots if b.id not in known_ids]  # ids, not whole records: O(n) at 100k
    if not known:
        if pending:
            first = _load(kb, "ballot", pending[:2])
            return Result("ballot_deadline", first, 0.75, C.ballots_deadline_text(kb, first, now))
        return None
    if u.order in ("latest", "last", "next") or len(known) == 1:
        chosen = known[-1:]
    else:
        ranked = _rank_by_text(u, known, lambda b: f"{b.subject} {b.purpose.replace('_', ' ')}")
        chosen = [b for _s, b in ranked[:3]]
    score = 0.9 if len(chosen) == 1 else 0.78
    chosen = _load(kb, "ballot", chosen)
    variants = [v for b in chosen for v in C.ballot_variants(kb, b)]
    return Result("ballot_result", chosen, score, C.ballots_result_text(kb, chosen, u, now), cited=variants)


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
    asked_pct = [float(x) for x in re.findall(r"\b(\d+(?:\.\d+)?) percent\b", u.norm)]
    if asked_pct:  # "the 3% offer": only an offer with that percentage in its terms
        offers = [o for o in offers if any(abs(p - v) < 0.01 for p in asked_pct for v in (
            o.consolidated_pct, o.consolidated_pct_max, o.one_off_pct) if v is not None)]
    if not offers:
        return None
    offers.sort(key=lambda o: o.date.last)
    if u.order in ("latest", "last") or re.search(r"\b(is|current)\b", u.norm) and not u.has_when():
        chosen = offers[-1:]
    elif len(offers) == 1:
        chosen = offers
    else:
        ranked = _rank_by_text(u, offers, lambda o: o.summary)
        chosen = [o for _s, o in ranked[:2]]
    variants = [v for v in kb.all("offer") if v.variant_of in {o.id for o in chosen}]
    score = 0.88 if len(chosen) == 1 else 0.76
    return Result("pay_offer", chosen + variants, score, C.offers_text(kb, chosen, variants, now))


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


HOW_MANY_COUNTED = re.compile(
    r"\bhow many (?:(?:\w+ ){0,3}(?:appointments?|appts?|operations?|procedures?|outpatient\w*|inpatient\w*)\b|"
    r"(?:were|was|have|has|had|did|got|are|is|will)\b)")


def _asks_for_appointments(norm: str) -> bool:
    """False when a 'how many …' question counts something other than appointments (patients, trusts, hours,
    strikes, per day or on one day of a strike): an appointments figure would answer another question."""
    if re.search(r"\b(first|second|third|last|final) day\b|\bper day\b|\beach day\b|\ba day\b", norm):
        return False  # per-strike figures cover whole strikes
    return "how many" not in norm or bool(HOW_MANY_COUNTED.search(norm))


def _figure_fits(f: FigureKey, metrics: tuple[str, ...], now: datetime, u: Understanding) -> bool:
    return (f.metric in metrics and not f.cumulative and f.as_of.first <= now and known_by(f, now)
            and not (u.setting and f.setting != u.setting)
            and not (f.area.lower() != "england" and f.area.lower() not in u.norm))


def handle_impact(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Per-strike impact (rescheduled appointments, staff absent, planned care delivered)."""
    metric: str | tuple[str, ...] = "appointments_rescheduled"
    if u.intent == "staff_absent":
        avg = re.search(r"\baverage\b|\bper day\b|\bdaily\b|\beach day\b|\ba day\b", u.norm)
        metric = ("staff_absent_daily_avg",) if avg else ("staff_absent_peak", "staff_absent_daily_avg")
    elif re.search(r"\bplanned care\b", u.norm):
        metric = "planned_care_delivered_pct"
    if re.search(r"\bstrike days\b|\bdays of strike|\bhow many days\b", u.norm):
        return None  # a count of strike days is not an appointments figure; never substitute one for the other
    if u.intent == "impact_figure" and re.search(
            r"\b(strikers|went on strike|go on strike|going on strike|were on strike|are on strike|took part|"
            r"taking part|striking)\b", u.norm) and not re.search(
            r"\b(appointments?|appts?|operations?|procedures?|rescheduled|reschedul\w*|cancel\w*|postpon\w*)\b",
            u.norm):
        return None  # how many people struck is not how many appointments moved (strikers are not curated per strike)
    if metric == "appointments_rescheduled" and not _asks_for_appointments(u.norm):
        return None  # "how many patients / trusts / hours / strikes …": not what an appointments figure counts
    if not (u.unions or u.groups or u.has_when() or u.order or u.nth):
        return None  # "figures" alone names no strike: answering with some strike's number would be a guess
    if not u.has_when() and not u.order and not u.nth and re.search(r"\b(strikes|walkouts)\b", u.norm):
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
        if pick and not _figures_for(kb, pick, metric, now, u):
            return Result("impact_figure", _load(kb, "strike", pick), 0.8, C.no_figure_yet(kb, pick[0], now))
        strikes = pick
    found = _figures_for(kb, strikes, metric, now, u)
    area = C.asked_area(u, [f.area for f in found])
    keys = sorted(found, key=lambda f: C.figure_rank(f, area))
    figs = _load(kb, "figure", keys[:MAX_FIGURES])
    if not figs:
        return None
    return Result(u.intent if u.intent != "unknown" else "impact_figure", figs, 0.88,
                  C.figures_text(kb, figs, u, now, more=len(keys) - len(figs)))


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
    totals = _totals(kb, "cumulative", lambda f: f.cumulative and f.metric == "appointments_rescheduled")
    cums, times = totals.known_at(now)
    if u.setting:
        pairs = [(f, t) for f, t in zip(cums, times, strict=True) if f.setting == u.setting]
        cums, times = [f for f, _t in pairs], [t for _f, t in pairs]
    if not cums:
        return None
    if u.threshold and re.search(r"\b(pass|passed|reach|reached|top|topped|exceed\w*|hit)\b", u.norm):
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
    as_of_words = re.search(r"\b(as of|as at|by the end of|at the end of|up to|until)\b", u.norm)
    if (u.groups or u.unions) and not u.has_when():
        return None  # the running totals count every strike: never give one as a union's or a staff group's
    if as_of_words and u.has_when() and not (u.groups or u.unions):
        end = max(b for _a, b in _windows(u))  # "as of April 2023": the last total published by its end
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


def handle_statements(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Who said what (paraphrased), known at `now`."""
    wins = _windows(u)
    if u.speaker_hits:
        labels = [f"s:{x}" for x in u.speaker_hits]
    elif u.unions or u.bodies:
        labels = [f"u:{x}" for x in u.unions | u.bodies]
    else:
        return None
    st = [s for s in kb.catalog("statement").select(any_of=[labels], windows=wins)
          if s.date.first <= now and known_by(s, now) and _in_windows(s.date.first, s.date.last, wins)]
    if not st:
        return None
    st.sort(key=lambda s: s.date.last)
    if len(st) > 2:
        ranked = _rank_by_text(u, st, lambda s: s.paraphrase)
        st = [s for _x, s in ranked[:2]]
    st = _load(kb, "statement", st)
    return Result("statement", st, 0.85 if len(st) == 1 else 0.78, C.statements_text(kb, st))


def _faq_entities(kb: KnowledgeBase) -> dict[str, list[tuple[str, set[str]]]]:
    """FAQ id -> [(normalised phrasing, its union/group ids)] (cached)."""

    def load() -> dict[str, list[tuple[str, set[str]]]]:
        idx = alias_index(kb)
        out: dict[str, list[tuple[str, set[str]]]] = {}
        for q in kb.all("faq"):
            for p in (q.question, *q.phrasings):
                n = normalise(p)
                out.setdefault(q.id, []).append((n, {a.entity_id for a in idx.find(stem_text(n))}))
        return out

    return kb.cached("faq_entities", load)


def _reason_or_place(norm: str) -> str:
    """'why' or 'where' when a question asks for a reason or a place, else '' (an answer of one kind never
    answers the other: 'Where have nurses voted to strike?' is not 'Why did nurses strike?')."""
    m = re.match(r"(why|where)\b", norm) or re.search(r"\b(why|where|which areas?|what areas?)\b", norm)
    if not m:
        return ""
    return "why" if m.group(1) == "why" else "where"


def handle_faq(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Background and patient questions: the best curated FAQ by rapidfuzz over its phrasings, skipping
    phrasings about a different union or staff group than the question names, and phrasings asking for a
    reason or a place when the question does not (or the other way round)."""
    faqs = {q.id: q for q in kb.all("faq")}
    if not faqs:
        return None
    asked = u.unions | u.groups
    kind = _reason_or_place(u.norm)
    scored = []
    for fid, phrasings in _faq_entities(kb).items():
        sims = [similarity(u.norm, p) for p, ents in phrasings
                if not (asked and ents and not (asked & ents)) and _reason_or_place(p) == kind]
        if sims:
            scored.append((max(sims) / 100, faqs[fid]))
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0])
    top, q = scored[0]
    runner = scored[1][0] if len(scored) > 1 else 0.0
    return Result("faq", [q], top, C.faq_text(q, now), runner_up=runner)


HANDLERS = {
    "strike_dates": handle_strikes, "next_strike": handle_strikes, "ballot_deadline": handle_ballots,
    "ballot_result": handle_ballots, "pay_offer": handle_offers, "impact_figure": handle_impact,
    "staff_absent": handle_impact, "cumulative_total": handle_cumulative, "cost": handle_cost,
    "comparison": handle_comparison, "statement": handle_statements, "faq": handle_faq,
}


# ---- decide -------------------------------------------------------------------------------------------------


def answer(question: str, kb: KnowledgeBase, *, now: datetime) -> Answer:
    """Answer `question` as it could have been answered at `now` (aware datetime; naive = UTC).

    Returns an Answer: status 'answered' with the text composed from typed columns and every source cited, or
    'no_answer' with up to 3 suggested questions. Never raises for bad input (empty, huge, emoji, SQL/FTS
    syntax); raises KnowledgeBaseMissing only when the knowledge base file is gone.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    with kb.pinned():  # one consistent KB file version for the whole answer
        return _answer(question, kb, now)


def _answer(question: str, kb: KnowledgeBase, now: datetime) -> Answer:
    u = understand(question or "", kb, now)
    declined = _out_of_scope(u, kb)
    if declined:
        return _no_answer(kb, u, declined, now)
    result = _best(kb, u, now)
    if result is None or result.score < MIN_SCORE or result.score - result.runner_up < MIN_MARGIN:
        return _no_answer(kb, u, C.not_confident(kb), now)
    if not result.facts:
        return _no_answer(kb, u, result.text, now)  # e.g. "no strike after …" with none before: nothing to cite
    stale = C.currency_note(kb, u, now)  # one line, only for questions that depend on now
    facts = result.facts
    primary = facts[0] if facts else None
    return Answer(
        status="answered", text=result.text + stale, confidence=round(min(result.score, 1.0), 3),
        intent=result.intent,
        matched=Match(C.kind_of(primary), primary.id, result.score * 100) if primary else None,
        sources=C.sources_of([*facts, *result.cited], now), facts=facts, as_of=C.as_of_text(facts),
        body=C.without_sources(result.text) + stale,
    )


def _best(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """FAQ first for background-style questions without a date; otherwise the structured handler for the
    intent, with the FAQ as fallback. A result must clear MIN_SCORE and beat its runner-up by MIN_MARGIN."""

    def faq() -> Result | None:
        if re.search(r"\bpercent\b", u.norm):
            return None  # FAQs carry no figures, so a question about "the 3% offer" is never one of theirs
        r = handle_faq(kb, u, now)
        return r if r is not None and r.score >= FAQ_MIN and r.score - r.runner_up >= MIN_MARGIN else None

    def structured() -> Result | None:
        if u.faq_like and u.intent in ("strike_dates", "next_strike") and (
                u.norm.startswith("why") or not (u.has_when() or u.order)):
            return None  # a "why" or patient question is never answered with a list of dates
        if PERSONAL.search(u.norm) and not NUMERIC.search(u.norm):
            return None  # "can I strike if…", "is my practice striking?": advice, never a borrowed fact
        asks = _reason_or_place(u.norm)
        if asks == "where" or (asks == "why" and u.intent not in ("ballot_result", "ballot_deadline")):
            return None  # no structured fact says where (trusts, areas) or why, except a ballot's own result
            # (turnout under the 50% threshold is why a strike ballot failed)
        h = HANDLERS.get(u.intent)
        return h(kb, u, now) if h is not None and u.intent != "faq" else None

    numeric = NUMERIC.search(u.norm)
    if not numeric and not u.has_when():
        near_verbatim = faq()
        if near_verbatim is not None and near_verbatim.score >= FAQ_VERBATIM:
            return near_verbatim  # a curated FAQ phrasing asked almost word for word: that is what was meant
    if u.intent in ("impact_figure", "cumulative_total", "staff_absent", "cost", "comparison") and (
            numeric or not u.faq_like):
        return structured()  # a "how many" question is answered with a figure or not at all, never with prose
    # background and patient questions try the FAQs first; a question about an offer or a vote asks for the fact
    faq_first = u.faq_like and not u.has_when() and u.intent not in ("pay_offer", "ballot_result", "ballot_deadline")
    first, second = (faq, structured) if faq_first else (structured, faq)
    if u.has_when() and u.intent not in ("faq", "unknown"):
        return structured()  # a dated question about strikes, votes or offers is never answered with FAQ prose
    return first() or second()


def _out_of_scope(u: Understanding, kb: KnowledgeBase) -> str | None:
    if u.intent == "empty" or re.fullmatch(r"(help|hi|hello|hey|what can you do|what do you do|how do i use "
                                           r"(you|this|strikebot)|what can i ask( you)?)", u.norm.strip()):
        return C.help_text(kb)
    if u.uncovered and not (u.unions or u.groups):
        r = handle_faq(kb, u, datetime.now(UTC)) if u.faq_like else None
        if r is None or r.score < 0.8 or r.score - r.runner_up < MIN_MARGIN:
            return C.not_covered(kb, u.uncovered)
    if OFF_SECTOR.search(u.norm) and not (u.unions or u.groups):
        return C.out_of_scope(kb)
    if MEDICAL.search(u.norm):
        return C.out_of_scope(kb, medical=True)
    if not DOMAIN.search(u.norm) and not (u.unions or u.groups or u.speaker_hits):
        return C.out_of_scope(kb)
    if u.nations and u.nations <= {"scotland"}:
        return C.not_covered(kb, ["Scotland"])
    first, last = C.coverage_years(kb)
    if u.years and all(y < first or y > last + 1 for y in u.years):
        return C.outside_years(kb, first, last)
    return None


def _no_answer(kb: KnowledgeBase, u: Understanding, text: str, now: datetime) -> Answer:
    return Answer(status="no_answer", text=text, confidence=0.0, intent=u.intent if u.intent != "empty" else "help",
                  suggestions=C.suggestions(kb, u, now))
