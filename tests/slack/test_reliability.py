"""Retries, request signing, handshakes, health check and workspace lifecycle."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import timedelta

import pytest

from bot import answering
from bot.models import Answer
from bot.slack.app import event_key
from tests.slack.conftest import NOW, sign


@pytest.fixture
def slow_engine(monkeypatch: pytest.MonkeyPatch):
    """An engine slower than Slack's retry interval would be, so retries arrive while the first is working."""
    def fake_answer(question: str, kb, *, now):  # noqa: ANN001
        time.sleep(0.5)
        return Answer("answered", f"answer to {question}", 0.9, "x")

    monkeypatch.setattr(answering, "answer", fake_answer)


def test_retry_storm_gets_exactly_one_reply(bot, slow_engine):
    first, ev = bot.mention("same question", event_id="Ev0STORM")
    retries = [bot.event(ev, event_id="Ev0STORM", retry=n) for n in (1, 2, 3)]
    assert first.status == 200 and all(r.status == 200 for r in retries)
    bot.fake.wait_for("chat.postMessage")
    bot.settle(1.0)
    assert len(bot.fake.of("chat.postMessage")) == 1


def test_concurrent_duplicate_deliveries_get_exactly_one_reply(bot, slow_engine):
    _, ev = bot.mention("warm-up", event_id="Ev0WARM")
    results: list[int] = []

    race = {**ev, "ts": "1681900000.999999", "text": "<@UBOT> another question"}

    def deliver(n: int) -> None:
        results.append(bot.event(race, event_id="Ev0RACE", retry=n or None).status)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 4
    bot.fake.wait_for("chat.postMessage", 2)
    bot.settle(1.0)
    assert len(bot.fake.of("chat.postMessage")) == 2  # the warm-up and one for the race


def test_event_claims_are_kept_for_at_least_ten_minutes(bot):
    assert bot.state.claim_event("T:Ev1", NOW)
    assert bot.state.purge(90, NOW + timedelta(minutes=11))["seen_events"] == 0
    assert not bot.state.claim_event("T:Ev1", NOW + timedelta(minutes=11))
    assert event_key({"type": "event_callback", "team_id": "T", "event_id": "Ev1"}) == "T:Ev1"


@pytest.mark.parametrize("tamper", ["forged", "altered", "stale", "missing"])
def test_bad_signatures_get_401_and_nothing_happens(bot, tamper):
    envelope = json.dumps({"type": "event_callback", "team_id": "T0TEST", "event_id": "Ev0BAD",
                           "event": {"type": "app_mention", "user": "U0EVE", "text": "<@UBOT> hi",
                                     "channel": "C0CHAN", "ts": "1.1"}})
    ts = int(time.time())
    if tamper == "forged":
        sent = bot.post(envelope, "application/json", secret="not-the-secret")
    elif tamper == "altered":
        sent = bot.post(envelope.replace("hi", "ho"), "application/json", signature=sign(envelope, ts),
                        timestamp=ts)
    elif tamper == "stale":
        sent = bot.post(envelope, "application/json", timestamp=ts - 600)
    else:
        sent = bot.post(envelope, "application/json", signature="")
    assert sent.status == 401
    bot.settle()
    assert [c.method for c in bot.fake.calls if c.method != "auth.test"] == []
    assert bot.state.claim_event("T0TEST:Ev0BAD", NOW)  # the forged event was never even claimed


def test_forged_slash_command_gets_401(bot):
    sent = bot.command("/strikebot", "ballots", secret="wrong")
    assert sent.status == 401
    bot.settle()
    assert bot.fake.of("response_url") == []


def test_url_verification_echoes_the_challenge(bot):
    sent = bot.post(json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}),
                    "application/json")
    assert sent.status == 200 and "abc123" in sent.body


def test_ssl_check_is_acknowledged(bot):
    sent = bot.post("ssl_check=1&token=x", "application/x-www-form-urlencoded")
    assert sent.status == 200


def test_healthz_reports_the_newest_as_of_and_curated_through_dates(bot):
    url = bot.url.replace("/slack/events", "/healthz")
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.status == 200
        assert json.loads(r.read()) == {"status": "ok", "newest_as_of": "2023-04-17", "curated_through": "2023-04-20"}


@pytest.mark.parametrize("event", [
    {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}},
    {"type": "app_uninstalled"},
])
def test_revoked_or_uninstalled_workspace_is_left_alone_and_its_data_deleted(bot, event):
    bot.state.record_feedback("U0ALICE", "q", "a", "up", NOW)
    bot.state.log_unanswered("U0ALICE", "q?", "q", NOW)
    bot.state.subscribe("C0NEWS", (), ("1d",), NOW)
    assert bot.event({**event, "event_ts": "1.1"}).status == 200
    deadline = time.monotonic() + 5
    while not bot.state.is_disabled("T0TEST") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert bot.state.is_disabled("T0TEST")
    sent, _ = bot.mention("are you there?")
    assert sent.status == 200
    bot.settle()
    assert bot.posts() == []
    assert bot.state.feedback_since() == [] and bot.state.unanswered_since() == []
    assert bot.state.subscriptions() == []
    bot.state.enable_workspace("T0TEST")
    bot.mention("and now?")
    bot.fake.wait_for("chat.postMessage")


def test_rebuilt_knowledge_base_is_served_without_restart(bot, kb_path, tmp_path):
    import shutil

    from bot.build import build
    from tests.slack.conftest import KB_FIXTURE

    src = tmp_path / "kb"
    shutil.copytree(KB_FIXTURE, src)
    figures = src / "figures.csv"
    figures.write_text(figures.read_text().replace("483085", "500001"))
    before = bot.kb.newest_as_of_text()
    build(src, kb_path)
    try:
        bot.command("/strike-totals")
        body = [c for c in bot.fake.wait_for("response_url")][-1].body
        assert "500,001" in body["text"] and before == "2023-04-17"
    finally:
        build(KB_FIXTURE, kb_path)


def test_a_holder_whose_claim_was_taken_over_does_not_post(bot):
    """A holder so slow that its lease ran out and another process took the claim over posts nothing; the new
    holder posts the one reply (and its lease is extended for the post)."""
    from datetime import UTC, datetime

    from bot.slack import blocks
    from bot.slack.app import Claim, deps_of
    from bot.slack.delivery import COUNTS, post_reply

    deps = deps_of(bot.app)
    event = {"type": "app_mention", "user": "U0ALICE", "channel": "C0CHAN", "ts": "1681900000.424242", "text": "hi"}
    start = datetime.now(UTC)
    slow = bot.state.claim_event("T0TEST:EvSlow", start, work=json.dumps({"event": event}), lease=timedelta(0))
    taken = bot.state.take_expired_event("T0TEST:EvSlow", start, timedelta(seconds=120))
    assert slow and taken is not None and taken.owner != slow
    lost = COUNTS["lost_claim"]
    msg = blocks.notice("the answer")
    assert post_reply(deps, bot.app.client, event, msg, thread_ts=event["ts"],
                      claim=Claim("T0TEST:EvSlow", slow)) is None
    assert COUNTS["lost_claim"] == lost + 1 and bot.posts() == []
    ts = post_reply(deps, bot.app.client, event, msg, thread_ts=event["ts"], claim=Claim("T0TEST:EvSlow", taken.owner))
    assert ts and [p["thread_ts"] for p in bot.posts()] == [event["ts"]]
    done = bot.state.event_claim("T0TEST:EvSlow")
    assert done.status == "done" and done.reply_ts == ts


def test_a_fresh_claim_is_posted_without_extending_its_lease_and_a_stale_one_is_checked(bot, monkeypatch):
    """A reply ready well within its lease skips the hold (one write less per reply); past a quarter of the
    lease the holder checks that the claim is still its own before posting, as above."""
    from datetime import UTC, datetime

    from bot.slack import blocks
    from bot.slack.app import Claim, deps_of
    from bot.slack.delivery import post_reply

    deps = deps_of(bot.app)
    holds = []
    real_hold = bot.state.hold_event
    monkeypatch.setattr(bot.state, "hold_event", lambda *a: holds.append(a[0]) or real_hold(*a))
    event = {"type": "app_mention", "user": "U0ALICE", "channel": "C0CHAN", "ts": "1681900000.515151", "text": "hi"}
    now = datetime.now(UTC)
    fresh = bot.state.claim_event("T0TEST:EvFresh", now, work=json.dumps({"event": event}), lease=deps.lease)
    assert post_reply(deps, bot.app.client, event, blocks.notice("one"), thread_ts=event["ts"],
                      claim=Claim("T0TEST:EvFresh", fresh, since=now))
    assert holds == [] and bot.state.event_claim("T0TEST:EvFresh").status == "done"
    then = now - deps.lease / 2  # claimed half a lease ago and taken over since
    slow = bot.state.claim_event("T0TEST:EvStale", then, work=json.dumps({"event": event}), lease=timedelta(0))
    assert bot.state.take_expired_event("T0TEST:EvStale", now, deps.lease) is not None
    assert post_reply(deps, bot.app.client, event, blocks.notice("two"), thread_ts=event["ts"],
                      claim=Claim("T0TEST:EvStale", slow, since=then)) is None
    assert holds == ["T0TEST:EvStale"] and [p["text"] for p in bot.posts()] == ["one"]
