"""HTTP mode: a small threaded HTTP server in front of the Bolt app, plus the retention sweeper.

POST /slack/events -> Bolt (events, slash commands and interactions; Bolt checks the signature and answers
401 to forged, altered or stale requests). GET /healthz -> 200 with the knowledge base's newest as-of date
(503 when the knowledge base file is missing). In OAuth mode, GET /slack/install and GET /slack/oauth_redirect
-> Bolt's OAuth flow (unsigned: a browser, not Slack, calls them). Everything else is 404.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from slack_bolt import App, BoltRequest

from bot.knowledge import KnowledgeBase, KnowledgeBaseMissing
from bot.periodic import start_periodic
from bot.state import StateStore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
MAX_BODY = 1_000_000


def _handler_class(app: App, kb: KnowledgeBase) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _send(self, status: int, body: str | bytes, headers: dict[str, list[str] | str]) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            for name, values in headers.items():
                if name.lower() == "content-length":
                    continue
                for v in values if isinstance(values, list) else [values]:
                    self.send_header(name, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            flow = app.oauth_flow
            if flow is not None and url.path in (flow.install_path, flow.redirect_uri_path):
                req = BoltRequest(body="", query=url.query, headers={k.lower(): v for k, v in self.headers.items()})
                resp = flow.handle_installation(req) if url.path == flow.install_path else flow.handle_callback(req)
                self._send(resp.status, resp.body or "", resp.headers)
                return
            if url.path != HEALTH_PATH:
                self._send(404, "Not Found", {"Content-Type": "text/plain; charset=utf-8"})
                return
            try:
                body = {"status": "ok", "newest_as_of": kb.newest_as_of_text()}
                status = 200
            except KnowledgeBaseMissing:
                body, status = {"status": "no knowledge base"}, 503
            self._send(status, json.dumps(body), {"Content-Type": "application/json"})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if url.path != EVENTS_PATH or length > MAX_BODY:
                self._send(404 if url.path != EVENTS_PATH else 413, "", {})
                return
            raw = self.rfile.read(length).decode("utf-8")
            headers = {k.lower(): v for k, v in self.headers.items()}
            resp = app.dispatch(BoltRequest(body=raw, query=url.query, headers=headers))
            self._send(resp.status, resp.body or "", resp.headers)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
            log.debug("%s - %s", self.address_string(), format % args)

    return Handler


class _ThreadingServer(ThreadingHTTPServer):
    # Slack delivers events in bursts; socketserver's default listen backlog of 5 made concurrent connections
    # beyond it fail with "connection reset" (seen at 50 concurrent events in benchmarks/e2e.py)
    request_queue_size = 128
    daemon_threads = True


class SlackHTTPServer:
    """Serve `app` over HTTP on `host:port` (port 0 = any free port; see `.port`).

    `start()` runs it in a daemon thread (tests); `serve_forever()` blocks (the CLI); `stop()` shuts it down."""

    def __init__(self, app: App, kb: KnowledgeBase, *, host: str = "0.0.0.0", port: int = 3000):
        self.httpd = _ThreadingServer((host, port), _handler_class(app, kb))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return self.httpd.server_address[1]

    def start(self) -> SlackHTTPServer:
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="strikebot-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until interrupted."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()


def start_retention_sweeper(state: StateStore, days: int, clock: Callable[[], datetime], *,
                            stop_event: threading.Event, interval_s: float = 6 * 3600) -> threading.Thread:
    """Delete questions and user IDs older than `days` now and then every `interval_s` seconds (daemon
    thread) until `stop_event` is set. Returns the thread."""

    def sweep() -> None:
        log.info("retention purge: %s", state.purge(days, clock()))

    return start_periodic("strikebot-retention", sweep, stop_event=stop_event, interval_s=interval_s,
                          on_stop=state.close)
