"""Fixtures: the fake Slack Web API, the test knowledge base, and the real Bolt app served over loopback HTTP.

`bot` is a `SlackTestBot` (tests/slack/signed_requests.py): it sends signed requests (events, slash commands,
button clicks) over real HTTP to the running app and exposes the fake Web API (`bot.fake`) and the state store
(`bot.state`).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.build import build
from bot.config import load_settings
from bot.knowledge import KnowledgeBase
from bot.slack.app import create_app, deps_of, start_claim_resumer
from bot.slack.server import SlackHTTPServer
from bot.state import StateStore
from tests.slack.fake_slack import BOT_ID, BOT_USER, TEAM, FakeSlack
from tests.slack.signed_requests import SECRET, SlackTestBot, sign

NOW = datetime(2023, 4, 20, 11, 0, tzinfo=UTC)  # the April 2023 figures (as of 17 April) are known
KB_FIXTURE = Path(__file__).resolve().parent.parent / "data" / "kb"


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
def make_bot(fake: FakeSlack, kb_path: Path, tmp_path: Path):
    """A factory: `make_bot(lease=…, client_timeout=…, resume_every=…)` starts the real app over loopback HTTP
    with a claim lease of `lease` seconds (a failed post retried after `retry_delay`), a Web API client timing out after `client_timeout` seconds, and,
    with `resume_every`, the claim resumer running that often. Everything started is stopped afterwards."""
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    started: list = []

    def make(*, lease: float = 120, client_timeout: float = 30, resume_every: float | None = None,
             retry_delay: float | None = None) -> SlackTestBot:
        settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET,
                                  "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path),
                                  "STRIKEBOT_STATE": str(tmp_path / "state.sqlite"),
                                  "STRIKEBOT_CLAIM_LEASE": str(lease)})
        kb = KnowledgeBase.open(kb_path)
        state = StateStore(settings.state_path)
        client = WebClient(token=settings.slack_bot_token, base_url=fake.url, timeout=client_timeout,
                           retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
        app = create_app(settings, kb, state, now=lambda: NOW, client=client)
        if retry_delay is not None:
            deps_of(app).retry_delay = timedelta(seconds=retry_delay)
        server = SlackHTTPServer(app, kb, host="127.0.0.1", port=0).start()
        stop = threading.Event()
        if resume_every is not None:
            start_claim_resumer(app, stop_event=stop, interval_s=resume_every)
        started.append((server, stop))
        test_bot = SlackTestBot(f"http://127.0.0.1:{server.port}/slack/events", fake, state, kb)
        test_bot.server, test_bot.app = server, app
        return test_bot

    yield make
    for server, stop in started:
        stop.set()
        server.stop()


@pytest.fixture
def bot(make_bot) -> SlackTestBot:
    return make_bot()


__all__ = ["BOT_ID", "BOT_USER", "NOW", "SECRET", "TEAM", "SlackTestBot", "sign"]
