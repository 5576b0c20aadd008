"""Slack text in and out: decode Slack's markup into plain text for the core, escape plain text for Slack.

Incoming: `<@U…>`, `<#C…|name>`, `<https://…|label>`, `<!channel>` and the `&amp;`/`&lt;`/`&gt;` escapes
become readable plain text (the bot's own mention is dropped). Outgoing: `&`, `<`, `>` are escaped, so text a user
typed can never become a live `@channel` ping, a link or a mention when echoed back.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<([^<>]*)>")


def _decode_one(inner: str, bot_user_id: str | None) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        if bot_user_id and target[1:] == bot_user_id:
            return ""
        return f"@{label}" if label else "@someone"
    if target.startswith("#"):
        return f"#{label}" if label else "#channel"
    if target.startswith("!"):
        word = target[1:].split("^", 1)[0]
        if label:
            broadcast = word in ("channel", "here", "everyone")
            return f"@{word}" if broadcast and not label.startswith("@") else label
        return f"@{word}" if word in ("channel", "here", "everyone") else ""
    return label or target.removeprefix("mailto:")


def slack_to_plain(text: str | None, *, bot_user_id: str | None = None) -> str:
    """Slack message text -> plain text for the answering core.

    Args: `text` as Slack sends it (escaped, with markup); `bot_user_id` the bot's own user id, whose mention
    is removed. Returns single-spaced plain text, e.g. '<@UBOT> when is the <#C1|rcn> vote? &lt;3' ->
    'when is the #rcn vote? <3'."""
    decoded = _MARKUP.sub(lambda m: _decode_one(m.group(1), bot_user_id), text or "")
    decoded = decoded.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(decoded.split())


def escape(text: str | None) -> str:
    """Plain text -> Slack-safe text: '&' -> '&amp;', '<' -> '&lt;', '>' -> '&gt;' ('<!channel>' is inert)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A Slack link `<url|label>` with the label escaped (and '|' removed) so it cannot break out."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    safe_url = safe_url.replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '/')}>"
