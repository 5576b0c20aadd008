"""Block Kit builders: small pure functions from core values (Answer, Digest …) to a `Message`.

Headline first: every reply opens with one line that answers on its own (the key figure or date in bold, from
`Answer.headline`/`emphasis` or `Digest.headline`/`bold`), then one compact sources line; the rest (an answer's
`detail`, a total's workings) waits behind a button ("More", "Show workings"). Declines carry only their
suggestions: no votes, no Share.

Every message carries a plain-text fallback (`text`) beside its blocks. All text that came from a user or
from curated files is escaped (bot.slack.text.escape), so nothing echoed can ping a channel. Slack's limits are
kept here: section text <= 3,000 chars (trimmed with a pointer to the source), <= 50 blocks, <= 25 buttons,
button values <= 2,000 chars, fallback text well under 40,000 chars.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot import help as help_mod
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
MORE = "show_more"
WORKINGS = "show_workings"
CHART = "show_chart"
QUOTE = "copy_for_story"
FEEDBACK_BLOCK = "feedback"


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
    if " " in cut:  # never mid-word
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
    """'Source: <url|title> — publisher, 17 April 2023 · as of …' (escaped mrkdwn, dates written out as in the
    body); at most 5 sources shown; the as-of date is left out when it is the one source's own date."""
    sources = list(dict.fromkeys(sources))
    parts = [f"{link(s.url, s.title)} — {escape(s.publisher)}, {escape(fmt_curated(s.published))}"
             for s in sources[:MAX_SOURCES_SHOWN]]
    if len(sources) > MAX_SOURCES_SHOWN:
        parts.append(f"and {len(sources) - MAX_SOURCES_SHOWN} more")
    text = ("Source: " if len(sources) == 1 else "Sources: ") + " · ".join(parts) if parts else "No source"
    shown_as_of = fmt_curated(as_of) if as_of else ""
    if shown_as_of and not (len(sources) == 1 and fmt_curated(sources[0].published) == shown_as_of):
        text += f" · as of {escape(shown_as_of)}"  # not twice the same date
    return text


def _pointer(sources: list[Source]) -> str:
    return f" Full details: {link(sources[0].url, sources[0].title)}" if sources else ""


def _fallback(*parts: str) -> str:
    return trim("\n".join(p for p in parts if p), FALLBACK_LIMIT)


def headline_mrkdwn(headline: str, bold: str = "") -> str:
    """`headline` escaped, with its first occurrence of `bold` (the key figure or date) in Slack bold."""
    text = escape(headline)
    key = escape(bold)
    if key and key in text:
        return text.replace(key, f"*{key}*", 1)
    return text


def _emphasis(ans: Answer, headline: str) -> str:
    """What to bold: the engine's `emphasis`; failing that a leading figure ('196,225 appointments …')."""
    if ans.emphasis:
        return ans.emphasis
    m = re.match(r"^(?:about |more than |nearly |at least )?£?\d[\d,.]*%?", headline, re.IGNORECASE)
    return m.group(0) if m and ans.status == "answered" else ""


def split_answer(ans: Answer) -> tuple[str, str]:
    """(headline, detail) of an answer: the engine's own when it gives them, else the first line of its text
    and the rest (without the sources lines, which the context block shows)."""
    if ans.headline:
        return ans.headline, ans.detail
    shown = (ans.body or ans.text).strip()
    head, _, rest = shown.partition("\n")
    return head, rest.strip()


def distinct_labels(texts: list[str], limit: int = 75) -> list[str]:
    """Button labels of at most `limit` chars that stay different from each other: a label that would look like
    another once cut keeps its start and its end ('How many appointments … in April 2023?'), and a number if
    even that collides."""
    cut = [trim(t, limit) for t in texts]
    labels = list(cut)
    for i, t in enumerate(texts):
        if len(t) > limit and cut.count(cut[i]) > 1:
            head = trim(t, limit // 2).rstrip("…")
            room = limit - len(head) - 3
            tail = t[-room:]
            if " " in tail[: room // 2]:
                tail = tail[tail.index(" ") + 1:]
            labels[i] = f"{head} … {tail}"[:limit]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            suffix = f" ({seen[label]})"
            labels[i] = label[: limit - len(suffix)] + suffix
    return labels


def feedback_block(question: str, answer_id: str) -> dict:
    """👍/👎 buttons whose value carries the question and the answer id."""
    value = _value({"q": question, "a": answer_id})
    return {"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": [
        button("👍 Helpful", FEEDBACK_UP, value), button("👎 Not helpful", FEEDBACK_DOWN, value)]}


def share_button(share: dict) -> dict:
    """A 'Share in channel' button; `share` says how to rebuild the reply ({'kind': 'ask', 'q': …} …)."""
    return button("Share in channel", SHARE, _value(share), style="primary")


def answer_id_of(ans: Answer) -> str:
    """The id feedback is recorded against: 'kind:fact_id' of the matched fact, or 'no_answer:<intent>'."""
    return f"{ans.matched.kind}:{ans.matched.fact_id}" if ans.matched else f"no_answer:{ans.intent}"


def _plain_sources(sources: list[Source], limit: int = MAX_SOURCES_SHOWN) -> str:
    """'Source: title (publisher, 17 April 2023) url' for the fallback text (plain)."""
    srcs = list(dict.fromkeys(sources))
    out = "; ".join(f"{s.title} ({s.publisher}, {fmt_curated(s.published)}) {s.url}" for s in srcs[:limit])
    if len(srcs) > limit:
        out += f"; and {len(srcs) - limit} more"
    return ("Source: " if len(srcs) == 1 else "Sources: ") + out if srcs else ""


def answer_message(question: str, ans: Answer, *, share: dict | None = None,
                   shared_by: str | None = None, quote: bool = False) -> Message:
    """An answer as a Message: the headline first (its key figure in bold), one compact sources line, then
    buttons. A decline carries only its "Did you mean…" suggestions (no votes, no Share).

    Args: `question` the user's question as plain text; `ans` the core's Answer; `share` (for ephemeral
    replies) the data behind a 'Share in channel' button; `shared_by` a user id credited when shared; `quote`
    whether a "Copy for a story" sentence exists for it (bot.quoting). The detail (other settings, variants,
    earlier strikes) sits behind a "More" button. The fallback text is the headline and sources, never cut
    mid-word."""
    headline, detail = split_answer(ans)
    blocks = [section(headline_mrkdwn(headline, _emphasis(ans, headline)), _pointer(ans.sources))]
    if ans.sources or ans.as_of:
        blocks.append(context(source_line(ans.sources, ans.as_of)))
    if ans.status == "no_answer":
        if ans.suggestions:
            blocks.append(section("*Did you mean…*"))
            labels = distinct_labels(ans.suggestions[:3])
            blocks.append({"type": "actions", "block_id": "suggestions", "elements": [
                button(label, f"{SUGGEST_PREFIX}{i}", s) for i, (label, s) in
                enumerate(zip(labels, ans.suggestions[:3], strict=True))]})
        did_you_mean = ("Did you mean: " + " | ".join(ans.suggestions[:3])) if ans.suggestions else ""
        return Message(_fallback(escape(headline), escape(did_you_mean)), blocks)
    ask = {"kind": "ask", "q": question}
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}> · asked: “{escape(trim(question, 300))}”"))
    else:
        buttons = []
        if detail:
            buttons.append(button("More", MORE, _value(ask)))
        if quote:
            buttons.append(button("Copy for a story", QUOTE, _value(ask)))
        if share:
            buttons.append(share_button(share))
        if buttons:
            blocks.append({"type": "actions", "block_id": "answer_actions", "elements": buttons})
        blocks.append(feedback_block(question, answer_id_of(ans)))
    return Message(_fallback(escape(headline), escape(_plain_sources(ans.sources))), blocks[:MAX_BLOCKS])


def detail_message(question: str, ans: Answer) -> Message:
    """What "More" shows: the answer's detail (every line after the headline) and all its sources."""
    _, detail = split_answer(ans)
    text = detail or "There is nothing more to add to that answer."
    blocks = [section(f"*More on:* {escape(trim(question, 200))}"), *_chunks(text.split("\n"), ans.sources)]
    if ans.sources:
        blocks.append(context(source_line(ans.sources, ans.as_of)))
    return Message(_fallback(escape(f"More on: {trim(question, 200)}"), escape(text)), blocks[:MAX_BLOCKS])


def quote_message(sentence: str | None, source: Source | None) -> Message:
    """The "Copy for a story" reply: the sentence alone (easy to copy) and its source, or why there is none."""
    if not sentence or source is None:
        return notice("There is no single figure, date or result in that answer to quote; ask a narrower "
                      "question (e.g. one strike, one ballot).")
    blocks = [section(escape(sentence)), context(f"Ready to quote. {source_line([source])}")]
    return Message(_fallback(escape(sentence), escape(_plain_sources([source]))), blocks)


def _chunks(lines: list[str], sources: list[Source]) -> list[dict]:
    """Plain lines as escaped sections of at most ~2,900 chars each."""
    out: list[dict] = []
    chunk = ""
    for line in lines:
        piece = escape(line)
        if chunk and len(chunk) + len(piece) + 1 > SECTION_LIMIT - 100:
            out.append(section(chunk, _pointer(sources)))
            chunk = ""
        chunk = f"{chunk}\n{piece}" if chunk else piece
    if chunk:
        out.append(section(chunk, _pointer(sources)))
    return out


def digest_blocks(d: Digest, *, header: bool = True) -> list[dict]:
    """A Digest's first-message blocks: its headline (key figure bold) or bold title, its few lines, and one
    sources line. The detail (workings) is not included: see `workings_message`."""
    if d.headline:
        blocks: list[dict] = [section(headline_mrkdwn(d.headline, d.bold))]
    else:
        blocks = [section(f"*{escape(d.title)}*")] if header else []
    blocks += _chunks(d.lines, d.sources)
    if d.sources:
        blocks.append(context(source_line(d.sources, d.as_of)))
    return blocks


def digest_message(d: Digest, *, share: dict | None = None, shared_by: str | None = None,
                   workings: dict | None = None, chart: dict | None = None) -> Message:
    """A Digest as a Message. Buttons: 'Show workings' when `workings` (the data to rebuild it) is given and the
    digest has detail, 'Chart' when `chart`, 'Share in channel' when `share`."""
    blocks = digest_blocks(d)
    if shared_by:
        blocks.append(context(f"Shared by <@{shared_by}>"))
    buttons = []
    if workings is not None and d.detail:
        buttons.append(button("Show workings", WORKINGS, _value(workings)))
    if chart is not None:
        buttons.append(button("Chart", CHART, _value(chart)))
    if share:
        buttons.append(share_button(share))
    if buttons:
        blocks.append({"type": "actions", "block_id": "digest_actions", "elements": buttons})
    first = d.headline or d.title
    return Message(_fallback(escape(first), *(escape(x) for x in d.lines), escape(_plain_sources(d.sources))),
                   blocks[:MAX_BLOCKS])


def workings_message(d: Digest) -> Message:
    """What 'Show workings' shows: every per-strike figure under the running total, how they add up (our
    arithmetic, labelled as such) and every source behind them."""
    lines = d.detail or ["There are no per-strike figures to show for this total."]
    sources = d.detail_sources or d.sources
    title = f"Workings: {d.title[:1].lower() + d.title[1:]}"
    blocks = [section(f"*{escape(title)}*"), *_chunks(lines, sources)]
    if sources:
        blocks.append(context(source_line(sources, d.as_of)))
    return Message(_fallback(escape(title), *(escape(x) for x in lines[-1:]), escape(_plain_sources(sources))),
                   blocks[:MAX_BLOCKS])


def chart_comment(title: str, sources: list[Source], as_of: str | None) -> str:
    """The message posted with the chart images (files_upload_v2 `initial_comment`): what they show and every
    source (escaped mrkdwn)."""
    return f"*{escape(title)}*\n{source_line(sources, as_of)}"


def chart_table_message(title: str, rows: list[tuple[str, str]], sources: list[Source], as_of: str | None,
                        why: str = "") -> Message:
    """The text fallback for a chart (no `files:write`): a compact two-column table in a code block (the last
    40 rows), with `why` the chart could not be posted."""
    width = max((len(a) for a, _ in rows), default=0)
    table = "\n".join(f"{a.ljust(width)}  {b.rjust(9)}" for a, b in rows[-40:])
    blocks = [section(f"*{escape(title)}*" + (f"\n{escape(why)}" if why else "")),
              section(f"```{escape(table)}```" if rows else "No figures to chart yet.")]
    if sources:
        blocks.append(context(source_line(sources, as_of)))
    return Message(_fallback(escape(title), escape(table), escape(_plain_sources(sources))), blocks)


def help_blocks() -> list[dict]:
    """The help list (bot/help.py) as blocks: the intro, one line per command (usage in code), the buttons."""
    lines = []
    for usage, does in help_mod.slack_lines():
        cmd, _, note = usage.partition("  ")
        lines.append(f"• `{escape(cmd)}`{' ' + escape(note) if note else ''}: {escape(does)}")
    return [section(f"*strikebot* {escape(help_mod.INTRO.removeprefix('strikebot '))}"),
            section("\n".join(lines)), context(escape(help_mod.BUTTONS))]


def help_message() -> Message:
    """The help list for `/strikebot help`, `@strikebot help`, "help" in a DM (App Home shows the same)."""
    plain = "\n".join([help_mod.INTRO, *(f"{u.partition('  ')[0]}: {d}" for u, d in help_mod.slack_lines())])
    return Message(trim(escape(plain), FALLBACK_LIMIT), help_blocks())


def notice(text: str) -> Message:
    """A one-line plain notice (escaped), e.g. an apology or an explanation."""
    return Message(escape(text), [section(escape(text))])


def mrkdwn_notice(mrkdwn: str, plain: str) -> Message:
    """A notice whose mrkdwn is already Slack-safe (e.g. with a `<#C…>` channel link); `plain` is the fallback."""
    return Message(escape(plain), [section(mrkdwn)])


def unknown_scope_message(asked: str, known: list[str]) -> Message:
    """'/strike-totals xyz' when xyz names no union or staff group: say so and list what is known."""
    return notice(f"I don't know a union or staff group called “{asked}”. "
                  f"Try one of: {', '.join(known)} — or leave it blank for everything.")


def feedback_thanks(vote: str) -> Message:
    """The 'thanks' after a 👍/👎."""
    return notice("Thanks — noted. " + ("Glad it helped." if vote == "up" else
                                         "A curator will look at this answer."))


def voted_blocks(message_blocks: list[dict], vote: str) -> list[dict]:
    """The answer's blocks after a vote: the 👍/👎 buttons gone, a thank-you line in their place."""
    kept = [b for b in message_blocks if b.get("block_id") != FEEDBACK_BLOCK]
    return kept + [context(escape(feedback_thanks(vote).text))]


def home_view(totals: Digest, ballots: Digest, strikes: Digest, subscriptions: list[str]) -> dict:
    """The App Home tab: latest totals (headline and newest figures), open ballots with deadlines, upcoming
    strikes, the viewer's reminder subscriptions (`subscriptions`: Slack mrkdwn lines, already safe) and the
    help list. Returns a views.publish `view`."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "strikebot"}}]
    blocks += digest_blocks(totals)
    blocks.append(context("Workings and charts: `/strike-totals` · `/strike-totals chart`"))
    blocks.append({"type": "divider"})
    for d in (ballots, strikes):
        blocks += digest_blocks(d)
        blocks.append({"type": "divider"})
    blocks.append(section("*Your reminder subscriptions*"))
    lines = list(subscriptions) or [
        "None yet. In a channel, try `/strikebot remind on` to get ballot-deadline reminders."]
    blocks.append(section("\n".join(lines)))
    blocks.append({"type": "divider"})
    blocks += help_blocks()
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
