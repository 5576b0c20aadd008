"""Posting due reminders to Slack exactly once, and the scheduler thread inside `strikebot serve`.

Exactly once: each reminder is claimed in the state database (an insert into the sent log on its unique key,
with a lease) before it is posted; only the process whose claim went in posts, with Slack message metadata
naming the reminder (`REMINDER_EVENT_TYPE`, payload {"reminder": key}), and it confirms the row after
chat.postMessage succeeds. Then:
- a definite non-send — Slack answered with an error, the connection was refused, the name did not resolve —
  releases the claim: the next run posts it;
- an ambiguous outcome — a timeout after sending, a dropped connection, HTTP 5xx, `fatal_error` — keeps the
  claim but ends its lease; and a process killed between claim and post leaves a claim whose lease runs out.
  Either way the next run takes the claim over and settles it first: it looks for a message carrying the
  reminder's metadata in the channel's history (conversations.history; the channels:history and
  groups:history scopes) and confirms that one, or posts only if there is none;
- not_in_channel / channel_not_found / is_archived pause the subscription and tell its subscriber once;
- a revoked or uninstalled workspace gets nothing: its subscriptions are skipped, including ones made from the
  command line (no team recorded: they belong to the bot token's workspace, `team`).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import urllib.error
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

REMINDER_EVENT_TYPE = "strikebot_reminder"
CLAIM_LEASE = timedelta(minutes=5)  # a claimed reminder not confirmed by then is settled and re-sent
CHANNEL_ERRORS = ("not_in_channel", "channel_not_found", "is_archived")
TOKEN_ERRORS = ("invalid_auth", "token_revoked", "account_inactive", "not_authed", "team_disabled")
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
    received chat.postMessage would be retried and post the reminder twice. Such a claim is settled (looked up
    in the channel's history) on the next run instead."""
    kwargs: dict = {"token": settings.slack_bot_token,
                    "retry_handlers": [RateLimitErrorRetryHandler(max_retry_count=3)]}
    if settings.slack_api_url:
        kwargs["base_url"] = settings.slack_api_url
    from bot.slack.webclient import KeepAliveWebClient

    return KeepAliveWebClient(**kwargs)


def _names(kb: KnowledgeBase) -> tuple[dict[str, str], dict[str, str]]:
    return ({o.id: o.name for o in kb.organisations().values()},
            {g.id: g.name for g in kb.staff_groups().values()})


def public_ballots(kb: KnowledgeBase, now: datetime) -> list[Ballot]:
    """Ballots that were public at `now` (a curated source out by then): a reminder is never planned, nor sent,
    for a ballot nobody had announced yet (a `--now` in the past must not look ahead)."""
    return [b for b in kb.all("ballot") if any_published_by(b, now)]  # type: ignore[misc]


def _token_team(client: WebClient) -> str | None:
    """The bot token's workspace (auth.test), '' when the token is refused (revoked / uninstalled), None
    when Slack cannot be asked now."""
    try:
        return str(client.auth_test().get("team_id") or "")
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        return "" if error in TOKEN_ERRORS else None
    except Exception:  # noqa: BLE001 - Slack unreachable: nothing could be posted anyway
        return None


def send_due(kb: KnowledgeBase, state: StateStore, client: WebClient | None, *, now: datetime,
             grace: timedelta = DEFAULT_GRACE, team: str | None = None,
             client_for: Callable[[str], WebClient | None] | None = None) -> DeliveryReport:
    """Post every reminder due at `now` (aware), record skips and misses, and return what happened.

    Each subscription's reminders go out with `client_for(subscription.team)` when given (OAuth mode: that
    workspace's installed token; None = not installed, and its reminders wait unclaimed), else with `client`.

    Safe to run from several processes at once and again after a crash: a reminder is posted only by the
    process holding its claim, and a claim whose lease ran out is settled (found in Slack, or not) before it
    is posted again. Subscriptions of a disabled workspace (`StateStore.disable_workspace`) are left out;
    one made without a team belongs to `team`, the bot token's workspace (asked with auth.test when None
    and needed)."""
    ballots = public_ballots(kb, now)
    report = DeliveryReport()
    union_names, group_names = _names(kb)
    paused: set[int] = set()
    clients: dict[str, WebClient | None] = {}

    def client_of(p: PlannedReminder) -> WebClient | None:
        t = p.subscription.team
        if t not in clients:
            clients[t] = client_for(t) if client_for is not None else client
            if clients[t] is None:
                log.warning("no bot token for workspace %r: its reminders wait until it is installed", t)
        return clients[t]

    # a workspace that revoked the bot's tokens or uninstalled it gets nothing until it is enabled again
    disabled = state.disabled_workspaces()
    subs = state.subscriptions()
    if client is not None and client_for is None and disabled and team is None and any(not s.team for s in subs):
        team = _token_team(client)
        if team == "":
            log.warning("the bot token was refused: no reminders sent")
            return report
    subs = [s for s in subs if (s.team or team or "") not in disabled]
    resumable = state.expired_reminder_claims(now)  # re-planned, and settled before any re-send
    log_rows = [r for r in state.reminder_log() if r.key not in resumable]
    for p in plan(ballots, subs, log_rows, now, grace=grace):
        if p.key in resumable and p.action in (SKIP, MISS):
            if (c := client_of(p)) is not None:
                _settle_without_sending(p, state, c, now, report)
        elif p.action == SKIP:
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
            if (c := client_of(p)) is not None:
                _deliver(p, state, c, now, report, paused, union_names, group_names)
    if report.sent or report.skipped or report.missed or report.failed or report.unconfirmed:
        log.info("reminders at %s: %s", now.isoformat(), report.summary())
    return report


def reminder_id(key: tuple[str, int, str, str]) -> str:
    """The reminder's id as carried in its message metadata: 'ballot|subscription|offset|closes_utc'."""
    return "|".join(str(k) for k in key)


def find_posted(client: WebClient, channel: str, key: tuple[str, int, str, str], since: datetime) -> str | None:
    """The ts of a message in `channel` posted since `since` whose metadata names reminder `key`, or None.
    Raises what conversations.history raises."""
    cursor = None
    for _ in range(5):  # at most 1,000 messages back
        resp = client.conversations_history(channel=channel, oldest=f"{since.timestamp():.6f}", limit=200,
                                            include_all_metadata=True, cursor=cursor)
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            if meta.get("event_type") == REMINDER_EVENT_TYPE and \
                    (meta.get("event_payload") or {}).get("reminder") == reminder_id(key):
                return str(m.get("ts"))
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def _definitely_not_sent(exc: Exception) -> bool:
    """True when the request certainly never reached Slack: connection refused, or the name did not resolve."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


def _settle_without_sending(p: PlannedReminder, state: StateStore, client: WebClient, now: datetime,
                            report: DeliveryReport) -> None:
    """A resumable claim whose reminder is now past sending (superseded or closed): record it as posted if
    Slack has it, else as skipped / missed."""
    if state.claim_reminder(p.key, now, lease=CLAIM_LEASE) != "resumed":
        return
    try:
        ts = find_posted(client, p.subscription.channel, p.key, p.fire_at - timedelta(days=1))
    except Exception as exc:  # noqa: BLE001 - cannot settle it now; the next run tries again
        state.defer_reminder(p.key, now, f"could not settle: {exc}")
        report.unconfirmed.append(p)
        return
    if ts:
        state.confirm_reminder(p.key, SENT, ts, now)
        report.sent.append(p)
        return
    status = SKIPPED if p.action == SKIP else MISSED
    state.settle_reminder(p.key, status, now, detail=f"unconfirmed claim, not in Slack; {status}")
    (report.skipped if p.action == SKIP else report.missed).append(p)


def _deliver(p: PlannedReminder, state: StateStore, client: WebClient, now: datetime, report: DeliveryReport,
             paused: set[int], union_names: dict[str, str], group_names: dict[str, str]) -> None:
    claim = state.claim_reminder(p.key, now, detail="late" if p.late else "", lease=CLAIM_LEASE)
    if claim is None:
        report.lost_claim.append(p)  # another process holds it (or it is done): never post twice
        return
    status = LATE_SENT if p.late else SENT
    if claim == "resumed":  # an earlier holder died or its outcome was unknown: did Slack get it?
        try:
            ts = find_posted(client, p.subscription.channel, p.key, p.fire_at - timedelta(days=1))
        except Exception as exc:  # noqa: BLE001 - cannot settle it now; never re-send unsettled
            state.defer_reminder(p.key, now, f"could not settle: {exc}")
            report.unconfirmed.append(p)
            log.warning("reminder %s %s -> %s: could not look it up (%s); will try again", p.ballot.id,
                        p.offset, p.subscription.channel, exc)
            return
        if ts:
            state.confirm_reminder(p.key, status, ts, now)
            report.sent.append(p)
            log.info("reminder %s %s -> %s was posted already (ts %s); confirmed", p.ballot.id, p.offset,
                     p.subscription.channel, ts)
            return
    msg = compose(p, now, union_names=union_names, group_names=group_names)
    try:
        resp = client.chat_postMessage(channel=p.subscription.channel, text=msg.text, blocks=msg.blocks,
                                       unfurl_links=False, unfurl_media=False,
                                       metadata={"event_type": REMINDER_EVENT_TYPE,
                                                 "event_payload": {"reminder": reminder_id(p.key)}})
    except SlackApiError as exc:
        error = str(exc.response.get("error", "")) if exc.response is not None else ""
        status_code = getattr(exc.response, "status_code", 200) if exc.response is not None else 200
        report.failed.append(p)
        if error in CHANNEL_ERRORS:
            state.fail_reminder(p.key, error)
            paused.add(p.subscription.id)
            _pause(p.subscription, error, state, client, now, report)
        elif status_code >= 500 or error in ("fatal_error", "internal_error", "service_unavailable",
                                             "request_timeout"):
            report.failed.remove(p)
            report.unconfirmed.append(p)
            state.defer_reminder(p.key, now, f"outcome unknown: {error or status_code}")
            log.warning("reminder %s %s -> %s: Slack failed (%s); it is looked up before any re-send",
                        p.ballot.id, p.offset, p.subscription.channel, error or status_code)
        else:
            if error in TOKEN_ERRORS and p.subscription.team:
                state.disable_workspace(p.subscription.team, error, now)
            state.release_reminder(p.key)  # Slack answered with an error: nothing was posted; retry later
            log.warning("reminder %s %s -> %s not posted (%s); will retry", p.ballot.id, p.offset,
                        p.subscription.channel, error or exc)
        return
    except Exception as exc:  # noqa: BLE001 - not sent for sure, or outcome unknown: told apart below
        if _definitely_not_sent(exc):
            state.release_reminder(p.key)
            report.failed.append(p)
            log.warning("reminder %s %s -> %s not posted (Slack unreachable: %s); will retry", p.ballot.id,
                        p.offset, p.subscription.channel, exc)
        else:
            state.defer_reminder(p.key, now, f"outcome unknown: {exc}")
            report.unconfirmed.append(p)
            log.warning("reminder %s %s -> %s: post outcome unknown (%s); it is looked up before any re-send",
                        p.ballot.id, p.offset, p.subscription.channel, exc)
        return
    state.confirm_reminder(p.key, status, str(resp.get("ts", "")), now)
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
                    clock: Callable[[], datetime] = _utcnow, team: str | None = None,
                    client_for: Callable[[str], WebClient | None] | None = None) -> threading.Thread:
    """Start a daemon thread that subscribes the default reminder channels (`ensure_default_subscription`:
    each workspace's, and REMINDER_CHANNEL in single-workspace mode) and then runs `send_due` every
    `interval_s` seconds until `stop_event` is set, posting with `client_for(team)` when given (OAuth mode),
    else `client`. `clock()` returns aware UTC (tests pass a frozen one).
    `team` is the bot token's workspace. Returns the started thread. An error in one run is logged and the
    next run goes ahead. Every `serve` worker may run one: the claims keep each reminder to one post."""
    from bot.reminder_service import ensure_default_subscription

    first = [True]

    def tick() -> None:
        if first[0]:
            first[0] = False
            try:
                ensure_default_subscription(settings, state, clock())
            except Exception:  # noqa: BLE001 - a bad start-up subscription must not stop the reminders
                log.exception("could not subscribe REMINDER_CHANNEL")
        send_due(kb, state, client, now=clock(), team=team, client_for=client_for)

    return start_periodic("strikebot-reminders", tick, stop_event=stop_event, interval_s=interval_s,
                          on_stop=state.close)

