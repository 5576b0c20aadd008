"""`strikebot reminders …`, the `/strikebot remind` service functions, and issue 5's "Done when" scenario."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.build import build
from bot.clock import parse_now
from bot.config import DEFAULT_KNOWLEDGE_DIR, load_settings
from bot.knowledge import KnowledgeBase
from bot.reminder_service import REFUSAL, ensure_default_subscription, handle_remind, resolve_targets
from bot.state import StateStore

try:
    from tests.reminders_fake_slack import FakeSlack
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from reminders_fake_slack import FakeSlack

FIXTURES = Path(__file__).parent / "data" / "reminders_kb"


@pytest.fixture
def fake():  # noqa: ANN201
    f = FakeSlack.start()
    yield f
    f.stop()


def _env(tmp: Path, kb_source: Path, fake: FakeSlack | None = None) -> dict[str, str]:
    kb_path = tmp / "knowledge.sqlite"
    build(kb_source, kb_path)
    env = {"STRIKEBOT_KB": str(kb_path), "STRIKEBOT_STATE": str(tmp / "state.sqlite"),
           "SLACK_BOT_TOKEN": "", "SLACK_API_URL": "", "REMINDER_CHANNEL": "", "STRIKEBOT_ADMINS": ""}
    if fake is not None:
        env |= {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake.url}
    return env


def run(env: dict[str, str], *args: str):  # noqa: ANN201
    from bot.cli import main

    return CliRunner().invoke(main, ["reminders", *args], env=env)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return _env(tmp_path, FIXTURES)


# ---- the "Done when" scenario, on the real curated knowledge ------------------------------------------------


@pytest.mark.skipif(not (DEFAULT_KNOWLEDGE_DIR / "ballots.csv").exists(), reason="knowledge/ not curated yet")
def test_done_when_7_day_reminders_for_unite_and_gmb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     fake: FakeSlack) -> None:
    monkeypatch.chdir(tmp_path)
    env = _env(tmp_path, DEFAULT_KNOWLEDGE_DIR, fake)
    out = run(env, "subscribe", "C0TESTCHAN", "--now", "2023-04-10T09:00:00+01:00")
    assert out.exit_code == 0, out.output
    out = run(env, "send-due", "--now", "2023-04-21T09:00:00+01:00")
    assert out.exit_code == 0, out.output
    print(out.output)
    posts = fake.posts("C0TESTCHAN")
    on_time = [p["text"] for p in posts if "Late:" not in p["text"]]
    assert on_time, out.output
    for text in on_time:  # every on-time post is a 7-day reminder for a ballot closing on Friday 28 April
        assert "closes at the end of Friday 28 April 2023" in text and "Time left: 7 days" in text
    heads = "\n".join(t.splitlines()[0] for t in on_time)
    assert "Unite" in heads and "GMB" in heads
    sent_lines = [x for x in out.output.splitlines() if x.startswith(("sent: ", "sent (late): "))]
    assert "sent: Unite Agenda for Change staff pay offer vote, 7 days before the close -> C0TESTCHAN" in sent_lines
    assert "sent: GMB Agenda for Change staff pay offer vote, 7 days before the close -> C0TESTCHAN" in sent_lines
    assert "2023-pay-consultation" not in out.output  # people read this: no internal ids
    assert len(sent_lines) == len(posts)
    # anything else posted is one late catch-up per ballot still open, missed between the 10th and the 21st
    late = [x.split(":")[1].split(",")[0] for x in sent_lines if x.startswith("sent (late)")]
    assert len(late) == len(set(late)) and len(late) == len(posts) - len(on_time)
    n = len(fake.posts())
    again = run(env, "send-due", "--now", "2023-04-21T09:00:00+01:00")
    assert again.exit_code == 0, again.output
    assert len(fake.posts()) == n  # running it again posts nothing
    assert "sent 0 " in again.output


# ---- CLI -------------------------------------------------------------------------------------------------------


def test_subscribe_list_plan_unsubscribe(env: dict[str, str]) -> None:
    out = run(env, "subscribe", "C0NEWS0001", "--union", "paramedics", "--union", "Unite the Union",
              "--offsets", "1d,7d", "--now", "2023-04-10T09:00:00+01:00")
    assert out.exit_code == 0, out.output
    assert "Unite" in out.output and "ambulance staff" in out.output and "7d, 1d" in out.output
    assert "<#" not in out.output and "channel C0NEWS0001" in out.output  # no Slack markup on a terminal
    out = run(env, "list")
    assert out.exit_code == 0 and "C0NEWS0001" in out.output and "<#" not in out.output
    data = json.loads(run(env, "list", "--json").output)
    assert data["subscriptions"][0]["targets"] == ["ambulance_staff", "unite"]
    planned = json.loads(run(env, "plan", "--now", "2023-04-21T09:00:00+01:00", "--json").output)
    assert {(p["ballot_id"], p["offset"], p["action"]) for p in planned} >= {
        ("unite-offer-2023", "7d", "send"), ("gmb-offer-2023", "7d", "send"), ("gmb-offer-2023", "1d", "upcoming")}
    assert planned[0]["fire_at_london"] == "2023-04-21T09:00:00+01:00"
    text = run(env, "plan", "--now", "2023-04-21T09:00:00+01:00")
    assert "Fri 21 Apr 2023 09:00 BST  send " in text.output
    assert "send_late" not in text.output and "unite-offer-2023" not in text.output
    out = run(env, "unsubscribe", "C0NEWS0001")
    assert out.exit_code == 0 and "Unsubscribed" in out.output
    assert "No subscriptions" in run(env, "list").output


def test_cli_errors(env: dict[str, str]) -> None:
    assert run(env, "subscribe", "general").exit_code == 2
    assert run(env, "subscribe", "C0NEWS0001", "--offsets", "7days").exit_code == 2
    assert run(env, "subscribe", "C0NEWS0001", "--now", "next tuesday").exit_code == 2
    out = run(env, "subscribe", "C0NEWS0001", "--union", "midwives union", "--union", "plumbers")
    assert out.exit_code == 1 and "plumbers" in out.output
    out = run(env, "send-due", "--now", "2023-04-21T09:00:00+01:00")
    assert out.exit_code == 2 and "SLACK_BOT_TOKEN" in out.output
    out = run({**env, "SLACK_BOT_TOKEN": "xoxp-user"}, "send-due")
    assert out.exit_code == 2 and "xoxb-" in out.output
    assert "xoxp-user" not in out.output


def test_every_reminders_command_has_help(env: dict[str, str]) -> None:
    for cmd in ("subscribe", "unsubscribe", "list", "plan", "send-due"):
        out = run(env, cmd, "--help")
        assert out.exit_code == 0 and "Usage" in out.output


# ---- /strikebot remind … (service functions) ------------------------------------------------------------------


@pytest.fixture
def kb_state(env: dict[str, str]):  # noqa: ANN201
    return KnowledgeBase.open(Path(env["STRIKEBOT_KB"])), StateStore(Path(env["STRIKEBOT_STATE"]))


NOW = parse_now("2023-04-10T09:00:00+01:00")


def test_remind_on_off_list(env: dict[str, str], kb_state) -> None:  # noqa: ANN001
    kb, state = kb_state
    settings = load_settings(env)
    reply = handle_remind(settings, kb, state, user_id="U0REP0001", channel_id="C0HERE0001",
                          text="on <#C0NEWS0001|newsdesk> unite junior doctors", now=NOW)
    assert reply.startswith("Done") and "<#C0NEWS0001>" in reply
    sub = state.subscription("C0NEWS0001")
    assert sub.targets == ("unite", "junior_doctors") and sub.created_by == "U0REP0001"
    assert "Unite" in handle_remind(settings, kb, state, user_id="U0X", channel_id="C0HERE0001", text="list",
                                    now=NOW)
    reply = handle_remind(settings, kb, state, user_id="U0REP0001", channel_id="C0HERE0001", text="on", now=NOW)
    assert state.subscription("C0HERE0001").targets == () and "all ballots" in reply
    assert "off" in handle_remind(settings, kb, state, user_id="U0REP0001", channel_id="C0HERE0001",
                                  text="off", now=NOW)
    assert state.subscription("C0HERE0001") is None
    assert "could not" in handle_remind(settings, kb, state, user_id="U0REP0001", channel_id="C0HERE0001",
                                        text="on plumbers", now=NOW)
    reply = handle_remind(settings, kb, state, user_id="U0REP0001", channel_id="C0HERE0001",
                          text="on <!channel> <@U0BOSS>", now=NOW)
    assert "<!channel>" not in reply and "&lt;!channel&gt;" in reply and "<@U0BOSS>" not in reply
    assert "Use `/strikebot remind" in handle_remind(settings, kb, state, user_id="U0REP0001",
                                                     channel_id="C0HERE0001", text="sometimes", now=NOW)


def test_only_admins_change_subscriptions_when_set(env: dict[str, str], kb_state) -> None:  # noqa: ANN001
    kb, state = kb_state
    settings = load_settings({**env, "STRIKEBOT_ADMINS": "U0ADMIN01,U0ADMIN02"})
    for text in ("on unite", "off"):
        assert handle_remind(settings, kb, state, user_id="U0OTHER01", channel_id="C0HERE0001", text=text,
                             now=NOW) == REFUSAL
    assert state.subscriptions() == []
    assert handle_remind(settings, kb, state, user_id="U0ADMIN02", channel_id="C0HERE0001", text="on unite",
                         now=NOW).startswith("Done")
    assert "Unite" in handle_remind(settings, kb, state, user_id="U0OTHER01", channel_id="C0HERE0001",
                                    text="list", now=NOW)  # anyone may look


def test_resolve_targets_by_alias_and_name(kb_state) -> None:  # noqa: ANN001
    kb, _ = kb_state
    assert resolve_targets(kb, ["jr docs", "Royal College of Nursing", "GMB"]).ids == ("junior_doctors", "rcn",
                                                                                     "gmb")
    assert resolve_targets(kb, ["ambulance workers", "ambulance_staff"]).ids == ("ambulance_staff",)


def test_reminder_channel_subscribed_once_at_start_up(env: dict[str, str], kb_state) -> None:  # noqa: ANN001
    _, state = kb_state
    assert ensure_default_subscription(load_settings(env), state, NOW) is None
    settings = load_settings({**env, "REMINDER_CHANNEL": "C0DEFAULT1"})
    first = ensure_default_subscription(settings, state, NOW)
    assert first.targets == () and first.offsets == ("7d", "1d", "0d")
    later = ensure_default_subscription(settings, state, parse_now("2023-04-20T09:00:00+01:00"))
    assert later.created == first.created  # a restart keeps it (and its catch-up)
