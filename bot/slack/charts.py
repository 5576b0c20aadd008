"""Posting the charts into a conversation: both PNGs in one files_upload_v2 call (alt text on each, the sources
in the message), into the thread or channel the request came from.

Without the `files:write` scope (or where the bot may not upload) the same values go back privately as a compact
text table, with a line saying what to change.
"""

from __future__ import annotations

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import blocks
from bot.slack.app import Deps

# Slack's refusals that mean "you may not upload here", not "something broke"
NO_UPLOAD = {
    "missing_scope": "I can't upload images in this workspace yet (the app needs the `files:write` scope; see "
                     "docs/slack-setup.md), so here are the figures as a table.",
    "not_in_channel": "I'm not a member of this conversation, so I can't post the chart here (invite me with "
                      "`/invite @strikebot`); here are the figures as a table.",
    "channel_not_found": "I can't post the chart in this conversation; here are the figures as a table.",
    "not_allowed_token_type": "I can't upload images with this token; here are the figures as a table.",
}


def post_charts(deps: Deps, client: WebClient, respond: Respond, *, channel: str, thread_ts: str | None) -> None:
    """Draw both charts at `deps.now()` and upload them to `channel` (in `thread_ts` when given). On a refusal in
    NO_UPLOAD, reply privately through `respond` with the text tables; other errors go to the app's error
    handler."""
    from bot import charts

    now = deps.now()
    data = [charts.totals_data(deps.kb, now), charts.strikes_data(deps.kb, now)]
    sources = list(dict.fromkeys(s for d in data for s in d.sources))
    as_of = max((d.as_of for d in data if d.as_of), default=None, key=lambda t: t)
    uploads = [{"file": charts.png(charts.draw(d)), "filename": f"strikebot-{d.kind}.png", "title": d.title,
                "alt_txt": d.alt_text} for d in data]
    comment = blocks.chart_comment("Rescheduled hospital appointments: running totals and per strike", sources,
                                   as_of)
    try:
        client.files_upload_v2(file_uploads=uploads, channel=channel, thread_ts=thread_ts, initial_comment=comment)
    except SlackApiError as exc:
        code = exc.response.get("error")
        if code not in NO_UPLOAD:
            raise
        for d in data:
            msg = blocks.chart_table_message(d.title, d.rows(), d.sources, d.as_of,
                                             why=NO_UPLOAD[code] if d is data[0] else "")
            respond(response_type="ephemeral", replace_original=False, **msg.kwargs())
