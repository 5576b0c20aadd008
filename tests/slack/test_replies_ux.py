"""Replies read on a phone, over the real Bolt app and the fake Web API: help is the same everywhere, small talk
gets one line and is never a gap, the remind verbs of the CLI work in Slack, More and Copy for a story answer the
clicker privately."""

from __future__ import annotations

import json

from bot import answering
from bot.models import Answer, Match
from bot.slack import blocks


def _reply(bot, name: str) -> dict:
    # wait for this reply itself: an earlier response_url call (the answer before a click) must not satisfy it
    return bot.fake.wait_call("response_url", lambda c: c.path.endswith("/" + name)).body


def _all(body: dict) -> str:
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


def test_help_is_the_same_for_a_mention_and_the_slash_command(bot):
    bot.mention("help")
    (post,) = bot.fake.wait_for("chat.postMessage")
    bot.command("/strikebot", "help", response="help")
    slash = _reply(bot, "help")
    assert post.body["blocks"] == slash["blocks"] == blocks.help_blocks()
    assert "remind on|subscribe" in _all(slash) and "remind off|unsubscribe" in _all(slash)


def test_greetings_and_thanks_get_one_line_and_are_not_gaps(bot):
    bot.dm("hi")
    bot.mention("thanks!")
    posts = bot.fake.wait_for("chat.postMessage", 2)
    texts = sorted(p.body["text"] for p in posts)
    assert texts[0].startswith("Hello!") and texts[1] == "You're welcome."
    assert all("\n" not in t for t in texts)
    assert bot.state.unanswered_since(None) == []


def test_remind_accepts_the_command_line_verbs(bot):
    bot.command("/strikebot", "remind subscribe", response="sub")
    assert "reminders are on" in _reply(bot, "sub")["text"]
    bot.command("/strikebot", "remind unsubscribe", response="unsub")
    assert "reminders are off" in _reply(bot, "unsub")["text"]


def test_more_and_copy_for_a_story_answer_privately(bot):
    question = "How many appointments were rescheduled by the April 2023 junior doctors strike?"
    bot.command("/strikebot", f"ask {question}", response="ask")
    buttons = {el["action_id"]: el for b in _reply(bot, "ask")["blocks"] if b["type"] == "actions"
               for el in b["elements"]}
    assert blocks.QUOTE in buttons
    bot.click(blocks.QUOTE, buttons[blocks.QUOTE]["value"], ephemeral=True, response="quote")
    quote = _reply(bot, "quote")
    assert quote["response_type"] == "ephemeral" and quote["replace_original"] is False
    assert "196,225 appointments were rescheduled" in quote["text"] and "11–15 April 2023" in quote["text"]
    assert bot.fake.of("chat.postMessage") == []


def test_more_shows_the_detail_privately(bot, monkeypatch):
    question = "How many appointments were rescheduled by the April 2023 junior doctors strike?"
    reply = Answer("answered", "196,225 were rescheduled.\nAlso reported: 570 in community services.", 0.9,
                   "impact_figure", Match("figure", "jd-apr23-acute", 95), headline="196,225 were rescheduled.",
                   detail="Also reported: 570 in community services.", emphasis="196,225")
    monkeypatch.setattr(answering, "answer", lambda q, kb, *, now: reply)
    bot.mention(question)
    (post,) = bot.fake.wait_for("chat.postMessage")
    first = post.body["text"].split("\n", 1)[0]
    buttons = {el["action_id"]: el for b in post.body["blocks"] if b["type"] == "actions" for el in b["elements"]}
    assert blocks.MORE in buttons and blocks.SHARE not in buttons  # a thread reply is already public
    bot.click(blocks.MORE, buttons[blocks.MORE]["value"], response="more", user="U0BOB")
    more = _reply(bot, "more")
    assert more["response_type"] == "ephemeral" and more["replace_original"] is False
    assert more["text"].startswith("More on: ") and "570 in community services" in more["text"]
    assert first == "196,225 were rescheduled." and "*196,225*" in post.body["blocks"][0]["text"]["text"]
    assert bot.fake.of("chat.update") == []
