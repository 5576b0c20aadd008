"""Block Kit builders: small pure functions from core values (Answer, Digest …) to a `Message`.

Every message carries a plain-text fallback (`text`) beside its blocks. All text that came from a user or
from curated files is escaped (bot.slack.text.escape), so nothing echoed can ping a channel. Slack's limits are
kept here: section text <= 3,000 chars (trimmed with a pointer to the source), <= 50 blocks, <= 25 buttons,
button values <= 2,000 chars, fallback text well under 40,000 chars.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.clock import fmt_curated
from bot.digest import Digest
from bot.models import Answer, Source
from bot.slack.text import escape, link

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
FALLBACK_LIMIT = 3900
VALUE_LIMIT = 2000
MAX_SOURCES_SHOWN = 5

# action ids (the listeners in bot/slack/listeners/actions.py match these)
SUGGEST_PREFIX = "suggest_"
FEEDBACK_UP = "feedback_up"
FEEDBACK_DOWN = "feedback_down"
SHARE = "share_in_channel"


@dataclass
class Message:
    """A Slack message: `text` (plain fallback, escaped) and `blocks` (Block Kit dicts)."""

    text: str
    blocks: list[dict] = field(default_factory=list)

    def kwargs(self) -> dict:
        """Keyword arguments for chat.postMessage / chat.update / respond(): {'text': …, 'blocks': […]}."""
        return {"text": self.text, "blocks": self.blocks}


def trim(text: str, limit: int, pointer: str = "") -> str:
    """Cut `text` to at most `limit` chars at a word boundary, adding '…' and `pointer` (e.g. ' Full details:
    <url|source>') when it was cut. Returns `text` unchanged when it fits."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(pointer) - 1)
    cut = text[:room]
    if " " in cut[room // 2:]:
        cut = cut[: cut.rindex(" ")]
    # never leave a dangling '&amp' or half a '<…>' link behind
    for opener, closer in (("&", ";"), ("<", ">")):
        at = cut.rfind(opener)
        if at != -1 and closer not in cut[at:]:
            cut = cut[:at]
    return cut.rstrip() + "…" + pointer


def section(mrkdwn: str, pointer: str = "") -> dict:
    """A mrkdwn section block; `mrkdwn` must already be escaped. Trimmed to the 3,000-char limit."""
    text = trim(mrkdwn or " ", SECTION_LIMIT, pointer)
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(mrkdwn: str) -> dict:
    """A context block with one mrkdwn element (trimmed to 3,000 chars)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": trim(mrkdwn, SECTION_LIMIT)}]}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict:
    """A button; `text` is plain_text (at most 75 chars), `value` at most 2,000 chars."""
    b = {"type": "button", "text": {"type": "plain_text", "text": trim(text, 75), "emoji": True},
         "action_id": action_id, "value": value[:VALUE_LIMIT]}
    if style:
        b["style"] = style
    return b


def _value(data: dict) -> str:
    """JSON for a button value, shortening the question if needed to keep within 2,000 chars."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if len(raw) > VALUE_LIMIT and "q" in data:
        over = len(raw) - VALUE_LIMIT
        data = {**data, "q": data["q"][: max(0, len(data["q"]) - over - 4)]}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return raw


def source_line(sources: Iterable[Source], as_of: str | None = None) -> str:
    """'Source: <url|title> — publisher, published · as of …' (escaped mrkdwn); at most 5 sources shown."""
    sources = list(dict.fromkeys(sources))
    parts = [f"{link(s.url, s.title)} — {escape(s.publisher)}, {escape(s.published)}"
             for s in sources[:MAX_SOURCES_SHOWN]]
    if len(sources) > MAX_SOURCES_SHOWN:
        parts.append(f"and {len(sources) - MAX_SOURCES_SHOWN} more")
    text = ("Source: " if len(sources) == 1 else "Sources: ") + " · ".join(parts) if parts else "No source"
    return text + (f" · as of {escape(fmt_curated(as_of))}" if as_of else "")


def _pointer(sources: list[Source]) -> str:
    return f" Full details: {link(sources[0].url, sources[0].title)}" if sources else ""


def _fallback(*parts: str) -> str:
    return trim("\n".join(p for p in parts if p), FALLBACK_LIMIT)


def feedback_block(question: str, answer_id: str) -> dict:
    """👍/👎 buttons whose value carries the question and the answer id."""
    value = _value({"q": question, "a": answer_id})
    return {"type": "actions", "block_id": "feedback", "elements": [
        button("👍 Helpful", FEEDBACK_UP, value), button("👎 Not helpful", FEEDBACK_DOWN, value)]}


def share_block(share: dict) -> dict:
    """A 'Share in channel' button; `share` says how to rebuild the reply ({'kind': 'ask', 'q': …} …)."""
    return {"type": "actions", "block_id": "share",
            "elements": [button("Share in channel", SHARE, _value(share), style="primary")]}


def answer_id_of(ans: Answer) -> str:
    """The id feedback is recorded against: 'kind:fact_id' of the matched fact, or 'no_answer:<intent>'."""
    return f"{ans.matched.kind}:{ans.matched.fact_id}" if ans.matched else f"no_answer:{ans.intent}"


def answer_message(question: str, ans: Answer, *, share: dict | None = None,
                   shared_by: str | None = None) -> Message:
    """An answer as a Message.

    Args: `question` the user's question as plain text; `ans` the core's Answer; `share` (for ephemeral
    replies) the data behind a 'Share in channel' button; `shared_by` a user id credited when shared.
    Blocks: the answer (trimmed with a pointer to the source), a context line with sources and as-of date,
    "Did you mean…" buttons for no_answer, and 👍/👎 feedback buttons."""
    shown = ans.body or ans.text  # the sources go in the context block below, not twice
    blocks = [section(escape(shown), _pointer(ans.sources))]
    if ans.sources or ans.as_of:
        blocks.append(context(source_line(ans.sources, ans.as_of)))
    if ans.status == "no_answer" and ans.suggestions:
        blocks.append(section("*Did you mean…*"))
        blocks.append({"type": "actions", "block_id": "suggestions", "elements": [
            button(s, f"{SUGGEST_PREFIX}{i}", s) for i, s in enumerate(ans.suggestions[:3])]})
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}> · asked: “{escape(trim(question, 300))}”"))
    else:
        blocks.append(feedback_block(question, answer_id_of(ans)))
    if share:
        blocks.append(share_block(share))
    # the notification / screen-reader text: the answer, then every source it rests on
    srcs = "; ".join(f"{s.title} ({s.publisher}, {s.published}) {s.url}" for s in ans.sources
                     if s.url not in shown)
    did_you_mean = ("Did you mean: " + " | ".join(ans.suggestions[:3])) if ans.status == "no_answer" else ""
    return Message(_fallback(escape(shown), escape(f"Sources: {srcs}") if srcs else "",
                             escape(did_you_mean) if ans.suggestions else ""), blocks[:MAX_BLOCKS])


def digest_blocks(d: Digest, *, header: bool = True) -> list[dict]:
    """A Digest's blocks: a bold title, its lines (escaped, split into <= 3,000-char sections), sources."""
    blocks: list[dict] = [section(f"*{escape(d.title)}*")] if header else []
    chunk = ""
    for line in d.lines:
        piece = escape(line)
        if chunk and len(chunk) + len(piece) + 1 > SECTION_LIMIT - 100:
            blocks.append(section(chunk, _pointer(d.sources)))
            chunk = ""
        chunk = f"{chunk}\n{piece}" if chunk else piece
    if chunk:
        blocks.append(section(chunk, _pointer(d.sources)))
    if d.sources:
        blocks.append(context(source_line(d.sources, d.as_of)))
    return blocks


def digest_message(d: Digest, *, share: dict | None = None, shared_by: str | None = None) -> Message:
    """A Digest as a Message, with a 'Share in channel' button when `share` is given."""
    blocks = digest_blocks(d)
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}>"))
    if share:
        blocks.append(share_block(share))
    srcs = "; ".join(f"{s.title} ({s.publisher}, {s.published}) {s.url}" for s in d.sources)
    tail = escape(f"Sources: {srcs}") if srcs else ""
    return Message(_fallback(escape(d.title), *(escape(x) for x in d.lines), tail), blocks[:MAX_BLOCKS])


HELP_LINES = [
    "*strikebot* answers questions about NHS strikes from curated, sourced facts.",
    "• Mention me in a channel (`@strikebot when was the last junior doctors strike?`) or send me a DM.",
    "• `/strikebot ask <question>`: answer a question (only you see it until you share it).",
    "• `/strikebot totals` or `/strike-totals [union or staff group]`: the latest rescheduled-appointment"
    " totals.",
    "• `/strikebot ballots`: open ballots and deadlines. `/strikebot strikes`: upcoming and recent strikes.",
    "• `/strikebot remind …`: ballot-deadline reminders for a channel.",
]


def help_message() -> Message:
    """The `/strikebot help` text (also used for an empty mention)."""
    text = "\n".join(HELP_LINES)
    return Message(text.replace("*", "").replace("`", ""), [section(text)])


def notice(text: str) -> Message:
    """A one-line plain notice (escaped), e.g. an apology or an explanation."""
    return Message(escape(text), [section(escape(text))])


def unknown_scope_message(asked: str, known: list[str]) -> Message:
    """'/strike-totals xyz' when xyz names no union or staff group: say so and list what is known."""
    return notice(f"I don't know a union or staff group called “{asked}”. "
                  f"Try one of: {', '.join(known)} — or leave it blank for everything.")


def feedback_thanks(vote: str) -> Message:
    """The ephemeral 'thanks' after a 👍/👎."""
    return notice("Thanks — noted. " + ("Glad it helped." if vote == "up" else
                                         "A curator will look at this answer."))


def home_view(totals: Digest, ballots: Digest, strikes: Digest, subscriptions: list[str]) -> dict:
    """The App Home tab: latest totals, open ballots with deadlines, upcoming strikes, the viewer's reminder
    subscriptions (`subscriptions`: Slack mrkdwn lines, already safe). Returns a views.publish `view`."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "strikebot"}}]
    for d in (totals, ballots, strikes):
        blocks += digest_blocks(d)
        blocks.append({"type": "divider"})
    blocks.append(section("*Your reminder subscriptions*"))
    lines = list(subscriptions) or [
        "None yet. In a channel, try `/strikebot remind` to get ballot-deadline reminders."]
    blocks.append(section("\n".join(lines)))
    return {"type": "home", "blocks": blocks[:MAX_BLOCKS]}


def polite_error(code: str | None) -> str:
    """A plain explanation for a Slack API error code (or a generic apology when `code` is None/unknown)."""
    return {
        "not_in_channel": "I'm not a member of this channel, so I can't post here. Invite me with "
                          "`/invite @strikebot`, then try again.",
        "channel_not_found": "I can't see this conversation, so I can't post here. Try a channel I'm in, "
                             "or send me a direct message.",
        "is_archived": "This channel is archived, so I can't post in it.",
        "msg_too_long": "That reply was too long for Slack; please ask a narrower question.",
    }.get(code or "", "Sorry — something went wrong answering that. Please try again in a minute.")
