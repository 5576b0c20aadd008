"""`create_app(settings, kb, state, *, client=None) -> App`: the Bolt app, built by a factory (never at import).

Single-workspace mode uses SLACK_BOT_TOKEN; OAuth mode (SLACK_CLIENT_ID + SLACK_CLIENT_SECRET) adds Bolt's
install flow and takes each workspace's token from its installation (bot/slack/oauth.py).

Wires the listeners (bot/slack/listeners/*), one global middleware that claims each event (de-duplicating
Slack's retries and the same message under another event id) and drops traffic from disabled workspaces, and
the single error handler. Every listener is registered with `off_ack_path`: Bolt runs with
`process_before_response=True`, so the ack is made in the request thread before any work, and the work runs in
our listener pool sized for many slow replies (LISTENER_POOL); a busy pool or a failing listener can no longer
turn an ack into a 404. The factory does no network I/O: token verification is left to `strikebot serve` (`verify_token`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot import answering
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.models import Answer
from bot.periodic import start_periodic
from bot.slack import blocks
from bot.slack.oauth import WorkspaceInstallations, cached_authorize, oauth_settings
from bot.slack.webclient import KeepAliveWebClient
from bot.state import StateStore, StateUnavailable

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Threads running listener work (replies, respond(), views.publish) off the ack path, per process: enough for
# 50 slow replies in flight with room for commands and buttons beside them.
LISTENER_POOL = 64
F = TypeVar("F", bound=Callable)


def _utcnow() -> datetime:
    return datetime.now(UTC)


# How many answers are computed at once, per process. Answering is pure Python CPU work: with 50 of them running
# in 50 threads, every ack thread waited behind all of them for the GIL (about 5 ms a turn each), so a burst's
# acks took 100-300 ms. Two at a time keep both cores' worth of answering going and acks near the front.
ANSWER_SLOTS = threading.BoundedSemaphore(2)


def _default_answer(question: str, kb: KnowledgeBase, now: datetime) -> Answer:
    # looked up at call time so the engine (and a patched one in tests) is always the current one
    with ANSWER_SLOTS:
        return answering.answer(question, kb, now=now)


class AckGate:
    """Acks first: the HTTP front end counts the requests it is acking (`acking()`), and background work
    waits (`yield_to_acks`) while any are, for at most `max_wait_s`. Answering is pure-Python CPU work; run
    beside a burst of acks it took the GIL from them on every turn (each sqlite call on the ack path gives
    the GIL up and queues for it again), so a burst of 50 acks took 80-160 ms instead of a few.

    Waiters sleep on a condition notified when the last ack in progress ends. (They used to poll every 2 ms:
    50 waiting answers woke 25,000 times a second, taking the GIL from the very acks they waited for — 0.5 ms
    of CPU per event in a burst of 50 — and a lone question's answer always lost 2 ms to its own ack.)"""

    def __init__(self) -> None:
        self._active = 0
        self._idle = threading.Condition(threading.Lock())

    @contextmanager
    def acking(self) -> Iterator[None]:
        """Around one request's ack."""
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                if not self._active:
                    self._idle.notify_all()

    def yield_to_acks(self, max_wait_s: float = 0.15) -> None:
        """Wait while acks are in progress, at most `max_wait_s` seconds."""
        with self._idle:
            self._idle.wait_for(lambda: not self._active, timeout=max_wait_s)


@dataclass
class Deps:
    """What listeners need, passed explicitly: settings, the knowledge base, the state store, a clock
    (`now()` -> aware UTC datetime; a frozen one in tests) and the answering function
    `answer(question, kb, now) -> Answer`. Claims use real time, `wall()`: a lease is about elapsed time.
    `lease` is how long a claim's holder has to post before another process may take it over, `retry_delay`
    how long a failed post waits before it is tried again (by the claim resumer)."""

    settings: Settings
    kb: KnowledgeBase
    state: StateStore
    now: Callable[[], datetime] = _utcnow
    answer: Callable[[str, KnowledgeBase, datetime], Answer] = field(default=_default_answer)
    wall: Callable[[], datetime] = _utcnow
    lease: timedelta = timedelta(seconds=120)
    retry_delay: timedelta = timedelta(seconds=60)
    on_error: Callable[..., None] | None = None
    installations: WorkspaceInstallations | None = None  # OAuth mode only
    # `client_for(team)`: a client with workspace `team`'s token, None when it is not installed (work done
    # outside a request: resumed replies; set by create_app)
    client_for: Callable[[str], WebClient | None] | None = None
    pool: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(
        max_workers=LISTENER_POOL, thread_name_prefix="strikebot-work"))
    gate: AckGate = field(default_factory=AckGate)
    _memory: OrderedDict = field(default_factory=OrderedDict)  # keys claimed while the database was away
    # replies posted under such claims, to be recorded in the database once it is back (`flush_memory_claims`)
    unrecorded: list = field(default_factory=list)
    _memory_lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, keys: list[str]) -> bool:
        """In-process de-duplication for when the state database cannot take a claim (StateUnavailable):
        True the first time any of `keys` is seen by this process. Bounded (the newest 10,000 keys)."""
        with self._memory_lock:
            if any(k in self._memory for k in keys):
                return False
            for k in keys:
                self._memory[k] = True
            while len(self._memory) > 10_000:
                self._memory.popitem(last=False)
            return True

    def remembered(self, keys: list[str]) -> bool:
        """True when any of `keys` was claimed in memory by this process (`remember`). Checked before the
        database claim: an event answered while the database was away is not in the database, so its retry
        (or the same message under another event id) would otherwise be claimed there and answered again."""
        with self._memory_lock:
            return bool(self._memory) and any(k in self._memory for k in keys)

    def team_key(self, team: str | None) -> str:
        """The key of workspace `team` in the state database: its id in OAuth mode, '' in single-workspace
        mode (where everything stored belongs to the one workspace)."""
        return (team or "") if self.settings.oauth else ""


def make_client(settings: Settings) -> WebClient:
    """A WebClient for `settings` (SLACK_API_URL or Slack's) that retries HTTP 429 after Retry-After (up to 3
    times) and reuses connections (bot.slack.webclient). Connection errors are deliberately not retried: Slack
    may have posted already (a double reply)."""
    return KeepAliveWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url or DEFAULT_API_URL,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])


def workspace_clients(settings: Settings, installations: WorkspaceInstallations | None,
                      client: WebClient) -> Callable[[str], WebClient | None]:
    """`client_for(team) -> WebClient | None` for work done outside a request (reminders, resumed replies): in
    single-workspace mode always `client`; in OAuth mode a client like `client` with workspace `team`'s
    installed bot token (None when it is not installed)."""
    if installations is None:
        return lambda team: client

    def client_for(team: str) -> WebClient | None:
        token = installations.bot_token(team) if team else None
        if token is None:
            return None
        return KeepAliveWebClient(token=token, base_url=client.base_url, timeout=client.timeout,
                         retry_handlers=client.retry_handlers.copy())

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
    common = dict(
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=bool(settings.slack_signing_secret),
        # the ack runs in the request thread (see off_ack_path); work goes to the listener pool
        process_before_response=True,
        logger=logging.getLogger("bot.slack.bolt"),
    )
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
    lease = timedelta(seconds=settings.claim_lease_s)
    deps = Deps(settings, kb, state, now or _utcnow, lease=lease, retry_delay=min(lease, timedelta(seconds=60)),
                installations=installations, client_for=workspace_clients(settings, installations, client))
    deps.on_error = _error_handler(deps)
    app.use(_guard(deps))
    from bot.slack.listeners import actions, commands, events, home, messages

    for module in (messages, commands, actions, home, events):
        module.register(app, deps)
    app.error(deps.on_error)
    _DEPS[id(app)] = deps
    return app


_DEPS: dict[int, Deps] = {}


def deps_of(app: App) -> Deps:
    """The Deps that `create_app` wired into `app`."""
    return _DEPS[id(app)]


def start_claim_resumer(app: App, *, stop_event: threading.Event,
                        interval_s: float | None = None) -> threading.Thread:
    """Resume, now and then every `interval_s` seconds (default: half the lease, at most 60 s), the event
    claims whose lease ran out unfinished — their process died after the ack, or their post failed for now —
    in a daemon thread until `stop_event` is set. Safe in every process at once: each claim is taken over by
    one process only (a conditional update). Returns the thread."""
    from bot.slack.delivery import resume_expired

    deps = deps_of(app)
    from bot.slack.delivery import flush_memory_claims

    every = interval_s if interval_s is not None else max(0.5, min(60.0, deps.lease.total_seconds() / 2))
    # claims made in memory (the database away at ack time) are written to it as soon as it is back, every second
    start_periodic("strikebot-memory-claims", lambda: flush_memory_claims(deps), stop_event=stop_event,
                   interval_s=min(every, 1.0))
    return start_periodic("strikebot-claims", lambda: resume_expired(deps, app.client), stop_event=stop_event,
                          interval_s=every, on_stop=deps.state.close)


def _ack_now(ack: Ack) -> None:
    ack()


def off_ack_path(register: Callable, deps: Deps) -> Callable[[F], F]:
    """Decorator for listeners: `@off_ack_path(app.command("/x"), deps)` acks at once in the request thread and
    hands the decorated function to the listener pool (`deps.pool`), any exception going to the one error
    handler. (Over HTTP the front end acks before Bolt runs, already in a pool thread: the function runs there.) The function may take any of Bolt's usual arguments: body, event, command, action, context,
    client, respond, logger. (Not Bolt's lazy listeners: they deep-copy the request twice per request, half of
    an ack's CPU time, and only log a lazy function's exception.)"""

    def decorate(fn: F) -> F:
        from slack_bolt.util.utils import get_arg_names_of_callable

        wanted = get_arg_names_of_callable(fn)

        def work(given: dict) -> None:
            try:
                fn(**{k: given[k] for k in wanted})
            except Exception as error:  # noqa: BLE001 - handed to the one error handler, as Bolt would
                assert deps.on_error is not None
                deps.on_error(error, given["body"], given["logger"], given["respond"], given["client"],
                              given["context"])

        def ack_and_hand_over(ack: Ack, body: dict, event: dict, command: dict, action: dict,
                              context: BoltContext, client: WebClient, respond, logger: logging.Logger) -> None:  # noqa: ANN001
            ack()
            given = {"body": body, "event": event, "command": command, "action": action, "context": context,
                     "client": client, "respond": respond, "logger": logger}
            if context.get("admitted"):  # the HTTP front end acked already; this is a listener-pool thread
                work(given)
            else:
                deps.pool.submit(work, given)

        ack_and_hand_over.__name__ = ack_and_hand_over.__qualname__ = f"ack_{fn.__name__}"
        register(ack_and_hand_over)
        return fn

    return decorate


def event_key(body: dict) -> str | None:
    """The identity of an Events API delivery that stays the same across retries (None for non-events)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"{body.get('team_id') or ''}:{body['event_id']}"
    return None


def message_keys(body: dict) -> tuple[str | None, str | None]:
    """The identity of the message an event carries: ('team:channel:ts', 'team:client_msg_id'), either None
    when absent. The same message delivered under two event ids has the same keys."""
    event = body.get("event") or {}
    team = body.get("team_id") or event.get("team") or ""
    ts, channel = event.get("ts"), event.get("channel")
    return (f"{team}:{channel}:{ts}" if ts and channel else None,
            f"{team}:{event['client_msg_id']}" if event.get("client_msg_id") else None)


def answerable(event: dict, bot_user_id: str | None = None) -> bool:
    """True for an event the bot answers with a reply: a person's mention, or a person's direct message —
    plain, or with a file and some text (`file_share`). Edits, deletions, joins, bots' messages and the bot's
    own (user `bot_user_id`) are not."""
    if event.get("bot_id") or not event.get("user") or (bot_user_id and event.get("user") == bot_user_id):
        return False
    subtype = event.get("subtype")
    if subtype not in (None, "file_share") or (subtype and not (event.get("text") or "").strip()):
        return False
    if event.get("type") == "app_mention":
        return True
    return event.get("type") == "message" and event.get("channel_type") == "im"


@dataclass(frozen=True)
class Claim:
    """The claim on an event being answered: `key` (event key), the holder's `owner` token, `attempts` so far,
    whether it is in the database (`durable`; False when the database was away at ack time) and when this
    holder's lease began (`since`, aware UTC, by `Deps.wall`; None when not known). `message_keys` are the
    message's other identities ('team:channel:ts', 'team:client_msg_id'), for recording a claim made in memory
    in the database once its reply is out."""

    key: str
    owner: str
    attempts: int = 1
    durable: bool = True
    since: datetime | None = None
    message_keys: tuple[str | None, str | None] = (None, None)
    # a retry from Slack: an earlier delivery may have been answered by a process that then died, so look for
    # that reply (by its metadata) before posting
    settle_first: bool = False


def admit(deps: Deps, body: dict, *, team: str | None, bot_user_id: str | None,
          retry: object = None) -> tuple[bool, Claim | None]:
    """Before the ack: drop traffic from disabled workspaces, and claim an event — with the work it stands for
    when it is a question to answer — so that repeats (Slack's retries, the same message under another event
    id) are dropped and a claim whose process dies is resumed (bot.slack.delivery). Returns (go on?, claim):
    (False, None) for a delivery to drop (it still gets a 200, so Slack stops retrying); the claim is None for
    what is not an event. The two queries use the store's ack-path connection with a short busy timeout; when
    the database is locked or failing, the event is de-duplicated in memory instead and answered anyway: an
    ack never waits for the database."""
    event = body.get("event") or {}
    try:
        disabled = deps.state.is_disabled(team)
    except StateUnavailable as exc:
        log.warning("state database unavailable on the ack path (%s); carrying on", exc)
        disabled = False
    if disabled and event.get("type") not in ("tokens_revoked", "app_uninstalled"):
        log.info("ignoring a request from disabled workspace %s", team)
        return False, None
    key = event_key(body)
    if not key:
        return True, None
    question = answerable(event, bot_user_id)
    mkey, ckey = message_keys(body) if question else (None, None)
    if deps.remembered([k for k in (key, mkey, ckey) if k]):
        log.info("duplicate delivery of event %s ignored (answered while the state database was away)", key)
        return False, None
    work = json.dumps({"event": event, "team": team, "bot_user_id": bot_user_id},
                      ensure_ascii=False) if question else ""
    durable = True
    now = deps.wall()
    try:
        owner = deps.state.claim_event(key, now, message_key=mkey, client_msg_key=ckey,
                                       work=work, lease=deps.lease if question else timedelta(0))
    except StateUnavailable as exc:
        log.warning("could not claim event %s in the state database (%s): de-duplicating in memory", key, exc)
        durable = False
        owner = "memory" if deps.remember([k for k in (key, mkey, ckey) if k]) else None
    if owner is None:
        log.info("duplicate delivery of event %s ignored (retry %s)", key, retry or body.get("retry_attempt"))
        return False, None
    return True, Claim(key, owner, 1, durable, since=now, message_keys=(mkey, ckey),
                       settle_first=retry is not None or bool(body.get("retry_attempt")))


def _guard(deps: Deps) -> Callable:
    """Global middleware: `admit` each request, unless the HTTP front end did before its ack (it passes
    `admitted` in the context, with any claim). Dropped deliveries get a 200."""

    def guard(body: dict, context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        if not context.get("admitted"):
            go, claim = admit(deps, body, team=context.get("team_id") or body.get("team_id"),
                              bot_user_id=context.bot_user_id, retry=context.get("retry_num"))
            if not go:
                return BoltResponse(status=200, body="")
            if claim is not None:
                context["claim"] = claim
        next()
        return None

    return guard


def _error_handler(deps: Deps) -> Callable:
    """The one error handler: log it (never the token), then tell the user politely where we can — at most
    once per question: an event's apology goes out only from the caller that closed its claim as failed, so
    never after its answer was posted, and never once per retry."""

    def on_error(error: Exception, body: dict, logger: logging.Logger, respond, client: WebClient,  # noqa: ANN001
                 context: BoltContext | None = None) -> None:
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
                from bot.slack.delivery import apologise

                claim = (context or {}).get("claim")
                if claim is not None:
                    apologise(deps, client, body.get("event") or {}, claim, f"error: {type(error).__name__}")
        except Exception as again:  # noqa: BLE001 - the apology itself failed; logging is all that is left
            logger.warning("could not tell the user about the error: %s", again)

    return on_error
