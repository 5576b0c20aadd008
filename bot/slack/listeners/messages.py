"""Mentions in channels and direct messages: one threaded, sourced reply per question, posted exactly once.

Answered: a person's mention or DM, plain or with a file and text (`file_share`); ignored: the bot's own
messages, other bots, edits, deletions, joins and every other subtype (Bolt still acknowledges them with 200).
A mention inside a thread is answered in that thread. The event was claimed before its ack (bot.slack.app);
bot.slack.delivery answers and posts it under that claim.
"""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack.app import Deps, answerable, off_ack_path
from bot.slack.delivery import reply_to_event


def register(app: App, deps: Deps) -> None:
    """Listen for `app_mention` and `message` (DMs only)."""

    @off_ack_path(app.event("app_mention"), deps)
    def on_mention(event: dict, client: WebClient, context: BoltContext) -> None:
        if answerable(event, context.bot_user_id):
            reply_to_event(deps, client, event, bot_user_id=context.bot_user_id, claim=context.get("claim"),
                           team=context.team_id)

    @off_ack_path(app.event("message"), deps)
    def on_message(event: dict, client: WebClient, context: BoltContext) -> None:
        # every message event lands here (so each gets its 200); only people's DMs are answered
        if answerable(event, context.bot_user_id):
            reply_to_event(deps, client, event, bot_user_id=context.bot_user_id, claim=context.get("claim"),
                           team=context.team_id)
