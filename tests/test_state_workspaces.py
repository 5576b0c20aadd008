"""Per-workspace state (migration 3) on SQLite and PostgreSQL: subscriptions keyed on (team, channel), the
workspace settings, deleting one workspace's data, and slack-sdk's stores on the state database's engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.reminders import CLAIMED
from bot.state import StateStore

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(state_target: Path | str) -> StateStore:
    s = StateStore(state_target)
    yield s
    s.close()


def test_one_channel_id_in_two_workspaces_is_two_subscriptions(store: StateStore) -> None:
    one = store.subscribe("C0SHARED", ("unite",), ("1d",), NOW, team="T1")
    two = store.subscribe("C0SHARED", (), ("7d",), NOW, team="T2")
    assert one.id != two.id
    assert store.subscription("C0SHARED", team="T1").targets == ("unite",)
    assert store.subscription("C0SHARED", team="T2").offsets == ("7d",)
    assert store.subscription("C0SHARED") is None
    assert [s.team for s in store.subscriptions(team="T2")] == ["T2"]
    assert store.unsubscribe("C0SHARED", team="T1") and not store.unsubscribe("C0SHARED", team="T1")
    assert [s.team for s in store.subscriptions()] == ["T2"]


def test_workspace_settings(store: StateStore) -> None:
    assert store.workspace_settings("T1") == ((), None)
    store.set_workspace_settings("T1", admins=("U1", "U2"))
    store.set_workspace_settings("T1", reminder_channel="C0NEWS")
    store.set_workspace_settings("T2", reminder_channel="C0OTHER")
    assert store.workspace_settings("T1") == (("U1", "U2"), "C0NEWS")
    assert store.default_reminder_channels() == [("T1", "C0NEWS"), ("T2", "C0OTHER")]
    store.disable_workspace("T1", "app_uninstalled", NOW)
    assert store.is_disabled("T1") and store.workspace_settings("T1") == (("U1", "U2"), "C0NEWS")


def test_forget_workspace_deletes_only_that_workspaces_rows(store: StateStore) -> None:
    for team in ("T1", "T2"):
        sub = store.subscribe("C0SHARED", (), ("1d",), NOW, team=team)
        store.record_reminder(("B1", sub.id, "1d", "x"), CLAIMED, NOW)
        store.record_feedback("U1", "q", "a", "up", NOW, team=team)
        store.log_unanswered("U1", "q?", "q", NOW, team=team)
        store.set_workspace_settings(team, admins=("U1",), reminder_channel="C0SHARED")
    store.claim_event("T1:Ev1", NOW, work='{"event": {"text": "a question"}}', lease=timedelta(minutes=2))
    store.claim_event("T2:Ev1", NOW)
    store.claim_event("T10:Ev1", NOW)  # another team whose id starts with T1
    kept = store.subscription("C0SHARED", team="T2")
    assert store.forget_workspace("T1") == {"event_claims": 1, "reminders_sent": 1, "subscriptions": 1,
                                            "feedback": 1, "unanswered": 1}
    assert store.event_claim("T1:Ev1") is None and store.event_claim("T10:Ev1") is not None
    assert store.subscriptions() == [kept]
    assert [r.subscription_id for r in store.reminder_log()] == [kept.id]
    assert len(store.feedback_since()) == 1 and len(store.unanswered_since()) == 1
    assert store.workspace_settings("T1") == ((), None)
    assert store.workspace_settings("T2") == (("U1",), "C0SHARED")
    assert store.forget_workspace("T1") == dict.fromkeys(("event_claims", "reminders_sent", "subscriptions",
                                                          "feedback", "unanswered"), 0)


def test_slack_sdk_stores_work_on_the_state_engine(store: StateStore) -> None:
    installations = SQLAlchemyInstallationStore(client_id="1.2", engine=store.engine)
    installations.save(Installation(app_id="A1", team_id="T1", bot_token="xoxb-1", bot_id="B1", bot_user_id="U0B",
                                    user_id="U1", bot_scopes="chat:write"))
    assert installations.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-1"
    installations.delete_all(enterprise_id=None, team_id="T1")
    assert installations.find_installation(enterprise_id=None, team_id="T1") is None
    states = SQLAlchemyOAuthStateStore(expiration_seconds=60, engine=store.engine)
    state = states.issue()
    assert states.consume(state) and not states.consume(state)
    tables = set(sa.inspect(store.engine).get_table_names())
    assert {"slack_installations", "slack_bots", "slack_oauth_states"} <= tables


def test_single_workspace_subscriptions_from_before_get_the_single_workspace_key(tmp_path: Path) -> None:
    import sqlite3

    import bot.state as state_module

    path = tmp_path / "v2.sqlite"
    old = StateStore.__new__(StateStore)  # a store migrated to version 2 only, as the last release left it
    steps = state_module.MIGRATIONS
    try:
        state_module.MIGRATIONS = steps[:2]
        old.__init__(path)
        with old.engine.begin() as c:  # made by /strikebot remind before: the team id was stored
            c.exec_driver_sql("INSERT INTO subscriptions (channel, team, unions, offsets, created_utc) "
                              "VALUES ('C0OLD', 'T0SLASH', 'unite', '1d', '2026-03-01T00:00:00+00:00')")
        old.close()
    finally:
        state_module.MIGRATIONS = steps
    s = StateStore(path)
    assert s.migrate() == 3
    sub = s.subscription("C0OLD")
    assert sub is not None and sub.id == 1 and sub.team == "" and sub.targets == ("unite",)
    with sqlite3.connect(path) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == 3
