"""`strikebot serve / kb gaps / state purge`, and the pure pieces: text escaping, blocks, gaps, digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main
from bot.digest import latest_totals, open_ballots, resolve_scope, strikes_digest
from bot.gaps import group_questions, normalise_question
from bot.knowledge import KnowledgeBase
from bot.models import Answer, Source
from bot.slack import blocks
from bot.slack.text import escape, slack_to_plain
from bot.state import StateStore
from tests.slack.fake_slack import FakeSlack

NOW = datetime(2023, 4, 20, 11, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIKEBOT_", "REMINDER_"))}
    return {**base, "STRIKEBOT_STATE": str(tmp_path / "state.sqlite"), **extra}


# ---- CLI ------------------------------------------------------------------------------------------------------
def test_serve_names_every_settings_problem_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env here
    env = _env(tmp_path, SLACK_BOT_TOKEN="xoxp-user-token", STRIKEBOT_RETENTION_DAYS="soon")
    result = CliRunner().invoke(main, ["serve", "--http"], env=env)
    assert result.exit_code == 2
    out = result.output
    assert "SLACK_BOT_TOKEN" in out and "STRIKEBOT_RETENTION_DAYS" in out and "SLACK_SIGNING_SECRET" in out
    assert "Traceback" not in out


def test_serve_without_any_token_names_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve"], env=_env(tmp_path))
    assert result.exit_code == 2 and "SLACK_BOT_TOKEN is not set" in result.output


def test_serve_http_end_to_end(tmp_path, kb_path):
    fake = FakeSlack().start()
    env = _env(tmp_path, SLACK_BOT_TOKEN="xoxb-t", SLACK_SIGNING_SECRET="s", SLACK_API_URL=fake.url,
               STRIKEBOT_KB=str(kb_path), SLACK_APP_TOKEN="xapp-ignored-with-http")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--port", "0",
                             "--host", "127.0.0.1"], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                            stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(20):  # skip log lines (Bolt warns that the client's token wins over the env's)
            line = proc.stderr.readline()
            if "HTTP mode" in line or not line:
                break
        assert "HTTP mode on 127.0.0.1:" in line, line
        port = int(line.split("127.0.0.1:")[1].split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert json.loads(r.read())["newest_as_of"] == "2023-04-17"
        assert fake.of("auth.test")  # the token was checked at start-up
    finally:
        proc.terminate()
        proc.wait(5)
        fake.stop()


def test_kb_gaps_groups_similar_questions_most_asked_first(tmp_path):
    state = StateStore(tmp_path / "state.sqlite")
    asked = ["When is the Unite ballot?", "when is the unite ballot", "When's the Unite ballot??",
             "How much do consultants earn?", "Unite ballot when is it"]
    for i, q in enumerate(asked):
        state.log_unanswered("U1", q, normalise_question(q), NOW - timedelta(hours=i))
    result = CliRunner().invoke(main, ["kb", "gaps", "--json", "--now", "2023-04-20T12:00"],
                                env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    gaps = json.loads(result.output)
    assert gaps[0]["question"].lower().startswith("when is the unite ballot") and gaps[0]["count"] == 4
    assert gaps[1]["count"] == 1 and "consultants" in gaps[1]["question"]
    text = CliRunner().invoke(main, ["kb", "gaps"], env=_env(tmp_path)).output
    assert text.index("4×") < text.index("1×")


def test_state_purge_deletes_old_questions_and_user_ids(tmp_path):
    state = StateStore(tmp_path / "state.sqlite")
    state.log_unanswered("U1", "old", "old", NOW - timedelta(days=100))
    state.log_unanswered("U1", "new", "new", NOW - timedelta(days=1))
    state.record_feedback("U1", "old", "a", "up", NOW - timedelta(days=100))
    result = CliRunner().invoke(main, ["state", "purge", "--now", "2023-04-20T12:00"], env=_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert "1 feedback, 1 unanswered" in result.output
    assert [r.question for r in state.unanswered_since()] == ["new"]
    result = CliRunner().invoke(main, ["state", "purge", "--older-than", "0", "--now", "2023-04-20T12:00"],
                                env=_env(tmp_path))
    assert state.unanswered_since() == []


def test_every_slack_command_has_help():
    for args in (["serve", "--help"], ["kb", "gaps", "--help"], ["state", "purge", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Usage" in result.output


# ---- text --------------------------------------------------------------------------------------------------
def test_slack_markup_is_decoded():
    text = "<@UBOT> hi <@U1|bob> <#C1|news> <https://x.org/a?b=1&amp;c=2|the link> <!channel> a &amp; b &lt;3"
    assert slack_to_plain(text, bot_user_id="UBOT") == "hi @bob #news the link @channel a & b <3"


@given(st.text())
def test_escaped_text_never_contains_markup(text):
    out = escape(text)
    assert "<" not in out and ">" not in out
    assert out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == text


@given(st.text(max_size=400))
def test_answer_blocks_never_carry_live_markup_from_the_user(question):
    ans = Answer("no_answer", f"I can't answer “{question}”.", 0, "unknown", suggestions=[question[:50] or "x"])
    msg = blocks.answer_message(question, ans)
    for b in msg.blocks:
        if b["type"] == "section":
            assert "<" not in b["text"]["text"]
    assert "<" not in msg.text


def test_trim_keeps_limits_and_never_cuts_an_escape():
    text = "a &amp; b " * 1000
    out = blocks.trim(text, 3000, " Full details: <https://e.org|src>")
    assert len(out) <= 3000 and out.endswith("<https://e.org|src>")
    body = out.split("…")[0]
    assert not body.rstrip().endswith("&amp") and not body.endswith("&")


def test_source_line_formats_dates():
    s = Source("s", "https://e.org/?a=1&b=2", "A <title> | x", "Pub", "2023-04", "news")
    line = blocks.source_line([s], "2023-04-17")
    assert "<https://e.org/?a=1&amp;b=2|A &lt;title&gt; / x>" in line and "as of 17 April 2023" in line


# ---- gaps and digest -------------------------------------------------------------------------------------------
def test_group_questions_is_most_asked_first():
    items = [("b question", "", NOW), ("a question about ballots", "", NOW), ("A question about ballots!", "",
                                                                                NOW)]
    gaps = group_questions(items)
    assert [g.count for g in gaps] == [2, 1]


def test_digest_respects_time(kb_path):
    kb = KnowledgeBase.open(kb_path)
    early = datetime(2023, 4, 1, tzinfo=UTC)
    assert latest_totals(kb, early).empty  # nothing published yet
    assert "closes" in open_ballots(kb, early).lines[0]  # the RCN vote is open, result not yet known
    assert "rejected" not in " ".join(open_ballots(kb, early).lines)
    assert strikes_digest(kb, early).lines[0].startswith("Upcoming")
    assert resolve_scope(kb, "junior doctors").groups == ("junior_doctors",)
    assert resolve_scope(kb, "Royal College of Nursing").unions == ("rcn",)
    assert resolve_scope(kb, "plumbers") is None


@pytest.mark.parametrize("as_of", [None, "2023", "nonsense"])
def test_answer_message_handles_any_as_of(as_of):
    ans = Answer("answered", "x", 1, "i", None, [], as_of=as_of)
    assert blocks.answer_message("q", ans).blocks


def test_manifest_matches_the_app():
    yaml = pytest.importorskip("yaml")
    m = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert set(m["oauth_config"]["scopes"]["bot"]) >= {"app_mentions:read", "chat:write", "im:history",
                                                      "commands"}
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "app_home_opened", "tokens_revoked", "app_uninstalled"}
    commands = {c["command"]: c for c in m["features"]["slash_commands"]}
    assert set(commands) == {"/strikebot", "/strike-totals"}
    assert all(c["should_escape"] is True for c in commands.values())
    assert m["settings"]["interactivity"]["is_enabled"] and m["settings"]["socket_mode_enabled"]
    assert m["features"]["app_home"]["home_tab_enabled"] and m["features"]["app_home"]["messages_tab_enabled"]


def test_warm_up_answers_every_path_once_and_records_nothing(tmp_path, kb_path):
    """`serve` answers WARM_UP_QUESTIONS before serving: through the engine and the renderer, small talk
    skipped, nothing logged as unanswered and nothing posted."""
    from bot import answering
    from bot.config import load_settings
    from bot.slack.app import Deps
    from bot.slack.listeners.replies import WARM_UP_QUESTIONS, warm_up
    from tests.slack.conftest import NOW

    asked: list[str] = []

    def answer(question, kb, now):  # noqa: ANN001, ANN202
        asked.append(question)
        assert now == NOW
        return answering.answer(question, kb, now=now)

    state = StateStore(tmp_path / "state.sqlite")
    deps = Deps(load_settings({"SLACK_BOT_TOKEN": "xoxb-test"}), KnowledgeBase.open(kb_path), state,
                now=lambda: NOW, answer=answer)
    assert warm_up(deps) == 5  # the figure, next strike, turnout, offer and FAQ; the misspelt and Mars ones decline
    assert asked == [q for q in WARM_UP_QUESTIONS if q != "thanks"]
    assert state.unanswered_since() == []
