"""`strikebot reminders …` commands (subscribe, unsubscribe, list, plan, send-due), registered onto main.

Exit status: 1 = bad input (unknown union), 2 = bad usage or configuration (a malformed channel, offset or
--now; SLACK_BOT_TOKEN missing for send-due).
"""

from __future__ import annotations

import json
import re
import sys

import click


def _state(settings):  # noqa: ANN001, ANN202 - Settings -> StateStore (imports kept local: no cycles)
    from bot.cli import open_state

    return open_state(settings)


STATUS_WORDS = {"claimed": "claimed", "sent": "sent", "late_sent": "sent late", "skipped": "skipped (superseded)",
                "missed": "missed (the ballot closed first)", "failed": "failed"}
ACTION_WORDS = {"send": "send", "send_late": "send late", "skip": "skip", "miss": "miss (closed)",
                "upcoming": "upcoming"}
REASON_WORDS = {"not_in_channel": "the bot is not in the channel", "channel_not_found": "channel not found",
                "is_archived": "channel archived", "account_inactive": "the bot's token no longer works",
                "invalid_auth": "the bot's token no longer works", "token_revoked": "the bot's token was revoked"}


def plain(text: str) -> str:
    """Slack mrkdwn from the reminder service -> text for a terminal: '<#C0NEWS>' -> 'channel C0NEWS',
    '<#C0NEWS|news>' -> '#news', backticks and asterisks dropped, error codes in words."""
    text = re.sub(r"<#(\w+)\|([^>]+)>", r"#\2", text)
    text = re.sub(r"<#(\w+)>", r"channel \1", text)
    text = re.sub(r"<@(\w+)>", r"user \1", text)
    for code, words in REASON_WORDS.items():
        text = text.replace(f"({code})", f"({words})")
    return text.replace("`", "").replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _when(dt) -> str:  # noqa: ANN001 - aware datetime
    from bot.clock import LONDON

    return dt.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z")


def _ballot_label(kb, ballot_id: str) -> str:  # noqa: ANN001 - KnowledgeBase
    """'RCN nurses and nursing staff strike ballot on …' for a ballot id (the id itself if unknown)."""
    from bot.digest import PURPOSE_LABELS
    from bot.phrasings import Names, org_label

    found = kb.get_many("ballot", [ballot_id])
    if not found:
        return ballot_id
    b, names = found[0], Names(kb)
    return (f"{org_label(names.orgs.get(b.union), b.union)} {names.groups_text((b.staff_group,))} "
            f"{PURPOSE_LABELS.get(b.purpose, b.purpose)}")


def _offset_words(offset: str) -> str:
    days = offset.rstrip("d")
    if not days.isdigit():
        return offset
    return "on the day of the close" if days == "0" else f"{days} day{'s' if days != '1' else ''} before the close"


def _channel_arg(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from bot.reminder_service import CHANNEL_ID

    if not CHANNEL_ID.match(value):
        raise click.BadParameter(f"{value!r} is not a channel ID (like C0123456789)")
    return value


def register(main: click.Group) -> None:
    """Add the `reminders` group to `main`."""
    from bot.cli import now_option

    @main.group()
    def reminders() -> None:
        """Ballot-deadline reminders: subscriptions, planning and one-shot sending."""

    @reminders.command("subscribe")
    @click.argument("channel", callback=_channel_arg)
    @click.option("--union", "unions", multiple=True, metavar="NAME",
                  help="A union or staff group (name or alias); repeat for more. Default: every ballot.")
    @click.option("--offsets", default="7d,1d,0d", show_default=True,
                  help="Days before the close, each firing at 09:00 UK time (0d: or 3 h before the close).")
    @click.option("--by", "created_by", default="", metavar="USER_ID",
                  help="Slack user to tell if the subscription has to be paused.")
    @click.option("--team", default="", metavar="TEAM_ID",
                  help="OAuth mode: the workspace the channel belongs to (its token posts the reminders).")
    @now_option
    def subscribe_cmd(channel: str, unions: tuple[str, ...], offsets: str, created_by: str, team: str,
                      now_text: str | None) -> None:
        """Subscribe CHANNEL (a Slack channel ID) to ballot-deadline reminders from now on."""
        from bot.cli import _settings, open_kb, resolve_now
        from bot.reminder_service import UnknownTarget, subscribe, target_names
        from bot.reminders import OffsetError, describe_subscription, parse_offsets

        now = resolve_now(now_text)
        try:
            parse_offsets(offsets)
        except OffsetError as exc:
            raise click.BadParameter(str(exc), param_hint="--offsets") from exc
        settings = _settings()
        kb = open_kb(settings)
        try:
            sub = subscribe(kb, _state(settings), channel, unions, now, offsets=offsets, created_by=created_by,
                            team=team if settings.oauth else "")
        except UnknownTarget as exc:
            click.echo(f"Unknown union or staff group: {', '.join(exc.names)}. Known: {', '.join(exc.known)}",
                       err=True)
            sys.exit(1)
        click.echo(f"Subscribed {plain(describe_subscription(sub, target_names(kb)))}")

    @reminders.command("unsubscribe")
    @click.argument("channel", callback=_channel_arg)
    @click.option("--team", default="", metavar="TEAM_ID", help="OAuth mode: the workspace the channel belongs to.")
    def unsubscribe_cmd(channel: str, team: str) -> None:
        """Stop reminders for CHANNEL (its sent log is kept)."""
        from bot.cli import _settings

        settings = _settings()
        if _state(settings).unsubscribe(channel, team=team if settings.oauth else ""):
            click.echo(f"Unsubscribed {channel}.")
        else:
            click.echo(f"{channel} had no subscription.")

    @reminders.command("list")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
    def list_cmd(as_json: bool) -> None:
        """Subscriptions and the sent log; claims never confirmed (a crash mid-send) show as UNCONFIRMED."""
        from bot.cli import _settings, open_kb
        from bot.reminder_service import target_names
        from bot.reminders import describe_subscription

        settings = _settings()
        state = _state(settings)
        subs, records = state.subscriptions(), state.reminder_log()
        by_id = {s.id: s.channel for s in subs}
        if as_json:
            click.echo(json.dumps({
                "subscriptions": [{"id": s.id, "channel": s.channel, "targets": list(s.targets),
                                   "offsets": list(s.offsets), "created_utc": s.created.isoformat(),
                                   "paused_utc": s.paused.isoformat() if s.paused else None,
                                   "paused_reason": s.paused_reason} for s in subs],
                "sent_log": [{"ballot_id": r.ballot_id, "subscription_id": r.subscription_id,
                              "channel": by_id.get(r.subscription_id), "offset": r.offset,
                              "closes_utc": r.closes_utc, "status": r.status, "unconfirmed": r.unconfirmed,
                              "claimed_utc": r.claimed.isoformat(), "message_ts": r.message_ts,
                              "detail": r.detail} for r in records],
            }))
            return
        from bot.clock import from_utc_iso

        kb = open_kb(settings)
        names = target_names(kb)
        click.echo("Subscriptions:" if subs else "No subscriptions.")
        for s in subs:
            click.echo(f"  {plain(describe_subscription(s, names))}")
        if records:
            click.echo("Sent log (London time):")
        for r in records:
            flag = "UNCONFIRMED (claimed, post never confirmed; not re-sent)" if r.unconfirmed else \
                STATUS_WORDS.get(r.status, r.status)
            closes = from_utc_iso(r.closes_utc)
            click.echo(f"  {_when(r.claimed)}  {by_id.get(r.subscription_id, 'a removed subscription')}  "
                       f"{_ballot_label(kb, r.ballot_id)}, {_offset_words(r.offset)}"
                       + (f" ({_when(closes)})" if closes else "") + f": {flag}"
                       + (f" — {plain(r.detail)}" if r.detail else ""))

    @reminders.command("plan")
    @now_option
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
    def plan_cmd(now_text: str | None, as_json: bool) -> None:
        """List what send-due would do at --now and the upcoming reminders, without sending anything."""
        from bot.cli import _settings, open_kb, resolve_now
        from bot.clock import LONDON
        from bot.reminder_delivery import public_ballots
        from bot.reminders import plan

        now = resolve_now(now_text)
        settings = _settings()
        kb = open_kb(settings)
        state = _state(settings)
        planned = plan(public_ballots(kb, now), state.subscriptions(), state.reminder_log(), now)  # type: ignore[arg-type]
        if as_json:
            click.echo(json.dumps([p.to_json() for p in planned]))
            return
        if not planned:
            click.echo("Nothing planned.")
        for p in planned:
            at = p.fire_at.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z")
            click.echo(f"{at}  {ACTION_WORDS.get(p.action, p.action):14}  {p.subscription.channel}  "
                       f"{_ballot_label(kb, p.ballot.id)}, {_offset_words(p.offset)}")

    @reminders.command("send-due")
    @now_option
    def send_due_cmd(now_text: str | None) -> None:
        """Post the reminders due at --now and exit (for cron or a systemd timer). Needs SLACK_BOT_TOKEN (or,
        in OAuth mode, posts with each workspace's installed token); honours SLACK_API_URL."""
        from bot.cli import _settings, open_kb, resolve_now
        from bot.config import ConfigError, require_slack
        from bot.reminder_delivery import make_client, send_due

        now = resolve_now(now_text)
        settings = _settings()
        try:
            require_slack(settings, http=False)
        except ConfigError as exc:
            click.echo("Configuration problems:\n" + "\n".join(f"  - {p}" for p in exc.problems), err=True)
            sys.exit(2)
        from bot.slack.cli import reminder_clients

        kb = open_kb(settings)
        state = _state(settings)
        client = make_client(settings)
        report = send_due(kb, state, client, now=now,
                          client_for=reminder_clients(settings, state, client) if settings.oauth else None)
        for p in report.sent:
            click.echo(f"sent{' (late)' if p.late else ''}: {_ballot_label(kb, p.ballot.id)}, "
                       f"{_offset_words(p.offset)} -> {p.subscription.channel}")
        for p in report.missed:
            click.echo(f"missed (ballot closed): {_ballot_label(kb, p.ballot.id)}, {_offset_words(p.offset)} "
                       f"-> {p.subscription.channel}")
        for s in report.paused:
            reason = REASON_WORDS.get(s.paused_reason, s.paused_reason) or "Slack refused"
            click.echo(f"paused: {s.channel} ({reason})", err=True)
        click.echo(report.summary())
