"""Signed requests the way Slack sends them: `sign()` and `SlackTestBot`, which posts events, slash commands and
button clicks over real HTTP to a running app and exposes the fake Web API it replies to.

Plain module (not a conftest) so the end-to-end benchmark (benchmarks/e2e.py) drives the app with the same code
as the tests.
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
from urllib.parse import urlencode

from bot.knowledge import KnowledgeBase
from bot.state import StateStore
from tests.slack.fake_slack import BOT_USER, TEAM, FakeSlack

SECRET = "test-signing-secret"
_ids = itertools.count(1)


def sign(body: str, timestamp: int, secret: str = SECRET) -> str:
    """Slack's request signature: v0=HMAC-SHA256(secret, 'v0:<timestamp>:<body>')."""
    mac = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={mac}"


@dataclass
class Sent:
    """What the app answered: HTTP `status` and `body`."""

    status: int
    body: str


class SlackTestBot:
    """Drives the app the way Slack does, over HTTP, with correctly (or deliberately wrongly) signed requests.

    `url` is the app's /slack/events URL, `fake` the fake Web API it replies to (None if nothing replies); `state`
    and `kb` are the app's stores when it runs in this process (None when it runs in another one, as in the
    benchmark)."""

    def __init__(self, url: str, fake: FakeSlack | None, state: StateStore | None = None,
                 kb: KnowledgeBase | None = None):
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

    def event(self, event: dict, *, event_id: str | None = None, retry: int | None = None, team: str = TEAM,
              **kw) -> Sent:
        """Deliver an Events API `event` of workspace `team` inside an event_callback envelope."""
        envelope = {"token": "legacy", "team_id": team, "api_app_id": "A0TEST", "type": "event_callback",
                    "event_id": event_id or f"Ev{next(_ids):06d}", "event_time": int(time.time()), "event": event,
                    "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}
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
                response: str = "cmd", team: str = TEAM, **kw) -> Sent:
        form = {"token": "legacy", "team_id": team, "team_domain": "test", "channel_id": channel,
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
