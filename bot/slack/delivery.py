"""Replies to mentions and DMs, posted exactly once.

The event was claimed before its ack, with the work it stands for (bot.slack.app `_guard`). Here the answer is
posted with Slack message metadata naming the claim (`REPLY_EVENT_TYPE`, payload {"claim": key}), and the
claim is closed as done after the post. What can go wrong, and what happens:

- Slack refuses the blocks (`invalid_blocks`) -> the same answer as plain text; the text is too long
  (`msg_too_long`) -> a cut answer ending with a link to its source.
- The post certainly did not happen (connection refused, DNS failure, rate limited after the client's
  retries) or may have happened (a timeout after sending, a dropped connection, HTTP 5xx, `fatal_error`) ->
  the claim is kept and its lease ended `retry_delay` from now; the claim resumer (`resume_expired`, every
  process, every minute and at start-up) takes it over, first looks for a reply carrying the claim's metadata
  in the conversation (conversations.replies / conversations.history, so the bot needs the channels:history,
  groups:history, im:history and mpim:history scopes), and posts only if there is none.
- The process dies after the ack (kill -9) -> the same: its lease runs out and another process resumes it.
- The holder is so slow that its lease ran out and another process took the claim over -> right before the
  post the holder extends its lease only if the claim is still its own (`StateStore.hold_event`), and posts
  nothing when it is not: the new holder answers. (A reply ready within a quarter of the lease skips that
  check: nobody can have taken its claim yet, and most of the lease is left for the post; see `_fresh`.)
- After MAX_ATTEMPTS tries the claim is closed as failed and one short apology is posted — only by the caller
  that closed it, so at most one per question and never after a posted answer.

Every outcome is logged and counted (`COUNTS`, in this process).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import urllib.error
from collections import Counter
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError

from bot.slack import blocks
from bot.slack.text import slack_to_plain
from bot.state import StateUnavailable

if TYPE_CHECKING:
    from bot.slack.app import Claim, Deps

log = logging.getLogger(__name__)

REPLY_EVENT_TYPE = "strikebot_reply"
MAX_ATTEMPTS = 3
CUT_AT = 3500  # characters of an answer kept when Slack says msg_too_long
TRANSIENT_ERRORS = ("ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout")
NO_REPLY_POSSIBLE = ("not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "account_inactive",
                     "token_revoked", "not_authed", "restricted_action", "cannot_reply_to_message")

COUNTS: Counter[str] = Counter()
_counts_lock = threading.Lock()


def _count(what: str) -> None:
    with _counts_lock:
        COUNTS[what] += 1


def outcome_of(exc: Exception) -> str:
    """Classify a failed post: 'not_sent' (certainly not posted: connection refused, DNS failure, rate
    limited), 'unknown' (may have been posted: timeouts, dropped connections, 5xx, fatal_error), or Slack's
    error code for a definite refusal (e.g. 'invalid_blocks', 'msg_too_long', 'channel_not_found')."""
    if isinstance(exc, SlackApiError):
        resp = exc.response
        code = str(resp.get("error") or "") if resp is not None else ""
        status = getattr(resp, "status_code", 200) if resp is not None else 200
        if code == "ratelimited" or status == 429:
            return "not_sent"
        if status >= 500 or code in TRANSIENT_ERRORS or not code:
            return "unknown"
        return code
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, ConnectionRefusedError | socket.gaierror):
        return "not_sent"
    return "unknown"


def reply_to_event(deps: Deps, client: WebClient, event: dict, *, bot_user_id: str | None, claim: Claim | None,
                   resumed: bool = False, team: str | None = None) -> None:
    """Answer a mention (in its thread) or a DM (in the DM) of workspace `team` and post it exactly once under
    `claim`. `resumed`: the claim was taken over from an earlier holder, so look for its reply before posting."""
    from bot.slack.listeners.replies import answer_reply

    question = slack_to_plain(event.get("text"), bot_user_id=bot_user_id)
    msg = answer_reply(deps, question, user_id=event["user"], team=team)
    post_reply(deps, client, event, msg, thread_ts=thread_of(event), claim=claim, resumed=resumed)


def thread_of(event: dict) -> str | None:
    """Where the reply to `event` goes: the thread it came from; a new thread under a mention; else None."""
    return event.get("thread_ts") or (event["ts"] if event.get("type") == "app_mention" else None)


def find_reply(client: WebClient, channel: str, thread_ts: str | None, since_ts: str, key: str) -> str | None:
    """The ts of a message in `channel` (in thread `thread_ts`, or the channel itself) posted since `since_ts`
    whose metadata names claim `key`, or None. Raises what the Web API call raises."""
    kwargs = {"channel": channel, "oldest": since_ts, "include_all_metadata": True, "limit": 200,
              "inclusive": True}
    resp = client.conversations_replies(ts=thread_ts, **kwargs) if thread_ts else \
        client.conversations_history(**kwargs)
    for m in resp.get("messages") or []:
        meta = m.get("metadata") or {}
        if meta.get("event_type") == REPLY_EVENT_TYPE and (meta.get("event_payload") or {}).get("claim") == key:
            return str(m.get("ts"))
    return None


def _first_link(msg: blocks.Message) -> str | None:
    m = re.search(r"<(https?://[^|>\s]+)", msg.text + json.dumps(msg.blocks or []))
    return m[1] if m else None


def _fallbacks(msg: blocks.Message, code: str) -> dict | None:
    """A shorter message Slack may accept after refusing `msg` with `code`, as chat.postMessage kwargs."""
    if code in ("invalid_blocks", "invalid_blocks_format"):
        return {"text": msg.text}
    if code == "msg_too_long":
        link = _first_link(msg)
        cut = msg.text[:CUT_AT].rsplit(" ", 1)[0]
        return {"text": f"{cut} …\n(cut short: too long for Slack." + (f" Full details: {link})" if link else ")")}
    return None


def post_reply(deps: Deps, client: WebClient, event: dict, msg: blocks.Message, *, thread_ts: str | None,
               claim: Claim | None, resumed: bool = False) -> str | None:
    """Post `msg` in reply to `event` under `claim` (see the module docstring). Returns the posted ts, or None
    when nothing was posted (yet)."""
    channel = event["channel"]
    key = claim.key if claim else ""
    if claim is not None and (claim.durable and resumed or claim.settle_first):
        try:
            found = find_reply(client, channel, thread_ts, event["ts"], key)
        except Exception as exc:  # noqa: BLE001 - cannot settle it now: try again later
            if not (claim.durable and resumed):
                # a retry's look is a precaution (a workspace installed before the history scopes cannot look
                # at all): answer it rather than defer it into an apology
                log.info("could not look for an earlier reply to retried %s (%s): answering", key, outcome_of(exc))
                found = None
            else:
                _retry_later(deps, client, event, claim, f"lookup failed: {outcome_of(exc)}", thread_ts)
                return None
        if found:
            _count("settled_already_posted")
            log.info("reply for %s was already posted (ts %s): not posting again", key, found)
            if claim.durable:
                deps.state.finish_event(key, claim.owner, deps.wall(), reply_ts=found)
            return found
    if claim is not None and claim.durable and not _fresh(deps, claim) and not _still_held(deps, claim):
        _count("lost_claim")
        log.warning("the claim on %s was taken over by another process before its reply was posted: not posting",
                    key)
        return None
    meta = {"metadata": {"event_type": REPLY_EVENT_TYPE, "event_payload": {"claim": key}}} if key else {}
    base = {"channel": channel, "thread_ts": thread_ts, "unfurl_links": False, "unfurl_media": False, **meta}
    attempt, fell_back = msg.kwargs(), False
    while True:  # the message, then at most one shorter fallback
        try:
            resp = client.chat_postMessage(**base, **attempt)
            break
        except Exception as exc:  # noqa: BLE001 - every failure is classified and handled below
            outcome = outcome_of(exc)
            fallback = None if fell_back else _fallbacks(msg, outcome)
            if fallback is not None:
                _count(f"fallback_{outcome}")
                log.warning("Slack refused a reply for %s (%s): posting a shorter one", key or "?", outcome)
                attempt, fell_back = fallback, True
                continue
            if outcome in ("not_sent", "unknown"):
                _count(f"retry_{outcome}")
                _retry_later(deps, client, event, claim, outcome, thread_ts)
            else:
                _count(f"refused_{outcome}")
                log.warning("Slack refused a reply for %s: %s", key or "?", outcome)
                if claim is not None and claim.durable:
                    deps.state.finish_event(key, claim.owner, deps.wall(), status="failed", detail=outcome)
                if outcome not in NO_REPLY_POSSIBLE and claim is not None:
                    apologise(deps, client, event, claim, outcome, already_closed=True)
            return None
    ts = str(resp.get("ts") or "")
    _count("posted")
    if claim is not None and not claim.durable:
        _record_memory_claim(deps, claim)
    if claim is not None and claim.durable:
        try:
            deps.state.finish_event(key, claim.owner, deps.wall(), reply_ts=ts)
        except Exception as exc:  # noqa: BLE001 - the lease runs out; the resumer finds the reply and closes it
            log.warning("reply %s posted but its claim could not be closed now (%s)", key, exc)
    return ts


def _record_memory_claim(deps: Deps, claim: Claim) -> None:
    """A reply posted under a claim made in memory (the state database was away at ack time): record the event
    as done in the database now, so that other processes and instances drop its retries too. Best effort: if
    the database is still away, this process's memory (`Deps.remembered`) keeps dropping them here."""
    mkey, ckey = claim.message_keys
    try:
        deps.state.claim_event(claim.key, deps.wall(), message_key=mkey, client_msg_key=ckey)
    except StateUnavailable as exc:
        log.warning("reply for %s posted; the state database is still away: recording it once it is back (%s)",
                    claim.key, exc)
        with deps._memory_lock:
            deps.unrecorded.append(claim)


def flush_memory_claims(deps: Deps) -> int:
    """Record in the state database the events answered under claims made in memory whose first try to record
    them failed (`_record_memory_claim`); called every second by the claim resumer's companion thread. Returns
    how many were recorded now; the rest wait for the next call."""
    with deps._memory_lock:
        pending, deps.unrecorded = deps.unrecorded, []
    done = 0
    for i, claim in enumerate(pending):
        mkey, ckey = claim.message_keys
        try:
            deps.state.claim_event(claim.key, deps.wall(), message_key=mkey, client_msg_key=ckey)
            done += 1
        except StateUnavailable:
            with deps._memory_lock:
                deps.unrecorded[:0] = pending[i:]  # still away: keep the rest, oldest first
            break
    return done


def _fresh(deps: Deps, claim: Claim) -> bool:
    """True when `claim`'s lease began under a quarter of `deps.lease` ago: no other process can have taken
    it over (that needs the lease to have run out) and over three quarters of it are left for the post, so
    checking and extending it (`_still_held`, a write to the state database per reply) can be skipped. A
    reply that took longer — queued behind a burst, or resumed late — is checked as before."""
    return claim.since is not None and deps.wall() - claim.since < deps.lease / 4


def _still_held(deps: Deps, claim: Claim) -> bool:
    """Extend `claim`'s lease for the post (`deps.lease` from now) if it is still this holder's; False when its
    lease ran out and another process took it over (it answers instead). A state database failing right now
    cannot say: the reply is posted (True), as it was before the check existed."""
    try:
        return deps.state.hold_event(claim.key, claim.owner, deps.wall() + deps.lease)
    except SQLAlchemyError as exc:
        log.warning("could not extend the claim on %s before posting (%s): posting anyway", claim.key, exc)
        return True


def _retry_later(deps: Deps, client: WebClient, event: dict, claim: Claim | None, why: str,
                 thread_ts: str | None) -> None:
    """Give the claim back for a later try, or — out of tries, or with no durable claim — give up with one
    apology (after checking that the reply did not in fact go out)."""
    if claim is not None and claim.durable and claim.attempts < MAX_ATTEMPTS:
        until = deps.wall() + deps.retry_delay
        log.warning("reply for %s not posted (%s, try %d of %d): trying again after %s", claim.key, why,
                    claim.attempts, MAX_ATTEMPTS, until.isoformat(timespec="seconds"))
        deps.state.defer_event(claim.key, claim.owner, until, why)
        return
    _count("gave_up")
    if claim is not None and claim.durable and why != "not_sent":
        try:
            if find_reply(client, event["channel"], thread_ts, event["ts"], claim.key):
                deps.state.finish_event(claim.key, claim.owner, deps.wall(), detail="found after " + why)
                return
        except Exception:  # noqa: BLE001 - could not look: the apology below is still at most one
            pass
    log.warning("giving up on the reply for %s (%s)", claim.key if claim else "?", why)
    if claim is not None:
        apologise(deps, client, event, claim, why)


def apologise(deps: Deps, client: WebClient, event: dict, claim: Claim, why: str, *,
              already_closed: bool = False) -> bool:
    """Post one short apology for `event` — only if this caller closes `claim` as failed (or
    `already_closed`: it just did), so never twice and never after a posted answer. True if posted."""
    if claim.durable and not already_closed:
        try:
            if not deps.state.finish_event(claim.key, claim.owner, deps.wall(), status="failed", detail=why):
                return False
        except StateUnavailable:
            return False
    if not (event.get("channel") and event.get("ts")):
        return False
    try:
        client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                                **blocks.notice(blocks.polite_error(None)).kwargs())
    except Exception as exc:  # noqa: BLE001 - nothing more can be done; it is logged and counted
        _count("apology_failed")
        log.warning("could not post the apology for %s: %s", claim.key, exc)
        return False
    _count("apologised")
    return True


def resume_expired(deps: Deps, client: WebClient) -> int:
    """Take over every event claim whose lease ran out unfinished and carry out its work (settling first
    whether its reply went out). Returns how many claims this call took over."""
    from bot.slack.app import Claim

    taken = 0
    for old in deps.state.expired_event_claims(deps.wall()):
        now = deps.wall()
        held = deps.state.take_expired_event(old.event_key, now, deps.lease)
        if held is None:
            continue  # another process took it first
        taken += 1
        try:
            work = json.loads(held.work or "{}")
            event = work["event"]
        except (ValueError, KeyError):
            deps.state.finish_event(held.event_key, held.owner, deps.wall(), status="failed", detail="no work")
            continue
        claim = Claim(held.event_key, held.owner, held.attempts, since=now)
        team = str(work.get("team") or "")
        poster = deps.client_for(team) if deps.client_for is not None else client  # the workspace's token
        if poster is None:  # OAuth mode, and the workspace has uninstalled since: nothing may be posted there
            deps.state.finish_event(held.event_key, held.owner, deps.wall(), status="failed", detail="not installed")
            continue
        if held.attempts > MAX_ATTEMPTS:
            _retry_later(deps, poster, event, claim, held.detail or "lease ran out", thread_of(event))
            continue
        log.info("resuming %s (try %d; %s)", held.event_key, held.attempts, held.detail or "its process stopped")
        _count("resumed")
        reply_to_event(deps, poster, event, bot_user_id=work.get("bot_user_id"), claim=claim, resumed=True,
                       team=team)
    return taken
