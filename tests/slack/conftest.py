"""Fixtures: the fake Slack Web API, the test knowledge base, and the real Bolt app served over loopback HTTP.

`bot` is a `SlackTestBot`: it sends signed requests (events, slash commands, button clicks) over real HTTP to
the running app and exposes the fake Web API (`bot.fake`) and the state store (`bot.state`).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.build import build
from bot.config import load_settings
from bot.knowledge import KnowledgeBase
from bot.slack.app import create_app
from bot.slack.server import SlackHTTPServer
from bot.state import StateStore
from tests.slack.fake_slack import BOT_ID, BOT_USER, TEAM, FakeSlack

SECRET = "test-signing-secret"
NOW = datetime(2023, 4, 20, 11, 0, tzinfo=UTC)  # the April 2023 figures (as of 17 April) are known
KB_FIXTURE = Path(__file__).resolve().parent.parent / "data" / "kb"
_ids = itertools.count(1)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    """Slack's request signature: v0=HMAC-SHA256(secret, 'v0:<timestamp>:<body>')."""
    mac = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={mac}"


@dataclass
class Sent:
    status: int
    body: str


class SlackTestBot:
    """Drives the app the way Slack does, over HTTP, with correctly (or deliberately wrongly) signed requests."""

    def __init__(self, url: str, fake: FakeSlack, state: StateStore, kb: KnowledgeBase):
        self.url, self.fake, self.state, self.kb = url, fake, state, kb

    def post(self, body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET,
             signature: str | None = None, headers: dict[str, str] | None = None) -> Sent:
        ts = int(time.time()) if timestamp is None else timestamp
        h = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
             "X-Slack-Signature": sign(body, ts, secret) if signature is None else signature, **(headers or {})}
        if not h["X-Slack-Signature"]:
            del h["X-Slack-Signature"]
        req = urllib.request.Request(self.url, data=body.encode(), headers=h, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return Sent(r.status, r.read().decode())
        except urllib.error.HTTPError as e:
            return Sent(e.code, e.read().decode())

    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, **kw) -> Sent:
        """Deliver an Events API `event` inside an event_callback envelope."""
        envelope = {"token": "legacy", "team_id": TEAM, "api_app_id": "A0TEST", "type": "event_callback",
                    "event_id": event_id or f"Ev{next(_ids):06d}", "event_time": int(time.time()), "event": event,
                    "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}]}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(envelope), "application/json", headers=headers, **kw)

    def mention(self, text: str, *, channel: str = "C0CHAN", ts: str | None = None,
                thread_ts: str | None = None, user: str = "U0ALICE", **kw) -> tuple[Sent, dict]:
        ev = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "channel": channel,
              "ts": ts or f"1681900000.{next(_ids):06d}", "event_ts": "1681900000.000001"}
        if thread_ts:
            ev["thread_ts"] = thread_ts
        return self.event(ev, **kw), ev

    def dm(self, text: str, *, user: str = "U0ALICE", **extra) -> tuple[Sent, dict]:
        ev = {"type": "message", "channel_type": "im", "channel": "D0ALICE", "user": user, "text": text,
              "ts": f"1681900000.{next(_ids):06d}", **extra}
        return self.event(ev), ev

    def command(self, command: str, text: str = "", *, user: str = "U0ALICE", channel: str = "C0CHAN",
                response: str = "cmd", **kw) -> Sent:
        form = {"token": "legacy", "team_id": TEAM, "team_domain": "test", "channel_id": channel,
                "channel_name": "general", "user_id": user, "user_name": "alice", "command": command,
                "text": text, "api_app_id": "A0TEST", "response_url": self.fake.response_url(response),
                "trigger_id": "1.2.3"}
        return self.post(urlencode(form), "application/x-www-form-urlencoded", **kw)

    def click(self, action_id: str, value: str, *, message_ts: str | None = "1700000001.000100",
              ephemeral: bool = False, channel: str = "C0CHAN", user: str = "U0ALICE",
              response: str = "act") -> Sent:
        container = {"type": "message", "channel_id": channel, "is_ephemeral": ephemeral}
        if message_ts and not ephemeral:
            container["message_ts"] = message_ts
        payload = {"type": "block_actions", "team": {"id": TEAM, "domain": "test"},
                   "user": {"id": user, "username": "alice", "team_id": TEAM}, "api_app_id": "A0TEST",
                   "token": "legacy", "container": container, "trigger_id": "1.2.3",
                   "channel": {"id": channel, "name": "general"},
                   "response_url": self.fake.response_url(response),
                   "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                                "action_ts": "1700000002.000200", "text": {"type": "plain_text", "text": "x"}}]}
        if message_ts and not ephemeral:
            payload["message"] = {"type": "message", "ts": message_ts, "text": "old", "user": BOT_USER}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def settle(self, seconds: float = 0.4) -> None:
        """Give background listeners time to (not) act, for 'nothing was sent' assertions."""
        time.sleep(seconds)

    def posts(self) -> list[dict]:
        """Bodies of chat.postMessage calls so far."""
        return [c.body for c in self.fake.of("chat.postMessage")]


@pytest.fixture(scope="session")
def kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kb") / "kb.sqlite"
    build(KB_FIXTURE, path)
    return path


@pytest.fixture
def fake() -> FakeSlack:
    f = FakeSlack().start()
    yield f
    f.stop()


@pytest.fixture
def bot(fake: FakeSlack, kb_path: Path, tmp_path: Path) -> SlackTestBot:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
                              "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path),
                              "STRIKEBOT_STATE": str(tmp_path / "state.sqlite")})
    kb = KnowledgeBase.open(kb_path)
    state = StateStore(settings.state_path)
    app = create_app(settings, kb, state, now=lambda: NOW)
    server = SlackHTTPServer(app, kb, host="127.0.0.1", port=0).start()
    yield SlackTestBot(f"http://127.0.0.1:{server.port}/slack/events", fake, state, kb)
    server.stop()


__all__ = ["BOT_ID", "BOT_USER", "NOW", "SECRET", "TEAM", "SlackTestBot", "sign"]
