"""Ballot-deadline reminders: pure planning and composing. No Slack, no SQL, no clock of its own.

Given the ballots in the knowledge base, the subscriptions, the sent log and `now`, `plan()` says for every
(ballot, subscription, offset) what to do: send now, send now marked late, record as skipped (an older missed
offset), record as missed (the ballot closed while we were down), or wait. `compose()` turns one planned
reminder into Slack-ready plain text plus Block Kit blocks.

Rules (issue 5):
- an offset `Nd` fires at 09:00 Europe/London N calendar days before the closing date; `0d` fires at 09:00 on
  the closing day, or 3 hours before the closing time if that is earlier. A date-only close means the end of
  that day. 09:00 is London wall time, so it stays 09:00 across the clock changes.
- a subscription only gets reminders that fire at or after its creation (`Subscription.created`).
- the sent-log key includes the close instant, so a ballot whose close changes is re-planned; a ballot that is
  gone from the knowledge base, or whose result is known at `now`, is not planned at all.
- catch-up after downtime: of the unrecorded offsets that have fired, only the most recent is sent (once,
  marked late if more than `grace` after its time) — and only if nothing was sent to that subscription about
  that ballot since it fired; the others are recorded as skipped. If the ballot has closed, all of them are
  recorded as missed and nothing is sent. Never a burst of stale reminders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.clock import (
    LONDON,
    fmt_curated,
    fmt_day,
    fmt_duration,
    fmt_partial,
    fmt_time,
    published_moment,
    to_utc_iso,
)
from bot.models import Ballot, Source

DEFAULT_OFFSETS: tuple[str, ...] = ("7d", "1d", "0d")
FIRE_TIME = time(9, 0)  # London wall-clock time every offset fires at
CLOSING_DAY_LEAD = timedelta(hours=3)  # `0d` fires this long before the close if that is before 09:00
DEFAULT_GRACE = timedelta(minutes=15)  # sent later than this after its time = "late"
_OFFSET = re.compile(r"^(\d{1,3})d$")

# Sent-log statuses. "claimed" = a process is posting (or crashed while posting: never re-sent).
CLAIMED, SENT, LATE_SENT = "claimed", "sent", "late_sent"
SKIPPED, MISSED, FAILED = "skipped", "missed", "failed"
CONTACT_STATUSES = (CLAIMED, SENT, LATE_SENT)  # the subscriber was (or may have been) told

# Plan actions.
SEND, SEND_LATE, SKIP, MISS, UPCOMING = "send", "send_late", "skip", "miss", "upcoming"

PURPOSE_LABEL = {
    "statutory_strike_ballot": "statutory strike ballot",
    "pay_offer_consultation": "consultation",
    "indicative_poll": "indicative ballot",
    "referendum": "referendum",
}


class OffsetError(ValueError):
    """An offset that is not `<days>d` (e.g. '7d', '1d', '0d')."""


@dataclass(frozen=True)
class Subscription:
    """A channel's reminder subscription.

    `targets` are organisation or staff-group ids ('' none = every ballot); `offsets` like ('7d', '1d', '0d');
    `created` (aware UTC) is when it took effect — reminders that fired before it are never sent;
    `paused` (aware UTC or None) is set when Slack refused to post there (not_in_channel …)."""

    id: int
    channel: str
    targets: tuple[str, ...]
    offsets: tuple[str, ...]
    created: datetime
    created_by: str = ""
    team: str = ""
    paused: datetime | None = None
    paused_reason: str = ""

    def covers(self, ballot: Ballot) -> bool:
        """True when this subscription wants `ballot` (its union or staff group is a target, or all)."""
        return not self.targets or ballot.union in self.targets or ballot.staff_group in self.targets


@dataclass(frozen=True)
class SentRecord:
    """One row of the sent log. Key: (ballot_id, subscription_id, offset, closes_utc: UTC ISO text).

    `status` is one of claimed / sent / late_sent / skipped / missed / failed; `claimed` and `confirmed` are
    aware UTC (`confirmed` None until chat.postMessage succeeded); `message_ts` Slack's ts of the post."""

    ballot_id: str
    subscription_id: int
    offset: str
    closes_utc: str
    status: str
    claimed: datetime
    confirmed: datetime | None = None
    message_ts: str | None = None
    detail: str = ""

    @property
    def key(self) -> tuple[str, int, str, str]:
        """(ballot_id, subscription_id, offset, closes_utc)."""
        return (self.ballot_id, self.subscription_id, self.offset, self.closes_utc)

    @property
    def unconfirmed(self) -> bool:
        """True for a claim whose post was never confirmed (e.g. the process crashed mid-send)."""
        return self.status == CLAIMED and self.confirmed is None


@dataclass(frozen=True)
class PlannedReminder:
    """One (ballot, subscription, offset) and what to do about it at `now`.

    `fire_at` and `closes_at` are aware UTC; `action` is send / send_late / skip / miss / upcoming."""

    ballot: Ballot
    subscription: Subscription
    offset: str
    fire_at: datetime
    closes_at: datetime
    action: str

    @property
    def closes_utc(self) -> str:
        """The close instant as the sent log stores it (UTC ISO text)."""
        return to_utc_iso(self.closes_at) or ""

    @property
    def key(self) -> tuple[str, int, str, str]:
        """The sent-log key (ballot_id, subscription_id, offset, closes_utc)."""
        return (self.ballot.id, self.subscription.id, self.offset, self.closes_utc)

    @property
    def late(self) -> bool:
        """True when this reminder is sent as a late catch-up."""
        return self.action == SEND_LATE

    def to_json(self) -> dict:
        """The `strikebot reminders plan --json` shape for one reminder."""
        return {
            "ballot_id": self.ballot.id, "union": self.ballot.union, "staff_group": self.ballot.staff_group,
            "subscription_id": self.subscription.id, "channel": self.subscription.channel,
            "offset": self.offset, "fire_at_utc": to_utc_iso(self.fire_at),
            "fire_at_london": self.fire_at.astimezone(LONDON).isoformat(),
            "closes_utc": self.closes_utc, "action": self.action,
        }


# ---- offsets and times -----------------------------------------------------------------------------------


def parse_offsets(text: str | Iterable[str]) -> tuple[str, ...]:
    """'7d,1d,0d' (or an iterable of such items) -> ('7d', '1d', '0d'): normalised, de-duplicated, latest
    first. Raises OffsetError naming the bad item; an empty input gives DEFAULT_OFFSETS."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: dict[int, str] = {}
    for raw in items:
        item = raw.strip().lower()
        if not item:
            continue
        m = _OFFSET.match(item)
        if not m:
            raise OffsetError(f"{raw.strip()!r} is not an offset; use whole days like 7d, 1d or 0d")
        out[int(m[1])] = f"{int(m[1])}d"
    return tuple(out[d] for d in sorted(out, reverse=True)) or DEFAULT_OFFSETS


def offset_days(offset: str) -> int:
    """'7d' -> 7. Raises OffsetError."""
    m = _OFFSET.match(offset)
    if not m:
        raise OffsetError(f"{offset!r} is not an offset")
    return int(m[1])


def close_instant(ballot: Ballot) -> datetime | None:
    """The instant (aware UTC) `ballot` closes: its time, or the end of a date-only close (London).
    None when there is no close, or it is vaguer than a day (a month cannot be counted down to)."""
    c = ballot.closes
    if c is None or c.precision not in ("day", "minute"):
        return None
    return c.last


def fire_time(closes_at: datetime, offset: str) -> datetime:
    """When `offset` fires for a ballot closing at `closes_at` (aware). Returns aware UTC.

    09:00 Europe/London on the closing date minus N calendar days; for 0d the earlier of that and 3 hours
    before the close."""
    closing_day = closes_at.astimezone(LONDON).date()
    day = closing_day - timedelta(days=offset_days(offset))
    at = datetime.combine(day, FIRE_TIME, tzinfo=LONDON).astimezone(UTC)
    if offset_days(offset) == 0:
        at = min(at, (closes_at - CLOSING_DAY_LEAD).astimezone(UTC))
    return at


def result_known(ballot: Ballot, now: datetime) -> bool:
    """True when the ballot's result has been announced by `now` (a date-only announcement counts from the
    end of that day, as the curation rules say)."""
    return ballot.announced is not None and ballot.announced.last <= now


# ---- planning ----------------------------------------------------------------------------------------------


def plan(ballots: Iterable[Ballot], subscriptions: Iterable[Subscription], sent: Iterable[SentRecord],
         now: datetime, *, grace: timedelta = DEFAULT_GRACE) -> list[PlannedReminder]:
    """Everything the reminders should do at `now` (aware).

    Args: ballots from the knowledge base; subscriptions (paused ones are ignored); the whole sent log;
    `grace` how long after its time a reminder still counts as on time. Returns planned reminders sorted by
    fire time: actions send / send_late (post now), skip / miss (record without posting), upcoming (later).
    Reminders already in the sent log, or that fired before the subscription began, are left out, and so
    are `variant_of` rows (the same ballot as reported by another source)."""
    log: dict[tuple[str, int], list[SentRecord]] = {}
    for r in sent:
        log.setdefault((r.ballot_id, r.subscription_id), []).append(r)
    out: list[PlannedReminder] = []
    ballots = list(ballots)
    for sub in subscriptions:
        if sub.paused is not None:
            continue
        for b in ballots:
            if sub.covers(b) and not b.variant_of:  # a variant row is the same ballot from another source
                out += _plan_one(b, sub, log.get((b.id, sub.id), []), now, grace)
    return sorted(out, key=lambda p: (p.fire_at, p.ballot.id, p.subscription.id))


def _plan_one(ballot: Ballot, sub: Subscription, records: list[SentRecord], now: datetime,
              grace: timedelta) -> list[PlannedReminder]:
    closes_at = close_instant(ballot)
    if closes_at is None or (result_known(ballot, now) and now < closes_at):
        return []  # nothing to count down to, or the result is already out (an early announcement)
    done = {r.offset for r in records if r.closes_utc == to_utc_iso(closes_at)}
    todo = [(fire_time(closes_at, o), o) for o in sub.offsets if o not in done]
    todo = sorted((f, o) for f, o in todo if f >= sub.created)

    def make(f: datetime, o: str, action: str) -> PlannedReminder:
        return PlannedReminder(ballot, sub, o, f, closes_at, action)

    upcoming = [make(f, o, UPCOMING) for f, o in todo if f > now]
    fired = [(f, o) for f, o in todo if f <= now]
    if not fired:
        return upcoming
    if now >= closes_at:
        return [make(f, o, MISS) for f, o in fired]
    last_contact = max((r.claimed for r in records if r.status in CONTACT_STATUSES), default=None)
    *older, (f, o) = fired
    plans = [make(fo, oo, SKIP) for fo, oo in older]
    if last_contact is not None and last_contact >= f:
        plans.append(make(f, o, SKIP))  # they heard about this ballot after this offset fired
    else:
        plans.append(make(f, o, SEND_LATE if now - f > grace else SEND))
    return plans + upcoming


# ---- composing ---------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """Escape Slack's control characters so curated text can never become markup (or ping @channel)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _closes_phrase(ballot: Ballot) -> str:
    c = ballot.closes
    assert c is not None
    if c.precision == "minute":
        return f"closes at {fmt_time(c.first)} on {fmt_day(c.first)}"
    return f"closes at the end of {fmt_partial(c)}"


def source_at(ballot: Ballot, now: datetime) -> Source:
    """The source to cite at `now`: the ballot's own source if it was published by then, else the newest of
    its other sources that was, else its own (a reminder sent before a ballot closes should not cite an
    article about its result that did not exist yet)."""
    candidates = [(t, s) for s in (ballot.source, *ballot.other_sources)
                  if (t := published_moment(s.published)) and t <= now]
    if not candidates or candidates[0][1] is ballot.source:
        return ballot.source
    return max(candidates, key=lambda c: c[0])[1]


@dataclass(frozen=True)
class ReminderMessage:
    """A composed reminder: `text` is the plain-text fallback, `blocks` Block Kit (list of dicts)."""

    text: str
    blocks: list[dict]


def compose(p: PlannedReminder, now: datetime, *, union_names: Mapping[str, str] | None = None,
            group_names: Mapping[str, str] | None = None) -> ReminderMessage:
    """The reminder for `p` as sent at `now` (aware): union, staff group, what the ballot decides, when it
    closes (Europe/London, with weekday), how long is left and its source.

    `union_names` / `group_names` map ids to display names (ids are shown when absent)."""
    b = p.ballot
    union = _esc((union_names or {}).get(b.union, b.union))
    group = _esc((group_names or {}).get(b.staff_group, b.staff_group.replace("_", " ")))
    what = f"{PURPOSE_LABEL.get(b.purpose, b.purpose.replace('_', ' '))} on {_esc(b.subject)}"
    left = fmt_duration(p.closes_at - now) if p.closes_at > now else "no time"
    headline = f"{union} ballot reminder: {group}, {_closes_phrase(b)}"  # the date first (read on a phone)
    body = f"The {union} {what} for {group} {_closes_phrase(b)}. Time left: {left}."
    late = ""
    if p.late:
        due = p.fire_at
        late = f"(Late: this reminder was due at {fmt_time(due)} on {fmt_day(due)}.)"
    src = source_at(b, now)
    url = src.url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    src_plain = f"Source: {_esc(src.title)}, {_esc(src.publisher)} ({_esc(fmt_curated(src.published))}) {url}"
    label = _esc(src.title).replace("|", "/")
    src_mrkdwn = f"Source: <{url}|{label}>, {_esc(src.publisher)} ({_esc(fmt_curated(src.published))})"
    text = "\n".join(x for x in (headline, body, late, src_plain) if x)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},  # Slack's header limit
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
    ]
    if late:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": late}]})
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": src_mrkdwn}]})
    return ReminderMessage(text, blocks)


def describe_subscription(sub: Subscription, names: Mapping[str, str] | None = None) -> str:
    """One line about `sub`: '<#C123> — Unite, GMB — 7d, 1d, 0d — paused: not_in_channel'."""
    what = ", ".join((names or {}).get(t, t) for t in sub.targets) or "all ballots"
    line = f"<#{sub.channel}>: {what}; offsets {', '.join(sub.offsets)}"
    if sub.paused is not None:
        line += f"; PAUSED since {fmt_day(sub.paused, weekday=False)} ({sub.paused_reason})"
    return line
