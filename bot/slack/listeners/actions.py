"""Buttons on the bot's replies. Every handler runs off the ack path (`off_ack_path`: acked at once, the work
in the listener pool); button values are JSON written by bot.slack.blocks.

- "Did you mean…" suggestions answer in a NEW private reply to the person who clicked (never rewriting a
  message others see).
- 👍/👎 record the vote and update that message: the buttons go, a thank-you line takes their place.
- "More", "Show workings" and "Copy for a story" reply privately to the person who clicked.
- "Chart" posts the charts into the conversation (bot.slack.charts).
- "Share in channel" posts the reply for everyone: with chat.postMessage (public channels need no invitation,
  thanks to `chat:write.public`); where the bot cannot post (a private channel or DM it is not in) through the
  interaction's response_url with `response_type: in_channel` while that is valid; otherwise it tells the person
  privately how to invite the bot.
"""

from __future__ import annotations

import json
import re

from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.quoting import quote_for
from bot.slack import blocks
from bot.slack.app import Deps, off_ack_path
from bot.slack.listeners.commands import digest_reply, workings_reply
from bot.slack.listeners.replies import answer_reply, render_answer

NOT_POSTABLE = ("not_in_channel", "channel_not_found")


def _value(action: dict) -> dict:
    try:
        data = json.loads(action.get("value") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _private(respond: Respond, msg: blocks.Message) -> None:
    """A new ephemeral message to the person who clicked (the clicked message stays as it is)."""
    respond(response_type="ephemeral", replace_original=False, **msg.kwargs())


def _channel_of(body: dict) -> str:
    return (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id") or ""


def share_failed(channel: str) -> blocks.Message:
    """The private note when a reply could not be shared: where, why, and how to invite the bot."""
    where = f"<#{channel}>" if channel.startswith(("C", "G")) else "that conversation"
    mrkdwn = (f"I couldn't share that in {where}: I'm not a member there and the button has expired. Invite me "
              "with `/invite @strikebot` (or the channel's settings → Integrations → Add apps), then click Share "
              "again on a fresh reply.")
    return blocks.mrkdwn_notice(mrkdwn, "I couldn't share that: I'm not a member of that conversation and the "
                                        "button has expired. Invite me with /invite @strikebot, then try again.")


def register(app: App, deps: Deps) -> None:
    """Listen for suggestion, feedback, more, workings, quote, chart and share buttons."""

    @off_ack_path(app.action(re.compile(rf"^{blocks.SUGGEST_PREFIX}\d+$")), deps)
    def on_suggestion(action: dict, body: dict, respond: Respond) -> None:
        _private(respond, answer_reply(deps, action.get("value") or "", user_id=body["user"]["id"], share=True,
                                       team=(body.get("team") or {}).get("id")))

    def on_feedback(action: dict, body: dict, respond: Respond) -> None:
        data = _value(action)
        vote = "up" if action["action_id"] == blocks.FEEDBACK_UP else "down"
        question = str(data.get("q", ""))
        deps.state.record_feedback(body["user"]["id"], question, str(data.get("a", "")), vote, deps.now(),
                                   team=deps.team_key((body.get("team") or {}).get("id")))
        message = body.get("message") or {}
        if message.get("blocks"):
            shown, text = message["blocks"], message.get("text") or ""
        else:  # an ephemeral reply: Slack does not send its content back, so it is rebuilt
            rebuilt = render_answer(deps, question, deps.answer(question, deps.kb, deps.now()), share=True)
            shown, text = rebuilt.blocks, rebuilt.text
        respond(replace_original=True, text=text, blocks=blocks.voted_blocks(shown, vote))

    off_ack_path(app.action(blocks.FEEDBACK_UP), deps)(on_feedback)
    off_ack_path(app.action(blocks.FEEDBACK_DOWN), deps)(on_feedback)

    @off_ack_path(app.action(blocks.MORE), deps)
    def on_more(action: dict, respond: Respond) -> None:
        question = str(_value(action).get("q", ""))
        _private(respond, blocks.detail_message(question, deps.answer(question, deps.kb, deps.now())))

    @off_ack_path(app.action(blocks.QUOTE), deps)
    def on_quote(action: dict, respond: Respond) -> None:
        question = str(_value(action).get("q", ""))
        now = deps.now()
        quote = quote_for(deps.answer(question, deps.kb, now), deps.kb, now)
        _private(respond, blocks.quote_message(quote.text if quote else None, quote.source if quote else None))

    @off_ack_path(app.action(blocks.WORKINGS), deps)
    def on_workings(action: dict, respond: Respond) -> None:
        _private(respond, workings_reply(deps, str(_value(action).get("arg", ""))))

    @off_ack_path(app.action(blocks.CHART), deps)
    def on_chart(body: dict, client: WebClient, respond: Respond) -> None:
        from bot.slack.charts import post_charts

        thread = (body.get("message") or {}).get("thread_ts")
        post_charts(deps, client, respond, channel=_channel_of(body), thread_ts=thread)

    @off_ack_path(app.action(blocks.SHARE), deps)
    def on_share(action: dict, body: dict, client: WebClient, respond: Respond) -> None:
        data = _value(action)
        user = body["user"]["id"]
        channel = _channel_of(body)
        if data.get("kind") == "ask":
            question = str(data.get("q", ""))
            msg = blocks.answer_message(question, deps.answer(question, deps.kb, deps.now()), shared_by=user)
        else:
            msg = digest_reply(deps, str(data.get("kind", "totals")), str(data.get("arg", "")), shared_by=user)
        try:
            client.chat_postMessage(channel=channel, unfurl_links=False, unfurl_media=False, **msg.kwargs())
        except SlackApiError as exc:
            if exc.response.get("error") not in NOT_POSTABLE:
                raise
            sent = respond(response_type="in_channel", replace_original=False, **msg.kwargs())
            if sent.status_code != 200:  # the response_url has expired (30 min) or is used up
                client.chat_postMessage(channel=user, **share_failed(channel).kwargs())
                return
        respond(delete_original=True)
