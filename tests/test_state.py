"""The runtime state store, every method on both engines (SQLite file and PostgreSQL), plus engine selection.

Each test gets a fresh database through the `state_target` fixture (tests/conftest.py), once per engine; the
PostgreSQL runs skip, with the reason, where this session cannot start a server.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.config import ConfigError, load_settings
from bot.reminders import CLAIMED
from bot.state import (
    EVENT_KEEP,
    MIGRATIONS,
    StateConfigError,
    StateStore,
    StateUnavailable,
    create_state_engine,
    redact,
    state_url,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
KEY = ("B-RCN-2026", 1, "7d", "2026-03-09T17:00:00+00:00")


@pytest.fixture
def store(state_target: Path | str) -> StateStore:
    s = StateStore(state_target)
    yield s
    s.close()


def _race(n: int, target: Path | str, call) -> list:  # noqa: ANN001 - call(store) -> result
    """Run `call` on `n` threads at once, each with its own StateStore (its own connections, like separate
    processes or instances); returns their results."""
    stores = [StateStore(target) for _ in range(n)]
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = call(stores[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for s in stores:
        s.close()
    return results


# ---- opening and migrating ------------------------------------------------------------------------------------


def test_new_database_is_migrated_to_the_latest_version_and_reopening_runs_nothing(state_target) -> None:  # noqa: ANN001
    first = StateStore(state_target)
    assert first.migrate() == len(MIGRATIONS) == 3
    first.record_feedback("U1", "q", "a", "up", NOW)
    again = StateStore(state_target)  # a restart, or a second instance
    assert again.migrate() == len(MIGRATIONS)
    assert [v.user_id for v in again.feedback_since()] == ["U1"]  # nothing was re-created over the data


def test_instances_starting_together_migrate_once(state_target) -> None:  # noqa: ANN001
    versions = _race(4, state_target, lambda s: s.migrate())
    assert versions == [len(MIGRATIONS)] * 4
    tables = set(sa.inspect(create_state_engine(state_target)).get_table_names())
    assert {"subscriptions", "reminders_sent", "feedback", "unanswered", "seen_events", "workspaces",
            "event_claims"} <= tables


def test_a_state_file_made_before_postgresql_support_opens_with_its_data(tmp_path: Path) -> None:
    # the first schema as the earlier raw-SQL store wrote it, at user_version 1
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, team TEXT NOT NULL DEFAULT '',
          unions TEXT NOT NULL DEFAULT '', offsets TEXT NOT NULL DEFAULT '7d,1d,0d',
          created_by TEXT NOT NULL DEFAULT '', created_utc TEXT NOT NULL, paused_utc TEXT,
          paused_reason TEXT NOT NULL DEFAULT '', UNIQUE (channel));
        CREATE TABLE reminders_sent (ballot_id TEXT NOT NULL, subscription_id INTEGER NOT NULL, offset TEXT NOT NULL,
          closes_utc TEXT NOT NULL, status TEXT NOT NULL, claimed_utc TEXT NOT NULL, confirmed_utc TEXT,
          message_ts TEXT, detail TEXT NOT NULL DEFAULT '', PRIMARY KEY (ballot_id, subscription_id, offset, closes_utc));
        CREATE TABLE feedback (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, question TEXT NOT NULL,
          answer_id TEXT NOT NULL, vote TEXT NOT NULL CHECK (vote IN ('up','down')), created_utc TEXT NOT NULL);
        CREATE TABLE unanswered (id INTEGER PRIMARY KEY, user_id TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,
          normalised TEXT NOT NULL, created_utc TEXT NOT NULL);
        CREATE TABLE seen_events (event_key TEXT PRIMARY KEY, seen_utc TEXT NOT NULL);
        CREATE TABLE workspaces (team TEXT PRIMARY KEY, disabled_utc TEXT, reason TEXT NOT NULL DEFAULT '');
        INSERT INTO subscriptions (channel, unions, offsets, created_utc) VALUES ('C0OLD', 'unite', '1d', '2025-01-01T00:00:00+00:00');
        INSERT INTO seen_events VALUES ('Ev1', '2026-03-02T11:59:00+00:00');
        PRAGMA user_version = 1;
    """)
    old.close()
    s = StateStore(path)
    assert s.migrate() == len(MIGRATIONS)
    assert s.subscription("C0OLD").targets == ("unite",)
    assert s.subscribe("C0NEW", (), ("7d",), NOW).id == 2
    assert [r.subscription_id for r in s.reminder_log()] == []
    s.record_reminder(("B1", 1, "7d", "x"), CLAIMED, NOW)  # a claim without a lease, as version 1 made them
    assert s.expired_reminder_claims(NOW) == {("B1", 1, "7d", "x")}
    assert s.claim_reminder(("B1", 1, "7d", "x"), NOW) == "resumed"


# ---- feedback and unanswered questions ------------------------------------------------------------------------


def test_feedback_is_stored_and_listed_oldest_first(store: StateStore) -> None:
    later = store.record_feedback("U2", "when is the next strike?", "strike:x", "down", NOW + timedelta(hours=1))
    first = store.record_feedback("U1", "pay offer?", "offer:y", "up", NOW)
    assert later != first
    votes = store.feedback_since()
    assert [(v.id, v.user_id, v.question, v.answer_id, v.vote, v.created) for v in votes] == [
        (first, "U1", "pay offer?", "offer:y", "up", NOW),
        (later, "U2", "when is the next strike?", "strike:x", "down", NOW + timedelta(hours=1))]
    assert [v.id for v in store.feedback_since(NOW + timedelta(minutes=30))] == [later]


def test_a_vote_other_than_up_or_down_is_refused(store: StateStore) -> None:
    with pytest.raises(ValueError, match="'up' or 'down'"):
        store.record_feedback("U1", "q", "a", "sideways", NOW)
    assert store.feedback_since() == []


def test_unanswered_questions_are_logged_and_listed_since(store: StateStore) -> None:
    a = store.log_unanswered("U1", "What about porters?", "what about porters", NOW - timedelta(days=2))
    b = store.log_unanswered("", "Parking?", "parking", NOW)
    rows = store.unanswered_since()
    assert [(r.id, r.user_id, r.question, r.normalised, r.created) for r in rows] == [
        (a, "U1", "What about porters?", "what about porters", NOW - timedelta(days=2)),
        (b, "", "Parking?", "parking", NOW)]
    assert [r.id for r in store.unanswered_since(NOW - timedelta(days=1))] == [b]


# ---- Slack event de-duplication and workspaces -----------------------------------------------------------------


def test_an_event_is_claimed_once_and_a_claim_without_work_is_done_at_once(store: StateStore) -> None:
    owner = store.claim_event("T1:Ev1", NOW)
    assert owner and len(owner) == 32
    assert store.claim_event("T1:Ev1", NOW + timedelta(seconds=5)) is None  # Slack's retry
    assert store.claim_event("T1:Ev2", NOW) not in (None, owner)
    claim = store.event_claim("T1:Ev1")
    assert (claim.status, claim.owner, claim.work, claim.claimed, claim.lease, claim.attempts) == (
        "done", owner, "", NOW, NOW, 1)
    assert store.event_claim("T1:Nope") is None


def test_the_same_message_under_another_event_id_is_claimed_once(store: StateStore) -> None:
    assert store.claim_event("T1:Ev1", NOW, message_key="T1:C1:1.1", client_msg_key="T1:m-1", work="{}",
                             lease=timedelta(minutes=1))
    assert store.claim_event("T1:Ev2", NOW, message_key="T1:C1:1.1") is None  # app_mention + message.channels
    assert store.claim_event("T1:Ev3", NOW, message_key="T1:C1:9.9", client_msg_key="T1:m-1") is None
    assert store.claim_event("T1:Ev4", NOW, message_key="T1:C1:2.2")  # another message
    assert store.claim_event("T1:Ev5", NOW)  # events that are not messages: many NULL message keys


def test_only_the_holder_finishes_a_claim_and_only_once(store: StateStore) -> None:
    owner = store.claim_event("T1:Ev1", NOW, work='{"q": "when?"}', lease=timedelta(minutes=2))
    assert store.event_claim("T1:Ev1").work == '{"q": "when?"}'
    assert store.finish_event("T1:Ev1", "someone-else", NOW) is False
    assert store.finish_event("T1:Ev1", owner, NOW + timedelta(seconds=1), reply_ts="1.2") is True
    assert store.finish_event("T1:Ev1", owner, NOW + timedelta(seconds=2), status="failed") is False
    claim = store.event_claim("T1:Ev1")
    assert (claim.status, claim.work, claim.reply_ts) == ("done", "", "1.2")  # the question is not kept
    with pytest.raises(ValueError):
        store.finish_event("T1:Ev1", owner, NOW, status="maybe")


def test_an_expired_claim_is_listed_and_taken_over_once(store: StateStore) -> None:
    owner = store.claim_event("T1:Ev1", NOW, work="{}", lease=timedelta(seconds=30))
    store.claim_event("T1:Ev2", NOW, work="{}", lease=timedelta(minutes=5))
    assert store.expired_event_claims(NOW + timedelta(seconds=29)) == []
    assert store.take_expired_event("T1:Ev1", NOW + timedelta(seconds=29), timedelta(seconds=30)) is None
    later = NOW + timedelta(seconds=31)
    assert [c.event_key for c in store.expired_event_claims(later)] == ["T1:Ev1"]
    taken = store.take_expired_event("T1:Ev1", later, timedelta(seconds=30))
    assert (taken.status, taken.attempts, taken.lease, taken.work) == ("claimed", 2, later + timedelta(seconds=30),
                                                                       "{}")
    assert taken.owner != owner
    assert store.take_expired_event("T1:Ev1", later, timedelta(seconds=30)) is None  # now held again
    assert store.finish_event("T1:Ev1", owner, later) is False  # the dead holder's token no longer works
    assert store.finish_event("T1:Ev1", taken.owner, later, reply_ts="3.4") is True
    assert store.take_expired_event("T1:Ev1", later + timedelta(hours=1), timedelta(seconds=30)) is None


def test_a_deferred_claim_comes_back_when_its_lease_ends(store: StateStore) -> None:
    owner = store.claim_event("T1:Ev1", NOW, work="{}", lease=timedelta(minutes=5))
    assert store.defer_event("T1:Ev1", owner, NOW + timedelta(seconds=10), "ratelimited") is True
    assert store.defer_event("T1:Ev1", "someone-else", NOW, "x") is False
    [claim] = store.expired_event_claims(NOW + timedelta(seconds=10))
    assert (claim.detail, claim.lease) == ("ratelimited", NOW + timedelta(seconds=10))


def test_only_the_current_holder_can_extend_a_claim_before_posting(store: StateStore) -> None:
    owner = store.claim_event("T1:Ev1", NOW, work="{}", lease=timedelta(seconds=30))
    assert store.hold_event("T1:Ev1", owner, NOW + timedelta(minutes=2)) is True
    assert store.event_claim("T1:Ev1").lease == NOW + timedelta(minutes=2)
    taken = store.take_expired_event("T1:Ev1", NOW + timedelta(minutes=3), timedelta(seconds=30))
    assert store.hold_event("T1:Ev1", owner, NOW + timedelta(minutes=5)) is False  # taken over: do not post
    assert store.event_claim("T1:Ev1").lease == NOW + timedelta(minutes=3, seconds=30)
    assert store.finish_event("T1:Ev1", taken.owner, NOW) is True
    assert store.hold_event("T1:Ev1", taken.owner, NOW + timedelta(minutes=5)) is False  # done: nothing to hold


def test_an_expired_claim_raced_by_eight_instances_is_taken_by_exactly_one(state_target) -> None:  # noqa: ANN001
    StateStore(state_target).claim_event("T1:EvDead", NOW, work="{}", lease=timedelta(seconds=30))
    later = NOW + timedelta(minutes=1)
    results = _race(8, state_target, lambda s: s.take_expired_event("T1:EvDead", later, timedelta(seconds=30)))
    taken = [r for r in results if r is not None]
    assert len(taken) == 1 and taken[0].attempts == 2


def test_an_event_raced_by_eight_instances_is_claimed_by_exactly_one(state_target) -> None:  # noqa: ANN001
    StateStore(state_target)  # migrated before the race, as a deployment's first start would have done
    results = _race(8, state_target, lambda s: s.claim_event("T1:EvRace", NOW, work="{}", lease=timedelta(1)))
    assert sum(r is not None for r in results) == 1


def test_the_ack_path_does_not_wait_for_a_held_lock(store: StateStore) -> None:
    # another writer holds the lock the claim needs: on SQLite the database's write lock, on PostgreSQL the
    # same key inserted by a transaction not yet committed
    blocker = create_state_engine(store.target)
    with blocker.connect() as c:
        c.execution_options(write=True)
        with c.begin():
            c.execute(sa.text("INSERT INTO event_claims (event_key, status, owner, claimed_utc, lease_utc) "
                              "VALUES ('T1:EvHeld', 'done', 'x', 'now', 'now')"))
            started = time.monotonic()
            with pytest.raises(StateUnavailable):
                store.claim_event("T1:EvHeld", NOW)
            assert time.monotonic() - started < 2.5
    blocker.dispose()
    assert store.claim_event("T1:EvHeld", NOW) is None  # the blocker's row, once committed, wins


def test_workspaces_are_disabled_and_enabled(store: StateStore) -> None:
    assert store.is_disabled("T1") is False
    assert store.is_disabled(None) is False and store.is_disabled("") is False
    store.disable_workspace("T1", "tokens_revoked", NOW)
    store.disable_workspace("T1", "app_uninstalled", NOW + timedelta(minutes=1))  # a second event updates the row
    assert store.is_disabled("T1") is True
    assert store.is_disabled("T2") is False
    store.enable_workspace("T1")
    assert store.is_disabled("T1") is False
    store.enable_workspace("T3")  # never disabled: nothing to do, no error
    assert store.is_disabled("T3") is False


def test_purge_deletes_old_questions_user_ids_and_event_records(store: StateStore) -> None:
    old, new = NOW - timedelta(days=91), NOW - timedelta(days=89)
    store.record_feedback("U1", "old", "a", "up", old)
    store.record_feedback("U2", "new", "a", "up", new)
    store.log_unanswered("U1", "old", "old", old)
    store.log_unanswered("U1", "old too", "old too", old - timedelta(days=1))
    store.claim_event("Ev-old", NOW - EVENT_KEEP - timedelta(seconds=1), work='{"q": "old question"}')
    store.claim_event("Ev-new", NOW - timedelta(minutes=5))
    assert store.purge(90, NOW) == {"feedback": 1, "unanswered": 2, "seen_events": 0, "event_claims": 1}
    assert [v.question for v in store.feedback_since()] == ["new"]
    assert store.unanswered_since() == []
    assert store.claim_event("Ev-new", NOW) is None  # still remembered: its retry is still refused
    assert store.event_claim("Ev-old") is None
    with pytest.raises(ValueError):
        store.purge(-1, NOW)


# ---- reminder subscriptions ----------------------------------------------------------------------------------


def test_subscribe_stores_and_replacing_keeps_the_id_and_unpauses(store: StateStore) -> None:
    sub = store.subscribe("C1", ("unite", "gmb"), ("7d", "1d"), NOW, created_by="U1", team="T1")
    assert (sub.channel, sub.targets, sub.offsets, sub.created, sub.created_by, sub.team, sub.paused) == (
        "C1", ("unite", "gmb"), ("7d", "1d"), NOW, "U1", "T1", None)
    assert store.pause_subscription(sub.id, "not_in_channel", NOW) is True
    again = store.subscribe("C1", (), ("0d",), NOW + timedelta(days=1), created_by="U2", team="T1")
    assert again.id == sub.id
    assert (again.targets, again.offsets, again.created_by, again.paused, again.paused_reason) == (
        (), ("0d",), "U2", None, "")
    assert store.subscription("C1", team="T1") == again


def test_subscriptions_are_listed_oldest_first_and_removed(store: StateStore) -> None:
    a = store.subscribe("C1", (), ("7d",), NOW)
    b = store.subscribe("C2", ("rcn",), ("1d",), NOW)
    assert [s.id for s in store.subscriptions()] == [a.id, b.id]
    assert store.unsubscribe("C1") is True
    assert store.unsubscribe("C1") is False
    assert store.subscription("C1") is None
    assert [s.channel for s in store.subscriptions()] == ["C2"]


def test_pausing_is_true_only_for_the_call_that_paused(store: StateStore) -> None:
    sub = store.subscribe("C1", (), ("7d",), NOW)
    assert store.pause_subscription(sub.id, "channel_not_found", NOW) is True
    assert store.pause_subscription(sub.id, "not_in_channel", NOW + timedelta(minutes=1)) is False
    paused = store.subscription("C1")
    assert (paused.paused, paused.paused_reason) == (NOW, "channel_not_found")


# ---- the reminder sent log -----------------------------------------------------------------------------------


def test_a_reminder_is_claimed_once_then_confirmed(store: StateStore) -> None:
    assert store.claim_reminder(KEY, NOW, detail="late") == "new"
    assert store.claim_reminder(KEY, NOW) is None
    assert store.record_reminder(KEY, "skipped", NOW) is False
    [rec] = store.reminder_log()
    assert (rec.ballot_id, rec.subscription_id, rec.offset, rec.closes_utc, rec.status, rec.claimed,
            rec.confirmed, rec.message_ts, rec.detail) == (*KEY, CLAIMED, NOW, None, None, "late")
    store.confirm_reminder(KEY, "late_sent", "1700000000.000100", NOW + timedelta(seconds=2))
    [rec] = store.reminder_log()
    assert (rec.status, rec.message_ts, rec.confirmed) == ("late_sent", "1700000000.000100",
                                                           NOW + timedelta(seconds=2))
    assert store.claim_reminder(KEY, NOW + timedelta(days=1)) is None  # a confirmed post is never resumed


def test_a_reminder_claim_whose_lease_ran_out_is_resumed_once(store: StateStore) -> None:
    assert store.claim_reminder(KEY, NOW, lease=timedelta(minutes=5)) == "new"
    assert store.expired_reminder_claims(NOW + timedelta(minutes=4)) == set()
    assert store.claim_reminder(KEY, NOW + timedelta(minutes=4)) is None  # its holder may still be posting
    assert store.expired_reminder_claims(NOW + timedelta(minutes=5)) == {KEY}
    assert store.claim_reminder(KEY, NOW + timedelta(minutes=5)) == "resumed"
    assert store.claim_reminder(KEY, NOW + timedelta(minutes=6)) is None  # resumed once, leased again
    assert [r.status for r in store.reminder_log()] == [CLAIMED]


def test_a_deferred_reminder_is_settled_without_a_post(store: StateStore) -> None:
    store.claim_reminder(KEY, NOW)
    store.defer_reminder(KEY, NOW + timedelta(seconds=3), "timeout after sending")
    assert store.expired_reminder_claims(NOW + timedelta(seconds=3)) == {KEY}
    store.settle_reminder(KEY, "missed", NOW + timedelta(minutes=1), detail="closed")
    [rec] = store.reminder_log()
    assert (rec.status, rec.detail, rec.confirmed) == ("missed", "closed", None)
    assert store.expired_reminder_claims(NOW + timedelta(days=1)) == set()
    store.settle_reminder(KEY, "failed", NOW)  # only a claim still open is settled
    assert store.reminder_log()[0].status == "missed"


def test_a_reminder_raced_by_eight_senders_is_claimed_by_exactly_one(state_target) -> None:  # noqa: ANN001
    StateStore(state_target)
    results = _race(8, state_target, lambda s: s.claim_reminder(KEY, NOW))
    assert sorted(results, key=str) == [None] * 7 + ["new"]


def test_an_expired_reminder_claim_raced_by_eight_senders_is_resumed_by_exactly_one(state_target) -> None:  # noqa: ANN001
    StateStore(state_target).claim_reminder(KEY, NOW, lease=timedelta(minutes=5))
    results = _race(8, state_target, lambda s: s.claim_reminder(KEY, NOW + timedelta(minutes=10)))
    assert sorted(results, key=str) == [None] * 7 + ["resumed"]


def test_release_drops_only_a_claim_and_fail_is_final(store: StateStore) -> None:
    other = (KEY[0], KEY[1], "1d", KEY[3])
    store.claim_reminder(KEY, NOW)
    store.claim_reminder(other, NOW)
    assert store.release_reminder(KEY) is True
    assert store.release_reminder(KEY) is False
    assert store.claim_reminder(KEY, NOW + timedelta(minutes=1)) == "new"  # a later run may retry it
    store.fail_reminder(other, "channel_not_found")
    assert store.release_reminder(other) is False  # a failed row is never released, so never retried
    assert {(r.offset, r.status, r.detail) for r in store.reminder_log()} == {
        ("7d", CLAIMED, ""), ("1d", "failed", "channel_not_found")}


def test_the_sent_log_is_ordered_by_claim_time(store: StateStore) -> None:
    store.record_reminder(("B2", 1, "7d", "x"), "missed", NOW + timedelta(hours=1), detail="closed")
    store.record_reminder(("B1", 1, "7d", "x"), "skipped", NOW, detail="superseded")
    assert [(r.ballot_id, r.status, r.detail) for r in store.reminder_log()] == [
        ("B1", "skipped", "superseded"), ("B2", "missed", "closed")]


# ---- choosing the engine: STRIKEBOT_STATE ----------------------------------------------------------------------


def test_a_path_is_sqlite_and_a_postgresql_url_is_psycopg(tmp_path: Path) -> None:
    assert state_url(tmp_path / "s.sqlite").render_as_string() == f"sqlite:///{tmp_path / 's.sqlite'}"
    assert state_url("relative/s.sqlite").database == str(Path("relative/s.sqlite").resolve())
    for given in ("postgresql://bot:pw@db.internal:5432/strike", "postgres://bot:pw@db.internal:5432/strike",
                  "postgresql+psycopg://bot:pw@db.internal:5432/strike"):
        url = state_url(given)
        assert (url.drivername, url.host, url.port, url.database, url.username) == (
            "postgresql+psycopg", "db.internal", 5432, "strike", "bot")
    with pytest.raises(StateConfigError, match="not a mysql:// URL"):
        state_url("mysql://bot@db/strike")
    with pytest.raises(StateConfigError, match=r"not a postgresql\+asyncpg:// URL"):
        state_url("postgresql+asyncpg://bot@db/strike")


def test_passwords_are_never_shown(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cret@db.internal/strike"
    assert "s3cret" not in redact(url) and "db.internal/strike" in redact(url)
    settings = load_settings({"STRIKEBOT_STATE": url})
    assert settings.state_path == url
    assert "s3cret" not in repr(settings) and "db.internal/strike" in repr(settings)
    assert redact(tmp_path / "s.sqlite") == str(tmp_path / "s.sqlite")


def test_settings_take_a_path_or_a_postgresql_url_and_name_any_other_scheme(tmp_path: Path) -> None:
    assert load_settings({"STRIKEBOT_STATE": str(tmp_path / "x.sqlite")}).state_path == tmp_path / "x.sqlite"
    assert load_settings({}).state_path.name == "state.sqlite"
    with pytest.raises(ConfigError) as exc:
        load_settings({"STRIKEBOT_STATE": "mysql://bot@db/strike", "STRIKEBOT_RETENTION_DAYS": "0"})
    assert exc.value.problems == [
        "STRIKEBOT_RETENTION_DAYS must be a whole number of days >= 1, not '0'",
        "STRIKEBOT_STATE must be a file path or a postgresql:// URL, not a mysql:// URL"]


def test_an_unreachable_database_is_one_line_and_exit_1(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    env = {"STRIKEBOT_STATE": "postgresql://bot:s3cret@127.0.0.1:1/strike", "STRIKEBOT_KB": str(tmp_path / "kb")}
    out = CliRunner().invoke(main, ["reminders", "list"], env=env)
    assert out.exit_code == 1
    assert out.output.startswith("Cannot open the state database postgresql+psycopg://bot:***@127.0.0.1:1/strike: ")
    assert len(out.output.strip().splitlines()) == 1 and "s3cret" not in out.output and "Traceback" not in out.output


def test_the_engine_other_stores_share_runs_real_transactions(store: StateStore) -> None:
    # e.g. slack-sdk's SQLAlchemy installation store, given StateStore.engine: its writes commit or roll back whole
    with pytest.raises(RuntimeError), store.engine.begin() as c:
        c.execute(sa.text("INSERT INTO workspaces (team, reason) VALUES ('T9', 'a')"))
        c.execute(sa.text("INSERT INTO workspaces (team, reason) VALUES ('T8', 'b')"))
        raise RuntimeError("half-way")
    with store.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM workspaces")).scalar_one() == 0
    assert "event_claims" in sa.inspect(create_state_engine(store.target)).get_table_names()  # same DB, by target


@pytest.mark.parametrize("make, expect", [
    (lambda p: p.write_bytes(b"this is not SQLite at all, just some bytes" * 100),
     "state.sqlite (STRIKEBOT_STATE) is not a strikebot state database (file is not a database)"),
    (lambda p: p.mkdir(), "state.sqlite (STRIKEBOT_STATE) cannot be opened for writing (unable to open database"),
])
def test_a_state_path_that_is_no_state_database_is_one_line_and_exit_2(tmp_path: Path, make, expect) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from bot.cli import main

    make(tmp_path / "state.sqlite")
    env = {"STRIKEBOT_STATE": str(tmp_path / "state.sqlite"), "STRIKEBOT_KB": str(tmp_path / "kb")}
    out = CliRunner().invoke(main, ["reminders", "list"], env=env)
    assert out.exit_code == 2, out.output
    assert expect in out.output and len(out.output.strip().splitlines()) == 1 and "Traceback" not in out.output


def test_a_serving_store_never_checkpoints_on_commit_and_checkpoint_copies_the_wal(tmp_path: Path) -> None:
    """`deferred_checkpoints`: commits (the ack path's claims among them) never run SQLite's WAL checkpoint
    and its fsyncs; `checkpoint()` copies the WAL into the file instead. A default store checkpoints itself."""
    serving = StateStore(tmp_path / "state.sqlite", deferred_checkpoints=True)
    for engine in (serving.engine, serving._ack_engine):
        with engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
    for i in range(400):  # enough pages for several automatic checkpoints (every 1,000 pages by default)
        assert serving.claim_event(f"T1:Ev{i}", NOW, message_key=f"T1:C1:{i}", work="{}" * 50,
                                   lease=timedelta(minutes=2))
    wal = tmp_path / "state.sqlite-wal"
    frames = (wal.stat().st_size - 32) // (4096 + 24)
    assert frames > 1000  # nothing was checkpointed by the commits
    assert serving.checkpoint() == frames  # all of it now, with no reader or writer in the way
    assert serving.checkpoint() == frames  # (the WAL is reused by the next writer, not truncated)
    other = StateStore(tmp_path / "other.sqlite")
    with other.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    other.close()
    serving.close()


def test_checkpoint_is_a_no_op_on_postgresql(state_target) -> None:  # noqa: ANN001
    s = StateStore(state_target, deferred_checkpoints=True)
    try:
        if s.dialect == "postgresql":
            assert s.checkpoint() is None
        else:
            assert s.checkpoint() > 0  # the migrations' pages, copied from the WAL
    finally:
        s.close()
