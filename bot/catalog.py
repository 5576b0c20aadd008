"""Compact selection indexes over the curated facts, held in memory once per knowledge-base file version.

The engine picks its candidates here (by union, staff group, time window and cross-reference) and loads the
full records (summaries, sources) only for the few facts it shows. With 100,000 facts a question then
touches tens of keys, not every row, and the process never holds every summary. The figures are in
benchmarks/RESULTS.md; the profile that asked for this is benchmarks/PROFILE.md.

A key carries the same attribute names as its full record in bot.models (`start`, `closes`, `as_of`, ...), so
the engine's filters read either one. Pure data structures: `KnowledgeBase` loads the keys (it owns the SQL).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from bot.clock import PartialDate
from bot.models import status_at


@dataclass(frozen=True, slots=True)
class StrikeKey:
    """The columns of a strike the engine filters and orders on (a `Strike` without its text)."""

    id: str
    unions: tuple[str, ...]
    staff_groups: tuple[str, ...]
    nations: tuple[str, ...]
    start: PartialDate
    end: PartialDate
    duration_hours: float | None
    status: str
    known: datetime | None = None  # when it became public: announced, else its earliest source (clock.public_from)
    status_as_of: PartialDate | None = None  # when `status` was last confirmed (models.status_at)

    def status_at(self, now: datetime) -> str:
        """The status as known at `now` ('planned' until a later status was confirmed; see models.status_at)."""
        return status_at(self.status, self.status_as_of, now, self.start)


def ballot_order(b: BallotKey) -> float:
    """A ballot's place in time for ordering (UTC seconds): the end of its close, else of its announcement, else
    of its opening; 0 when undated."""
    when = b.closes or b.announced or b.opens
    return when.last.timestamp() if when is not None else 0.0


@dataclass(frozen=True, slots=True)
class BallotKey:
    """The columns of a ballot the engine filters and orders on (a `Ballot` without its text and sources)."""

    id: str
    union: str
    staff_group: str
    nations: tuple[str, ...]
    purpose: str
    subject: str
    opens: PartialDate | None
    closes: PartialDate | None
    announced: PartialDate | None
    outcome: str
    variant_of: str
    known: datetime | None = None
    order: float = field(default=0.0, compare=False)  # its place in time, set once: `ballot_order`

    def __post_init__(self) -> None:
        object.__setattr__(self, "order", ballot_order(self))

    @property
    def result_known_from(self) -> PartialDate | None:
        """When the result became public: the announcement, else the close (as `Ballot`)."""
        return self.announced or self.closes


@dataclass(frozen=True, slots=True)
class FigureKey:
    """The columns of a figure the engine filters and orders on: `value` in its unit, true as of `as_of`."""

    id: str
    metric: str
    value: float
    qualifier: str
    setting: str
    area: str
    strike_ids: tuple[str, ...]
    cumulative: bool
    variant_of: str
    as_of: PartialDate
    row: int  # position in the curated file, to keep the curators' order among equals
    known: datetime | None = None


@dataclass(frozen=True, slots=True)
class StatementKey:
    """The columns of a statement the engine filters and ranks on (a `Statement` without its source)."""

    id: str
    speaker: str
    organisation: str
    date: PartialDate
    paraphrase: str
    known: datetime | None = None
    strike_id: str = ""  # the strike the statement is about, if any
    role: str = ""


K = TypeVar("K")
Window = tuple[datetime, datetime]


class Catalog(Generic[K]):
    """Keys of one kind, sorted by the start of the span each is about, with postings for fast candidates.

    Args: `items` (any order), `span(key) -> (first, last)` (aware datetimes, or None for an undated key),
    `entities(key)` (labels such as 'u:rcn', 'g:nurses'), `refs(key)` (ids the key points at, such as a figure's
    strike ids). `select` is exact for labels and windows: a key is returned iff, for every label group, it
    has one of the labels, and its span overlaps a window (first <= window end and last >= window start).
    Other tests (nations, status) stay with the caller.
    """

    def __init__(self, items: Iterable[K], span: Callable[[K], tuple[datetime | None, datetime | None]],
                 entities: Callable[[K], Iterable[str]], refs: Callable[[K], Iterable[str]] = lambda k: ()):
        dated: list[tuple[float, float, K]] = []
        self.undated: list[K] = []
        for k in items:
            first, last = span(k)
            if first is None or last is None:
                self.undated.append(k)
            else:
                dated.append((first.timestamp(), last.timestamp(), k))
        dated.sort(key=lambda t: t[0])
        self.items: list[K] = [k for _f, _l, k in dated]
        self.firsts = [f for f, _l, _k in dated]
        self.lasts = [lst for _f, lst, _k in dated]
        self.max_span = max((lst - f for f, lst, _k in dated), default=0.0)
        self.postings: dict[str, set[int]] = {}
        self.referrers: dict[str, list[K]] = {}
        for i, k in enumerate([*self.items, *self.undated]):
            for label in entities(k):
                self.postings.setdefault(label, set()).add(i)
            for ref in refs(k):
                self.referrers.setdefault(ref, []).append(k)

    def __len__(self) -> int:
        return len(self.items) + len(self.undated)

    def by_id(self, key_id: str) -> K | None:
        """The key whose `id` is `key_id` (None when there is none); the index is built on first use."""
        index = getattr(self, "_by_id", None)
        if index is None:
            index = self._by_id = {getattr(k, "id", None): k for k in [*self.items, *self.undated]}
        return index.get(key_id)

    def _at(self, i: int) -> K:
        return self.items[i] if i < len(self.items) else self.undated[i - len(self.items)]

    def _in_time(self, windows: Sequence[Window]) -> set[int]:
        out: set[int] = set()
        for a, b in windows:
            ta, tb = a.timestamp(), b.timestamp()
            lo, hi = bisect_left(self.firsts, ta - self.max_span), bisect_right(self.firsts, tb)
            lasts = self.lasts
            out.update(i for i in range(lo, hi) if lasts[i] >= ta)
        return out

    def select(self, *, any_of: Sequence[Iterable[str]] = (), windows: Sequence[Window] = ()) -> list[K]:
        """Keys having at least one label from every non-empty group in `any_of` (e.g. [unions, groups]) and
        whose span overlaps one of `windows` (none = any time; undated keys only then). Sorted by span start,
        undated last."""
        groups = [g for g in (list(x) for x in any_of) if g]
        if not windows and not groups:
            return [*self.items, *self.undated]
        if not groups:  # windows alone: only dated keys, found by bisection
            items = self.items
            return [items[i] for i in sorted(self._in_time(windows))]
        pos: set[int] | None = self._in_time(windows) if windows else None
        for labels in groups:
            hit: set[int] = set().union(*(self.postings.get(label, ()) for label in labels))
            pos = hit if pos is None else pos & hit
        return [self._at(i) for i in sorted(pos)]

    def referring_to(self, ref: str) -> list[K]:
        """Keys whose `refs` include `ref` (e.g. figures measuring one strike), in span order."""
        return self.referrers.get(ref, [])


def known_by(key: object, now: datetime) -> bool:
    """True when `key`'s earliest curated source had been published at `now` (no date = always known)."""
    known = getattr(key, "known", None)
    return known is None or known <= now
