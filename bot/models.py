"""Plain dataclasses shared by the knowledge store, the answering core, reminders and the adapters.

Figures, percentages and dates are typed fields; every fact carries the `Source` it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from bot.clock import PartialDate

NATIONS = ("england", "wales", "scotland", "northern_ireland")
NATION_NAMES = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}


@dataclass(frozen=True)
class Source:
    """Where a fact comes from. `published` keeps the source's own precision (YYYY, YYYY-MM, YYYY-MM-DD)."""

    id: str
    url: str
    title: str
    publisher: str
    published: str
    kind: str
    notes: str = ""


@dataclass(frozen=True)
class Organisation:
    """A union, NHS body or government department; `aliases` are lower-case names it is known by.
    `covered` is False for names the knowledge base recognises but holds no facts for (e.g. RCM)."""

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    covered: bool = True
    description: str = ""


@dataclass(frozen=True)
class StaffGroup:
    """A staff group (junior doctors, nurses, ambulance staff …) with its lower-case aliases; `includes` are the
    groups it takes in (Agenda for Change staff: nurses, ambulance staff …), which a question naming it also means."""

    id: str
    name: str
    aliases: tuple[str, ...]
    covered: bool = True
    description: str = ""
    includes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Strike:
    """One walkout. `start`/`end` are Europe/London partial dates; `duration_hours` as the source gives it.

    `announced` is when it became public (None = from its earliest source); `status` was last confirmed on
    `status_as_of` by `status_source` (None = undated, as first curated). `end_alt` is another source's end of the
    same strike (NHS England's 06:59 against the BMA's 07:00), cited to `end_alt_source`."""

    id: str
    unions: tuple[str, ...]
    staff_groups: tuple[str, ...]
    nations: tuple[str, ...]
    start: PartialDate
    end: PartialDate
    duration_hours: float | None
    status: str
    scope: str
    summary: str
    source: Source
    other_sources: tuple[Source, ...] = ()
    announced: PartialDate | None = None
    status_as_of: PartialDate | None = None
    status_source: Source | None = None
    end_alt: PartialDate | None = None
    end_alt_source: Source | None = None
    cover: str = ""  # full_walkout / christmas_day_cover / local_cover / mixed ('' = not curated), from `scope`

    def status_at(self, now: datetime) -> str:
        """The status as known at `now` (see `status_at`)."""
        return status_at(self.status, self.status_as_of, now, self.start)


def status_at(status: str, status_as_of: PartialDate | None, now: datetime,
              start: PartialDate | None = None) -> str:
    """A strike's status as it was known at `now` (aware UTC): the curated `status` once it was confirmed
    (`status_as_of` over at `now`; an undated status only once the strike's `start` had come, since nothing says
    it was known before), else 'planned' (announced, outcome not yet reported).

    Returns 'held', 'called_off', 'curtailed' or 'planned'."""
    if status == "planned":
        return status
    if status_as_of is None:
        return status if start is None or start.first <= now else "planned"
    return status if status_as_of.last <= now else "planned"


@dataclass(frozen=True)
class Ballot:
    """A ballot or consultation. `outcome_pct` is the share voting for `outcome`; `turnout_pct` of those
    eligible. The result is knowable from `announced` (or, without one, from `closes`)."""

    id: str
    union: str
    staff_group: str
    nations: tuple[str, ...]
    purpose: str
    subject: str
    opens: PartialDate | None
    closes: PartialDate | None
    outcome: str
    outcome_pct: float | None
    turnout_pct: float | None
    votes_cast: int | None
    votes_for_outcome: int | None
    announced: PartialDate | None
    mandate_expires: PartialDate | None
    recommendation: str
    recommendation_source: Source | None
    variant_of: str
    summary: str
    source: Source
    other_sources: tuple[Source, ...] = ()

    @property
    def result_known_from(self) -> PartialDate | None:
        """When the result became public: the announcement, else the close."""
        return self.announced or self.closes


@dataclass(frozen=True)
class Offer:
    """A pay offer or award. Percentages in %, money in GBP; `pay_years` like ('2023/24',).
    `announced` is when it became public (None = from its date, once a curated source is out);
    `consolidated_average` means `consolidated_pct` is an average across pay points, not every one's rise.
    `status_as_of` is when `status` was reported, by `status_source` (None = known from the offer's date):
    before then the offer was still on the table (`status_at`)."""

    id: str
    offered_by: str
    staff_groups: tuple[str, ...]
    unions: tuple[str, ...]
    nations: tuple[str, ...]
    date: PartialDate
    pay_years: tuple[str, ...]
    consolidated_pct: float | None
    consolidated_pct_max: float | None
    consolidated_gbp: float | None
    one_off_pct: float | None
    one_off_min_gbp: float | None
    one_off_max_gbp: float | None
    variant_of: str
    status: str
    summary: str
    source: Source
    other_sources: tuple[Source, ...] = ()
    announced: PartialDate | None = None
    consolidated_average: bool = False
    status_as_of: PartialDate | None = None
    status_source: Source | None = None
    other_terms: str = ""  # terms that are not figures (training posts, exam fees), as they stood when offered

    def status_at(self, now: datetime) -> str:
        """The status as known at `now` (aware UTC): the curated `status` once it was reported (`status_as_of`
        begun at `now`, or undated), else 'offered' (made public, its outcome not yet reported). One of the
        statuses in knowledge/README.md's offers row."""
        if self.status_as_of is None or self.status_as_of.first <= now:
            return self.status
        return "offered"


@dataclass(frozen=True)
class Figure:
    """One impact number: `value` in `unit` (count, percent, gbp, days, hours), qualified ('about', 'more_than' …),
    for `setting` (acute / mental_health / community / non_acute / all_settings / not_stated) and `area`,
    measuring `strike_ids` or the period, cumulative or not, true as of `as_of`."""

    id: str
    metric: str
    value: float
    unit: str
    qualifier: str
    setting: str
    area: str
    strike_ids: tuple[str, ...]
    unions: tuple[str, ...]
    staff_groups: tuple[str, ...]
    period_start: PartialDate | None
    period_end: PartialDate | None
    cumulative: bool
    variant_of: str
    as_of: PartialDate
    summary: str
    source: Source
    other_sources: tuple[Source, ...] = ()
    claimed_by: str = ""  # organisation id when the figure is that organisation's own claim, not an official count


@dataclass(frozen=True)
class Statement:
    """What someone said, paraphrased by a curator (never a quote)."""

    id: str
    speaker: str
    role: str
    organisation: str
    date: PartialDate
    strike_id: str
    paraphrase: str
    source: Source


@dataclass(frozen=True)
class Faq:
    """A curated background or patient answer, in the curator's own words, without figures."""

    id: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    source: Source
    answers: tuple[str, ...] = ()  # kinds of answer it gives (advice, why, definition …; () = any)


Fact = Strike | Ballot | Offer | Figure | Statement | Faq


@dataclass(frozen=True)
class Match:
    """A candidate fact for a question: `kind` ('strike', 'ballot', …), `fact_id`, and its `score` (0–100)."""

    kind: str
    fact_id: str
    score: float
    text: str = ""


@dataclass
class Answer:
    """The engine's reply. `status` is 'answered' or 'no_answer' (a value, never an exception).

    `text` is plain text (Slack-safe: no markup the user typed); `confidence` 0–1; `intent` the understood
    intent; `matched` the fact answered from; `sources` every source cited; `suggestions` up to 3 questions
    the knowledge base can answer (for no_answer)."""

    status: Literal["answered", "no_answer"]
    text: str
    confidence: float
    intent: str
    matched: Match | None = None
    sources: list[Source] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    as_of: str | None = None
    body: str = ""  # `text` without its 'Source(s): …' lines, for Slack, which lists sources in a context block
    # Headline first (issue 12): the engine may set these; renderers fall back to the first line of `body`.
    headline: str = ""  # one line, <= ~200 chars, answering on its own (figure or date, what it covers, as of)
    detail: str = ""  # the rest (other settings, variants, earlier strikes), shown behind "More"
    emphasis: str = ""  # the substring of `headline` to show in bold (the key figure or date), '' = none
    answer_type: str = ""  # the kind of answer the question asked for ('date', 'count', 'why' …; '' = unclear)

    def to_json(self) -> dict:
        """The `strikebot ask --json` shape (see issue: answering engine)."""
        return {
            "status": self.status,
            "text": self.text,
            "confidence": round(float(self.confidence), 3),
            "intent": self.intent,
            "matched": None if self.matched is None else {"kind": self.matched.kind, "id": self.matched.fact_id},
            "sources": [
                {"url": s.url, "publisher": s.publisher, "title": s.title, "published": s.published}
                for s in self.sources
            ],
            "suggestions": list(self.suggestions),
            "answer_type": self.answer_type,
            "headline": self.headline,
            "detail": self.detail,
        }
