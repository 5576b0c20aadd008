"""Mentions, DMs, threads, ignored messages, escaping, limits — the real Bolt app over loopback HTTP."""

from __future__ import annotations

import json

import pytest

from bot import answering
from bot.models import Answer, Match, Source
from tests.slack.conftest import BOT_ID, BOT_USER
from tests.slack.fake_slack import not_ok, rate_limited

QUESTION = "How many appointments were rescheduled by the April 2023 junior doctors strike?"
SRC = Source("nhse-apr23", "https://example.org/nhse-apr23", "Per-strike appointment tally to April 2023",
             "NHS England", "2023-04-17", "official")


def _all_text(body: dict) -> str:
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):
    """Replace the engine with a scripted one: {question: Answer}; anything else echoes the question back
    (the worst case for escaping) as a no_answer with suggestions."""
    replies: dict[str, Answer] = {}

    def fake_answer(question: str, kb, *, now):  # noqa: ANN001
        if question in replies:
            return replies[question]
        return Answer("no_answer", f"I can't answer “{question}” yet.", 0.1, "unknown",
                      suggestions=["How many appointments were rescheduled in the junior doctors strike in "
                                   "April 2023?", "When was the RCN nurses strike in April 2023?"])

    monkeypatch.setattr(answering, "answer", fake_answer)
    return replies


def test_mention_gets_one_threaded_sourced_answer(bot):
    sent, ev = bot.mention(QUESTION)
    assert sent.status == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    body = call.body
    assert body["channel"] == "C0CHAN" and body["thread_ts"] == ev["ts"]
    assert "196,225" in body["text"]
    assert "https://example.org/nhse-apr23" in _all_text(body)
    assert "NHS England" in _all_text(body)
    assert any(b["type"] == "context" for b in body["blocks"])
    # the source is listed once, in the context block, not again under the answer
    answer_section = body["blocks"][0]["text"]["text"]
    assert "196,225" in answer_section and "Source" not in answer_section.split("Full details")[0]
    context = next(b for b in body["blocks"] if b["type"] == "context")["elements"][0]["text"]
    assert "https://example.org/nhse-apr23" in context
    bot.settle()
    assert len(bot.posts()) == 1


def test_follow_up_mention_in_a_thread_is_answered_in_that_thread(bot, scripted):
    sent, ev = bot.mention("and what about nurses?", thread_ts="1681800000.000100")
    assert sent.status == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert call.body["thread_ts"] == "1681800000.000100"


def test_direct_message_is_answered_in_the_dm(bot, scripted):
    scripted["when was the strike?"] = Answer("answered", "It ran 11–15 April 2023.", 0.9, "strike_when",
                                              Match("strike", "jd-2023-04", 90), [SRC])
    sent, ev = bot.dm("when was the strike?")
    assert sent.status == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert call.body["channel"] == "D0ALICE"
    assert "thread_ts" not in call.body or call.body["thread_ts"] is None
    assert "11–15 April 2023" in call.body["text"]


def test_markup_heavy_question_is_answered(bot):
    text = ("hey <@U0BOB|bob> & <#C0NEWS|news>: *how many* _appointments_ were rescheduled by the "
            "<https://example.org/x|April 2023> junior doctors strike?? &lt;3")
    sent, _ = bot.mention(text)
    assert sent.status == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "196,225" in call.body["text"]


def test_channel_ping_in_a_question_is_never_echoed_live(bot, scripted):
    sent, _ = bot.mention("<!channel> <!here> <!everyone> what is <@U0BOB> doing?")
    assert sent.status == 200
    (call,) = bot.fake.wait_for("chat.postMessage")
    everything = _all_text(call.body)
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOB>"):
        assert live not in everything
    assert "@channel" in call.body["text"]  # shown, inert


def test_raw_angle_brackets_from_the_engine_are_escaped(bot, scripted):
    scripted["q"] = Answer("answered", "Totals <!channel> & more", 0.9, "x", None, [SRC])
    bot.dm("q")
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "<!channel>" not in _all_text(call.body)
    assert "&lt;!channel&gt; &amp; more" in call.body["text"]


@pytest.mark.parametrize("event", [
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "user": BOT_USER, "text": "my own reply",
     "ts": "1.1"},
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "bot_id": BOT_ID, "subtype": "bot_message",
     "text": "my own bot message", "ts": "1.2"},
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "bot_id": "B0OTHER", "subtype": "bot_message",
     "text": "another bot", "ts": "1.3"},
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "bot_id": "B0OTHER", "user": "U0OTHERBOT",
     "text": "another bot with a user", "ts": "1.4"},
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "subtype": "message_changed", "hidden": True,
     "message": {"type": "message", "user": "U0ALICE", "text": "edited question?", "ts": "1.0"}, "ts": "1.5"},
    {"type": "message", "channel_type": "im", "channel": "D0ALICE", "subtype": "message_deleted", "hidden": True,
     "deleted_ts": "1.0", "ts": "1.6"},
    {"type": "message", "channel_type": "channel", "channel": "C0CHAN", "subtype": "channel_join",
     "user": "U0ALICE", "text": "<@U0ALICE> has joined the channel", "ts": "1.7"},
    {"type": "message", "channel_type": "channel", "channel": "C0CHAN", "user": "U0ALICE",
     "text": "a plain channel message, not for us", "ts": "1.8"},
    {"type": "app_mention", "channel": "C0CHAN", "bot_id": "B0OTHER", "user": "U0OTHERBOT",
     "text": f"<@{BOT_USER}> bots mentioning us", "ts": "1.9"},
], ids=["own-user", "own-bot", "other-bot", "other-bot-user", "message_changed", "message_deleted", "join",
        "channel-message", "bot-mention"])
def test_ignored_messages_are_acknowledged_and_not_answered(bot, event, caplog):
    sent = bot.event(event)
    assert sent.status == 200
    bot.settle()
    assert bot.posts() == []
    # an ignored event calls no response_url, so a webhook client error here is a late apology of an earlier
    # test's background thread to its dead response_url, not this event's doing
    assert not [r for r in caplog.records if r.levelname == "ERROR" and r.name != "slack_sdk.webhook.client"]


def test_rate_limit_then_success_is_retried_after_retry_after(bot, scripted):
    bot.fake.script("chat.postMessage", rate_limited(1))
    bot.mention("anything")
    calls = bot.fake.wait_for("chat.postMessage", 2, timeout=15)
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 0.9
    assert calls[0].body == calls[1].body
    bot.settle()
    assert len(bot.fake.of("chat.postMessage")) == 2


def test_not_in_channel_is_logged_without_crashing(bot, scripted, caplog):
    bot.fake.script("chat.postMessage", not_ok("not_in_channel"))
    sent, _ = bot.mention("anything", channel="C0NOTIN")
    assert sent.status == 200
    bot.fake.wait_for("chat.postMessage")
    bot.settle()
    assert "not_in_channel" in caplog.text
    assert len(bot.fake.of("chat.postMessage")) == 1  # no retry loop, no apology into the same channel
    sent, _ = bot.mention("still alive?")
    assert sent.status == 200
    bot.fake.wait_for("chat.postMessage", 2)


def test_overlong_answer_is_trimmed_within_limits_with_a_pointer_to_the_source(bot, scripted):
    long_text = " ".join(f"word{i} & <x>" for i in range(4000))  # ~50,000 chars
    scripted["long"] = Answer("answered", long_text, 0.9, "x", Match("figure", "f", 90), [SRC] * 1 + [
        Source(f"s{i}", f"https://example.org/{i}", f"Title {i}", "Pub", "2023", "news") for i in range(20)],
        as_of="2023-04-17")
    bot.dm("long")
    (call,) = bot.fake.wait_for("chat.postMessage")
    body = call.body
    assert len(body["blocks"]) <= 50
    assert len(body["text"]) < 40000
    for block in body["blocks"]:
        if block["type"] == "section":
            assert 1 <= len(block["text"]["text"]) <= 3000
        for el in block.get("elements", []):
            if el.get("type") == "mrkdwn":
                assert len(el["text"]) <= 3000
            if el.get("type") == "button":
                assert len(el["value"]) <= 2000
    first = body["blocks"][0]["text"]["text"]
    assert first.endswith("Full details: <https://example.org/nhse-apr23|Per-strike appointment tally to April 2023>")
    assert "…" in first
    assert "&amp;" in first and "<x>" not in first


def test_no_answer_is_logged_for_curators(bot, scripted):
    bot.dm("what colour is the BMA logo?")
    bot.fake.wait_for("chat.postMessage")
    rows = bot.state.unanswered_since()
    assert [r.question for r in rows] == ["what colour is the BMA logo?"]
    assert rows[0].user_id == "U0ALICE" and rows[0].normalised == "what colour is the bma logo"


def test_empty_mention_gets_help_and_is_not_logged(bot):
    bot.mention("")
    (call,) = bot.fake.wait_for("chat.postMessage")
    assert "/strikebot" in call.body["text"]
    assert bot.state.unanswered_since() == []
