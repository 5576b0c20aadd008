"""Slash commands, buttons (suggestions, feedback, share) and App Home, over loopback HTTP."""

from __future__ import annotations

import json

import pytest

from bot import answering
from bot.models import Answer, Match, Source
from bot.slack import blocks
from tests.slack.fake_slack import Reply, not_ok

SRC = Source("nhse-apr23", "https://example.org/nhse-apr23", "Per-strike appointment tally to April 2023",
             "NHS England", "2023-04-17", "official")
SUGGESTION = "How many appointments were rescheduled in the junior doctors strike in April 2023?"


def _reply(bot, name: str = "cmd") -> dict:
    # wait for this reply itself: an earlier response_url call must not satisfy it (a race under load)
    return bot.fake.wait_call("response_url", lambda c: c.path.endswith("/" + name)).body


def _text(body: dict) -> str:
    return body.get("text", "") + json.dumps(body.get("blocks", []), ensure_ascii=False)


def _buttons(body: dict) -> dict[str, dict]:
    return {el["action_id"]: el for b in body.get("blocks", []) if b["type"] == "actions"
            for el in b["elements"]}


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):
    replies: dict[str, Answer] = {}

    def fake_answer(question: str, kb, *, now):  # noqa: ANN001
        if question in replies:
            return replies[question]
        return Answer("no_answer", "I can't answer that yet.", 0.1, "unknown",
                      suggestions=[SUGGESTION, "When was the RCN nurses strike in April 2023?"])

    monkeypatch.setattr(answering, "answer", fake_answer)
    replies[SUGGESTION] = Answer("answered", "196,225 appointments were rescheduled.", 0.9, "figure",
                                 Match("figure", "jd-apr23-acute", 95), [SRC], as_of="2023-04-17")
    return replies


def test_help_is_ephemeral(bot):
    sent = bot.command("/strikebot", "help")
    assert sent.status == 200
    body = _reply(bot)
    assert body["response_type"] == "ephemeral"
    assert "/strike-totals" in body["text"]


def test_ask_answers_ephemerally_with_share_and_feedback_buttons(bot):
    sent = bot.command("/strikebot", "ask How many appointments were rescheduled by the April 2023 junior "
                                     "doctors strike?")
    assert sent.status == 200
    body = _reply(bot)
    assert body["response_type"] == "ephemeral"
    assert "196,225" in body["text"] and "https://example.org/nhse-apr23" in _text(body)
    assert {blocks.SHARE, blocks.FEEDBACK_UP, blocks.FEEDBACK_DOWN} <= set(_buttons(body))
    assert bot.fake.of("chat.postMessage") == []


def test_strike_totals_shows_its_workings(bot):
    sent = bot.command("/strike-totals", "")
    assert sent.status == 200
    body = _reply(bot)
    text = body["text"]
    assert text.startswith("Running total: 483,085 appointments rescheduled")  # the headline comes first
    assert "*483,085*" in body["blocks"][0]["text"]["text"]  # its figure in bold
    assert "196,225" in text and "17 April 2023" in text  # the newest per-strike figure
    assert "286,860" not in _text(body)  # the workings wait behind a button
    assert "https://example.org/nhse-apr23" in _text(body)
    buttons = _buttons(body)
    assert {blocks.SHARE, blocks.WORKINGS, blocks.CHART} <= set(buttons)
    bot.click(blocks.WORKINGS, buttons[blocks.WORKINGS]["value"], ephemeral=True, response="work")
    workings = _reply(bot, "work")
    assert "286,860" in _text(workings) and "our arithmetic" in _text(workings)  # total, per strike, remainder
    assert workings["replace_original"] is False and workings["response_type"] == "ephemeral"


def test_strike_totals_for_a_union(bot):
    bot.command("/strike-totals", "BMA")
    text = _reply(bot)["text"]
    assert "BMA" in text and "196,225" in text and "483,085" not in text


def test_strike_totals_for_an_unknown_name_says_what_is_known(bot):
    bot.command("/strike-totals", "<!channel> teachers")
    body = _reply(bot)
    assert "teachers" in body["text"] and "BMA" in body["text"]
    assert "<!channel>" not in _text(body)


def test_strikebot_totals(bot):
    bot.command("/strikebot", "totals")
    assert "483,085" in _reply(bot)["text"]


def test_ballots_shows_recent_results_when_none_are_open(bot):
    bot.command("/strikebot", "ballots")
    text = _reply(bot)["text"]
    assert "No ballot is open" in text and "rejected" in text and "54%" in text


def test_strikes_lists_upcoming_and_recent(bot):
    bot.command("/strikebot", "strikes")
    text = _reply(bot)["text"]
    assert "Upcoming" in text and "RCN nurses" in text
    assert "Most recent" in text and "BMA junior doctors" in text


def test_remind_is_delegated_to_the_reminders_feature(bot):
    bot.command("/strikebot", "remind list")
    body = _reply(bot)
    assert body["response_type"] == "ephemeral" and body["text"]


def test_slash_command_ack_is_immediate_and_empty(bot):
    sent = bot.command("/strikebot", "ballots")
    assert sent.status == 200 and sent.body == ""


def test_suggestion_button_answers_the_clicker_in_a_new_private_reply(bot, scripted):
    bot.mention("something odd")
    (post,) = bot.fake.wait_for("chat.postMessage")
    buttons = _buttons(post.body)
    assert buttons["suggest_0"]["value"] == SUGGESTION
    assert not {blocks.SHARE, blocks.FEEDBACK_UP, blocks.FEEDBACK_DOWN} & set(buttons)  # a decline: no votes
    sent = bot.click("suggest_0", SUGGESTION, message_ts="1700000001.000100", user="U0BOB", response="sug")
    assert sent.status == 200
    body = _reply(bot, "sug")
    assert body["response_type"] == "ephemeral" and body["replace_original"] is False
    assert "196,225" in body["text"] and blocks.SHARE in _buttons(body)
    bot.settle(0.2)
    assert bot.fake.of("chat.update") == [] and len(bot.fake.of("chat.postMessage")) == 1  # nobody else's view


def test_suggestion_button_on_an_ephemeral_reply_leaves_it(bot, scripted):
    bot.click("suggest_0", SUGGESTION, ephemeral=True, response="eph")
    body = _reply(bot, "eph")
    assert body["replace_original"] is False and "196,225" in body["text"]
    assert bot.fake.of("chat.update") == []


def test_suggestion_labels_stay_distinct_when_cut(bot, monkeypatch):
    long = "How many hospital appointments were rescheduled because of the junior doctors' strike in "
    suggestions = [long + "April 2023?", long + "March 2023?", long + "June 2023?"]
    monkeypatch.setattr(answering, "answer", lambda q, kb, *, now: Answer(
        "no_answer", "I can't answer that yet.", 0.1, "unknown", suggestions=suggestions))
    bot.command("/strikebot", "ask something odd")
    labels = [b["text"]["text"] for b in _buttons(_reply(bot)).values()]
    assert len(labels) == 3 and len(set(labels)) == 3 and all(len(x) <= 75 for x in labels)
    assert all(x.endswith(m) for x, m in zip(labels, ("April 2023?", "March 2023?", "June 2023?"), strict=True))


def test_feedback_button_records_a_row(bot, scripted):
    value = json.dumps({"q": SUGGESTION, "a": "figure:jd-apr23-acute"})
    sent = bot.click(blocks.FEEDBACK_DOWN, value, user="U0BOB")
    assert sent.status == 200
    updated = _reply(bot, "act")
    assert updated["replace_original"] is True and "Thanks" in _text(updated)
    assert not {blocks.FEEDBACK_UP, blocks.FEEDBACK_DOWN} & set(_buttons(updated))  # buttons gone
    (vote,) = bot.state.feedback_since()
    assert (vote.user_id, vote.question, vote.answer_id, vote.vote) == ("U0BOB", SUGGESTION,
                                                                         "figure:jd-apr23-acute", "down")
    assert vote.created.tzinfo is not None


def test_share_posts_in_channel_and_removes_the_ephemeral(bot):
    bot.click(blocks.SHARE, json.dumps({"kind": "totals", "arg": ""}), ephemeral=True)
    (post,) = bot.fake.wait_for("chat.postMessage")
    assert post.body["channel"] == "C0CHAN" and "483,085" in post.body["text"]
    assert "Shared by <@U0ALICE>" in _text(post.body)
    assert _reply(bot, "act")["delete_original"] is True


def test_share_where_the_bot_is_not_a_member_goes_through_the_response_url(bot):
    bot.fake.script("chat.postMessage", not_ok("not_in_channel"))
    sent = bot.click(blocks.SHARE, json.dumps({"kind": "ballots", "arg": ""}), ephemeral=True)
    assert sent.status == 200
    first, second = bot.fake.wait_for("response_url", 2)[:2]
    assert first.body["response_type"] == "in_channel" and "Shared by <@U0ALICE>" in _text(first.body)
    assert second.body["delete_original"] is True


def test_share_in_a_private_channel_with_an_expired_response_url_explains_privately(bot):
    bot.fake.script("chat.postMessage", not_ok("channel_not_found"))
    bot.fake.script("response_url", Reply({"ok": False, "error": "expired_url"}, 404))
    bot.click(blocks.SHARE, json.dumps({"kind": "ballots", "arg": ""}), ephemeral=True, channel="G0PRIV")
    dm = bot.fake.wait_for("chat.postMessage", 2)[1]
    assert dm.body["channel"] == "U0ALICE" and "/invite @strikebot" in _text(dm.body)
    assert "<#G0PRIV>" in _text(dm.body)
    bot.settle(0.2)
    assert len(bot.fake.of("response_url")) == 1  # no attempt to delete through an expired URL


def test_share_a_decline_is_not_offered(bot, scripted):
    bot.command("/strikebot", "ask something odd")
    assert blocks.SHARE not in _buttons(_reply(bot))


def test_app_home_shows_totals_ballots_and_strikes(bot):
    sent = bot.event({"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home",
                      "event_ts": "1.1"})
    assert sent.status == 200
    (call,) = bot.fake.wait_for("views.publish")
    view = call.body["view"] if isinstance(call.body["view"], dict) else json.loads(call.body["view"])
    dump = json.dumps(view, ensure_ascii=False)
    assert call.body["user_id"] == "U0ALICE" and view["type"] == "home"
    assert "483,085" in dump and "Open ballots" in dump and "RCN nurses" in dump
    assert "reminder subscriptions" in dump
    assert len(view["blocks"]) <= 100
