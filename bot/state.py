"""Runtime state database: what users did. Never rebuilt, never touched by `kb build`.

Holds reminder subscriptions and the sent log, feedback votes, unanswered questions and the Slack event
de-duplication record. One store, two engines (`STRIKEBOT_STATE`): a SQLite file (the default; WAL mode and short
transactions, so Bolt worker threads and a cron `send-due` can share it) or a PostgreSQL database shared by
several instances. Every query is SQLAlchemy Core, so one statement serves both engines; the claims that make
replies and reminders exactly-once are the database's own (a unique key with INSERT … ON CONFLICT DO NOTHING),
so they hold across threads, processes and machines alike.

The schema evolves only through `MIGRATIONS` (append, never edit a shipped step); each step runs once, in
order, in one transaction with its version number, on either engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.reminders import CLAIMED, SentRecord, Subscription

StateTarget = Path | str  # a SQLite file path, or a postgresql:// URL

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_POSTGRES_SCHEMES = ("postgresql", "postgres")


class StateConfigError(ValueError):
    """`STRIKEBOT_STATE` is neither a file path nor a postgresql:// URL (message says which scheme it had)."""


class StateUnavailable(Exception):
    """The state database could not be opened (server unreachable, login refused, file not writable); the
    message is one line naming the database (password masked) and the driver's reason."""


def is_url(target: StateTarget) -> bool:
    """True when `target` is written as a URL (`scheme://…`) rather than a file path."""
    return isinstance(target, str) and bool(_URL.match(target))


def state_url(target: StateTarget) -> sa.URL:
    """The SQLAlchemy URL of the state database named by `target` (`STRIKEBOT_STATE`).

    A file path (Path, or str without a scheme) -> `sqlite:///<absolute path>`; `postgresql://…` or
    `postgres://…` (optionally `+psycopg`) -> `postgresql+psycopg://…`, the driver this project installs.
    Raises StateConfigError for any other scheme or a malformed URL."""
    if not is_url(target):
        return sa.URL.create("sqlite", database=str(Path(target).expanduser().resolve()))
    try:
        url = sa.make_url(str(target))
    except sa.exc.ArgumentError as exc:
        raise StateConfigError(f"STRIKEBOT_STATE is not a valid URL ({exc})") from None
    backend, _, driver = url.drivername.partition("+")
    if backend not in _POSTGRES_SCHEMES or driver not in ("", "psycopg"):
        raise StateConfigError(f"STRIKEBOT_STATE must be a file path or a postgresql:// URL, "
                               f"not a {url.drivername}:// URL")
    return url.set(drivername="postgresql+psycopg")


def redact(target: StateTarget) -> str:
    """`target` fit to print or log: a URL's password is masked; a path is shown as it is."""
    return state_url(target).render_as_string(hide_password=True) if is_url(target) else str(target)


def create_state_engine(target: StateTarget) -> sa.Engine:
    """A SQLAlchemy Engine on the state database named by `target`, set up for this project's use.

    SQLite: the file (and its folder) is created; every pooled connection uses WAL, a 10 s busy timeout and
    foreign keys; transactions begin with a plain BEGIN, or BEGIN IMMEDIATE on a connection whose execution
    option `write` is true (a writer then queues for the lock at its start instead of failing to upgrade a read
    lock mid-transaction). PostgreSQL: psycopg 3, READ COMMITTED, connections checked before reuse.
    This is the engine other stores that belong in the state database (e.g. Slack installations) should use:
    `StateStore.engine`, or this function given `Settings.state_path`. Raises StateConfigError (see
    `state_url`)."""
    url = state_url(target)
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver's own implicit BEGINs off: SQLAlchemy's begin event decides
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "busy_timeout=10000", "synchronous=NORMAL", "foreign_keys=ON"):
            cur.execute(f"PRAGMA {pragma}")  # synchronous=NORMAL: WAL's usual setting, durable without an fsync each
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return engine


# ---- schema: numbered migrations, shared by both engines ------------------------------------------------------
# A step is a function of an open transaction. Steps build their own Table objects (never the query tables
# below), so a shipped step keeps creating exactly what it created when it shipped.


def _m1_first_schema(c: sa.Connection) -> None:
    m = sa.MetaData()
    text, req = sa.Text, {"nullable": False}
    sa.Table(
        "subscriptions", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", text, **req),
        sa.Column("team", text, server_default="", **req),
        sa.Column("unions", text, server_default="", **req),  # ';'-separated organisation/staff-group ids; '' = all
        sa.Column("offsets", text, server_default="7d,1d,0d", **req),
        sa.Column("created_by", text, server_default="", **req),
        sa.Column("created_utc", text, **req),
        sa.Column("paused_utc", text),
        sa.Column("paused_reason", text, server_default="", **req),
        sa.UniqueConstraint("channel"),
    )
    sa.Table(
        "reminders_sent", m,
        sa.Column("ballot_id", text, primary_key=True),
        sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("offset", text, primary_key=True),
        sa.Column("closes_utc", text, primary_key=True),  # the close this reminder was planned for (re-plan on change)
        sa.Column("status", text, **req),  # claimed / sent / late_sent / skipped / missed / failed
        sa.Column("claimed_utc", text, **req),
        sa.Column("confirmed_utc", text),
        sa.Column("message_ts", text),
        sa.Column("detail", text, server_default="", **req),
    )
    feedback = sa.Table(
        "feedback", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", text, **req),
        sa.Column("question", text, **req),
        sa.Column("answer_id", text, **req),
        sa.Column("vote", text, **req),
        sa.Column("created_utc", text, **req),
        sa.CheckConstraint("vote IN ('up','down')"),
    )
    unanswered = sa.Table(
        "unanswered", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", text, server_default="", **req),
        sa.Column("question", text, **req),
        sa.Column("normalised", text, **req),
        sa.Column("created_utc", text, **req),
    )
    sa.Table("seen_events", m, sa.Column("event_key", text, primary_key=True), sa.Column("seen_utc", text, **req))
    sa.Table(
        "workspaces", m,
        sa.Column("team", text, primary_key=True),
        sa.Column("disabled_utc", text),
        sa.Column("reason", text, server_default="", **req),
    )
    sa.Index("unanswered_created", unanswered.c.created_utc)
    sa.Index("feedback_created", feedback.c.created_utc)
    m.create_all(c, checkfirst=False)


MIGRATIONS: list[Callable[[sa.Connection], None]] = [
    _m1_first_schema,  # 1: the first schema
]

# Where the version number lives: SQLite keeps it in the file header (`PRAGMA user_version`, as state files made
# before PostgreSQL support already do); PostgreSQL in a one-row table, updated in the step's own transaction.
_PG_VERSION_TABLE = "strikebot_schema_version"
_PG_MIGRATION_LOCK = 0x5713E_807  # pg_advisory_xact_lock key: instances starting together migrate one at a time


# ---- the tables as queries see them (columns only; the DDL is in the migrations) -------------------------------
def _table(name: str, *cols: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in cols))


_SUBSCRIPTIONS = _table("subscriptions", "id", "channel", "team", "unions", "offsets", "created_by", "created_utc",
                        "paused_utc", "paused_reason")
_SENT = _table("reminders_sent", "ballot_id", "subscription_id", "offset", "closes_utc", "status", "claimed_utc",
               "confirmed_utc", "message_ts", "detail")
_FEEDBACK = _table("feedback", "id", "user_id", "question", "answer_id", "vote", "created_utc")
_UNANSWERED = _table("unanswered", "id", "user_id", "question", "normalised", "created_utc")
_SEEN = _table("seen_events", "event_key", "seen_utc")
_WORKSPACES = _table("workspaces", "team", "disabled_utc", "reason")


# Slack event de-duplication records live at least this long (Slack retries for about 5 minutes).
EVENT_KEEP = timedelta(days=1)


def _utc(dt: datetime) -> str:
    """Aware datetime -> UTC ISO text (the state database's time format, on both engines)."""
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
    """The runtime-state database (`STRIKEBOT_STATE`): opens `target` (a SQLite file path, or a postgresql://
    URL; see `state_url`), creating the file and running pending migrations.

    Thread-safe: each call takes a pooled connection for one short transaction. Feature areas add their methods
    here (Slack: feedback/unanswered/seen events/purge; reminders: subscriptions/sent log) so that only this
    class knows table names. Raises StateConfigError for a bad target, and SQLAlchemy's OperationalError when
    the database cannot be reached."""

    def __init__(self, target: StateTarget):
        self.target = target
        self.engine = create_state_engine(target)
        self.dialect = self.engine.dialect.name  # 'sqlite' or 'postgresql'
        try:
            self.migrate()
        except sa.exc.OperationalError as exc:
            self.engine.dispose()
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise StateUnavailable(f"Cannot open the state database {redact(target)}: {reason}") from None

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[sa.Connection]:
        """One transaction on a pooled connection; commits on success, rolls back on error. `write=True`
        takes SQLite's write lock at BEGIN (see `create_state_engine`); PostgreSQL ignores it."""
        with self.engine.connect() as c:
            if write:
                c.execution_options(write=True)
            with c.begin():
                yield c

    def _insert(self, table: sa.TableClause) -> Any:
        """The dialect's INSERT (it has `on_conflict_do_nothing` / `on_conflict_do_update` on both engines)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    @staticmethod
    def _inserted(c: sa.Connection, insert: Any) -> bool:
        """Run `insert` as INSERT … ON CONFLICT DO NOTHING RETURNING; True when its row went in (the claim is
        this caller's). RETURNING rather than rowcount: SQLAlchemy does not keep an INSERT's rowcount."""
        return c.execute(insert.on_conflict_do_nothing().returning(sa.literal_column("1"))).first() is not None

    def migrate(self) -> int:
        """Run pending migrations; returns the schema version now in force. Safe when several processes start
        at once: SQLite serialises them on its write lock, PostgreSQL on an advisory lock."""
        with self._tx(write=True) as c:
            version = self._schema_version(c)
            for step, run in enumerate(MIGRATIONS[version:], start=version + 1):
                run(c)
                self._set_schema_version(c, step)
                version = step
        return version

    def _schema_version(self, c: sa.Connection) -> int:
        if self.dialect == "sqlite":
            return int(c.exec_driver_sql("PRAGMA user_version").scalar_one())
        c.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        c.exec_driver_sql(f"CREATE TABLE IF NOT EXISTS {_PG_VERSION_TABLE} (version INTEGER NOT NULL)")
        return int(c.exec_driver_sql(f"SELECT coalesce(max(version), 0) FROM {_PG_VERSION_TABLE}").scalar_one())

    def _set_schema_version(self, c: sa.Connection, step: int) -> None:
        if self.dialect == "sqlite":
            c.exec_driver_sql(f"PRAGMA user_version = {int(step)}")
        else:
            c.exec_driver_sql(f"DELETE FROM {_PG_VERSION_TABLE}")
            c.execute(sa.text(f"INSERT INTO {_PG_VERSION_TABLE} (version) VALUES (:v)"), {"v": step})

    def close(self) -> None:
        """Close every pooled connection (they are reopened on next use)."""
        self.engine.dispose()

    # ---- Slack: feedback, unanswered questions, event de-duplication, workspaces, retention ---------------
    def record_feedback(self, user_id: str, question: str, answer_id: str, vote: str, now: datetime) -> int:
        """Store one 👍/👎 vote. `vote` is 'up' or 'down' (ValueError otherwise); returns the new row id."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        with self._tx(write=True) as c:
            res = c.execute(sa.insert(_FEEDBACK).values(user_id=user_id, question=question, answer_id=answer_id,
                                                        vote=vote, created_utc=_utc(now)).returning(_FEEDBACK.c.id))
            return int(res.scalar_one())

    def feedback_since(self, since: datetime | None = None) -> list[FeedbackVote]:
        """Votes recorded at or after `since` (all when None), oldest first."""
        t = _FEEDBACK.c
        with self._tx() as c:
            rows = c.execute(sa.select(t.id, t.user_id, t.question, t.answer_id, t.vote, t.created_utc)
                             .where(t.created_utc >= (_utc(since) if since else "")).order_by(t.created_utc, t.id))
            return [FeedbackVote(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows]

    def log_unanswered(self, user_id: str, question: str, normalised: str, now: datetime) -> int:
        """Log a question the bot could not answer (for `strikebot kb gaps`); returns the new row id."""
        with self._tx(write=True) as c:
            res = c.execute(sa.insert(_UNANSWERED).values(user_id=user_id, question=question, normalised=normalised,
                                                          created_utc=_utc(now)).returning(_UNANSWERED.c.id))
            return int(res.scalar_one())

    def unanswered_since(self, since: datetime | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions logged at or after `since` (all when None), oldest first."""
        t = _UNANSWERED.c
        with self._tx() as c:
            rows = c.execute(sa.select(t.id, t.user_id, t.question, t.normalised, t.created_utc)
                             .where(t.created_utc >= (_utc(since) if since else "")).order_by(t.created_utc, t.id))
            return [UnansweredQuestion(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    def claim_event(self, event_key: str, now: datetime) -> bool:
        """Claim a Slack event for processing: True the first time `event_key` is seen, False for a repeat
        (a retry). Atomic across threads, processes and instances sharing the database (a primary key and
        INSERT … ON CONFLICT DO NOTHING); records are kept for at least EVENT_KEEP."""
        with self._tx(write=True) as c:
            return self._inserted(c, self._insert(_SEEN).values(event_key=event_key, seen_utc=_utc(now)))

    def disable_workspace(self, team: str, reason: str, now: datetime) -> None:
        """Stop sending to workspace `team` (tokens revoked / app uninstalled); its data is kept."""
        ins = self._insert(_WORKSPACES).values(team=team, disabled_utc=_utc(now), reason=reason)
        with self._tx(write=True) as c:
            c.execute(ins.on_conflict_do_update(index_elements=["team"], set_={
                "disabled_utc": ins.excluded.disabled_utc, "reason": ins.excluded.reason}))

    def enable_workspace(self, team: str) -> None:
        """Allow sending to `team` again (the bot token works again, e.g. after a reinstall)."""
        with self._tx(write=True) as c:
            c.execute(sa.update(_WORKSPACES).where(_WORKSPACES.c.team == team).values(disabled_utc=None, reason=""))

    def is_disabled(self, team: str | None) -> bool:
        """True when workspace `team` has been disabled by `disable_workspace`."""
        if not team:
            return False
        t = _WORKSPACES.c
        with self._tx() as c:
            return c.execute(sa.select(t.disabled_utc).where(t.team == team)).scalar() is not None

    def purge(self, older_than_days: int, now: datetime) -> dict[str, int]:
        """Delete questions and user IDs (feedback, unanswered) older than `older_than_days` days, and event
        de-duplication records older than EVENT_KEEP. Returns {table: rows deleted}."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff = _utc(now - timedelta(days=older_than_days))
        with self._tx(write=True) as c:
            return {
                "feedback": c.execute(sa.delete(_FEEDBACK).where(_FEEDBACK.c.created_utc < cutoff)).rowcount,
                "unanswered": c.execute(sa.delete(_UNANSWERED).where(_UNANSWERED.c.created_utc < cutoff)).rowcount,
                "seen_events": c.execute(sa.delete(_SEEN).where(_SEEN.c.seen_utc < _utc(now - EVENT_KEEP))).rowcount,
            }

    # ---- reminders: subscriptions and the sent log ---------------------------------------------------------
    @staticmethod
    def _subscription(r: sa.Row) -> Subscription:
        return Subscription(id=r.id, channel=r.channel, team=r.team, targets=tuple(x for x in r.unions.split(";") if x),
                            offsets=tuple(x for x in r.offsets.split(",") if x), created_by=r.created_by,
                            created=datetime.fromisoformat(r.created_utc),
                            paused=datetime.fromisoformat(r.paused_utc) if r.paused_utc else None,
                            paused_reason=r.paused_reason)

    def subscribe(self, channel: str, targets: tuple[str, ...], offsets: tuple[str, ...], now: datetime, *,
                  created_by: str = "", team: str = "") -> Subscription:
        """Subscribe `channel` (or replace its subscription): `targets` organisation/staff-group ids (empty =
        all ballots), `offsets` like ('7d', '1d', '0d'). It takes effect at `now` (aware) and is un-paused;
        the id, and so the sent log, are kept. Returns the stored subscription."""
        ins = self._insert(_SUBSCRIPTIONS).values(channel=channel, team=team, unions=";".join(targets),
                                                  offsets=",".join(offsets), created_by=created_by,
                                                  created_utc=_utc(now))
        new = {k: ins.excluded[k] for k in ("team", "unions", "offsets", "created_by", "created_utc")}
        with self._tx(write=True) as c:
            row = c.execute(ins.on_conflict_do_update(index_elements=["channel"],
                                                      set_={**new, "paused_utc": None, "paused_reason": ""})
                            .returning(*_SUBSCRIPTIONS.c)).one()
        return self._subscription(row)

    def unsubscribe(self, channel: str) -> bool:
        """Remove `channel`'s subscription; True if there was one. Its sent log is kept."""
        with self._tx(write=True) as c:
            return c.execute(sa.delete(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.channel == channel)).rowcount == 1

    def subscription(self, channel: str) -> Subscription | None:
        """`channel`'s subscription, or None."""
        with self._tx() as c:
            r = c.execute(sa.select(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.channel == channel)).one_or_none()
        return self._subscription(r) if r else None

    def subscriptions(self) -> list[Subscription]:
        """Every subscription (paused ones too), oldest first."""
        with self._tx() as c:
            return [self._subscription(r) for r in c.execute(sa.select(_SUBSCRIPTIONS).order_by(_SUBSCRIPTIONS.c.id))]

    def pause_subscription(self, subscription_id: int, reason: str, now: datetime) -> bool:
        """Pause a subscription (Slack refused to post: `reason` like 'not_in_channel'). True only for the
        call that paused it, so exactly one caller tells the subscriber."""
        t = _SUBSCRIPTIONS.c
        with self._tx(write=True) as c:
            return c.execute(sa.update(_SUBSCRIPTIONS).where(t.id == subscription_id, t.paused_utc.is_(None))
                             .values(paused_utc=_utc(now), paused_reason=reason)).rowcount == 1

    def reminder_log(self) -> list[SentRecord]:
        """The whole reminder sent log, oldest claim first."""
        t = _SENT.c
        with self._tx() as c:
            rows = c.execute(sa.select(_SENT).order_by(t.claimed_utc, t.ballot_id)).all()
        return [SentRecord(r.ballot_id, r.subscription_id, r.offset, r.closes_utc, r.status,
                           datetime.fromisoformat(r.claimed_utc),
                           datetime.fromisoformat(r.confirmed_utc) if r.confirmed_utc else None, r.message_ts,
                           r.detail) for r in rows]

    @staticmethod
    def _sent_key(key: tuple[str, int, str, str]) -> sa.ColumnElement[bool]:
        t = _SENT.c
        return sa.and_(t.ballot_id == key[0], t.subscription_id == key[1], t.offset == key[2],
                       t.closes_utc == key[3])

    def record_reminder(self, key: tuple[str, int, str, str], status: str, now: datetime,
                        detail: str = "") -> bool:
        """Insert a sent-log row for `key` (ballot_id, subscription_id, offset, closes_utc) with `status`
        ('claimed' to claim it before posting; 'skipped' / 'missed' to record without posting). One short
        transaction; True only for the one caller whose row went in (the primary key with INSERT … ON
        CONFLICT DO NOTHING: atomic across threads, processes and instances)."""
        ballot_id, subscription_id, offset, closes_utc = key
        with self._tx(write=True) as c:
            return self._inserted(c, self._insert(_SENT).values(
                ballot_id=ballot_id, subscription_id=subscription_id, offset=offset, closes_utc=closes_utc,
                status=status, claimed_utc=_utc(now), detail=detail))

    def claim_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str = "") -> bool:
        """Claim `key` before posting; True means this caller, and only this caller, may post it."""
        return self.record_reminder(key, CLAIMED, now, detail)

    def confirm_reminder(self, key: tuple[str, int, str, str], status: str, message_ts: str,
                         now: datetime) -> None:
        """Mark a claim as posted: `status` 'sent' or 'late_sent', Slack's `message_ts`, confirmed `now`."""
        with self._tx(write=True) as c:
            c.execute(sa.update(_SENT).where(self._sent_key(key))
                      .values(status=status, message_ts=message_ts, confirmed_utc=_utc(now)))

    def fail_reminder(self, key: tuple[str, int, str, str], detail: str) -> None:
        """Mark a claim as failed for good (e.g. the channel is gone); it is never retried."""
        with self._tx(write=True) as c:
            c.execute(sa.update(_SENT).where(self._sent_key(key)).values(status="failed", detail=detail))

    def release_reminder(self, key: tuple[str, int, str, str]) -> bool:
        """Drop a claim that certainly was not posted (Slack answered with an error), so a later run may
        retry it. Only a row still 'claimed' is dropped; True if one was."""
        with self._tx(write=True) as c:
            return c.execute(sa.delete(_SENT).where(self._sent_key(key), _SENT.c.status == CLAIMED)).rowcount == 1
