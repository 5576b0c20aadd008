"""Runtime state database: what users did. Never rebuilt, never touched by `kb build`.

Holds reminder subscriptions and the sent log, feedback votes, unanswered questions and the Slack event
de-duplication record. WAL mode and short transactions, so Bolt worker threads and a cron `send-due` can share
it. The schema evolves only through `MIGRATIONS` (append, never edit a shipped step).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import sqlite_utils

# Each step runs once, in order; `PRAGMA user_version` records how many have run.
MIGRATIONS: list[str] = [
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
]


class StateStore:
    """The runtime-state database (`STRIKEBOT_STATE`). Opens (creating and migrating) the file at `path`.

    One connection per thread; WAL journal; every write is its own short transaction.
    Feature areas add their methods here (Slack: feedback/unanswered/seen events/purge;
    reminders: subscriptions/sent log) so that only this class knows table names.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.migrate()

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (autocommit off; use `with store.conn():` for a transaction)."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA busy_timeout=10000")
            c.execute("PRAGMA foreign_keys=ON")
            self._local.conn = c
        return c

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite_utils view of this thread's connection."""
        return sqlite_utils.Database(self.conn())

    def migrate(self) -> int:
        """Run pending migrations; returns the schema version now in force."""
        c = self.conn()
        version = c.execute("PRAGMA user_version").fetchone()[0]
        for step, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                # one script = one transaction: the step and its version number land together or not at all
                c.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {step};\nCOMMIT;")
            except BaseException:
                if c.in_transaction:
                    c.execute("ROLLBACK")
                raise
        return c.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        """Close this thread's connection."""
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None
