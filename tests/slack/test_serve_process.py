"""`strikebot serve --http` as a real process: kill -9 between a reply's claim and its post loses nothing and
doubles nothing; `--workers N` serves from N processes; it binds 127.0.0.1 by default."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.state import StateStore
from tests.slack.conftest import SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed_requests import SlackTestBot

QUESTION = "How many appointments were rescheduled by the April 2023 junior doctors strike?"


class Served:
    """A `strikebot serve --http` subprocess on a free port; `url` its /slack/events."""

    def __init__(self, fake: FakeSlack, kb_path: Path, state_path: Path, *args: str, **env: str):
        full = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path), "STRIKEBOT_STATE": str(state_path),
                "STRIKEBOT_CLAIM_LEASE": "1", **env}
        full.pop("SLACK_APP_TOKEN", None)
        if "STRIKEBOT_HOST" not in env:
            full.pop("STRIKEBOT_HOST", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--port", "0", *args],
                                     env=full, cwd=state_path.parent, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        line = self.proc.stderr.readline()
        m = re.search(r"HTTP mode on ([\d.]+):(\d+)", line)
        assert m, line + self.proc.stderr.read()
        self.host, self.port = m[1], int(m[2])
        self.url = f"http://{self.host}:{self.port}/slack/events"
        deadline = time.monotonic() + 20
        while True:  # up once /healthz answers
            try:
                with urllib.request.urlopen(f"http://{self.host}:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.mark.parametrize("posted_before_the_kill", [False, True], ids=["post_lost", "post_made"])
def test_kill_9_between_claim_and_post_loses_nothing_and_doubles_nothing(fake, kb_path, tmp_path,
                                                                        posted_before_the_kill):
    state_path = tmp_path / "state.sqlite"
    held = fake.hold("chat.postMessage")
    first = Served(fake, kb_path, state_path)
    try:
        bot = SlackTestBot(first.url, fake)
        sent, ev = bot.mention(QUESTION, event_id="Ev0KILL")
        assert sent.status == 200
        assert held.arrived.wait(10)  # claimed, answered, and its post is in flight…
        first.kill9()  # …when the process dies
    finally:
        first.stop()
    held.release(created=posted_before_the_kill, reply=None)
    time.sleep(1.1)  # the claim's lease (1 s) runs out
    second = Served(fake, kb_path, state_path)
    try:
        bot = SlackTestBot(second.url, fake)
        assert bot.event(ev, event_id="Ev0KILL", retry=1).status == 200  # a late retry: dropped
        deadline = time.monotonic() + 10
        state = StateStore(state_path)
        while (state.event_claim("T0TEST:Ev0KILL").status != "done") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.event_claim("T0TEST:Ev0KILL").status == "done"
        time.sleep(0.3)
        replies = fake.messages.get("C0CHAN", [])
        assert len(replies) == 1 and "196,225" in replies[0]["text"]
        assert replies[0]["thread_ts"] == ev["ts"]
        assert len(fake.of("chat.postMessage")) == (1 if posted_before_the_kill else 2)
        assert fake.of("conversations.replies")  # settled by the claim's metadata before any re-post
    finally:
        second.stop()


def test_workers_share_the_port_and_each_message_is_answered_once(fake, kb_path, tmp_path):
    # a lease longer than any reply can take on a loaded machine: with the 1 s lease of the kill tests, a reply
    # still queued after 1 s was taken over by the other worker's resumer and posted twice (seen once in a full
    # run on the shared 2-core machine: 8 posts for 6 messages)
    served = Served(fake, kb_path, tmp_path / "state.sqlite", "--workers", "2", STRIKEBOT_CLAIM_LEASE="30")
    try:
        children = Path(f"/proc/{served.proc.pid}/task/{served.proc.pid}/children").read_text().split()
        assert len(children) == 2
        assert served.host == "127.0.0.1"  # the default: this machine only
        bot = SlackTestBot(served.url, fake)
        events = [bot.mention(f"{QUESTION} ({i})")[1] for i in range(6)]
        for ev in events[:3]:
            bot.event(ev, retry=1)  # the same messages again under new event ids
        fake.wait_for("chat.postMessage", 6, timeout=15)
        time.sleep(0.5)
        assert len(fake.of("chat.postMessage")) == 6
        assert sorted(c.body["thread_ts"] for c in fake.of("chat.postMessage")) == sorted(e["ts"] for e in events)
        health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{served.port}/healthz", timeout=5).read())
        assert health["status"] == "ok"
    finally:
        served.stop()


def test_strikebot_host_chooses_the_interface(fake, kb_path, tmp_path):
    served = Served(fake, kb_path, tmp_path / "state.sqlite", STRIKEBOT_HOST="127.0.0.2")  # still loopback
    try:
        assert served.host == "127.0.0.2"
        health = json.loads(urllib.request.urlopen(f"http://127.0.0.2:{served.port}/healthz", timeout=5).read())
        assert health["status"] == "ok" and "curated_through" in health
    finally:
        served.stop()
