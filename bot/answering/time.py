"""Time windows: the UTC spans a question's month, year, day and relative words allow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.answering.understanding import Understanding
from bot.clock import LONDON


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

