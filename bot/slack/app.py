"""`create_app(settings, kb, state, *, client=None) -> App`: the Bolt app, built by a factory (never at import).

Single-workspace mode uses SLACK_BOT_TOKEN; OAuth mode (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET) adds Bolt's
install flow and takes each workspace's token from its installation (bot/slack/oauth.py).

Wires the listeners (bot/slack/listeners/*), one global middleware that de-duplicates Slack's retries and
drops traffic from disabled workspaces, and the single `@app.error` handler. The factory does no network I/O:
token verification is left to `strikebot serve` (`verify_token`), so tests and start-up stay fast and clear.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import answering
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.models import Answer
from bot.slack import blocks
from bot.slack.oauth import WorkspaceInstallations, cached_authorize, oauth_settings
from bot.state import StateStore

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _default_answer(question: str, kb: KnowledgeBase, now: datetime) -> Answer:
    # looked up at call time so the engine (and a patched one in tests) is always the current one
    return answering.answer(question, kb, now=now)


@dataclass
class Deps:
    """What listeners need, passed explicitly: settings, the knowledge base, the state store, a clock
    (`now()` -> aware UTC datetime) and the answering function `answer(question, kb, now) -> Answer`."""

    settings: Settings
    kb: KnowledgeBase
    state: StateStore
    now: Callable[[], datetime] = _utcnow
    answer: Callable[[str, KnowledgeBase, datetime], Answer] = field(default=_default_answer)
    installations: WorkspaceInstallations | None = None  # OAuth mode only

    def team_key(self, team: str | None) -> str:
        """The key of workspace `team` in the state database: its id in OAuth mode, '' in single-workspace
        mode (where everything stored belongs to the one workspace)."""
        return (team or "") if self.settings.oauth else ""


def make_client(settings: Settings) -> WebClient:
    """A WebClient for `settings` (SLACK_API_URL or Slack's) that retries HTTP 429 after Retry-After (up to 3
    times). Connection errors are deliberately not retried: Slack may have posted already (a double reply)."""
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or DEFAULT_API_URL,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])


def workspace_clients(settings: Settings, installations: WorkspaceInstallations | None,
                      client: WebClient) -> Callable[[str], WebClient | None]:
    """`client_for(team) -> WebClient | None` for the reminders: in single-workspace mode always `client`;
    in OAuth mode a client with workspace `team`'s installed bot token (None when it is not installed)."""
    if installations is None:
        return lambda team: client

    def client_for(team: str) -> WebClient | None:
        token = installations.bot_token(team) if team else None
        if token is None:
            return None
        return WebClient(token=token, base_url=client.base_url, retry_handlers=client.retry_handlers.copy())

    return client_for


def create_app(settings: Settings, kb: KnowledgeBase, state: StateStore, *, client: WebClient | None = None,
               now: Callable[[], datetime] | None = None) -> App:
    """Build the Bolt app.

    Args: `settings` (a bot token, or OAuth mode's client id and secret; the signing secret turns request
    verification on — HTTP mode needs it), `kb`, `state`, an optional `client` (default:
    `make_client(settings)`; its base URL serves oauth.v2.access and auth.test too), an optional clock `now()`.
    Returns an App with every listener registered (in OAuth mode also `app.oauth_flow`, serving
    /slack/install and /slack/oauth_redirect); nothing is sent to Slack until a request arrives."""
    client = client or make_client(settings)
    installations: WorkspaceInstallations | None = None
    common = dict(signing_secret=settings.slack_signing_secret or "",
                  request_verification_enabled=bool(settings.slack_signing_secret),
                  process_before_response=False,  # ack first; listeners run after the 200 has gone
                  logger=logging.getLogger("bot.slack.bolt"))
    if settings.oauth:
        client.token = None  # each request gets a client with its workspace's token
        installations = WorkspaceInstallations(settings, state)
        app = App(client=client, oauth_settings=oauth_settings(settings, state, installations),
                  authorize=cached_authorize(settings, installations, client), **common)
    else:
        if client.token is None:
            client.token = settings.slack_bot_token
        app = App(
            client=client,  # carries the bot token; Bolt takes it from here
            token_verification_enabled=False,  # `serve` calls auth.test itself, with a clear message on failure
            **common,
        )
    deps = Deps(settings, kb, state, now or _utcnow, installations=installations)
    app.use(_guard(deps))
    from bot.slack.listeners import actions, commands, events, home, messages

    for module in (messages, commands, actions, home, events):
        module.register(app, deps)
    app.error(_error_handler(deps))
    return app


def event_key(body: dict) -> str | None:
    """The identity of an Events API delivery that stays the same across retries (None for non-events)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"{body.get('team_id') or ''}:{body['event_id']}"
    return None


def _guard(deps: Deps) -> Callable:
    """Global middleware: drop repeats of an event (Slack's retries) and traffic from disabled workspaces.
    Both get a 200 so Slack stops retrying; the claim is recorded before any slow work. (StateStore runs both
    queries on one connection under a lock: concurrent SQLite writers would otherwise wait in SQLite's busy
    handler, 1-25 ms sleeps, which delayed every ack under a burst; profiled with benchmarks/e2e.py.)"""

    def guard(body: dict, context: dict, next: Callable[[], None], logger: logging.Logger) -> BoltResponse | None:
        event_type = (body.get("event") or {}).get("type")
        team = context.get("team_id") or body.get("team_id")
        if deps.state.is_disabled(team) and event_type not in ("tokens_revoked", "app_uninstalled"):
            logger.info("ignoring a request from disabled workspace %s", team)
            return BoltResponse(status=200, body="")
        key = event_key(body)
        if key:
            fresh = deps.state.claim_event(key, deps.now())
        if key and not fresh:
            logger.info("duplicate delivery of event %s ignored (retry %s)", key,
                        context.get("retry_num") or body.get("retry_attempt"))
            return BoltResponse(status=200, body="")
        next()
        return None

    return guard


def _error_handler(deps: Deps) -> Callable:
    """The one error handler: log it (never the token), then tell the user politely where we can."""

    def on_error(error: Exception, body: dict, logger: logging.Logger, respond, client: WebClient) -> None:  # noqa: ANN001
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        kind = body.get("type") or body.get("command") or "request"
        if code:
            logger.warning("Slack refused a call while handling %s: %s", kind, code)
        else:
            logger.error("error while handling %s", kind, exc_info=error)
        line = blocks.polite_error(code)
        try:
            if respond is not None and body.get("response_url"):
                respond(response_type="ephemeral", replace_original=False, **blocks.notice(line).kwargs())
            elif code is None and body.get("type") == "event_callback":
                event = body.get("event") or {}
                if event.get("channel") and event.get("ts"):
                    client.chat_postMessage(channel=event["channel"], thread_ts=event.get("thread_ts") or event["ts"],
                                            **blocks.notice(line).kwargs())
        except Exception as again:  # noqa: BLE001 - the apology itself failed; logging is all that is left
            logger.warning("could not tell the user about the error: %s", again)

    return on_error
