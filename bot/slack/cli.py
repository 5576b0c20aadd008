"""Slack-side CLI commands (`serve`, `kb gaps`, `state purge`), registered onto the main click group.

Exit status 2 with one message naming every settings problem (no traceback); 1 for other expected failures.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.config import ConfigError, Settings, load_settings, require_slack

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from bot.state import StateStore

log = logging.getLogger(__name__)


def _fail_config(problems: list[str]) -> None:
    click.echo("Configuration problems:\n" + "\n".join(f"  - {p}" for p in problems), err=True)
    sys.exit(2)


def serve_settings(environ: Mapping[str, str], *, force_http: bool) -> tuple[Settings, bool]:
    """Settings for `serve` and whether to use HTTP mode (forced, or no SLACK_APP_TOKEN).

    Raises ConfigError naming every problem at once: malformed variables and the missing ones."""
    problems: list[str] = []
    try:
        settings = load_settings(environ)
    except ConfigError as exc:
        problems += exc.problems
        # still name the missing variables: check a copy that keeps only the raw token values
        settings = Settings(environ.get("SLACK_BOT_TOKEN") or None, environ.get("SLACK_SIGNING_SECRET") or None,
                            environ.get("SLACK_APP_TOKEN") or None, None, Path("."), Path("."), None, (), 90)
    http = force_http or not settings.slack_app_token
    if settings.oauth and not http:
        problems.append("SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET (OAuth mode) are "
                        "both set: the install pages need HTTP mode; unset SLACK_APP_TOKEN or pass --http")
    try:
        require_slack(settings, http=http)
    except ConfigError as exc:
        problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return settings, http


def register(main: click.Group, kb_group: click.Group) -> None:
    """Add the Slack commands to `main` (`serve`, `state purge`) and `kb_group` (`gaps`)."""
    from bot.cli import now_option, resolve_now

    @main.command("serve")
    @click.option("--http", "force_http", is_flag=True,
                  help="Serve HTTP (events, commands, interactions at /slack/events) even if SLACK_APP_TOKEN is set.")
    @click.option("--port", default=3000, show_default=True, type=click.IntRange(0, 65535), help="HTTP port.")
    @click.option("--host", default=None, show_default="STRIKEBOT_HOST, else 127.0.0.1",
                  help="HTTP interface to listen on; 0.0.0.0 for every interface.")
    @click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
                  help="HTTP worker processes sharing the port.")
    def serve(force_http: bool, port: int, host: str | None, workers: int) -> None:
        """Run the Slack bot: Socket Mode when SLACK_APP_TOKEN is set, otherwise (or with --http) HTTP mode
        with signed requests and GET /healthz."""
        # resolved here, not by click's envvar: `strikebot run` invokes this command with its defaults
        host = host or (os.environ.get("STRIKEBOT_HOST") or "").strip() or "127.0.0.1"
        try:
            settings, http = serve_settings(os.environ, force_http=force_http)
        except ConfigError as exc:
            _fail_config(exc.problems)
        if not http:
            _run(settings, None)
            return
        from bot.slack.server import serve_http

        oauth = ", GET /slack/install, GET /slack/oauth_redirect" if settings.oauth else ""

        def announce(bound: int) -> None:
            click.echo(f"strikebot: HTTP mode on {host}:{bound} with {workers} worker(s) "
                       f"(POST /slack/events, GET /healthz{oauth})", err=True)

        try:
            serve_http(lambda sock: _run(settings, sock), host=host, port=port, workers=workers,
                       announce=announce)
        except OSError as exc:
            click.echo(f"Cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            pass

    @kb_group.command("gaps")
    @click.option("--days", type=click.IntRange(min=1), default=None,
                  help="Only questions asked in the last DAYS days (default: all kept).")
    @click.option("--similarity", type=click.FloatRange(0, 100), default=80.0, show_default=True,
                  help="How alike (0–100, rapidfuzz token-set ratio) two questions must be to share a group.")
    @click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True, help="Groups shown.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
    @now_option
    def kb_gaps(days: int | None, similarity: float, limit: int, as_json: bool, now_text: str | None) -> None:
        """Questions the bot could not answer, grouped by similarity, most asked first."""
        from bot.cli import _settings, open_state
        from bot.gaps import group_questions

        now = resolve_now(now_text)
        state = open_state(_settings())
        rows = state.unanswered_since(now - timedelta(days=days) if days else None)
        gaps = group_questions(((r.question, r.normalised, r.created) for r in rows), similarity=similarity)
        gaps = gaps[:limit]
        if as_json:
            click.echo(json.dumps([{"question": g.question, "count": g.count, "wordings": g.wordings,
                                    "last_asked": g.last_asked.isoformat() if g.last_asked else None}
                                   for g in gaps], ensure_ascii=False))
            return
        if not gaps:
            click.echo("No unanswered questions logged.")
            return
        for g in gaps:
            click.echo(f"{g.count:4}×  {shorten(g.question)}")
            for wording, n in g.wordings[1:4]:
                click.echo(f"        also: {shorten(wording)} ({n}×)")
            if len(g.wordings) > 4:
                click.echo(f"        … and {len(g.wordings) - 4} more wordings")

    state_group = main.commands.get("state")
    if not isinstance(state_group, click.Group):
        @main.group("state")
        def state_group() -> None:
            """The runtime-state database: feedback, unanswered questions, reminders."""

    @main.group("workspace")
    def workspace_group() -> None:
        """OAuth mode: a workspace's own admins and default reminder channel (single-workspace mode uses
        STRIKEBOT_ADMINS and REMINDER_CHANNEL)."""

    @workspace_group.command("show")
    @click.argument("team")
    def workspace_show(team: str) -> None:
        """TEAM's installation (OAuth mode), admins and default reminder channel."""
        from bot.cli import _settings, open_state

        settings = _settings()
        state = open_state(settings)
        admins, channel = state.workspace_settings(team)
        installed = "-"
        if settings.oauth:
            from bot.slack.oauth import WorkspaceInstallations

            installed = "yes" if WorkspaceInstallations(settings, state).bot_token(team) else "no"
        click.echo(f"workspace {team}: installed {installed}, disabled {'yes' if state.is_disabled(team) else 'no'}, "
                   f"admins {', '.join(admins) or '(anyone)'}, default reminder channel {channel or '(none)'}")

    @workspace_group.command("set")
    @click.argument("team")
    @click.option("--admins", default=None, metavar="U1,U2",
                  help="Comma-separated Slack user ids who alone may change that workspace's reminders ('' = anyone).")
    @click.option("--reminder-channel", "channel", default=None, metavar="CHANNEL_ID",
                  help="Channel subscribed to every ballot-deadline reminder ('' = none).")
    @now_option
    def workspace_set(team: str, admins: str | None, channel: str | None, now_text: str | None) -> None:
        """Set TEAM's admins and/or default reminder channel (subscribed from --now at once)."""
        import re

        from bot.cli import _settings, open_state
        from bot.reminder_service import CHANNEL_ID, set_default_channel

        settings = _settings()
        if not settings.oauth:
            _fail_config(["strikebot workspace is for OAuth mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET); in "
                          "single-workspace mode set STRIKEBOT_ADMINS and REMINDER_CHANNEL"])
        ids = tuple(a.strip() for a in (admins or "").split(",") if a.strip()) if admins is not None else None
        if ids and any(not re.fullmatch(r"[UW][A-Z0-9]{2,}", a) for a in ids):
            raise click.BadParameter(f"{admins!r} is not a list of Slack user ids (U…)", param_hint="--admins")
        if channel and not CHANNEL_ID.match(channel):
            raise click.BadParameter(f"{channel!r} is not a channel id (C…)", param_hint="--reminder-channel")
        state = open_state(settings)
        state.set_workspace_settings(team, admins=ids)
        if channel:
            set_default_channel(state, team, channel, resolve_now(now_text))
        elif channel is not None:
            state.set_workspace_settings(team, reminder_channel="")
        got_admins, got_channel = state.workspace_settings(team)
        click.echo(f"workspace {team}: admins {', '.join(got_admins) or '(anyone)'}, "
                   f"default reminder channel {got_channel or '(none)'}")

    @state_group.command("purge")
    @click.option("--older-than", "older_than", type=click.IntRange(min=0), default=None, metavar="DAYS",
                  help="Delete questions and user IDs older than DAYS days (default: STRIKEBOT_RETENTION_DAYS).")
    @now_option
    def state_purge(older_than: int | None, now_text: str | None) -> None:
        """Delete stored questions and user IDs past the retention period, now."""
        from bot.cli import _settings, open_state

        now = resolve_now(now_text)
        settings = _settings()
        days = settings.retention_days if older_than is None else older_than
        counts = open_state(settings).purge(days, now)
        click.echo(f"Purged rows older than {days} days: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


def shorten(text: str, limit: int = 120) -> str:
    """One line of at most `limit` chars, cut at a word with '…' ('kb gaps' must stay readable when someone
    pasted a 20,000-character question)."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    return (cut[: cut.rindex(" ")] if " " in cut else cut) + "…"


def _few_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (mallopt M_ARENA_MAX) before the serving threads start: with one arena per
    thread under load, freed memory stayed spread over up to 8 per core (about 8 MB more RSS per serving process
    on the 100,000-entry knowledge base, benchmarks/e2e.py). Does nothing where libc has no mallopt."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


# how often the serving process copies the state database's WAL into the file (its commits never do: see
# StateStore's deferred_checkpoints)
CHECKPOINT_EVERY_S = 1.0


def _run(settings: Settings, sock) -> None:  # noqa: ANN001 - socket.socket | None
    """One serving process: check the token (single-workspace mode; in OAuth mode each workspace's token is
    checked when first used), start the background jobs (retention sweep, reminder scheduler, claim resumer),
    then serve HTTP on the listening `sock`, or Socket Mode when `sock` is None."""
    from slack_sdk.errors import SlackApiError

    _few_malloc_arenas()

    from bot.cli import open_kb, open_state
    from bot.clock import parse_now
    from bot.periodic import start_periodic
    from bot.slack.app import create_app, start_claim_resumer
    from bot.slack.server import SlackHTTPServer, start_retention_sweeper

    # hand the GIL round every 1 ms, not 5: an ack thread waiting behind answer work gets its turn sooner
    sys.setswitchinterval(0.001)
    kb = open_kb(settings)
    state = open_state(settings, deferred_checkpoints=True)
    app = create_app(settings, kb, state)
    team = ""
    if settings.oauth and (settings.reminder_channel or settings.admins):
        click.echo("strikebot: OAuth mode ignores REMINDER_CHANNEL and STRIKEBOT_ADMINS (single-workspace settings); "
                   "use `strikebot workspace set TEAM --reminder-channel … --admins …`", err=True)
    if not settings.oauth:
        try:
            auth = app.client.auth_test()
        except SlackApiError as exc:
            _fail_config([f"SLACK_BOT_TOKEN was refused by Slack ({exc.response.get('error')})"])
        except OSError as exc:
            url = settings.slack_api_url or "https://slack.com/api/"
            click.echo(f"Cannot reach Slack's Web API at {url} ({getattr(exc, 'reason', exc)}): check the network "
                       "or SLACK_API_URL, then start again (the bot checks its token with auth.test at start).",
                       err=True)
            sys.exit(1)
        team = auth.get("team_id") or ""
        state.enable_workspace(team)
    _warm_up(app)
    stop = threading.Event()
    start_retention_sweeper(open_state(settings), settings.retention_days, lambda: parse_now(None),
                            stop_event=stop)
    _start_reminders(settings, kb, open_state(settings), app.client, stop, team)
    start_claim_resumer(app, stop_event=stop)
    start_periodic("strikebot-checkpoint", state.checkpoint, stop_event=stop, interval_s=CHECKPOINT_EVERY_S)
    try:
        if sock is not None:
            SlackHTTPServer(app, kb, sock=sock, signing_secret=settings.slack_signing_secret).serve_forever()
        else:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            click.echo("strikebot: Socket Mode", err=True)
            SocketModeHandler(app, settings.slack_app_token).start()
    finally:
        stop.set()


def _warm_up(app) -> None:  # noqa: ANN001 - slack_bolt.App
    """Answer a few questions before serving (`warm_up`), so the first user after a start is not the one who
    waits for the engine's one-off loading (~0.3 s); logs how long it took."""
    import time

    from bot.knowledge import KnowledgeBaseMissing
    from bot.slack.app import deps_of
    from bot.slack.listeners.replies import warm_up

    t0 = time.perf_counter()
    try:
        answered = warm_up(deps_of(app))
    except KnowledgeBaseMissing as exc:  # removed since it was opened: serving still answers /healthz with 503
        log.warning("no warm-up: %s", exc)
        return
    log.info("warmed up in %.0f ms (%d questions answered)", (time.perf_counter() - t0) * 1000, answered)


def _start_reminders(settings: Settings, kb, state, client, stop: threading.Event,  # noqa: ANN001
                     team: str = "") -> None:
    """Start the reminders scheduler when that feature is installed (bot.reminder_delivery); `team` is the
    bot token's workspace (subscriptions made without one belong to it)."""
    try:
        from bot.reminder_delivery import start_scheduler
    except ImportError:
        return
    start_scheduler(settings, kb, state, client, stop_event=stop, team=team or None,
                    client_for=reminder_clients(settings, state, client) if settings.oauth else None)


def reminder_clients(settings: Settings, state: StateStore,
                     client: WebClient) -> Callable[[str], WebClient | None]:
    """`client_for(team)` for the reminders: OAuth mode looks each workspace's bot token up in the state
    database; single-workspace mode always answers `client`."""
    from bot.slack.app import workspace_clients
    from bot.slack.oauth import WorkspaceInstallations

    return workspace_clients(settings, WorkspaceInstallations(settings, state) if settings.oauth else None, client)
