"""HTTP mode: waitress (a production WSGI server) in front of a thin layer of ours in front of Bolt.

Why waitress: its asynchronous I/O loop reads and buffers each whole request before a worker thread sees it,
so slow or half-sent clients never hold a thread (a thread-per-connection server, like the old http.server
front end or gunicorn's gthread worker, is held by each of them); it bounds connections (`connection_limit`),
closes a connection that sent nothing for `channel_timeout` seconds (the deadline for receiving a request) and
caps header and body sizes. Pure Python, no build step, maintained by the Pylons project.

The layer (`SlackWSGI`), before anything parses a body:
- GET /healthz -> 200 {"status": "ok", "newest_as_of": …, "curated_through": …} (503 when the knowledge base
  file is missing);
- POST /slack/events -> the signature is checked on the raw bytes with slack-sdk's SignatureVerifier: no or
  a non-numeric timestamp, no, a wrong or a stale signature -> 401; a signed body that is not UTF-8 or not
  well-formed JSON / form data -> 400; too large -> 413. Only then Bolt sees it (and checks again). Events,
  slash commands and button clicks — whose ack is always an empty 200 — are acked here at once, after the
  event is admitted (`bot.slack.app.admit`: de-duplicated and claimed with its work), and the listener pool
  does the rest: a question is answered straight from its claim (`reply_to_event`, as the claim resumer does),
  anything else is handed to Bolt; Bolt's own dispatch cost most of an ack's CPU time, and 50 at once queued behind one
  another for the GIL. Everything else (url_verification, ssl_check) gets Bolt's answer;
- GET /slack/install and /slack/oauth_redirect -> Bolt, unsigned (its OAuth flow, when one is configured);
- anything else -> 404.

`serve_http` runs `workers` processes sharing one listening socket (see its docstring).
"""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import parse_qs

from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress.server import create_server

from bot.knowledge import KnowledgeBase, KnowledgeBaseMissing
from bot.periodic import start_periodic
from bot.slack.app import Claim, admit, answerable, deps_of
from bot.slack.delivery import reply_to_event
from bot.state import StateStore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")
MAX_BODY = 1_000_000
# waitress settings (per worker process): request threads only verify, claim and ack (the work runs in the
# app's own listener pool), so a few are enough; connections are bounded but generous, because idle ones cost
# a file descriptor and no thread; a connection silent for RECEIVE_DEADLINE_S seconds is closed.
REQUEST_THREADS = 16
CONNECTION_LIMIT = 4000
RECEIVE_DEADLINE_S = 10

_TEXT = [("Content-Type", "text/plain; charset=utf-8")]
# the fields one of Slack's form-encoded requests always has: a slash command, or an ssl_check (interactions
# carry a JSON `payload`, handled before)
FORM_KINDS = frozenset({"command", "ssl_check"})


def _status_line(code: int) -> str:
    from http import HTTPStatus

    return f"{code} {HTTPStatus(code).phrase}"


class SlackWSGI:
    """The WSGI application: health check, signature check on the raw body, then Bolt (see module docstring).

    `app` the Bolt app, `kb` the knowledge base (for /healthz), `signing_secret` Slack's signing secret."""

    def __init__(self, app: App, kb: KnowledgeBase, signing_secret: str):
        self.app = app
        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.deps = deps_of(app)
        self.kb = kb
        self.verifier = SignatureVerifier(signing_secret)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO") or "/", environ.get("REQUEST_METHOD") or "GET"
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return self._health(start_response)
        if path in OAUTH_PATHS and method == "GET":
            return self.bolt(environ, start_response)
        if path != EVENTS_PATH:
            return self._plain(start_response, 404, "Not Found")
        if method != "POST":
            return self._plain(start_response, 405, "Method Not Allowed")
        raw_length = environ.get("CONTENT_LENGTH") or "0"
        if not raw_length.isdigit():
            return self._plain(start_response, 400, "Bad Request")
        length = int(raw_length)
        if length > MAX_BODY:
            return self._plain(start_response, 413, "Payload Too Large")
        raw: bytes = environ["wsgi.input"].read(length) if length else b""
        with self.deps.gate.acking():
            problem = self._check(raw, environ)
            if isinstance(problem, tuple):
                return self._plain(start_response, *problem)
            if problem is not None and self._ack_now(problem, raw, environ):
                return self._plain(start_response, 200, "")
        environ["wsgi.input"] = io.BytesIO(raw)
        return self.bolt(environ, start_response)

    def _answer(self, body: dict, claim: Claim, bot_user_id: str | None) -> None:
        """Answer an admitted question event under its claim, in the listener pool, once no ack is waiting,
        with its workspace's client (`deps.client_for`: in OAuth mode the installed token; a workspace with no
        installation gets nothing and its claim is closed); an exception goes to the one error handler."""
        self.deps.gate.yield_to_acks()
        team = str(body.get("team_id") or "")
        client = self.deps.client_for(team) if self.deps.client_for is not None else self.app.client
        if client is None:
            log.warning("event %s from workspace %s, which has not installed the app: not answered", claim.key, team)
            self.deps.state.finish_event(claim.key, claim.owner, self.deps.wall(), status="failed",
                                         detail="not installed")
            return
        try:
            reply_to_event(self.deps, client, body["event"], bot_user_id=bot_user_id, claim=claim, team=team)
        except Exception as error:  # noqa: BLE001 - handed to the one error handler, as Bolt would
            assert self.deps.on_error is not None
            self.deps.on_error(error, body, log, None, client, {"claim": claim})

    def _later(self, request: BoltRequest) -> None:
        """Bolt's handling of an acked request, in the listener pool, once no ack is waiting."""
        self.deps.gate.yield_to_acks()
        self.app.dispatch(request)

    def _ack_now(self, body: dict, raw: bytes, environ: dict) -> bool:
        """Admit an event, a slash command or a button click and hand it to Bolt in the listener pool; True
        when it is acked here (an empty 200), False for what Bolt must answer itself."""
        kind = body.get("type") or ("command" if body.get("command") else "")
        if kind not in ("event_callback", "block_actions", "command"):
            return False
        auth = (body.get("authorizations") or [{}])[0]
        team = body.get("team_id") or (body.get("team") or {}).get("id")
        go, claim = admit(self.deps, body, team=team, bot_user_id=auth.get("user_id") if auth.get("is_bot") else None,
                          retry=environ.get("HTTP_X_SLACK_RETRY_NUM"))
        if not go:
            return True
        bot_user_id = auth.get("user_id") if auth.get("is_bot") else None
        if go and claim is not None and answerable(body.get("event") or {}, bot_user_id):
            # a question: answered straight from its claim, as the resumer would (Bolt's dispatch adds nothing)
            self.deps.pool.submit(self._answer, body, claim, bot_user_id)
        elif go:
            headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
            headers["content-type"] = environ.get("CONTENT_TYPE") or ""
            context = {"admitted": True, **({"claim": claim} if claim else {})}
            request = BoltRequest(body=raw.decode("utf-8"), query=environ.get("QUERY_STRING") or "",
                                  headers=headers, context=context)
            self.deps.pool.submit(self._later, request)
        return True

    def _check(self, raw: bytes, environ: dict) -> tuple[int, str] | dict | None:
        """(status, reason) for a request Bolt must not see; else the parsed body (a dict; None if not one of
        JSON or form data with a payload or command)."""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if not timestamp.isdigit() or not signature.startswith("v0="):
            return 401, "Unauthorized"
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return 400, "Bad Request"  # Slack signs UTF-8 text; these bytes cannot be one of its requests
        if not self.verifier.is_valid(text, timestamp, signature):
            return 401, "Unauthorized"
        ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        try:
            if ctype == "application/json":
                body = json.loads(text)
                if not isinstance(body, dict) or (body.get("type") == "event_callback"
                                                  and not isinstance(body.get("event"), dict)):
                    return 400, "Bad Request"  # (an event_callback's event is always an object)
                return body
            form = {k: v[0] for k, v in parse_qs(text, strict_parsing=bool(text)).items()}
            if "payload" in form:
                body = json.loads(form["payload"])
                return body if isinstance(body, dict) else (400, "Bad Request")
            if not FORM_KINDS & form.keys():
                return 400, "Bad Request"  # form data, but none of Slack's (a command, a payload, ssl_check)
            return form
        except ValueError:
            return 400, "Bad Request"

    def _health(self, start_response: Callable) -> Iterable[bytes]:
        try:
            body: dict = {"status": "ok", "newest_as_of": self.kb.newest_as_of_text(),
                          "curated_through": self.kb.curated_through_text()}
            status = 200
        except KnowledgeBaseMissing:
            body, status = {"status": "no knowledge base"}, 503
        data = json.dumps(body).encode()
        start_response(_status_line(status), [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(data)))])
        return [data]

    @staticmethod
    def _plain(start_response: Callable, status: int, text: str) -> Iterable[bytes]:
        data = text.encode()
        start_response(_status_line(status), [*_TEXT, ("Content-Length", str(len(data)))])
        return [data]


class QueueDepthFilter(logging.Filter):
    """Lets through waitress's "Task queue depth is N" warning at most once per `every_s` seconds, saying
    the deepest queue seen meanwhile. Waitress logs it for every request queued while all request threads are
    busy: a burst of 50 questions wrote 35 such lines, burying everything else in the log (found by the
    new-user trial)."""

    def __init__(self, every_s: float = 60.0):
        super().__init__()
        self.every_s = every_s
        self._last = float("-inf")
        self._deepest = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        """True to log `record`: not a queue-depth warning, or the first one in `every_s` seconds (then
        rewritten to give the deepest queue since the last one logged)."""
        if not str(record.msg).startswith("Task queue depth is"):
            return True
        import time

        depth = int(record.args[0]) if isinstance(record.args, tuple) and record.args else 0
        with self._lock:
            self._deepest = max(self._deepest, depth)
            now = time.monotonic()
            if now - self._last < self.every_s:
                return False
            self._last, deepest, self._deepest = now, self._deepest, 0
        record.msg, record.args = ("requests queued for a free request thread (deepest queue %d; this warning "
                                   "is logged at most once a minute)"), (deepest,)
        return True


_QUEUE_LOG = logging.getLogger("waitress.queue")
if not any(isinstance(f, QueueDepthFilter) for f in _QUEUE_LOG.filters):
    _QUEUE_LOG.addFilter(QueueDepthFilter())


def _waitress(wsgi: SlackWSGI, **where: object):  # noqa: ANN202 - waitress's server object
    return create_server(wsgi, threads=REQUEST_THREADS, connection_limit=CONNECTION_LIMIT,
                         channel_timeout=RECEIVE_DEADLINE_S, cleanup_interval=2, backlog=2048,
                         max_request_body_size=MAX_BODY, asyncore_use_poll=True, ident="strikebot",
                         clear_untrusted_proxy_headers=True, **where)


class SlackHTTPServer:
    """Serve `app` over HTTP on `host:port` (port 0 = any free port; see `.port`) in this process, or on an
    already listening `sock` (the workers of `serve_http`).

    `start()` runs it in a daemon thread (tests); `serve_forever()` blocks (the CLI); `stop()` shuts it down."""

    def __init__(self, app: App, kb: KnowledgeBase, *, host: str = "127.0.0.1", port: int = 3000,
                 signing_secret: str | None = None, sock: socket.socket | None = None):
        secret = signing_secret or getattr(app, "_signing_secret", None) or ""
        self.wsgi = SlackWSGI(app, kb, secret)
        self.server = _waitress(self.wsgi, sockets=[sock]) if sock is not None else \
            _waitress(self.wsgi, host=host, port=port)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.server.effective_port)

    def start(self) -> SlackHTTPServer:
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self.server.run, name="strikebot-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until interrupted."""
        self.server.run()

    def stop(self) -> None:
        """Stop serving and close the socket and every connection (the I/O loop thread ends within a second;
        it is not waited for)."""
        from waitress import wasyncore

        wasyncore.close_all(self.server._map)
        self.server.task_dispatcher.shutdown(timeout=0.05)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port` (0 = any free port), inheritable by worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    return sock


def serve_http(run_worker: Callable[[socket.socket | None], None], *, host: str, port: int, workers: int,
               announce: Callable[[int], None]) -> None:
    """Serve HTTP with `workers` processes: bind `host:port` once, then fork `workers` processes that each run
    `run_worker(sock)` (their own Bolt app, state connections, reminder scheduler and claim resumer), and
    supervise them: a worker that dies is replaced; SIGTERM/SIGINT stop them all. The kernel spreads
    connections over the processes accepting on the shared socket. With one worker nothing is forked:
    `run_worker(sock)` runs here. `announce(port)` is called once the socket is bound.

    Several workers may each run the reminder scheduler and the claim resumer: every reminder and event is
    claimed in the state database (a unique-key insert or a conditional update) before anything is posted, so
    only one process ever posts it. The supervisor itself starts no threads, so forking it is safe."""
    sock = listen(host, port)
    announce(sock.getsockname()[1])
    if workers <= 1:
        run_worker(sock)
        return
    children: dict[int, int] = {}
    stopping = [False]

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 0
            try:
                run_worker(sock)
            except BaseException:  # noqa: BLE001 - a worker must never return into the supervisor's loop
                log.exception("worker %d failed", slot)
                code = 1
            finally:
                os._exit(code)
        children[pid] = slot

    def stop(signum: int, frame: object) -> None:  # noqa: ARG001 - signal handler signature
        stopping[0] = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        slot = children.pop(pid, None)
        if slot is not None and not stopping[0]:
            log.warning("worker %d (pid %d) exited (status %d); starting another", slot, pid, status)
            spawn(slot)
    sys.exit(0)


def start_retention_sweeper(state: StateStore, days: int, clock: Callable[[], datetime], *,
                            stop_event: threading.Event, interval_s: float = 6 * 3600) -> threading.Thread:
    """Delete questions and user IDs older than `days` now and then every `interval_s` seconds (daemon
    thread) until `stop_event` is set. Returns the thread."""

    def sweep() -> None:
        log.info("retention purge: %s", state.purge(days, clock()))

    return start_periodic("strikebot-retention", sweep, stop_event=stop_event, interval_s=interval_s,
                          on_stop=state.close)
