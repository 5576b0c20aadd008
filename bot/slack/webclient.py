"""`KeepAliveWebClient`: slack-sdk's WebClient, sending over reused (keep-alive) HTTP connections.

slack-sdk's synchronous WebClient sends every Web API call with `urllib.request.urlopen`, which opens a new
connection — for slack.com a new TCP connection and TLS handshake — per call and closes it after the
response. A reply to a question is a chat.postMessage; in a burst of questions each one paid for its own
connection (on loopback to the benchmark's fake Web API, 0.8 ms of this process's CPU per post, most of it
setting up and tearing down the connection; to slack.com add the handshake's round trips).

This subclass replaces only the last step, `_perform_urllib_http_request_internal(url, req)`: the same
`urllib.request.Request` slack-sdk built (URL, headers with the token, body) is sent over an idle connection
to the same host taken from a small per-process pool (`ConnectionPool`), or a new one. Everything above it —
building the request, retry handlers (HTTP 429 after Retry-After), response parsing, SlackApiError — is
slack-sdk's own. Behaviour kept from urllib, which the delivery code relies on (bot.slack.delivery
`outcome_of`):
- an HTTP status >= 400 raises `urllib.error.HTTPError` with the status, headers and body, as urlopen does
  (slack-sdk turns it into a response, or retries a 429);
- an OSError while connecting or sending (connection refused, DNS failure, timeout) raises `URLError(err)`,
  as urlopen does; one while waiting for the response (a timeout, the server closing the connection) is
  raised as it is — the call may have been carried out, so it is never retried here;
- a proxy (`proxy=`) or a non-HTTP URL falls back to slack-sdk's urllib path.

A pooled connection is reused only if it was idle for under `IDLE_S` seconds and the server has not closed
it meanwhile (its socket is not readable: a closed or half-closed socket reads as ready); otherwise it is
closed and another one taken. So a stale connection cannot turn a post into an "unknown" outcome, except in
the race where the server closes it while the request is on its way — which the delivery code settles by
looking for the reply's metadata before posting again, exactly as for any dropped connection.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import ssl
import threading
import time
import urllib.error
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

IDLE_S = 30.0  # a connection idle for longer is not reused (servers close idle keep-alive connections)
MAX_IDLE_PER_HOST = 16  # idle connections kept per host; more are closed after their response

_Key = tuple[str, str, int, int]  # (scheme, host, port, id of the SSL context)


class ConnectionPool:
    """Idle HTTP(S) connections per (scheme, host, port, SSL context), newest first. Thread-safe: a
    connection is used by one caller at a time (taken out, then put back once its response was read)."""

    def __init__(self) -> None:
        self._idle: dict[_Key, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()

    def take(self, key: _Key) -> http.client.HTTPConnection | None:
        """A reusable idle connection for `key`, or None (the caller opens a new one). Stale ones — idle over
        IDLE_S, or closed by the server — are closed and skipped."""
        now = time.monotonic()
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                since, conn = idle.pop()
            if now - since < IDLE_S and not _dropped(conn):
                return conn
            conn.close()

    def give_back(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        """Keep `conn` for reuse (or close it when MAX_IDLE_PER_HOST are kept already)."""
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_HOST:
                idle.append((time.monotonic(), conn))
                return
        conn.close()

    def clear(self) -> None:
        """Close every idle connection (and forget them)."""
        with self._lock:
            conns = [c for idle in self._idle.values() for _, c in idle]
            self._idle.clear()
        for c in conns:
            c.close()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's connections without closing them (the parent still uses its
        sockets) and take a new lock (the parent's may have been held by another thread at the fork)."""
        self._idle = {}
        self._lock = threading.Lock()

    def idle_count(self) -> int:
        """How many idle connections are kept (all hosts)."""
        with self._lock:
            return sum(len(v) for v in self._idle.values())


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """True when the server closed `conn` (or sent something unasked): an idle keep-alive socket that reads
    as ready has nothing good to say."""
    sock = conn.sock
    if sock is None:
        return True
    try:
        ready, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


POOL = ConnectionPool()
# a forked worker (serve --workers N) must not share the parent's sockets
os.register_at_fork(after_in_child=POOL.forget_after_fork)

_default_ssl: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    global _default_ssl
    if _default_ssl is None:
        _default_ssl = ssl.create_default_context()  # what urlopen uses when given no context
    return _default_ssl


class KeepAliveWebClient(WebClient):
    """A WebClient whose calls reuse idle connections to the Web API (see the module docstring). Same
    constructor and methods as slack_sdk.WebClient."""

    pool: ConnectionPool = POOL

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        """Send `req` (slack-sdk's request for `url`) over a pooled connection. Returns
        {"status": int, "headers": http.client.HTTPMessage, "body": str (or bytes for application/gzip)}.
        Raises HTTPError for a status >= 400, URLError for an OSError before the request was sent, and the
        OSError itself (or http.client.HTTPException) for one while awaiting the response."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if self.proxy is not None or scheme not in ("http", "https") or not parts.hostname:
            return super()._perform_urllib_http_request_internal(url, req)
        context = (self.ssl or _ssl_context()) if scheme == "https" else None
        port = parts.port or (443 if scheme == "https" else 80)
        key: _Key = (scheme, parts.hostname, port, id(context))
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn = self.pool.take(key)
        if conn is None:
            conn = (http.client.HTTPSConnection(parts.hostname, port, timeout=self.timeout, context=context)
                    if context is not None else http.client.HTTPConnection(parts.hostname, port, timeout=self.timeout))
        else:
            conn.timeout = self.timeout
            if conn.sock is not None:
                conn.sock.settimeout(self.timeout)
        try:
            try:
                conn.request("POST", path, body=req.data, headers=dict(req.header_items()))
            except OSError as err:
                raise urllib.error.URLError(err) from err
            resp = conn.getresponse()
            data = resp.read()
        except BaseException:
            conn.close()
            raise
        if resp.will_close:
            conn.close()
        else:
            self.pool.give_back(key, conn)
        if resp.status >= 400:
            raise urllib.error.HTTPError(url, resp.status, resp.reason, resp.headers, io.BytesIO(data))
        if resp.headers.get_content_type() == "application/gzip":
            return {"status": resp.status, "headers": resp.headers, "body": data}
        charset = resp.headers.get_content_charset() or "utf-8"
        return {"status": resp.status, "headers": resp.headers, "body": data.decode(charset)}
