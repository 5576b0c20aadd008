"""Runtime state database: what users did. Never rebuilt, never touched by `kb build`.

Holds reminder subscriptions and the sent log, feedback votes, unanswered questions and the Slack event
de-duplication record. WAL mode and short transactions, so Bolt worker threads and a cron `send-due` can share
it. The schema evolves only through `MIGRATIONS` (append, never edit a shipped step).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from bot.reminders import CLAIMED, SentRecord, Subscription

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _create_slack_oauth_tables(store: StateStore) -> None:
    """Migration 2: slack-sdk's installation and OAuth-state tables (slack_installations, slack_bots,
    slack_oauth_states), built by slack-sdk's own table builders so they match its SQLAlchemy stores on any
    engine. `create_all` skips tables that exist, so re-running the step after a crash is harmless."""
    import sqlalchemy
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore as Installations
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore as States

    metadata = sqlalchemy.MetaData()
    Installations.build_installations_table(metadata, Installations.default_installations_table_name)
    Installations.build_bots_table(metadata, Installations.default_bots_table_name)
    States.build_oauth_states_table(metadata, States.default_table_name)
    metadata.create_all(state_engine(store.path))


# Each step runs once, in order; `PRAGMA user_version` records how many have run. A step is SQL (run as one
# transaction with its version number) or a function of the store (for tables defined by a library).
MIGRATIONS: list[str | Callable[[StateStore], None]] = [
    # 1: the first schema
    """
    CREATE TABLE subscriptions (
      id INTEGER PRIMARY KEY, channel TEXT NOT NULL, team TEXT NOT NULL DEFAULT '',
      unions TEXT NOT NULL DEFAULT '',        -- ';'-separated organisation/staff-group ids; '' = all ballots
      offsets TEXT NOT NULL DEFAULT '7d,1d,0d',
      created_by TEXT NOT NULL DEFAULT '', created_utc TEXT NOT NULL,
      paused_utc TEXT, paused_reason TEXT NOT NULL DEFAULT '',
      UNIQUE (channel)
    );
    CREATE TABLE reminders_sent (
      ballot_id TEXT NOT NULL, subscription_id INTEGER NOT NULL, offset TEXT NOT NULL,
      closes_utc TEXT NOT NULL,               -- the close this reminder was planned for (re-plan on change)
      status TEXT NOT NULL,                   -- claimed / sent / late_sent / skipped / missed / failed
      claimed_utc TEXT NOT NULL, confirmed_utc TEXT, message_ts TEXT, detail TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (ballot_id, subscription_id, offset, closes_utc)
    );
    CREATE TABLE feedback (
      id INTEGER PRIMARY KEY, user_id TEXT NOT NULL, question TEXT NOT NULL, answer_id TEXT NOT NULL,
      vote TEXT NOT NULL CHECK (vote IN ('up','down')), created_utc TEXT NOT NULL
    );
    CREATE TABLE unanswered (
      id INTEGER PRIMARY KEY, user_id TEXT NOT NULL DEFAULT '', question TEXT NOT NULL,
      normalised TEXT NOT NULL, created_utc TEXT NOT NULL
    );
    CREATE TABLE seen_events (
      event_key TEXT PRIMARY KEY, seen_utc TEXT NOT NULL
    );
    CREATE TABLE workspaces (
      team TEXT PRIMARY KEY, disabled_utc TEXT, reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX unanswered_created ON unanswered (created_utc);
    CREATE INDEX feedback_created ON feedback (created_utc);
    """,
    # 2: Slack installations and OAuth state, per workspace (OAuth mode)
    _create_slack_oauth_tables,
    # 3: per-workspace data. Subscriptions are keyed on (team, channel) — a Slack Connect channel has one id in
    # every workspace sharing it; questions and votes carry their workspace so an uninstall can delete them;
    # each workspace may have its own admins and default reminder channel. Rows from before were made in
    # single-workspace mode, whose workspace key is ''.
    """
    ALTER TABLE feedback ADD COLUMN team TEXT NOT NULL DEFAULT '';
    ALTER TABLE unanswered ADD COLUMN team TEXT NOT NULL DEFAULT '';
    ALTER TABLE workspaces ADD COLUMN admins TEXT NOT NULL DEFAULT '';           -- ','-separated user ids
    ALTER TABLE workspaces ADD COLUMN reminder_channel TEXT NOT NULL DEFAULT '';
    CREATE TABLE subscriptions_v3 (
      id INTEGER PRIMARY KEY, channel TEXT NOT NULL, team TEXT NOT NULL DEFAULT '',
      unions TEXT NOT NULL DEFAULT '', offsets TEXT NOT NULL DEFAULT '7d,1d,0d',
      created_by TEXT NOT NULL DEFAULT '', created_utc TEXT NOT NULL,
      paused_utc TEXT, paused_reason TEXT NOT NULL DEFAULT '',
      UNIQUE (team, channel)
    );
    INSERT INTO subscriptions_v3 (id, channel, team, unions, offsets, created_by, created_utc, paused_utc,
                                  paused_reason)
      SELECT id, channel, '', unions, offsets, created_by, created_utc, paused_utc, paused_reason
      FROM subscriptions;
    DROP TABLE subscriptions;
    ALTER TABLE subscriptions_v3 RENAME TO subscriptions;
    CREATE INDEX feedback_team ON feedback (team);
    CREATE INDEX unanswered_team ON unanswered (team);
    """,
]


# Slack event de-duplication records live at least this long (Slack retries for about 5 minutes).
EVENT_KEEP = timedelta(days=1)


def _utc(dt: datetime) -> str:
    """Aware datetime -> UTC ISO text (the state database's time format)."""
    return dt.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class FeedbackVote:
    """One 👍/👎 vote on an answer: `vote` is 'up' or 'down'; `created` aware UTC."""

    id: int
    user_id: str
    question: str
    answer_id: str
    vote: str
    created: datetime


@dataclass(frozen=True)
class UnansweredQuestion:
    """A question the bot declined, as asked and normalised; `created` aware UTC."""

    id: int
    user_id: str
    question: str
    normalised: str
    created: datetime


class StateStore:
    """The runtime-state database (`STRIKEBOT_STATE`). Opens (creating and migrating) the file at `path`.

    One connection per thread; WAL journal; every write is its own short transaction. The two queries every
    Slack request makes (`is_disabled`, `claim_event`) share one connection under a lock instead: the HTTP
    server starts a thread per request, and opening a connection per request cost more than the queries.
    Feature areas add their methods here (Slack: feedback/unanswered/seen events/purge;
    reminders: subscriptions/sent log) so that only this class knows table names.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._hot_lock = threading.Lock()
        self._hot_conn: sqlite3.Connection | None = None
        self.migrate()

    def _connect(self) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA busy_timeout=10000")
        c.execute("PRAGMA synchronous=NORMAL")  # WAL's usual setting: durable commits without an fsync each
        c.execute("PRAGMA foreign_keys=ON")
        return c

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit off; use `with store.conn():` for a transaction)."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._local.conn = self._connect()
        return c

    @contextmanager
    def _hot(self) -> Iterator[sqlite3.Connection]:
        """The per-request connection, shared by every thread in turn (see the class docstring)."""
        with self._hot_lock:
            if self._hot_conn is None:
                self._hot_conn = self._connect()
            yield self._hot_conn

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite_utils view of this thread's connection."""
        return sqlite_utils.Database(self.conn())

    def migrate(self) -> int:
        """Run pending migrations; returns the schema version now in force."""
        c = self.conn()
        version = c.execute("PRAGMA user_version").fetchone()[0]
        for step, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            if callable(sql):
                sql(self)
                c.execute(f"PRAGMA user_version = {step}")
                continue
            try:
                # one script = one transaction: the step and its version number land together or not at all
                c.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {step};\nCOMMIT;")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return c.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        """Close this thread's connection and the shared per-request one (reopened on next use)."""
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
        with self._hot_lock:
            if self._hot_conn is not None:
                self._hot_conn.close()
                self._hot_conn = None

    # ---- Slack: feedback, unanswered questions, event de-duplication, workspaces, retention ---------------
    def record_feedback(self, user_id: str, question: str, answer_id: str, vote: str, now: datetime, *,
                        team: str = "") -> int:
        """Store one 👍/👎 vote made in workspace `team` ('' in single-workspace mode). `vote` is 'up' or
        'down' (ValueError otherwise); returns the new row id."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT INTO feedback (user_id, question, answer_id, vote, created_utc, team) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (user_id, question, answer_id, vote, _utc(now), team),
            )
        return int(cur.lastrowid or 0)

    def feedback_since(self, since: datetime | None = None) -> list[FeedbackVote]:
        """Votes recorded at or after `since` (all when None), oldest first."""
        rows = self.conn().execute(
            "SELECT id, user_id, question, answer_id, vote, created_utc FROM feedback "
            "WHERE created_utc >= ? ORDER BY created_utc, id", (_utc(since) if since else "",),
        ).fetchall()
        return [FeedbackVote(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows]

    def log_unanswered(self, user_id: str, question: str, normalised: str, now: datetime, *,
                       team: str = "") -> int:
        """Log a question the bot could not answer in workspace `team` ('' in single-workspace mode), for
        `strikebot kb gaps`; returns the new row id."""
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT INTO unanswered (user_id, question, normalised, created_utc, team) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, question, normalised, _utc(now), team),
            )
        return int(cur.lastrowid or 0)

    def unanswered_since(self, since: datetime | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions logged at or after `since` (all when None), oldest first."""
        rows = self.conn().execute(
            "SELECT id, user_id, question, normalised, created_utc FROM unanswered "
            "WHERE created_utc >= ? ORDER BY created_utc, id", (_utc(since) if since else "",),
        ).fetchall()
        return [UnansweredQuestion(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    def claim_event(self, event_key: str, now: datetime) -> bool:
        """Claim a Slack event for processing: True the first time `event_key` is seen, False for a repeat
        (a retry). Atomic across threads and processes; records are kept for at least EVENT_KEEP."""
        with self._hot() as c, c:
            cur = c.execute("INSERT OR IGNORE INTO seen_events (event_key, seen_utc) VALUES (?, ?)",
                            (event_key, _utc(now)))
            return cur.rowcount == 1

    def disable_workspace(self, team: str, reason: str, now: datetime) -> None:
        """Stop sending to workspace `team` (tokens revoked / app uninstalled); its data is kept."""
        c = self.conn()
        with c:
            c.execute(
                "INSERT INTO workspaces (team, disabled_utc, reason) VALUES (?, ?, ?) "
                "ON CONFLICT (team) DO UPDATE SET disabled_utc = excluded.disabled_utc, "
                "reason = excluded.reason",
                (team, _utc(now), reason),
            )

    def enable_workspace(self, team: str) -> None:
        """Allow sending to `team` again (the bot token works again, e.g. after a reinstall)."""
        c = self.conn()
        with c:
            c.execute("UPDATE workspaces SET disabled_utc = NULL, reason = '' WHERE team = ?", (team,))

    def is_disabled(self, team: str | None) -> bool:
        """True when workspace `team` has been disabled by `disable_workspace`."""
        if not team:
            return False
        with self._hot() as c:
            row = c.execute("SELECT disabled_utc FROM workspaces WHERE team = ?", (team,)).fetchone()
        return bool(row and row[0])

    def workspace_settings(self, team: str) -> tuple[tuple[str, ...], str | None]:
        """(admins, default reminder channel) stored for workspace `team` ('' = the single workspace); ((),
        None) when nothing is stored."""
        row = self.conn().execute("SELECT admins, reminder_channel FROM workspaces WHERE team = ?",
                                  (team,)).fetchone()
        if not row:
            return (), None
        return tuple(a for a in row[0].split(",") if a), row[1] or None

    def set_workspace_settings(self, team: str, *, admins: tuple[str, ...] | None = None,
                               reminder_channel: str | None = None) -> None:
        """Store workspace `team`'s admins (Slack user ids) and/or default reminder channel id ('' clears
        it); an argument left None is left as it is."""
        c = self.conn()
        with c:
            c.execute("INSERT INTO workspaces (team) VALUES (?) ON CONFLICT (team) DO NOTHING", (team,))
            if admins is not None:
                c.execute("UPDATE workspaces SET admins = ? WHERE team = ?", (",".join(admins), team))
            if reminder_channel is not None:
                c.execute("UPDATE workspaces SET reminder_channel = ? WHERE team = ?", (reminder_channel, team))

    def default_reminder_channels(self) -> list[tuple[str, str]]:
        """(team, channel) for every workspace with a stored default reminder channel."""
        return [(r[0], r[1]) for r in self.conn().execute(
            "SELECT team, reminder_channel FROM workspaces WHERE reminder_channel != '' ORDER BY team")]

    def forget_workspace(self, team: str) -> dict[str, int]:
        """Delete everything stored about workspace `team` (the app was uninstalled there): its subscriptions
        and their sent log, questions and user ids (unanswered), feedback votes and settings. The `workspaces`
        row stays only as the disabled flag, if one was set; event de-duplication records (event ids only)
        expire as usual. Returns {table: rows deleted}."""
        c = self.conn()
        with c:
            counts = {
                "reminders_sent": c.execute("DELETE FROM reminders_sent WHERE subscription_id IN "
                                            "(SELECT id FROM subscriptions WHERE team = ?)", (team,)).rowcount,
                "subscriptions": c.execute("DELETE FROM subscriptions WHERE team = ?", (team,)).rowcount,
                "feedback": c.execute("DELETE FROM feedback WHERE team = ?", (team,)).rowcount,
                "unanswered": c.execute("DELETE FROM unanswered WHERE team = ?", (team,)).rowcount,
            }
            c.execute("UPDATE workspaces SET admins = '', reminder_channel = '' WHERE team = ?", (team,))
        return counts

    def purge(self, older_than_days: int, now: datetime) -> dict[str, int]:
        """Delete questions and user IDs (feedback, unanswered) older than `older_than_days` days, and event
        de-duplication records older than EVENT_KEEP. Returns {table: rows deleted}."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff = _utc(now - timedelta(days=older_than_days))
        events_cutoff = _utc(now - EVENT_KEEP)
        c = self.conn()
        with c:
            counts = {
                "feedback": c.execute("DELETE FROM feedback WHERE created_utc < ?", (cutoff,)).rowcount,
                "unanswered": c.execute("DELETE FROM unanswered WHERE created_utc < ?", (cutoff,)).rowcount,
                "seen_events": c.execute("DELETE FROM seen_events WHERE seen_utc < ?",
                                         (events_cutoff,)).rowcount,
            }
        return counts

    # ---- reminders: subscriptions and the sent log ---------------------------------------------------------
    _SUB_COLS = "id, channel, team, unions, offsets, created_by, created_utc, paused_utc, paused_reason"
    _SENT_COLS = ("ballot_id, subscription_id, offset, closes_utc, status, claimed_utc, confirmed_utc, "
                  "message_ts, detail")

    @staticmethod
    def _subscription(r: tuple) -> Subscription:
        return Subscription(id=r[0], channel=r[1], team=r[2], targets=tuple(x for x in r[3].split(";") if x),
                            offsets=tuple(x for x in r[4].split(",") if x), created_by=r[5],
                            created=datetime.fromisoformat(r[6]),
                            paused=datetime.fromisoformat(r[7]) if r[7] else None, paused_reason=r[8])

    def subscribe(self, channel: str, targets: tuple[str, ...], offsets: tuple[str, ...], now: datetime, *,
                  created_by: str = "", team: str = "") -> Subscription:
        """Subscribe `channel` of workspace `team` ('' in single-workspace mode), or replace its subscription:
        `targets` organisation/staff-group ids (empty = all ballots), `offsets` like ('7d', '1d', '0d'). It
        takes effect at `now` (aware) and is un-paused; the id, and so the sent log, are kept. Returns the
        stored subscription."""
        c = self.conn()
        with c:
            c.execute(
                "INSERT INTO subscriptions (channel, team, unions, offsets, created_by, created_utc) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (team, channel) DO UPDATE SET "
                "unions = excluded.unions, offsets = excluded.offsets, created_by = excluded.created_by, "
                "created_utc = excluded.created_utc, paused_utc = NULL, paused_reason = ''",
                (channel, team, ";".join(targets), ",".join(offsets), created_by, _utc(now)),
            )
        sub = self.subscription(channel, team=team)
        assert sub is not None
        return sub

    def unsubscribe(self, channel: str, *, team: str = "") -> bool:
        """Remove the subscription of `channel` in workspace `team`; True if there was one. Its sent log is
        kept."""
        c = self.conn()
        with c:
            return c.execute("DELETE FROM subscriptions WHERE team = ? AND channel = ?",
                             (team, channel)).rowcount == 1

    def subscription(self, channel: str, *, team: str = "") -> Subscription | None:
        """The subscription of `channel` in workspace `team`, or None."""
        r = self.conn().execute(f"SELECT {self._SUB_COLS} FROM subscriptions WHERE team = ? AND channel = ?",
                                (team, channel)).fetchone()
        return self._subscription(r) if r else None

    def subscriptions(self, *, team: str | None = None) -> list[Subscription]:
        """Every subscription (paused ones too), oldest first; only workspace `team`'s unless None."""
        if team is None:
            rows = self.conn().execute(f"SELECT {self._SUB_COLS} FROM subscriptions ORDER BY id").fetchall()
        else:
            rows = self.conn().execute(f"SELECT {self._SUB_COLS} FROM subscriptions WHERE team = ? ORDER BY id",
                                       (team,)).fetchall()
        return [self._subscription(r) for r in rows]

    def pause_subscription(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause a subscription (Slack refused to post: `reason` like 'not_in_channel'). True only for the
        call that paused it, so exactly one caller tells the subscriber."""
        c = self.conn()
        with c:
            cur = c.execute("UPDATE subscriptions SET paused_utc = ?, paused_reason = ? "
                            "WHERE id = ? AND paused_utc IS NULL", (_utc(now), reason, subscription_id))
        return cur.rowcount == 1

    def reminder_log(self) -> list[SentRecord]:
        """The whole reminder sent log, oldest claim first."""
        rows = self.conn().execute(
            f"SELECT {self._SENT_COLS} FROM reminders_sent ORDER BY claimed_utc, ballot_id").fetchall()
        return [SentRecord(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]),
                           datetime.fromisoformat(r[6]) if r[6] else None, r[7], r[8]) for r in rows]

    def record_reminder(self, key: tuple[str, int, str, str], status: str, now: datetime,
                        detail: str = "") -> bool:
        """Insert a sent-log row for `key` (ballot_id, subscription_id, offset, closes_utc) with `status`
        ('claimed' to claim it before posting; 'skipped' / 'missed' to record without posting). One short
        transaction; True only for the one caller whose row went in (atomic across threads and processes)."""
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT OR IGNORE INTO reminders_sent (ballot_id, subscription_id, offset, closes_utc, "
                "status, claimed_utc, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*key, status, _utc(now), detail))
        return cur.rowcount == 1

    def claim_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str = "") -> bool:
        """Claim `key` before posting; True means this caller, and only this caller, may post it."""
        return self.record_reminder(key, CLAIMED, now, detail)

    def confirm_reminder(self, key: tuple[str, int, str, str], status: str, message_ts: str,
                         now: datetime) -> None:
        """Mark a claim as posted: `status` 'sent' or 'late_sent', Slack's `message_ts`, confirmed `now`."""
        c = self.conn()
        with c:
            c.execute("UPDATE reminders_sent SET status = ?, message_ts = ?, confirmed_utc = ? WHERE "
                      "ballot_id = ? AND subscription_id = ? AND offset = ? AND closes_utc = ?",
                      (status, message_ts, _utc(now), *key))

    def fail_reminder(self, key: tuple[str, int, str, str], detail: str) -> None:
        """Mark a claim as failed for good (e.g. the channel is gone); it is never retried."""
        c = self.conn()
        with c:
            c.execute("UPDATE reminders_sent SET status = 'failed', detail = ? WHERE ballot_id = ? AND "
                      "subscription_id = ? AND offset = ? AND closes_utc = ?", (detail, *key))

    def release_reminder(self, key: tuple[str, int, str, str]) -> bool:
        """Drop a claim that certainly was not posted (Slack answered with an error), so a later run may
        retry it. Only a row still 'claimed' is dropped; True if one was."""
        c = self.conn()
        with c:
            cur = c.execute("DELETE FROM reminders_sent WHERE status = 'claimed' AND ballot_id = ? AND "
                            "subscription_id = ? AND offset = ? AND closes_utc = ?", key)
        return cur.rowcount == 1


_ENGINES: dict[Path, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def state_engine(path: Path) -> Engine:
    """The SQLAlchemy Engine on the state database at `path` (one per path, shared), for slack-sdk's
    SQLAlchemy installation and OAuth-state stores. SQLite today; the one place to switch engines."""
    from sqlalchemy import create_engine

    key = Path(path).resolve()
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = create_engine(
                f"sqlite:///{key}", connect_args={"timeout": 10, "check_same_thread": False})
        return engine
