"""Several `serve` instances on one state database, as behind a load balancer: each event is answered once
whichever instances it reaches, and a reply claimed by an instance that dies is posted by another. Run on both
engines; on PostgreSQL this is the multi-machine deployment (the instances share nothing but the database), and
it skips, with the reason, where no server can start here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.state import StateStore
from tests.conftest import state_target_for
from tests.slack.fake_slack import BOT_USER, FakeSlack
from tests.slack.instances import Instance

KILL_LEASE_S = 3  # STRIKEBOT_CLAIM_LEASE in the kill tests: a dead instance's claim is taken over after 3 s


@pytest.fixture
def fake() -> FakeSlack:
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_state(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The instances' one state database: a SQLite file, or a PostgreSQL database's URL."""
    return state_target_for(request.param, request, tmp_path)


@pytest.fixture
def lease_s() -> int:
    """The instances' claim lease (seconds): longer than any reply takes on a loaded machine, so that a live
    instance's slow reply is never taken over (the kill tests shorten it)."""
    return 30


@pytest.fixture
def pair(shared_state: Path | str, tmp_path: Path, fake: FakeSlack, kb_path: Path, lease_s: int) -> list[Instance]:
    """Two running instances, A and B, sharing one state database and the fake Slack."""
    target = shared_state
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path),
           "STRIKEBOT_STATE": str(target), "STRIKEBOT_CLAIM_LEASE": str(lease_s)}
    instances = [Instance(name, env, tmp_path / name, fake) for name in ("a", "b")]
    try:
        for i in instances:
            i.start()
        yield instances
    finally:
        for i in instances:
            i.stop()


def at_once(*calls: Callable[[], object]) -> list:
    """Run `calls` on their own threads released together; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def mention(n: int) -> dict:
    return {"type": "app_mention", "user": "U0ALICE", "text": f"<@{BOT_USER}> when is the next junior doctors strike?",
            "channel": "C0CHAN", "ts": f"1681900000.10000{n}", "event_ts": f"1681900000.10000{n}"}


def test_an_event_and_its_retry_reaching_two_instances_at_once_get_one_reply(pair: list[Instance],
                                                                             fake: FakeSlack) -> None:
    a, b = pair
    events = [mention(n) for n in range(5)]
    for n, ev in enumerate(events):
        # Slack's first delivery goes to A; its retry (Slack thought A too slow) reaches B at the same moment
        statuses = at_once(lambda: a.bot.event(ev, event_id=f"Ev0TWO{n}").status,  # noqa: B023 - joined in the loop
                           lambda: b.bot.event(ev, event_id=f"Ev0TWO{n}", retry=1).status)  # noqa: B023
        assert statuses == [200, 200]  # both acknowledged, so Slack stops retrying
    fake.wait_for("chat.postMessage", len(events), timeout=20)
    a.bot.settle(1.0)  # time for a second reply, were either instance going to send one
    posts = fake.of("chat.postMessage")
    assert sorted(p.body["thread_ts"] for p in posts) == sorted(ev["ts"] for ev in events), fake.transcript()


def _replies(fake: FakeSlack, ev: dict) -> list[dict]:
    """The messages Slack shows in `ev`'s thread (what was posted, not what was attempted)."""
    return [m for m in fake.messages.get(ev["channel"], []) if m.get("thread_ts") == ev["ts"]]


@pytest.mark.parametrize("lease_s", [KILL_LEASE_S])
@pytest.mark.parametrize("dies", ["before its post reached Slack", "after posting, before closing its claim"])
def test_an_instance_killed_mid_reply_has_its_reply_posted_once_by_the_other(
        pair: list[Instance], fake: FakeSlack, shared_state: Path | str, dies: str) -> None:
    a, b = pair
    held = fake.hold("chat.postMessage")
    ev = mention(7)
    assert a.bot.event(ev, event_id="Ev0KILLED").status == 200  # A claimed it (with the work) and acked
    assert held.arrived.wait(20), a.output()  # A is inside chat.postMessage…
    a.kill()  # …and dies there (SIGKILL: nothing is cleaned up, the claim stays A's until its lease runs out)
    posted_by_a = not dies.startswith("before")
    held.release(created=posted_by_a, reply=None)  # A's request: posted or lost, never answered
    key = "T0TEST:Ev0KILLED"
    # B takes the claim over once its lease ran out, looks in the thread for a reply whose metadata names the
    # claim, and posts only when there is none
    fake.wait_call("conversations.replies", lambda c: c.body.get("ts") == ev["ts"], timeout=20)
    if not posted_by_a:
        lost = fake.of("chat.postMessage")[0]  # A's attempt (recorded, never posted); B's may follow already
        fake.wait_call("chat.postMessage", lambda c: c is not lost and c.body.get("thread_ts") == ev["ts"],
                       timeout=20)
    b.bot.settle(KILL_LEASE_S + 1.0)  # time for another take-over, were the claim left open
    [reply] = _replies(fake, ev)  # one reply in the thread, whoever posted it
    assert reply["metadata"] == {"event_type": "strikebot_reply", "event_payload": {"claim": key}}
    assert len(fake.of("chat.postMessage")) == (1 if posted_by_a else 2), fake.transcript()  # B posted iff needed
    claim = StateStore(shared_state).event_claim(key)
    assert (claim.status, claim.attempts, claim.work) == ("done", 2, "")  # done by B, the claim's second holder
    assert claim.reply_ts == reply["ts"]
