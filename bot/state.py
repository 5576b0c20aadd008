"""Runtime state database: what users did. Never rebuilt, never touched by `kb build`.

Holds reminder subscriptions and the sent log, feedback votes, unanswered questions and the Slack event
claims (de-duplication, and the work a claim stands for until it is done). One store, two engines
(`STRIKEBOT_STATE`): a SQLite file (the default; WAL mode and short transactions, so Bolt worker threads and a
cron `send-due` can share it) or a PostgreSQL database shared by several instances. Every query is SQLAlchemy Core, so one statement serves both engines; the claims that make
replies and reminders exactly-once are the database's own (unique keys with INSERT … ON CONFLICT DO NOTHING,
conditional UPDATEs, and on PostgreSQL row locks with SKIP LOCKED to take over an expired lease), so they hold
across threads, processes and machines alike.

The schema evolves only through `MIGRATIONS` (append, never edit a shipped step); each step runs once, in
order, in one transaction with its version number, on either engine.
"""

from __future__ import annotations

import re
import threading
import uuid
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
    """The state database cannot be used: it could not be opened (server unreachable, login refused, file not
    writable or not a database; the message is one line naming the database, password masked, and the
    driver's reason, which is also `reason`), or, on the ack path (`claim_event`, `is_disabled`), it is
    locked by another writer past ACK_BUSY_TIMEOUT_S or failing right now."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message


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


def create_state_engine(target: StateTarget, *, busy_timeout_s: float = 10, autocheckpoint: bool = True) -> sa.Engine:
    """A SQLAlchemy Engine on the state database named by `target`, set up for this project's use.

    SQLite: the file (and its folder) is created; every pooled connection uses WAL and foreign keys;
    transactions begin with BEGIN, or BEGIN IMMEDIATE on a connection whose execution option `write` is true
    (a writer then queues for the lock at its start instead of failing to upgrade a read lock mid-transaction),
    or not at all with option `single_read` (one SELECT, in SQLite's autocommit mode). PostgreSQL: psycopg 3,
    READ COMMITTED, connections checked before reuse. `busy_timeout_s` (seconds) bounds waiting for another
    writer's lock (SQLite busy timeout; PostgreSQL lock_timeout, and a connect timeout when it is short).
    `autocheckpoint=False` (SQLite): a commit never runs a WAL checkpoint itself (the owner calls
    `StateStore.checkpoint` instead, off the ack path). This is the engine other stores that belong in the state database (e.g. Slack installations) should use:
    `StateStore.engine`, or this function given `Settings.state_path`. Raises StateConfigError (see
    `state_url`)."""
    url = state_url(target)
    ms = int(busy_timeout_s * 1000)
    if url.get_backend_name() != "sqlite":
        args: dict[str, Any] = {"options": f"-c lock_timeout={ms}"}
        if busy_timeout_s < 2:
            args["connect_timeout"] = 2  # libpq's least; without it a dead server holds an ack for minutes
        return sa.create_engine(url, pool_pre_ping=True, connect_args=args)
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver's own implicit BEGINs off: SQLAlchemy's begin event decides
        cur = dbapi_conn.cursor()
        pragmas = ["journal_mode=WAL", f"busy_timeout={ms}", "synchronous=NORMAL", "foreign_keys=ON"]
        if not autocheckpoint:
            pragmas.append("wal_autocheckpoint=0")
        for pragma in pragmas:
            cur.execute(f"PRAGMA {pragma}")  # synchronous=NORMAL: WAL's usual setting, durable without an fsync each
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        options = conn.get_execution_options()
        if options.get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif not options.get("single_read"):  # a single SELECT needs no transaction: it is consistent alone
            conn.exec_driver_sql("BEGIN")

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


def _m2_claims_with_leases(c: sa.Connection) -> None:
    # An event claim carries the work it stands for (the event, as JSON) until it is done, so a claim whose
    # process died is resumed by another; a message is claimed once whatever event ids carry it. Reminder claims
    # get a lease too: a claim whose lease ran out is settled (looked up in Slack) and then re-sent, instead of
    # being left unsent for ever.
    m = sa.MetaData()
    text, req = sa.Text, {"nullable": False}
    claims = sa.Table(
        "event_claims", m,
        sa.Column("event_key", text, primary_key=True),  # team:event_id
        sa.Column("message_key", text, unique=True),  # team:channel:ts of a message we answer (NULL: not one)
        sa.Column("client_msg_key", text, unique=True),  # team:client_msg_id when Slack sent one
        sa.Column("status", text, **req),  # claimed / done / failed
        sa.Column("owner", text, **req),  # random token of the claim's current holder
        sa.Column("work", text, server_default="", **req),  # JSON of the work to do; emptied once done or failed
        sa.Column("claimed_utc", text, **req),
        sa.Column("lease_utc", text, **req),
        sa.Column("attempts", sa.Integer, server_default="1", **req),
        sa.Column("done_utc", text),
        sa.Column("reply_ts", text),
        sa.Column("detail", text, server_default="", **req),
    )
    sa.Index("event_claims_lease", claims.c.status, claims.c.lease_utc)
    sa.Index("event_claims_claimed", claims.c.claimed_utc)
    m.create_all(c, checkfirst=False)
    c.exec_driver_sql("ALTER TABLE reminders_sent ADD COLUMN lease_utc TEXT")  # a 'claimed' row past it: take over
    c.exec_driver_sql("ALTER TABLE reminders_sent ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")


def _m3_workspaces(c: sa.Connection) -> None:
    # Installable in any workspace (OAuth mode). slack-sdk's installation and OAuth-state tables
    # (slack_installations, slack_bots, slack_oauth_states), built by slack-sdk's own table builders so they are
    # exactly what its SQLAlchemy stores query, on either engine. Subscriptions are keyed on (team, channel): a
    # Slack Connect channel has one id in every workspace sharing it. Questions and votes carry their workspace,
    # so an uninstall can delete them; a workspace may have its own admins and default reminder channel. Rows
    # from before were made in single-workspace mode, whose workspace key is ''.
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore as Installations
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore as States

    m = sa.MetaData()
    Installations.build_installations_table(m, Installations.default_installations_table_name)
    Installations.build_bots_table(m, Installations.default_bots_table_name)
    States.build_oauth_states_table(m, States.default_table_name)
    m.create_all(c, checkfirst=False)
    for ddl in ("ALTER TABLE feedback ADD COLUMN team TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE unanswered ADD COLUMN team TEXT NOT NULL DEFAULT ''",
                "ALTER TABLE workspaces ADD COLUMN admins TEXT NOT NULL DEFAULT ''",  # ','-separated user ids
                "ALTER TABLE workspaces ADD COLUMN reminder_channel TEXT NOT NULL DEFAULT ''",
                "CREATE INDEX feedback_team ON feedback (team)",
                "CREATE INDEX unanswered_team ON unanswered (team)",
                "UPDATE subscriptions SET team = ''"):
        c.exec_driver_sql(ddl)
    if c.dialect.name == "postgresql":
        c.exec_driver_sql("ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_channel_key")
        c.exec_driver_sql("ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_team_channel_key "
                          "UNIQUE (team, channel)")
        return
    # SQLite cannot drop a constraint: rebuild the table (same columns and ids, so the sent log still matches)
    c.exec_driver_sql("""CREATE TABLE subscriptions_v3 (
      id INTEGER PRIMARY KEY, channel TEXT NOT NULL, team TEXT NOT NULL DEFAULT '',
      unions TEXT NOT NULL DEFAULT '', offsets TEXT NOT NULL DEFAULT '7d,1d,0d',
      created_by TEXT NOT NULL DEFAULT '', created_utc TEXT NOT NULL,
      paused_utc TEXT, paused_reason TEXT NOT NULL DEFAULT '',
      UNIQUE (team, channel))""")
    c.exec_driver_sql("INSERT INTO subscriptions_v3 SELECT id, channel, team, unions, offsets, created_by, "
                      "created_utc, paused_utc, paused_reason FROM subscriptions")
    c.exec_driver_sql("DROP TABLE subscriptions")
    c.exec_driver_sql("ALTER TABLE subscriptions_v3 RENAME TO subscriptions")


MIGRATIONS: list[Callable[[sa.Connection], None]] = [
    _m1_first_schema,  # 1: the first schema
    _m2_claims_with_leases,  # 2: event claims with leases and message identity; reminder claim leases
    _m3_workspaces,  # 3: Slack installations and OAuth state; per-workspace subscriptions, admins, data
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
               "confirmed_utc", "message_ts", "detail", "lease_utc", "attempts")
_CLAIMS = _table("event_claims", "event_key", "message_key", "client_msg_key", "status", "owner", "work",
                 "claimed_utc", "lease_utc", "attempts", "done_utc", "reply_ts", "detail")
_FEEDBACK = _table("feedback", "id", "user_id", "question", "answer_id", "vote", "created_utc", "team")
_UNANSWERED = _table("unanswered", "id", "user_id", "question", "normalised", "created_utc", "team")
_SEEN = _table("seen_events", "event_key", "seen_utc")
_WORKSPACES = _table("workspaces", "team", "disabled_utc", "reason", "admins", "reminder_channel")


# Slack event de-duplication records live at least this long (Slack retries for about 5 minutes).
EVENT_KEEP = timedelta(days=1)
# How long the ack path waits for a state-database lock held by another writer (seconds). Short on purpose:
# an ack must never wait; the caller falls back (see StateUnavailable).
ACK_BUSY_TIMEOUT_S = 0.2


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
    """The runtime-state database (`STRIKEBOT_STATE`): opens `target` (a SQLite file path, or a postgresql://
    URL; see `state_url`), creating the file and running pending migrations.

    Thread-safe: each call takes a pooled connection for one short transaction. The two queries every Slack
    request makes before its ack (`is_disabled`, `claim_event`) use a pool of their own with a short lock
    timeout (ACK_BUSY_TIMEOUT_S): a writer holding the database must not delay acks (they get
    StateUnavailable instead). Feature areas add their methods here (Slack: feedback/unanswered/event
    claims/purge; reminders: subscriptions/sent log) so that only this class knows table names. Raises
    StateConfigError for a bad target and StateUnavailable when the database cannot be opened; a later failure
    (the server gone mid-run) is SQLAlchemy's OperationalError, except on the ack path (StateUnavailable).
    `engine` is the store's SQLAlchemy Engine, for other stores that keep their tables in the same database."""

    def __init__(self, target: StateTarget, *, deferred_checkpoints: bool = False):
        self.target = target
        url = state_url(target)
        # the SQLite file (None on PostgreSQL): tests and tools that look at the file itself use it
        self.path: Path | None = Path(url.database or "") if url.get_backend_name() == "sqlite" else None
        # deferred_checkpoints (the serving process): no commit of this store runs SQLite's WAL checkpoint,
        # whose fsyncs (tens of ms) then held the in-process write lock that the next ack's claim queues on;
        # the owner calls `checkpoint()` from a thread of its own instead
        auto = not deferred_checkpoints
        self.engine = create_state_engine(target, autocheckpoint=auto)
        self._ack_engine = create_state_engine(target, busy_timeout_s=ACK_BUSY_TIMEOUT_S, autocheckpoint=auto)
        self.dialect = self.engine.dialect.name  # 'sqlite' or 'postgresql'
        self._sqlite_write_lock = threading.Lock()
        # The ack path's two statements, compiled once to this dialect's SQL and run on a pooled DBAPI connection
        # directly (see `_ack_query`).
        claim_cols = ("event_key", "message_key", "client_msg_key", "status", "owner", "work", "claimed_utc",
                      "lease_utc", "done_utc")
        self._claim_sql = self._compile(self._insert(_CLAIMS).values({k: sa.bindparam(k) for k in claim_cols})
                                        .on_conflict_do_nothing().returning(sa.literal_column("1")))
        self._disabled_sql = self._compile(sa.select(_WORKSPACES.c.disabled_utc)
                                           .where(_WORKSPACES.c.team == sa.bindparam("team")))
        # The statements every answered question makes after its ack (closing or deferring its claim, logging a
        # decline), compiled the same way and run by `_fast_query` on the main pool: through SQLAlchemy's
        # per-execution layer they were a third of the CPU time a reply costs this process (benchmarks/e2e.py).
        t, bp = _CLAIMS.c, sa.bindparam
        live = sa.and_(t.event_key == bp("p_key"), t.owner == bp("p_owner"), t.status == bp("p_live"))
        self._finish_sql = self._compile(sa.update(_CLAIMS).where(live).values(
            status=bp("p_status"), done_utc=bp("p_done"), reply_ts=bp("p_reply_ts"), detail=bp("p_detail"),
            work=bp("p_work")))
        self._defer_sql = self._compile(sa.update(_CLAIMS).where(live).values(lease_utc=bp("p_lease"),
                                                                               detail=bp("p_detail")))
        self._hold_sql = self._compile(sa.update(_CLAIMS).where(live).values(lease_utc=bp("p_lease")))
        self._unanswered_sql = self._compile(sa.insert(_UNANSWERED).values(
            {k: bp(k) for k in ("user_id", "question", "normalised", "created_utc", "team")})
            .returning(_UNANSWERED.c.id))
        try:
            self.migrate()
        except sa.exc.DBAPIError as exc:  # unreachable, refused, read-only, not a database: the driver says which
            self.close()
            reason = (str(exc.orig or exc).strip().splitlines() or [type(exc.orig).__name__])[0]
            raise StateUnavailable(f"Cannot open the state database {redact(target)}: {reason}", reason) from None

    @contextmanager
    def _tx(self, *, write: bool = False, ack: bool = False) -> Iterator[sa.Connection]:
        """One transaction on a pooled connection; commits on success, rolls back on error. `write=True`
        takes SQLite's write lock at BEGIN (see `create_state_engine`); PostgreSQL ignores it. `ack=True`: the
        ack path's pool, and any database error becomes StateUnavailable.

        SQLite writers of this process also queue on one in-process lock first: SQLite admits one writer at a
        time anyway, and threads that met its lock would wait in its busy handler (sleeps of 1-25 ms), which
        delayed every ack under a burst of events (benchmarks/e2e.py)."""
        lock = self._sqlite_write_lock if write and self.dialect == "sqlite" else None
        if lock is not None and not lock.acquire(timeout=ACK_BUSY_TIMEOUT_S if ack else -1):
            raise StateUnavailable(f"the state database was busy for over {ACK_BUSY_TIMEOUT_S} s")
        try:
            with (self._ack_engine if ack else self.engine).connect() as c:
                c.execution_options(write=True) if write else c.execution_options(single_read=True)
                with c.begin():
                    yield c
        except sa.exc.DBAPIError as exc:
            if not ack:
                raise
            raise StateUnavailable(str(exc.orig or exc).strip().splitlines()[0]) from exc
        finally:
            if lock is not None:
                lock.release()

    def _compile(self, stmt: sa.Executable) -> tuple[str, tuple[str, ...] | None]:
        """`stmt` as this dialect's SQL text, with the order of its parameters when they are positional."""
        compiled = stmt.compile(dialect=self.engine.dialect)
        return str(compiled), tuple(compiled.positiontup or ()) if compiled.positional else None

    def _ack_query(self, compiled: tuple[str, tuple[str, ...] | None], params: dict[str, Any], *,
                   write: bool) -> tuple | None:
        """Run one compiled ack-path statement (see `_compile`) in a transaction of its own on the ack pool,
        through the DBAPI cursor; returns its first row (or None). SQLAlchemy's per-execution work, done while
        SQLite writers hold this process's write lock and 50 acks compete for the GIL, made acks in a burst of
        50 wait twice as long (benchmarks/e2e.py). Raises StateUnavailable (busy past ACK_BUSY_TIMEOUT_S or
        failing)."""
        return self._fast_query(compiled, params, write=write, ack=True)[0]

    def _fast_query(self, compiled: tuple[str, tuple[str, ...] | None], params: dict[str, Any], *,
                    write: bool, ack: bool = False) -> tuple[tuple | None, int]:
        """Run one compiled statement (see `_compile`) in a transaction of its own, through a pooled DBAPI
        cursor: on the ack pool with `ack` (errors and a busy lock past ACK_BUSY_TIMEOUT_S become
        StateUnavailable), else on the main pool (errors are SQLAlchemy's DBAPIError subclasses, as from a
        `_tx` query: OperationalError, IntegrityError, …). `write` queues on this process's SQLite write lock
        first, as `_tx` does. Returns (its first row or None, its rowcount)."""
        sql, order = compiled
        args: Any = [params[k] for k in order] if order is not None else params
        lock = self._sqlite_write_lock if write and self.dialect == "sqlite" else None
        if lock is not None and not lock.acquire(timeout=ACK_BUSY_TIMEOUT_S if ack else -1):
            raise StateUnavailable(f"the state database was busy for over {ACK_BUSY_TIMEOUT_S} s")
        try:
            conn = (self._ack_engine if ack else self.engine).raw_connection()
            try:
                cur = conn.cursor()
                cur.execute(sql, args)  # SQLite: autocommit, one statement; PostgreSQL: committed below
                row = cur.fetchone() if cur.description is not None else None
                count = cur.rowcount
                cur.close()
                conn.commit()
                return row, count
            finally:
                conn.close()  # back to the pool (rolled back there if the commit was never reached)
        except self.engine.dialect.loaded_dbapi.Error as exc:
            if not ack:
                raise sa.exc.DBAPIError.instance(sql, args, exc, self.engine.dialect.loaded_dbapi.Error,
                                                 dialect=self.engine.dialect) from exc
            raise StateUnavailable(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__) \
                from exc
        finally:
            if lock is not None:
                lock.release()

    def checkpoint(self) -> int | None:
        """Copy the SQLite WAL's committed pages into the database file (a PASSIVE checkpoint: it waits for no
        reader or writer, and takes no lock of this process's, so acks never wait on its fsyncs). Returns how
        many WAL frames were checkpointed; None on PostgreSQL or when SQLite reported it busy. Called about
        every second by `strikebot serve`, whose store defers checkpoints (`deferred_checkpoints`)."""
        if self.dialect != "sqlite":
            return None
        conn = self.engine.raw_connection()
        try:
            cur = conn.cursor()
            busy, _log, done = cur.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            cur.close()
        finally:
            conn.close()
        return None if busy else int(done)

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
        self._ack_engine.dispose()

    # ---- Slack: feedback, unanswered questions, event de-duplication, workspaces, retention ---------------
    def record_feedback(self, user_id: str, question: str, answer_id: str, vote: str, now: datetime, *,
                        team: str = "") -> int:
        """Store one 👍/👎 vote made in workspace `team` ('' in single-workspace mode). `vote` is 'up' or
        'down' (ValueError otherwise); returns the new row id."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        with self._tx(write=True) as c:
            res = c.execute(sa.insert(_FEEDBACK).values(user_id=user_id, question=question, answer_id=answer_id,
                                                        vote=vote, created_utc=_utc(now), team=team)
                             .returning(_FEEDBACK.c.id))
            return int(res.scalar_one())

    def feedback_since(self, since: datetime | None = None) -> list[FeedbackVote]:
        """Votes recorded at or after `since` (all when None), oldest first."""
        t = _FEEDBACK.c
        with self._tx() as c:
            rows = c.execute(sa.select(t.id, t.user_id, t.question, t.answer_id, t.vote, t.created_utc)
                             .where(t.created_utc >= (_utc(since) if since else "")).order_by(t.created_utc, t.id))
            return [FeedbackVote(r[0], r[1], r[2], r[3], r[4], datetime.fromisoformat(r[5])) for r in rows]

    def log_unanswered(self, user_id: str, question: str, normalised: str, now: datetime, *,
                       team: str = "") -> int:
        """Log a question the bot could not answer in workspace `team` ('' in single-workspace mode), for
        `strikebot kb gaps`; returns the new row id."""
        row, _ = self._fast_query(self._unanswered_sql, {"user_id": user_id, "question": question,
                                                          "normalised": normalised, "created_utc": _utc(now),
                                                          "team": team}, write=True)
        assert row is not None  # INSERT … RETURNING always returns the new row
        return int(row[0])

    def unanswered_since(self, since: datetime | None = None) -> list[UnansweredQuestion]:
        """Unanswered questions logged at or after `since` (all when None), oldest first."""
        t = _UNANSWERED.c
        with self._tx() as c:
            rows = c.execute(sa.select(t.id, t.user_id, t.question, t.normalised, t.created_utc)
                             .where(t.created_utc >= (_utc(since) if since else "")).order_by(t.created_utc, t.id))
            return [UnansweredQuestion(r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    @staticmethod
    def _event_claim(r: sa.Row) -> EventClaim:
        return EventClaim(r.event_key, r.message_key, r.status, r.owner, r.work, datetime.fromisoformat(r.claimed_utc),
                          datetime.fromisoformat(r.lease_utc), r.attempts, r.reply_ts, r.detail)

    def claim_event(self, event_key: str, now: datetime, *, message_key: str | None = None,
                    client_msg_key: str | None = None, work: str = "",
                    lease: timedelta = timedelta(0)) -> str | None:
        """Claim a Slack event before its ack. Returns the claim's owner token (pass it to `finish_event`), or
        None when the event — or the same message (`message_key` 'team:channel:ts', `client_msg_key`
        'team:client_msg_id') under another event id — was claimed before: a retry or a duplicate, dropped.

        `work` (JSON text) is what the claim stands for, kept until finished so that `take_expired_event`
        can resume it once `lease` has run out. With no work, pass no lease: the claim is done at once.
        Atomic across threads, processes and instances sharing the database (unique keys; INSERT … ON CONFLICT
        DO NOTHING). Raises StateUnavailable when the database is locked past ACK_BUSY_TIMEOUT_S or failing."""
        owner = uuid.uuid4().hex
        row = {"event_key": event_key, "message_key": message_key, "client_msg_key": client_msg_key,
               "status": "claimed" if work else "done", "owner": owner, "work": work, "claimed_utc": _utc(now),
               "lease_utc": _utc(now + lease), "done_utc": None if work else _utc(now)}
        won = self._ack_query(self._claim_sql, row, write=True) is not None
        return owner if won else None

    def event_claim(self, event_key: str) -> EventClaim | None:
        """The claim recorded for `event_key`, or None."""
        with self._tx() as c:
            r = c.execute(sa.select(_CLAIMS).where(_CLAIMS.c.event_key == event_key)).one_or_none()
        return self._event_claim(r) if r else None

    def finish_event(self, event_key: str, owner: str, now: datetime, *, status: str = "done",
                     reply_ts: str = "", detail: str = "") -> bool:
        """Mark a claim `status` 'done' (the reply went out; `reply_ts` its Slack ts) or 'failed' (given up),
        dropping its work. Only the current holder (`owner`) of a live claim can; True if it did — so of two
        racing callers exactly one, e.g., sends the one apology."""
        if status not in ("done", "failed"):
            raise ValueError(f"status must be 'done' or 'failed', not {status!r}")
        return self._fast_query(self._finish_sql, {
            "p_key": event_key, "p_owner": owner, "p_live": "claimed", "p_status": status, "p_done": _utc(now),
            "p_reply_ts": reply_ts or None, "p_detail": detail, "p_work": ""}, write=True)[1] == 1

    def defer_event(self, event_key: str, owner: str, until: datetime, detail: str) -> bool:
        """Keep a live claim but let its lease run out at `until` (aware), so that it is resumed then (the
        post failed for now, or its outcome is unknown). `detail` says why. True if `owner` still held it."""
        return self._fast_query(self._defer_sql, {"p_key": event_key, "p_owner": owner, "p_live": "claimed",
                                                  "p_lease": _utc(until), "p_detail": detail}, write=True)[1] == 1

    def hold_event(self, event_key: str, owner: str, until: datetime) -> bool:
        """Extend a live claim's lease to `until` (aware) if `owner` still holds it; True if it did. Called
        right before posting its reply: a holder so slow that its lease ran out and another process took the
        claim over finds it gone (False) and must not post, or the reply would go out twice."""
        return self._fast_query(self._hold_sql, {"p_key": event_key, "p_owner": owner, "p_live": "claimed",
                                                 "p_lease": _utc(until)}, write=True)[1] == 1

    def expired_event_claims(self, now: datetime, limit: int = 100) -> list[EventClaim]:
        """Live claims whose lease ran out by `now` (their holder died or gave them back), oldest first."""
        t = _CLAIMS.c
        with self._tx() as c:
            rows = c.execute(sa.select(_CLAIMS).where(t.status == "claimed", t.lease_utc <= _utc(now))
                             .order_by(t.claimed_utc).limit(limit)).all()
        return [self._event_claim(r) for r in rows]

    def take_expired_event(self, event_key: str, now: datetime, lease: timedelta) -> EventClaim | None:
        """Take over a live claim whose lease ran out by `now`, for `lease` more. Returns the claim as now held
        (new owner token, attempts counted), or None when someone else took or finished it first.

        One transaction: the row is locked first (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED, so an instance
        finds a claim another is taking over already gone instead of queueing behind it; SQLite: the write lock
        taken at BEGIN), then re-leased under a new owner."""
        t = _CLAIMS.c
        expired = sa.and_(t.event_key == event_key, t.status == "claimed", t.lease_utc <= _utc(now))
        with self._tx(write=True) as c:
            if c.execute(sa.select(t.event_key).where(expired).with_for_update(skip_locked=True)).first() is None:
                return None
            row = c.execute(sa.update(_CLAIMS).where(expired).values(
                owner=uuid.uuid4().hex, lease_utc=_utc(now + lease), attempts=t.attempts + 1)
                .returning(*_CLAIMS.c)).one()
        return self._event_claim(row)

    def disable_workspace(self, team: str, reason: str, now: datetime) -> None:
        """Stop sending to workspace `team` (tokens revoked / app uninstalled; `forget_workspace` deletes its data)."""
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
        row = self._ack_query(self._disabled_sql, {"team": team}, write=False)
        return row is not None and row[0] is not None

    def disabled_workspaces(self) -> set[str]:
        """Every workspace disabled by `disable_workspace`."""
        t = _WORKSPACES.c
        with self._tx() as c:
            return set(c.execute(sa.select(t.team).where(t.disabled_utc.is_not(None))).scalars())

    def workspace_settings(self, team: str) -> tuple[tuple[str, ...], str | None]:
        """(admins, default reminder channel) stored for workspace `team` ('' = the single workspace); ((),
        None) when nothing is stored."""
        t = _WORKSPACES.c
        with self._tx() as c:
            row = c.execute(sa.select(t.admins, t.reminder_channel).where(t.team == team)).first()
        if not row:
            return (), None
        return tuple(a for a in row[0].split(",") if a), row[1] or None

    def set_workspace_settings(self, team: str, *, admins: tuple[str, ...] | None = None,
                               reminder_channel: str | None = None) -> None:
        """Store workspace `team`'s admins (Slack user ids) and/or default reminder channel id ('' clears
        it); an argument left None is left as it is."""
        values: dict[str, str] = {}
        if admins is not None:
            values["admins"] = ",".join(admins)
        if reminder_channel is not None:
            values["reminder_channel"] = reminder_channel
        with self._tx(write=True) as c:
            c.execute(self._insert(_WORKSPACES).values(team=team).on_conflict_do_nothing())
            if values:
                c.execute(sa.update(_WORKSPACES).where(_WORKSPACES.c.team == team).values(**values))

    def default_reminder_channels(self) -> list[tuple[str, str]]:
        """(team, channel) for every workspace with a stored default reminder channel."""
        t = _WORKSPACES.c
        with self._tx() as c:
            return [(r[0], r[1]) for r in c.execute(sa.select(t.team, t.reminder_channel)
                                                    .where(t.reminder_channel != "").order_by(t.team))]

    def forget_workspace(self, team: str, *, events_of: str | None = None) -> dict[str, int]:
        """Delete everything stored about workspace `team` (its state-database key; the app was uninstalled
        there): its subscriptions and their sent log, questions and user ids (unanswered), feedback votes and
        settings, and the event claims (which may hold a question being answered) of Slack team id `events_of`
        (default `team`), in one transaction. The `workspaces` row stays only as the disabled flag, if one was
        set. Returns {table: rows deleted}."""
        subs = sa.select(_SUBSCRIPTIONS.c.id).where(_SUBSCRIPTIONS.c.team == team).scalar_subquery()
        prefix = f"{events_of if events_of is not None else team}:"
        with self._tx(write=True) as c:
            counts = {
                "event_claims": c.execute(sa.delete(_CLAIMS).where(
                    sa.func.substr(_CLAIMS.c.event_key, 1, len(prefix)) == prefix)).rowcount,
                "reminders_sent": c.execute(sa.delete(_SENT).where(_SENT.c.subscription_id.in_(subs))).rowcount,
                "subscriptions": c.execute(sa.delete(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.team == team)).rowcount,
                "feedback": c.execute(sa.delete(_FEEDBACK).where(_FEEDBACK.c.team == team)).rowcount,
                "unanswered": c.execute(sa.delete(_UNANSWERED).where(_UNANSWERED.c.team == team)).rowcount,
            }
            c.execute(sa.update(_WORKSPACES).where(_WORKSPACES.c.team == team).values(admins="", reminder_channel=""))
        return counts

    def purge(self, older_than_days: int, now: datetime) -> dict[str, int]:
        """Delete questions and user IDs (feedback, unanswered) older than `older_than_days` days, and event
        claims (with any question they still hold) older than EVENT_KEEP. Returns {table: rows deleted}."""
        if older_than_days < 0:
            raise ValueError("older_than_days must be >= 0")
        cutoff, events_cutoff = _utc(now - timedelta(days=older_than_days)), _utc(now - EVENT_KEEP)
        with self._tx(write=True) as c:
            return {
                "feedback": c.execute(sa.delete(_FEEDBACK).where(_FEEDBACK.c.created_utc < cutoff)).rowcount,
                "unanswered": c.execute(sa.delete(_UNANSWERED).where(_UNANSWERED.c.created_utc < cutoff)).rowcount,
                "seen_events": c.execute(sa.delete(_SEEN).where(_SEEN.c.seen_utc < events_cutoff)).rowcount,
                "event_claims": c.execute(sa.delete(_CLAIMS).where(_CLAIMS.c.claimed_utc < events_cutoff)).rowcount,
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
        """Subscribe `channel` of workspace `team` ('' in single-workspace mode), or replace its subscription:
        `targets` organisation/staff-group ids (empty = all ballots), `offsets` like ('7d', '1d', '0d'). It
        takes effect at `now` (aware) and is un-paused; the id, and so the sent log, are kept. Returns the
        stored subscription."""
        ins = self._insert(_SUBSCRIPTIONS).values(channel=channel, team=team, unions=";".join(targets),
                                                  offsets=",".join(offsets), created_by=created_by,
                                                  created_utc=_utc(now))
        new = {k: ins.excluded[k] for k in ("unions", "offsets", "created_by", "created_utc")}
        with self._tx(write=True) as c:
            row = c.execute(ins.on_conflict_do_update(index_elements=["team", "channel"],
                                                      set_={**new, "paused_utc": None, "paused_reason": ""})
                            .returning(*_SUBSCRIPTIONS.c)).one()
        return self._subscription(row)

    def unsubscribe(self, channel: str, *, team: str = "") -> bool:
        """Remove the subscription of `channel` in workspace `team`; True if there was one. Its sent log is
        kept."""
        t = _SUBSCRIPTIONS.c
        with self._tx(write=True) as c:
            return c.execute(sa.delete(_SUBSCRIPTIONS).where(t.team == team, t.channel == channel)).rowcount == 1

    def subscription(self, channel: str, *, team: str = "") -> Subscription | None:
        """The subscription of `channel` in workspace `team`, or None."""
        t = _SUBSCRIPTIONS.c
        with self._tx() as c:
            r = c.execute(sa.select(_SUBSCRIPTIONS).where(t.team == team, t.channel == channel)).one_or_none()
        return self._subscription(r) if r else None

    def subscriptions(self, *, team: str | None = None) -> list[Subscription]:
        """Every subscription (paused ones too), oldest first; only workspace `team`'s unless None."""
        q = sa.select(_SUBSCRIPTIONS).order_by(_SUBSCRIPTIONS.c.id)
        if team is not None:
            q = q.where(_SUBSCRIPTIONS.c.team == team)
        with self._tx() as c:
            return [self._subscription(r) for r in c.execute(q)]

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

    def claim_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str = "", *,
                       lease: timedelta = timedelta(minutes=5)) -> str | None:
        """Claim `key` before posting, for `lease`. Returns 'new' (a first claim: post it), 'resumed' (a claim
        whose lease ran out unconfirmed — its holder died or its outcome was unknown — now taken over: settle
        whether Slack has it before posting again), or None (someone else holds or finished it). Atomic across
        threads, processes and instances (INSERT … ON CONFLICT DO NOTHING, then an UPDATE conditional on the
        lease, in one transaction); a row from before leases existed counts as expired."""
        ballot_id, subscription_id, offset, closes_utc = key
        t = _SENT.c
        with self._tx(write=True) as c:
            if self._inserted(c, self._insert(_SENT).values(
                    ballot_id=ballot_id, subscription_id=subscription_id, offset=offset, closes_utc=closes_utc,
                    status=CLAIMED, claimed_utc=_utc(now), detail=detail, lease_utc=_utc(now + lease), attempts=1)):
                return "new"
            resumed = c.execute(sa.update(_SENT).where(
                self._sent_key(key), t.status == CLAIMED, sa.or_(t.lease_utc.is_(None), t.lease_utc <= _utc(now)))
                .values(lease_utc=_utc(now + lease), attempts=t.attempts + 1)).rowcount == 1
        return "resumed" if resumed else None

    def expired_reminder_claims(self, now: datetime) -> set[tuple[str, int, str, str]]:
        """Keys of reminder claims still unconfirmed whose lease ran out by `now` (resumable)."""
        t = _SENT.c
        with self._tx() as c:
            rows = c.execute(sa.select(t.ballot_id, t.subscription_id, t.offset, t.closes_utc).where(
                t.status == CLAIMED, sa.or_(t.lease_utc.is_(None), t.lease_utc <= _utc(now))))
            return {(r[0], r[1], r[2], r[3]) for r in rows}

    def defer_reminder(self, key: tuple[str, int, str, str], now: datetime, detail: str) -> None:
        """Keep a claim whose post had an unknown outcome (a timeout after sending) but end its lease at `now`,
        so the next run settles it (looks for the post in Slack) before any re-send. `detail` says why."""
        with self._tx(write=True) as c:
            c.execute(sa.update(_SENT).where(self._sent_key(key), _SENT.c.status == CLAIMED)
                      .values(lease_utc=_utc(now), detail=detail))

    def settle_reminder(self, key: tuple[str, int, str, str], status: str, now: datetime, detail: str = "") -> None:
        """Close a still-unconfirmed claim without posting: `status` 'skipped' / 'missed' / 'failed'."""
        with self._tx(write=True) as c:
            c.execute(sa.update(_SENT).where(self._sent_key(key), _SENT.c.status == CLAIMED)
                      .values(status=status, detail=detail, confirmed_utc=None))

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
        """Drop a claim that certainly was not posted (Slack answered with an error, or the request never
        left this machine), so a later run may retry it. Only a row still 'claimed' is dropped; True if one
        was."""
        with self._tx(write=True) as c:
            return c.execute(sa.delete(_SENT).where(self._sent_key(key), _SENT.c.status == CLAIMED)).rowcount == 1
