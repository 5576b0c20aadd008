"""Buttons: "Did you mean…" suggestions (answered in place), 👍/👎 feedback (recorded), "Share in channel".

Every handler runs off the ack path (`off_ack_path`: acked at once, the work in the listener pool).
Button values are JSON written by bot.slack.blocks.
"""

from __future__ import annotations

import json
import re

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.slack import blocks
from bot.slack.app import Deps, off_ack_path
from bot.slack.listeners.commands import digest_reply
from bot.slack.listeners.replies import answer_reply


def _value(action: dict) -> dict:
    try:
        data = json.loads(action.get("value") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: App, deps: Deps) -> None:
    """Listen for suggestion, feedback and share buttons."""

    @off_ack_path(app.action(re.compile(rf"^{blocks.SUGGEST_PREFIX}\d+$")), deps)
    def on_suggestion(action: dict, body: dict, client: WebClient, respond: Respond) -> None:
        container = body.get("container") or {}
        ephemeral = bool(container.get("is_ephemeral")) or not container.get("message_ts")
        msg = answer_reply(deps, action.get("value") or "", user_id=body["user"]["id"], share=ephemeral,
                           team=(body.get("team") or {}).get("id"))
        if ephemeral:
            respond(replace_original=True, **msg.kwargs())
        else:
            client.chat_update(channel=container["channel_id"], ts=container["message_ts"], **msg.kwargs())

    def on_feedback(action: dict, body: dict, respond: Respond) -> None:
        data = _value(action)
        vote = "up" if action["action_id"] == blocks.FEEDBACK_UP else "down"
        deps.state.record_feedback(body["user"]["id"], str(data.get("q", "")), str(data.get("a", "")), vote,
                                   deps.now(), team=deps.team_key((body.get("team") or {}).get("id")))
        respond(response_type="ephemeral", replace_original=False, **blocks.feedback_thanks(vote).kwargs())

    off_ack_path(app.action(blocks.FEEDBACK_UP), deps)(on_feedback)
    off_ack_path(app.action(blocks.FEEDBACK_DOWN), deps)(on_feedback)

    @off_ack_path(app.action(blocks.SHARE), deps)
    def on_share(action: dict, body: dict, client: WebClient, respond: Respond) -> None:
        data = _value(action)
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        if data.get("kind") == "ask":
            now = deps.now()
            question = str(data.get("q", ""))
            ans = deps.answer(question, deps.kb, now)
            msg = blocks.answer_message(question, ans, shared_by=user)
        else:
            msg = digest_reply(deps, str(data.get("kind", "totals")), str(data.get("arg", "")), shared_by=user)
        client.chat_postMessage(channel=channel, unfurl_links=False, **msg.kwargs())
        respond(delete_original=True)
