"""Time for the whole bot: partial dates, Europe/London <-> UTC, `--now` parsing, British formatting.

Store UTC, show Europe/London. Curated dates may be partial (a year, a month, a day, or a day and time);
a `PartialDate` keeps that precision so nothing ever shows a day the source did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_PARTIAL = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?P<tz>Z|[+-]\d{2}:?\d{2})?)?)?)?$"
)

PRECISIONS = ("year", "month", "day", "minute")


class DateParseError(ValueError):
    """Raised when a date string is not YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[offset]."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date as precise as its source: `text` as curated, `precision` in PRECISIONS.

    `first` and `last` are the first and last instants (UTC, aware) the text can mean, in Europe/London:
    "2023-04" -> first 1 April 00:00 London, last 30 April 23:59:59.999999 London.
    """

    text: str
    precision: str
    first: datetime
    last: datetime

    @property
    def local_first(self) -> datetime:
        """`first` in Europe/London."""
        return self.first.astimezone(LONDON)

    @property
    def local_last(self) -> datetime:
        """`last` in Europe/London."""
        return self.last.astimezone(LONDON)


def _month_end(y: int, m: int) -> date:
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _london(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=LONDON).astimezone(UTC)


@lru_cache(maxsize=65536)
def parse_partial(text: str) -> PartialDate:
    """Parse a curated date of any precision (memoised: PartialDate is immutable, so equal texts share one).

    Args: text like "2023", "2023-04", "2023-04-14", "2023-04-14T09:00" (London wall time) or
    "2023-04-14T09:00+01:00". Returns a PartialDate. Raises DateParseError on anything else
    (including impossible days such as 2023-02-30).
    """
    s = (text or "").strip()
    m = _PARTIAL.match(s)
    if not m:
        raise DateParseError(f"{text!r} is not a date (use YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    try:
        y = int(m["y"])
        if m["m"] is None:
            return PartialDate(s, "year", _london(date(y, 1, 1), time.min), _london(date(y, 12, 31), time.max))
        mo = int(m["m"])
        if m["d"] is None:
            return PartialDate(
                s, "month", _london(date(y, mo, 1), time.min), _london(_month_end(y, mo), time.max)
            )
        d = date(y, mo, int(m["d"]))
        if m["H"] is None:
            return PartialDate(s, "day", _london(d, time.min), _london(d, time.max))
        t = time(int(m["H"]), int(m["M"]), int(m["S"] or 0))
        if m["tz"]:
            tz = m["tz"].replace("Z", "+00:00")
            if ":" not in tz:
                tz = tz[:3] + ":" + tz[3:]
            moment = datetime.fromisoformat(f"{d.isoformat()}T{t.isoformat()}{tz}").astimezone(UTC)
        else:
            moment = datetime.combine(d, t, tzinfo=LONDON).astimezone(UTC)
        return PartialDate(s, "minute", moment, moment)
    except ValueError as exc:
        raise DateParseError(f"{text!r} is not a real date ({exc})") from exc


def parse_now(text: str | None) -> datetime:
    """Parse a `--now` value (ISO 8601; no offset = Europe/London wall time). None -> the real current time.

    Returns an aware UTC datetime. Raises DateParseError when the text is not ISO 8601.
    """
    if text is None:
        return datetime.now(UTC)
    s = text.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as exc:
        raise DateParseError(f"--now {text!r} is not ISO 8601 (e.g. 2023-04-20T10:00:00+01:00)") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=LONDON)
    return dt.astimezone(UTC)


def to_utc_iso(dt: datetime | None) -> str | None:
    """Aware datetime -> 'YYYY-MM-DDTHH:MM:SS.ffffff+00:00' (UTC), None stays None."""
    return None if dt is None else dt.astimezone(UTC).isoformat()


def from_utc_iso(text: str | None) -> datetime | None:
    """Inverse of to_utc_iso."""
    return None if not text else datetime.fromisoformat(text)


# ---- British formatting (Europe/London) -------------------------------------------------------------------


def fmt_day(dt: datetime, *, weekday: bool = True) -> str:
    """'Friday 28 April 2023' (London date of an aware datetime)."""
    d = dt.astimezone(LONDON)
    s = f"{d.day} {d:%B %Y}"
    return f"{d:%A} {s}" if weekday else s


def fmt_time(dt: datetime) -> str:
    """'07:00' London wall-clock time."""
    return f"{dt.astimezone(LONDON):%H:%M}"


def fmt_partial(p: PartialDate, *, weekday: bool = True) -> str:
    """A partial date at its own precision: '2023', 'April 2023', 'Friday 14 April 2023',
    '09:00 Friday 14 April 2023'."""
    d = p.local_first
    if p.precision == "year":
        return f"{d.year}"
    if p.precision == "month":
        return f"{d:%B %Y}"
    if p.precision == "day":
        return fmt_day(d, weekday=weekday)
    return f"{fmt_time(d)} {fmt_day(d, weekday=weekday)}"


def fmt_curated(text: str, *, weekday: bool = False) -> str:
    """A curated date string at its own precision ('2023-04-17' -> '17 April 2023'); unparseable text as is."""
    try:
        return fmt_partial(parse_partial(text), weekday=weekday)
    except DateParseError:
        return text


def fmt_range(a: PartialDate, b: PartialDate) -> str:
    """A strike's span: '15 December 2022', '11–15 April 2023' (day precision) or
    'from 07:00 Tuesday 11 April to 07:00 Saturday 15 April 2023' (with times)."""
    if a.precision == "minute" or b.precision == "minute":
        left = fmt_partial(a)
        right = fmt_partial(b)
        if a.local_first.year == b.local_first.year:
            left = left.rsplit(" ", 1)[0]
        return f"from {left} to {right}"
    da, db = a.local_first, b.local_first
    if a.precision != "day" or b.precision != "day":
        return fmt_partial(a) if a.text == b.text else f"{fmt_partial(a)} to {fmt_partial(b)}"
    if da.date() == db.date():
        return fmt_day(da)
    if (da.year, da.month) == (db.year, db.month):
        return f"{da.day}–{db.day} {db:%B %Y}"
    if da.year == db.year:
        return f"{da.day} {da:%B} – {db.day} {db:%B %Y}"
    return f"{da.day} {da:%B %Y} – {db.day} {db:%B %Y}"


def fmt_count(v: float) -> str:
    """196225 -> '196,225'; keeps one decimal only when the value has one."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def fmt_pct(v: float) -> str:
    """54 -> '54%', 43.4 -> '43.4%', 86.08 -> '86.08%'."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return f"{s}%"


def fmt_gbp(v: float) -> str:
    """1250 -> '£1,250'; 3e9 -> '£3 billion'; 1.7e9 -> '£1.7 billion'; 3e8 -> '£300 million'."""
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if v >= size:
            n = v / size
            return f"£{n:.1f} {word}".replace(".0 ", " ")
    return f"£{v:,.0f}" if float(v).is_integer() else f"£{v:,.2f}"


def fmt_duration(delta: timedelta) -> str:
    """A human 'how long is left': '7 days', '1 day and 3 hours', '5 hours', 'under an hour'."""
    secs = int(delta.total_seconds())
    days, rem = divmod(secs, 86400)
    hours = rem // 3600
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours and days < 7:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return " and ".join(parts) if parts else "under an hour"


def published_moment(text: str) -> datetime | None:
    """When a source dated `text` had surely appeared (UTC): a day (or minute) from that day's start; a month or
    a year only from its end ('2023-04' may mean the 28th). None when `text` is not a date."""
    try:
        p = parse_partial(text)
    except DateParseError:
        return None
    return p.first if p.precision in ("day", "minute") else p.last


def public_from(announced: str | None, earliest_source: datetime | None) -> datetime | None:
    """When a strike or offer became public (UTC): from its curated announcement date when there is one (a day
    from that day's start, a month or year only from its end, as `published_moment`), else from its earliest
    curated source (`earliest_source`, which may be a report written after the event). None = no date known.

    An announcement date wins even when a source is older: it is what the curators checked."""
    moment = published_moment(announced) if announced else None
    return moment if moment is not None else earliest_source
