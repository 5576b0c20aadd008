"""Reminder subscriptions as commands: `/strikebot remind on|off|list`, the CLI, and REMINDER_CHANNEL.

Takes already-extracted values (user, channel, words), checks STRIKEBOT_ADMINS, resolves union and staff-group
names through the knowledge base's aliases, changes the state store and returns Slack-safe text to show (channel
links as `<#C…>`; anything the user typed is escaped). Imports no
Slack modules: the Slack listener only acks, calls `handle_remind` and posts the returned text ephemerally.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.clock import fmt_day
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.reminders import DEFAULT_OFFSETS, OffsetError, Subscription, describe_subscription, parse_offsets
from bot.state import StateStore

log = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_CHANNEL_MARKUP = re.compile(r"^<#([CGD][A-Z0-9]{2,})(?:\|[^>]*)?>$")
REFUSAL = ("Sorry, only this workspace's strikebot admins can change reminder subscriptions. "
           "Ask one of them, or use `/strikebot remind list` to see what is set up.")
USAGE = ("Use `/strikebot remind on [#channel] [union or staff group …]` (or `subscribe`), `/strikebot remind off "
         "[#channel]` (or `unsubscribe`) "
         "or `/strikebot remind list`.")


class UnknownTarget(ValueError):
    """Names that are neither a union nor a staff group in the knowledge base; `names` lists them."""

    def __init__(self, names: list[str], known: list[str]):
        self.names = names
        self.known = known
        super().__init__(f"not a union or staff group: {', '.join(names)} (known: {', '.join(known)})")


@dataclass(frozen=True)
class Targets:
    """Resolved names: `ids` (organisation / staff-group ids, in order) and `names` id -> display name."""

    ids: tuple[str, ...]
    names: dict[str, str]


def _alias_table(kb: KnowledgeBase) -> tuple[dict[str, str], dict[str, str]]:
    """({lower-case name/alias/id: id}, {id: display name}) for unions and staff groups."""
    table: dict[str, str] = {}
    names: dict[str, str] = {}
    entries = [(o.id, o.name, o.aliases) for o in kb.organisations().values() if o.kind == "union"]
    entries += [(g.id, g.name, g.aliases) for g in kb.staff_groups().values()]
    for fid, name, aliases in entries:
        names[fid] = name
        for key in (fid, fid.replace("_", " "), name, *aliases):
            table.setdefault(key.strip().lower(), fid)
    return table, names


def target_names(kb: KnowledgeBase) -> dict[str, str]:
    """{organisation or staff-group id: display name}, for showing subscriptions."""
    return _alias_table(kb)[1]


def resolve_targets(kb: KnowledgeBase, names: Iterable[str]) -> Targets:
    """Resolve union / staff-group names, ids or aliases (any case; multi-word names like 'junior doctors'
    may arrive as separate words) to ids. Raises UnknownTarget listing every name not recognised."""
    table, display = _alias_table(kb)
    words = [w for n in names for w in re.split(r"[\s,]+", n.strip()) if w]
    ids: list[str] = []
    unknown: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(5, len(words) - i), 0, -1):  # longest alias first
            fid = table.get(" ".join(words[i:i + size]).lower())
            if fid:
                ids.append(fid)
                i += size
                break
        else:
            unknown.append(words[i])
            i += 1
    if unknown:
        raise UnknownTarget(unknown, sorted(display.values(), key=str.lower))
    return Targets(tuple(dict.fromkeys(ids)), display)


def is_admin(settings: Settings, user_id: str, state: StateStore | None = None, team: str = "") -> bool:
    """True when `user_id` may change subscriptions of workspace `team` (its state-database key): the
    workspace's stored admins when it has any (an OAuth install records its installer); otherwise, in
    single-workspace mode, STRIKEBOT_ADMINS; anyone when neither names someone."""
    stored = state.workspace_settings(team)[0] if state is not None else ()
    if stored:
        return user_id in stored
    if settings.oauth:
        return True
    return not settings.admins or user_id in settings.admins


def subscribe(kb: KnowledgeBase, state: StateStore, channel: str, names: Iterable[str], now: datetime, *,
              offsets: Iterable[str] | str = DEFAULT_OFFSETS, created_by: str = "",
              team: str = "") -> Subscription:
    """Subscribe `channel` to reminders about ballots of `names` (unions or staff groups; none = all), with
    `offsets` ('7d,1d,0d'), effective from `now` (aware). Raises UnknownTarget or OffsetError."""
    targets = resolve_targets(kb, names)
    sub = state.subscribe(channel, targets.ids, parse_offsets(offsets), now, created_by=created_by, team=team)
    log.info("reminder subscription for %s: %s", channel, ",".join(sub.targets) or "all ballots")
    return sub


def remind_on(settings: Settings, kb: KnowledgeBase, state: StateStore, *, user_id: str, channel_id: str,
              names: Iterable[str], now: datetime, team: str = "") -> str:
    """`/strikebot remind on [#channel] [names …]`: subscribe and return the reply text (plain text)."""
    if not is_admin(settings, user_id, state, team):
        return REFUSAL
    try:
        sub = subscribe(kb, state, channel_id, names, now, created_by=user_id, team=team)
    except (UnknownTarget, OffsetError) as exc:  # echoes what the user typed: escape it (no stray @channel)
        safe = str(exc).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"I could not set that up: {safe}."
    what = describe_subscription(sub, target_names(kb))
    return (f"Done. Ballot-deadline reminders are on for {what}. Reminders post at 09:00 UK time; "
            "make sure I am a member of the channel.")


def remind_off(settings: Settings, state: StateStore, *, user_id: str, channel_id: str, team: str = "") -> str:
    """`/strikebot remind off [#channel]` in workspace `team`: unsubscribe and return the reply text."""
    if not is_admin(settings, user_id, state, team):
        return REFUSAL
    if state.unsubscribe(channel_id, team=team):
        log.info("reminder subscription for %s removed by %s", channel_id, user_id or "the command line")
        return f"Ballot-deadline reminders are off for <#{channel_id}>."
    return f"<#{channel_id}> had no ballot-deadline reminders."


def remind_list(kb: KnowledgeBase, state: StateStore, team: str = "") -> str:
    """`/strikebot remind list`: every subscription of workspace `team`, one line each (plain text)."""
    subs = state.subscriptions(team=team)
    if not subs:
        return "No channel gets ballot-deadline reminders yet. " + USAGE
    names = target_names(kb)
    return "Ballot-deadline reminders:\n" + "\n".join(f"• {describe_subscription(s, names)}" for s in subs)


def _channel(word: str) -> str | None:
    m = _CHANNEL_MARKUP.match(word)
    if m:
        return m[1]
    return word if CHANNEL_ID.match(word) else None


def handle_remind(settings: Settings, kb: KnowledgeBase, state: StateStore, *, user_id: str, channel_id: str,
                  text: str, now: datetime, team: str = "") -> str:
    """Parse and run the text after `/strikebot remind`: 'on [#channel] [names …]', 'off [#channel]' or
    'list'. `channel_id` is where the command was typed (the default channel); `team` is the workspace's
    state-database key ('' in single-workspace mode). Returns the reply text."""
    words = text.split()
    verb = words[0].lower() if words else ""
    rest = words[1:]
    target = channel_id
    if rest and (rest[0].startswith("<#") or rest[0].startswith("#")):
        found = _channel(rest[0])
        if found is None:
            return "Please pick the channel from Slack's list (so it becomes a link), e.g. `remind on #news`."
        target, rest = found, rest[1:]
    if verb == "on":
        return remind_on(settings, kb, state, user_id=user_id, channel_id=target, names=rest, now=now,
                         team=team)
    if verb == "off":
        return remind_off(settings, state, user_id=user_id, channel_id=target, team=team)
    if verb == "list":
        return remind_list(kb, state, team)
    return USAGE


def ensure_default_subscription(settings: Settings, state: StateStore, now: datetime) -> Subscription | None:
    """At start-up: subscribe each workspace's default reminder channel (stored per workspace, see
    `set_default_channel`) and, in single-workspace mode, REMINDER_CHANNEL to all ballots (default offsets)
    from `now`, unless it already has a subscription (which is left as it is, so restarts lose no catch-up).
    Returns REMINDER_CHANNEL's subscription, or None when it is unset (or in OAuth mode, where a channel id
    belongs to one workspace and REMINDER_CHANNEL does not apply)."""
    for team, channel in state.default_reminder_channels():
        _ensure_subscribed(state, team, channel, now)
    if not settings.reminder_channel or settings.oauth:
        return None
    return _ensure_subscribed(state, "", settings.reminder_channel, now)


def set_default_channel(state: StateStore, team: str, channel: str, now: datetime) -> Subscription:
    """Make `channel` workspace `team`'s default reminder channel (stored) and subscribe it to all ballots
    from `now` unless it already has a subscription. Returns its subscription."""
    state.set_workspace_settings(team, reminder_channel=channel)
    return _ensure_subscribed(state, team, channel, now)


def _ensure_subscribed(state: StateStore, team: str, channel: str, now: datetime) -> Subscription:
    existing = state.subscription(channel, team=team)
    if existing is not None:
        if existing.paused is not None:
            log.warning("default reminder channel %s is paused since %s (%s); re-subscribe it once the bot is in it",
                        channel, fmt_day(existing.paused, weekday=False), existing.paused_reason)
        return existing
    log.info("subscribing default reminder channel %s%s to all ballots", channel, f" of {team}" if team else "")
    return state.subscribe(channel, (), DEFAULT_OFFSETS, now, created_by="", team=team)
