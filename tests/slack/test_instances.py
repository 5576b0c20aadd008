"""Several `serve` instances on one state database, as behind a load balancer: each event is answered once
whichever instances it reaches. Run on both engines; on PostgreSQL this is the multi-machine deployment (the
instances share nothing but the database), and it skips, with the reason, where no server can start here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import state_target_for
from tests.slack.fake_slack import FakeSlack
from tests.slack.instances import Instance


@pytest.fixture
def fake() -> FakeSlack:
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def pair(request: pytest.FixtureRequest, tmp_path: Path, fake: FakeSlack, kb_path: Path) -> list[Instance]:
    """Two running instances, A and B, sharing one state database and the fake Slack."""
    target = state_target_for(request.param, request, tmp_path)
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path),
           "STRIKEBOT_STATE": str(target)}
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
    return {"type": "app_mention", "user": "U0ALICE", "text": "<@U0BOT> when is the next junior doctors strike?",
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
