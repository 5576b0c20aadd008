"""Runtime state database: what users did. Never rebuilt, never touched by `kb build`.

Holds reminder subscriptions and the sent log, feedback votes, unanswered questions and the Slack event
claims (de-duplication, and the work a claim stands for until it is done). WAL mode and short transactions, so Bolt worker threads and a cron `send-due` can share
it. The schema evolves only through `MIGRATIONS` (append, never edit a shipped step).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from bot.reminders import CLAIMED, SentRecord, Subscription

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
    # 2: claims with leases. An event claim carries the work it stands for (the event, as JSON) until it is
    # done, so a claim whose process died is resumed by another; a message is claimed once whatever event ids
    # carry it. Reminder claims get a lease too: a claim whose lease ran out is settled (looked up in Slack)
    # and then re-sent, instead of being left unsent for ever.
    """
    CREATE TABLE event_claims (
      event_key TEXT PRIMARY KEY,             -- team:event_id
      message_key TEXT UNIQUE,                -- team:channel:ts of a message we answer (NULL: not one)
      client_msg_key TEXT UNIQUE,             -- team:client_msg_id when Slack sent one
      status TEXT NOT NULL,                   -- claimed / done / failed
      owner TEXT NOT NULL,                    -- random token of the claim's current holder
      work TEXT NOT NULL DEFAULT '',          -- JSON of the work to do; emptied once done or failed
      claimed_utc TEXT NOT NULL, lease_utc TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
      done_utc TEXT, reply_ts TEXT, detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX event_claims_lease ON event_claims (status, lease_utc);
    CREATE INDEX event_claims_claimed ON event_claims (claimed_utc);
    ALTER TABLE reminders_sent ADD COLUMN lease_utc TEXT;  -- a 'claimed' row past this may be taken over
    ALTER TABLE reminders_sent ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
    """,
]


# Slack event de-duplication records live at least this long (Slack retries for about 5 minutes).
EVENT_KEEP = timedelta(days=1)
# How long the ack path waits for a state-database lock held by another writer (seconds). Short on purpose:
# an ack must never wait; the caller falls back (see StateUnavailable).
ACK_BUSY_TIMEOUT_S = 0.2


class StateUnavailable(Exception):
    """The state database could not be used right now (locked by another writer past the short ack-path
    timeout, or failing). Raised by the ack-path methods (`claim_event`, `is_disabled`)."""


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
class EventClaim:
    """One Slack event claim. `status` claimed / done / failed; `owner` the holder's token; `work` the JSON
    it stands for ('' once finished); times aware UTC; `attempts` how many holders it has had."""

    event_key: str
    message_key: str | None
    status: str
    owner: str
    work: str
    claimed: datetime
    lease: datetime
    attempts: int
    reply_ts: str | None
    detail: str


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
    Slack request makes before its ack (`is_disabled`, `claim_event`) share one connection of their own under
    a lock instead, with a short busy timeout (ACK_BUSY_TIMEOUT_S): opening a connection per request cost more
    than the queries, and a writer holding the database must not delay acks (they get StateUnavailable).
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

    def _connect(self, busy_timeout_s: float = 10) -> sqlite3.Connection:
        c = sqlite3.connect(self.path, timeout=busy_timeout_s, check_same_thread=False)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
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
        """The ack-path connection, shared by every thread in turn (see the class docstring). Any database
        error inside becomes StateUnavailable (and the connection is reopened next time)."""
        with self._hot_lock:
            try:
                if self._hot_conn is None:
                    self._hot_conn = self._connect(ACK_BUSY_TIMEOUT_S)
                yield self._hot_conn
            except sqlite3.Error as exc:
                if self._hot_conn is not None:
                    self._hot_conn.close()
                    self._hot_conn = None
                raise StateUnavailable(str(exc)) from exc

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
    def record_feedback(self, user_id: str, question: str, answer_id: str, vote: str, now: datetime) -> int:
        """Store one 👍/👎 vote. `vote` is 'up' or 'down' (ValueError otherwise); returns the new row id."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT INTO feedback (user_id, question, answer_id, vote, created_utc) "
                "VALUES (?, ?, ?, ?, ?)",
                (user_id, question, answer_id, vote, _utc(now)),
            )
        return int(cur.lastrowid or 0)

    def feedback_since(self, since: datetime | None = None) -> list[FeedbackVote]:
        """Votes recorded at or after `since` (all when None), oldest first."""
        rows = self.conn().execute(
            "SELECT id, user_id, question, answer_id, vote, created_utc FROM feedback "
            "WHERE created_utc >= ? ORDER BY created_utc, id", (_utc(since) if since else "",),
        ).fetchall()
        return [FeedbackVote(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows]

    def log_unanswered(self, user_id: str, question: str, normalised: str, now: datetime) -> int:
        """Log a question the bot could not answer (for `strikebot kb gaps`); returns the new row id."""
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT INTO unanswered (user_id, question, normalised, created_utc) VALUES (?, ?, ?, ?)",
                (user_id, question, normalised, _utc(now)),
            )
        return int(cur.lastrowid or 0)

    def unanswered_since(self, since: datetime | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions logged at or after `since` (all when None), oldest first."""
        rows = self.conn().execute(
            "SELECT id, user_id, question, normalised, created_utc FROM unanswered "
            "WHERE created_utc >= ? ORDER BY created_utc, id", (_utc(since) if since else "",),
        ).fetchall()
        return [UnansweredQuestion(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    _CLAIM_COLS = ("event_key, message_key, status, owner, work, claimed_utc, lease_utc, attempts, reply_ts, "
                   "detail")

    @staticmethod
    def _event_claim(r: tuple) -> EventClaim:
        return EventClaim(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5]),
                          datetime.fromisoformat(r[6]), r[7], r[8], r[9])

    def claim_event(self, event_key: str, now: datetime, *, message_key: str | None = None,
                    client_msg_key: str | None = None, work: str = "",
                    lease: timedelta = timedelta(0)) -> str | None:
        """Claim a Slack event before its ack. Returns the claim's owner token (pass it to `finish_event`), or
        None when the event — or the same message (`message_key` 'team:channel:ts', `client_msg_key`
        'team:client_msg_id') under another event id — was claimed before: a retry or a duplicate, dropped.

        `work` (JSON text) is what the claim stands for, kept until finished so that `take_expired_event`
        can resume it once `lease` has run out. With no work, pass no lease: the claim is done at once.
        Atomic across threads and processes (unique keys; INSERT … ON CONFLICT DO NOTHING). Raises
        StateUnavailable when the database is locked past ACK_BUSY_TIMEOUT_S or failing."""
        owner = uuid.uuid4().hex
        status = "claimed" if work else "done"
        with self._hot() as c, c:
            cur = c.execute(
                "INSERT INTO event_claims (event_key, message_key, client_msg_key, status, owner, work, "
                "claimed_utc, lease_utc, done_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (event_key, message_key, client_msg_key, status, owner, work, _utc(now), _utc(now + lease),
                 None if work else _utc(now)))
            return owner if cur.rowcount == 1 else None

    def event_claim(self, event_key: str) -> EventClaim | None:
        """The claim recorded for `event_key`, or None."""
        r = self.conn().execute(f"SELECT {self._CLAIM_COLS} FROM event_claims WHERE event_key = ?",
                                (event_key,)).fetchone()
        return self._event_claim(r) if r else None

    def finish_event(self, event_key: str, owner: str, now: datetime, *, status: str = "done",
                     reply_ts: str = "", detail: str = "") -> bool:
        """Mark a claim `status` 'done' (the reply went out; `reply_ts` its Slack ts) or 'failed' (given up),
        dropping its work. Only the current holder (`owner`) of a live claim can; True if it did — so of two
        racing callers exactly one, e.g., sends the one apology."""
        if status not in ("done", "failed"):
            raise ValueError(f"status must be 'done' or 'failed', not {status!r}")
        c = self.conn()
        with c:
            cur = c.execute("UPDATE event_claims SET status = ?, done_utc = ?, reply_ts = ?, detail = ?, work = '' "
                            "WHERE event_key = ? AND owner = ? AND status = 'claimed'",
                            (status, _utc(now), reply_ts or None, detail, event_key, owner))
        return cur.rowcount == 1

    def defer_event(self, event_key: str, owner: str, until: datetime, detail: str) -> bool:
        """Keep a live claim but let its lease run out at `until` (aware), so that it is resumed then (the
        post failed for now, or its outcome is unknown). `detail` says why. True if `owner` still held it."""
        c = self.conn()
        with c:
            cur = c.execute("UPDATE event_claims SET lease_utc = ?, detail = ? WHERE event_key = ? AND owner = ? "
                            "AND status = 'claimed'", (_utc(until), detail, event_key, owner))
        return cur.rowcount == 1

    def expired_event_claims(self, now: datetime, limit: int = 100) -> list[EventClaim]:
        """Live claims whose lease ran out by `now` (their holder died or gave them back), oldest first."""
        rows = self.conn().execute(
            f"SELECT {self._CLAIM_COLS} FROM event_claims WHERE status = 'claimed' AND lease_utc <= ? "
            "ORDER BY claimed_utc LIMIT ?", (_utc(now), limit)).fetchall()
        return [self._event_claim(r) for r in rows]

    def take_expired_event(self, event_key: str, now: datetime, lease: timedelta) -> EventClaim | None:
        """Take over a live claim whose lease ran out by `now`, for `lease` more. Returns the claim as now held
        (new owner token, attempts counted), or None when someone else took or finished it first."""
        owner = uuid.uuid4().hex
        c = self.conn()
        with c:
            cur = c.execute("UPDATE event_claims SET owner = ?, lease_utc = ?, attempts = attempts + 1 "
                            "WHERE event_key = ? AND status = 'claimed' AND lease_utc <= ?",
                            (owner, _utc(now + lease), event_key, _utc(now)))
        return self.event_claim(event_key) if cur.rowcount == 1 else None

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

    def disabled_workspaces(self) -> set[str]:
        """Every workspace disabled by `disable_workspace`."""
        rows = self.conn().execute("SELECT team FROM workspaces WHERE disabled_utc IS NOT NULL").fetchall()
        return {r[0] for r in rows}

    def purge(self, older_than_days: int, now: datetime) -> dict[str, int]:
        """Delete questions and user IDs (feedback, unanswered) older than `older_than_days` days, and event
        claims (with any question they still hold) older than EVENT_KEEP. Returns {table: rows deleted}."""
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
                "event_claims": c.execute("DELETE FROM event_claims WHERE claimed_utc < ?",
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
        """Subscribe `channel` (or replace its subscription): `targets` organisation/staff-group ids (empty =
        all ballots), `offsets` like ('7d', '1d', '0d'). It takes effect at `now` (aware) and is un-paused;
        the id, and so the sent log, are kept. Returns the stored subscription."""
        c = self.conn()
        with c:
            c.execute(
                "INSERT INTO subscriptions (channel, team, unions, offsets, created_by, created_utc) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel) DO UPDATE SET team = excluded.team, "
                "unions = excluded.unions, offsets = excluded.offsets, created_by = excluded.created_by, "
                "created_utc = excluded.created_utc, paused_utc = NULL, paused_reason = ''",
                (channel, team, ";".join(targets), ",".join(offsets), created_by, _utc(now)),
            )
        sub = self.subscription(channel)
        assert sub is not None
        return sub

    def unsubscribe(self, channel: str) -> bool:
        """Remove `channel`'s subscription; True if there was one. Its sent log is kept."""
        c = self.conn()
        with c:
            return c.execute("DELETE FROM subscriptions WHERE channel = ?", (channel,)).rowcount == 1

    def subscription(self, channel: str) -> Subscription | None:
        """`channel`'s subscription, or None."""
        r = self.conn().execute(f"SELECT {self._SUB_COLS} FROM subscriptions WHERE channel = ?",
                                (channel,)).fetchone()
        return self._subscription(r) if r else None

    def subscriptions(self) -> list[Subscription]:
        """Every subscription (paused ones too), oldest first."""
        rows = self.conn().execute(f"SELECT {self._SUB_COLS} FROM subscriptions ORDER BY id").fetchall()
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

    def claim_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str = "", *,
                       lease: timedelta = timedelta(minutes=5)) -> str | None:
        """Claim `key` before posting, for `lease`. Returns 'new' (a first claim: post it), 'resumed' (a claim
        whose lease ran out unconfirmed — its holder died or its outcome was unknown — now taken over: settle
        whether Slack has it before posting again), or None (someone else holds or finished it). Atomic across
        threads and processes; a row from before leases existed counts as expired."""
        c = self.conn()
        with c:
            cur = c.execute(
                "INSERT INTO reminders_sent (ballot_id, subscription_id, offset, closes_utc, status, claimed_utc, "
                "detail, lease_utc, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO NOTHING",
                (*key, CLAIMED, _utc(now), detail, _utc(now + lease)))
            if cur.rowcount == 1:
                return "new"
            cur = c.execute(
                "UPDATE reminders_sent SET lease_utc = ?, attempts = attempts + 1 WHERE status = ? AND "
                "(lease_utc IS NULL OR lease_utc <= ?) AND ballot_id = ? AND subscription_id = ? AND offset = ? "
                "AND closes_utc = ?", (_utc(now + lease), CLAIMED, _utc(now), *key))
        return "resumed" if cur.rowcount == 1 else None

    def expired_reminder_claims(self, now: datetime) -> set[tuple[str, int, str, str]]:
        """Keys of reminder claims still unconfirmed whose lease ran out by `now` (resumable)."""
        rows = self.conn().execute(
            "SELECT ballot_id, subscription_id, offset, closes_utc FROM reminders_sent WHERE status = ? AND "
            "(lease_utc IS NULL OR lease_utc <= ?)", (CLAIMED, _utc(now))).fetchall()
        return {(r[0], r[1], r[2], r[3]) for r in rows}

    def defer_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str) -> None:
        """Keep a claim whose post had an unknown outcome (a timeout after sending) but end its lease at `now`,
        so the next run settles it (looks for the post in Slack) before any re-send. `detail` says why."""
        c = self.conn()
        with c:
            c.execute("UPDATE reminders_sent SET lease_utc = ?, detail = ? WHERE status = ? AND ballot_id = ? "
                      "AND subscription_id = ? AND offset = ? AND closes_utc = ?",
                      (_utc(now), detail, CLAIMED, *key))

    def settle_reminder(self, key: tuple[str, int, str, str], status: str, now: datetime, detail: str = "") -> None:
        """Close a still-unconfirmed claim without posting: `status` 'skipped' / 'missed' / 'failed'."""
        c = self.conn()
        with c:
            c.execute("UPDATE reminders_sent SET status = ?, detail = ?, confirmed_utc = NULL WHERE status = ? "
                      "AND ballot_id = ? AND subscription_id = ? AND offset = ? AND closes_utc = ?",
                      (status, detail, CLAIMED, *key))

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
        """Drop a claim that certainly was not posted (Slack answered with an error, or the request never
        left this machine), so a later run may retry it. Only a row still 'claimed' is dropped; True if one
        was."""
        c = self.conn()
        with c:
            cur = c.execute("DELETE FROM reminders_sent WHERE status = 'claimed' AND ballot_id = ? AND "
                            "subscription_id = ? AND offset = ? AND closes_utc = ?", key)
        return cur.rowcount == 1
