"""Posting due reminders to Slack exactly once, and the scheduler thread inside `strikebot serve`.

Exactly once: each reminder is claimed in SQLite (an INSERT into the sent log, one short transaction) before
it is posted; only the process whose INSERT went in posts, and it confirms the row after chat.postMessage
succeeds. A claim that was never confirmed (the process died mid-send, or the connection dropped so we cannot
know whether Slack posted) is never re-sent; `strikebot reminders list` shows it as unconfirmed. A definite
error answer from Slack means nothing was posted, so the claim is released for the next run — except
not_in_channel / channel_not_found / is_archived, which pause the subscription and tell its subscriber once.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.composing import any_published_by
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.models import Ballot
from bot.periodic import start_periodic
from bot.reminders import (
    DEFAULT_GRACE,
    LATE_SENT,
    MISS,
    MISSED,
    SEND,
    SEND_LATE,
    SENT,
    SKIP,
    SKIPPED,
    PlannedReminder,
    Subscription,
    compose,
    plan,
)
from bot.state import StateStore

log = logging.getLogger(__name__)

CHANNEL_ERRORS = ("not_in_channel", "channel_not_found", "is_archived")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass
class DeliveryReport:
    """What one `send_due` run did. Lists of planned reminders, except `paused` (subscriptions)."""

    sent: list[PlannedReminder] = field(default_factory=list)  # posted and confirmed (late ones too)
    skipped: list[PlannedReminder] = field(default_factory=list)  # older missed offsets, recorded
    missed: list[PlannedReminder] = field(default_factory=list)  # ballot closed while we were down
    lost_claim: list[PlannedReminder] = field(default_factory=list)  # another process claimed it first
    unconfirmed: list[PlannedReminder] = field(default_factory=list)  # claimed; post outcome unknown
    failed: list[PlannedReminder] = field(default_factory=list)  # Slack said no; released or failed
    paused: list[Subscription] = field(default_factory=list)

    def summary(self) -> str:
        """One line: 'sent 2 (late 0), skipped 0, missed 0, …'."""
        late = sum(1 for p in self.sent if p.late)
        return (f"sent {len(self.sent)} (late {late}), skipped {len(self.skipped)}, "
                f"missed {len(self.missed)}, "
                f"claimed elsewhere {len(self.lost_claim)}, unconfirmed {len(self.unconfirmed)}, "
                f"failed {len(self.failed)}, subscriptions paused {len(self.paused)}")


def make_client(settings: Settings) -> WebClient:
    """A WebClient with the bot token, `SLACK_API_URL` as base URL when set, and only 429 retries (honouring
    Retry-After; slack_sdk retries rate limits only when this handler is installed).

    slack_sdk's default connection-error retry is deliberately left out: a connection that drops after Slack
    received chat.postMessage would be retried and post the reminder twice. Such a claim stays unconfirmed."""
    kwargs: dict = {"token": settings.slack_bot_token,
                    "retry_handlers": [RateLimitErrorRetryHandler(max_retry_count=3)]}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url
    return WebClient(**kwargs)


def _names(kb: KnowledgeBase) -> tuple[dict[str, str], dict[str, str]]:
    return ({o.id: o.name for o in kb.organisations().values()},
            {g.id: g.name for g in kb.staff_groups().values()})


def public_ballots(kb: KnowledgeBase, now: datetime) -> list[Ballot]:
    """Ballots that were public at `now` (a curated source out by then): a reminder is never planned, nor sent,
    for a ballot nobody had announced yet (a `--now` in the past must not look ahead)."""
    return [b for b in kb.all("ballot") if any_published_by(b, now)]  # type: ignore[misc]


def send_due(kb: KnowledgeBase, state: StateStore, client: WebClient | None, *, now: datetime,
             grace: timedelta = DEFAULT_GRACE,
             client_for: Callable[[str], WebClient | None] | None = None) -> DeliveryReport:
    """Post every reminder due at `now` (aware), record skips and misses, and return what happened.

    Each subscription's reminders go out with `client_for(subscription.team)` when given (OAuth mode: that
    workspace's token; None = not installed, its reminders wait unclaimed), else with `client`.
    Safe to run from several processes at once and again after a crash: a reminder is posted only by the
    process that claimed it, and a claim is never re-posted. Subscriptions of a disabled workspace
    (`StateStore.disable_workspace`) are left out."""
    ballots = public_ballots(kb, now)
    report = DeliveryReport()
    union_names, group_names = _names(kb)
    paused: set[int] = set()
    clients: dict[str, WebClient | None] = {}
    # a workspace that revoked the bot's tokens or uninstalled it gets nothing until it is enabled again
    subs = [s for s in state.subscriptions() if not state.is_disabled(s.team)]
    for p in plan(ballots, subs, state.reminder_log(), now, grace=grace):
        if p.action == SKIP:
            due = f"was due {p.fire_at.isoformat()}"
            if state.record_reminder(p.key, SKIPPED, now, detail=f"superseded; {due}"):
                log.info("reminder skipped (superseded while down): %s %s -> %s", p.ballot.id, p.offset,
                         p.subscription.channel)
                report.skipped.append(p)
        elif p.action == MISS:
            if state.record_reminder(p.key, MISSED, now, detail=f"closed; was due {p.fire_at.isoformat()}"):
                log.warning("reminder missed (ballot %s closed before it could be sent): %s -> %s",
                            p.ballot.id, p.offset, p.subscription.channel)
                report.missed.append(p)
        elif p.action in (SEND, SEND_LATE) and p.subscription.id not in paused:
            team = p.subscription.team
            if team not in clients:
                clients[team] = client_for(team) if client_for is not None else client
                if clients[team] is None:
                    log.warning("no bot token for workspace %s: its reminders wait until it is installed", team)
            if clients[team] is not None:
                _deliver(p, state, clients[team], now, report, paused, union_names, group_names)
    if report.sent or report.skipped or report.missed or report.failed or report.unconfirmed:
        log.info("reminders at %s: %s", now.isoformat(), report.summary())
    return report


def _deliver(p: PlannedReminder, state: StateStore, client: WebClient, now: datetime, report: DeliveryReport,
             paused: set[int], union_names: dict[str, str], group_names: dict[str, str]) -> None:
    if not state.claim_reminder(p.key, now, detail="late" if p.late else ""):
        report.lost_claim.append(p)  # another process (or an earlier crashed run) owns it: never post twice
        return
    msg = compose(p, now, union_names=union_names, group_names=group_names)
    try:
        resp = client.chat_postMessage(channel=p.subscription.channel, text=msg.text, blocks=msg.blocks,
                                       unfurl_links=False, unfurl_media=False)
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        report.failed.append(p)
        if error in CHANNEL_ERRORS:
            state.fail_reminder(p.key, error)
            paused.add(p.subscription.id)
            _pause(p.subscription, error, state, client, now, report)
        else:
            state.release_reminder(p.key)  # Slack answered with an error: nothing was posted; retry later
            log.warning("reminder %s %s -> %s not posted (%s); will retry", p.ballot.id, p.offset,
                        p.subscription.channel, error or exc)
        return
    except Exception:  # noqa: BLE001 - outcome unknown (timeout, dropped connection): keep the claim
        report.unconfirmed.append(p)
        log.exception("reminder %s %s -> %s: post outcome unknown; left unconfirmed and will not be re-sent",
                      p.ballot.id, p.offset, p.subscription.channel)
        return
    state.confirm_reminder(p.key, LATE_SENT if p.late else SENT, str(resp.get("ts", "")), now)
    report.sent.append(p)
    log.info("reminder sent%s: %s %s -> %s", " (late)" if p.late else "", p.ballot.id, p.offset,
             p.subscription.channel)


def _pause(sub: Subscription, error: str, state: StateStore, client: WebClient, now: datetime,
           report: DeliveryReport) -> None:
    if not state.pause_subscription(sub.id, error, now):
        return  # someone else paused it (and told the subscriber)
    report.paused.append(replace(sub, paused=now, paused_reason=error))
    log.warning("reminder subscription for %s paused: Slack said %s", sub.channel, error)
    if not _USER_ID.match(sub.created_by or ""):
        log.warning("subscription for %s has no Slack user to tell (made from the command line)", sub.channel)
        return
    text = (f"I could not post ballot reminders in <#{sub.channel}> (Slack said `{error}`), so I have paused "
            f"that subscription. Invite me to the channel, then use `/strikebot remind on <#{sub.channel}>` "
            "to start again.")
    try:
        client.chat_postMessage(channel=sub.created_by, text=text)
    except Exception as exc:  # noqa: BLE001 - telling them is best effort; the pause and the log stand
        log.warning("could not tell %s that %s was paused: %s", sub.created_by, sub.channel, exc)


# ---- the scheduler inside `strikebot serve` ----------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


def start_scheduler(settings: Settings, kb: KnowledgeBase, state: StateStore, client: WebClient, *,
                    interval_s: float = 60, stop_event: threading.Event,
                    clock: Callable[[], datetime] = _utcnow,
                    client_for: Callable[[str], WebClient | None] | None = None) -> threading.Thread:
    """Start a daemon thread that subscribes the default reminder channels (`ensure_default_subscription`)
    and then runs `send_due` every `interval_s` seconds until `stop_event` is set, posting with
    `client_for(team)` when given (OAuth mode), else `client`. `clock()` returns aware UTC (tests pass a frozen one).
    Returns the started thread. An error in one run is logged and the next run goes ahead."""
    from bot.reminder_service import ensure_default_subscription

    first = [True]

    def tick() -> None:
        if first[0]:
            first[0] = False
            try:
                ensure_default_subscription(settings, state, clock())
            except Exception:  # noqa: BLE001 - a bad start-up subscription must not stop the reminders
                log.exception("could not subscribe REMINDER_CHANNEL")
        send_due(kb, state, client, now=clock(), client_for=client_for)

    return start_periodic("strikebot-reminders", tick, stop_event=stop_event, interval_s=interval_s,
                          on_stop=state.close)

