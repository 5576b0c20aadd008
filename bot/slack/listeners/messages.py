"""Mentions in channels and direct messages: one threaded, sourced reply per question.

Ignores the bot's own messages, other bots, edits, deletions, joins and every other subtype (Bolt still
acknowledges them with 200). A mention inside a thread is answered in that thread.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.app import Deps
from bot.slack.listeners.replies import answer_reply
from bot.slack.text import slack_to_plain


def _is_human_message(event: dict) -> bool:
    """A plain message typed by a person: no subtype (edits, deletions, joins, bot_message …), no bot_id."""
    return not event.get("subtype") and not event.get("bot_id") and bool(event.get("user"))


def _reply(deps: Deps, client: WebClient, context: BoltContext, event: dict, *, thread: bool) -> None:
    """Answer `event` in its channel: in the mention's thread (`thread`), else in the thread it came from."""
    question = slack_to_plain(event.get("text"), bot_user_id=context.bot_user_id)
    msg = answer_reply(deps, question, user_id=event["user"], team=context.team_id)
    thread_ts = event.get("thread_ts") or (event["ts"] if thread else None)
    client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, unfurl_links=False,
                            unfurl_media=False, **msg.kwargs())


def register(app: App, deps: Deps) -> None:
    """Listen for `app_mention` and `message` (DMs only)."""

    @app.event("app_mention")
    def on_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        if _is_human_message(event):
            _reply(deps, client, context, event, thread=True)

    @app.event("message")
    def on_message(event: dict, client: WebClient, context: BoltContext) -> None:
        # every message event lands here (so each gets its 200); only people's DMs are answered
        if event.get("channel_type") == "im" and _is_human_message(event):
            _reply(deps, client, context, event, thread=False)
