"""Fixtures: the fake Slack Web API, the test knowledge base, and the real Bolt app served over loopback HTTP.

`bot` is a `SlackTestBot` (tests/slack/signed_requests.py): it sends signed requests (events, slash commands,
button clicks) over real HTTP to the running app and exposes the fake Web API (`bot.fake`) and the state store
(`bot.state`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.build import build
from bot.config import load_settings
from bot.knowledge import KnowledgeBase
from bot.slack.app import create_app
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
