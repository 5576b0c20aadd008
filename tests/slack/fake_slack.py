"""A fake Slack Web API on 127.0.0.1 (port 0): records every method and body, answers scripted errors.

`/api/<method>` answers like Slack's Web API; `/response/<id>` stands in for slash-command and button
`response_url`s; `/upload/<file id>` is the upload URL that `files.getUploadURLExternal` hands out (slack-sdk's
`files_upload_v2`: get the URL, POST the bytes there, then `files.completeUploadExternal`). Tests script replies
per method with `fake.script(method, Reply(...), ...)`. Messages posted (chat.postMessage answered ok, or
scripted with `created=True`) are kept with their metadata and returned by conversations.history /
conversations.replies. `fake.hold(method)` makes the next call of `method` wait until the test releases it
(e.g. to kill the bot while its post is in flight).
OAuth: `fake.add_workspace(team, token)` returns a code that `oauth.v2.access` exchanges for that workspace's
bot token; `auth.test` then answers for the workspace whose token it is given. Every call records the
Authorization header it came with (`call.auth`), so tests can check which workspace's token was used.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = "UBOT"
BOT_ID = "BBOT"
TEAM = "T0TEST"


@dataclass
class Reply:
    """A scripted answer: HTTP `status`, JSON `body`, extra `headers` (e.g. {'Retry-After': '1'}); `delay`
    seconds before answering; `created`: a chat.postMessage is posted all the same (then answered like this)."""

    body: dict
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    created: bool = False


class Hold:
    """A held call: `arrived` is set when it comes in; `release(created=…, reply=…)` lets it go on —
    posted or not, answered with `reply` (default: the normal answer; None = close the connection)."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self._go = threading.Event()
        self.created = True
        self.reply: Reply | None | bool = True

    def release(self, *, created: bool = True, reply: Reply | None | bool = True) -> None:
        self.created, self.reply = created, reply
        self._go.set()


@dataclass
class Call:
    """One recorded request: `method` ('chat.postMessage' or 'response_url'), `path`, parsed `body`, `at`."""

    method: str
    path: str
    body: dict
    at: float
    auth: str = ""  # the Authorization header ('Bearer xoxb-…'; Basic for oauth.v2.access)

    @property
    def token(self) -> str:
        """The bearer token the call carried ('' if none)."""
        return self.auth[7:] if self.auth.startswith("Bearer ") else ""


def not_ok(error: str) -> Reply:
    """Slack's 200 + ok:false error shape (e.g. not_in_channel)."""
    return Reply({"ok": False, "error": error})


def rate_limited(retry_after: int = 1) -> Reply:
    """HTTP 429 with Retry-After."""
    return Reply({"ok": False, "error": "ratelimited"}, 429, {"Retry-After": str(retry_after)})


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the benchmark's bursts: socketserver's default backlog of 5 resets connections
    daemon_threads = True
    connections = 0  # connections accepted so far (the bot's client keeps them alive between calls)

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        self.connections += 1
        self.open_sockets = [*getattr(self, "open_sockets", []), request]
        super().process_request(request, client_address)

    def close_connections(self) -> None:
        """Close every accepted connection: kept-alive ones would otherwise go on being served after stop()."""
        for sock in getattr(self, "open_sockets", []):
            try:
                sock.shutdown(2)
            except OSError:
                pass


class FakeSlack:
    """Start with `FakeSlack().start()`; `url` is the Web API base URL (ends with /api/)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.uploads: dict[str, bytes] = {}  # file id -> bytes uploaded to its upload URL
        self._scripts: dict[str, list[Reply]] = {}
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)  # notified on every recorded call: waiters never poll
        self._ts = 1700000000
        self.workspaces: dict[str, dict] = {}  # bot token -> {team, bot_user, bot_id, installer, code}
        self.messages: dict[str, list[dict]] = {}  # channel -> messages posted, oldest first
        self._holds: dict[str, list[Hold]] = {}
        self._waiters: list[tuple] = []  # (method, match, Event, [call]) of threads in wait_call
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Slack's Web API: the bot's client reuses connections
            # the headers and the body go out in two writes: without TCP_NODELAY the second waits for the
            # client's delayed ACK (40 ms) on a kept-alive connection
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/upload/"):  # files_upload_v2 step 2: the raw file bytes
                    reply = fake._record_upload(self.path, data)
                else:
                    reply = fake._record(self.path, self.headers.get("Content-Type") or "", data.decode("utf-8"),
                                         self.headers.get("Authorization") or "")
                if reply is None:  # drop the connection without answering
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "r1") -> str:
        return f"{self.base}/response/{name}"

    def start(self) -> FakeSlack:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd.close_connections()

    def script(self, method: str, *replies: Reply) -> None:
        """Answer the next calls of `method` with `replies`, in order (then the default success)."""
        with self._lock:
            self._scripts.setdefault(method, []).extend(replies)

    def add_workspace(self, team: str, token: str, *, bot_user: str = BOT_USER, bot_id: str = BOT_ID,
                      installer: str = "U0INSTALL") -> str:
        """Make a workspace `team` whose install yields bot `token`; returns the OAuth code for
        oauth.v2.access (what Slack appends to the redirect URL)."""
        code = f"code-{team}-{len(self.workspaces)}"
        with self._lock:
            self.workspaces[token] = {"team": team, "bot_user": bot_user, "bot_id": bot_id,
                                      "installer": installer, "code": code}
        return code

    def hold(self, method: str) -> Hold:
        """Make the next call of `method` wait until the returned Hold is released."""
        h = Hold()
        with self._lock:
            self._holds.setdefault(method, []).append(h)
        return h

    def _post(self, body: dict) -> str:
        """Keep a posted message (lock held); returns its ts."""
        self._ts += 1
        ts = f"{self._ts}.000100"
        self.messages.setdefault(str(body.get("channel")), []).append(
            {"ts": ts, "text": body.get("text"), "thread_ts": body.get("thread_ts"), "metadata": body.get("metadata"),
             "bot_id": BOT_ID})
        return ts

    def _record(self, path: str, ctype: str, raw: str, auth: str = "") -> Reply | None:
        if "json" in ctype:
            body = json.loads(raw or "{}")
        else:
            body = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw).items()}
        method = path.split("/api/", 1)[1].split("?")[0] if "/api/" in path else "response_url"
        with self._lock:
            self.calls.append(Call(method, path, body, time.monotonic(), auth))
            self._wake(self.calls[-1])
            self._recorded.notify_all()
            holds = self._holds.get(method)
            held = holds.pop(0) if holds else None
        if held is not None:
            held.arrived.set()
            held._go.wait(60)
            with self._lock:
                ts = self._post(body) if held.created and method == "chat.postMessage" else None
            if held.reply is None or isinstance(held.reply, Reply):
                return held.reply
            return Reply({"ok": True, "channel": body.get("channel"), "ts": ts})
        with self._lock:
            queue = self._scripts.get(method)
            if queue:
                reply = queue.pop(0)
                if reply.created and method == "chat.postMessage":
                    self._post(body)
                return reply
            if method == "chat.postMessage":
                ts = self._post(body)
                return Reply({"ok": True, "channel": body.get("channel"), "ts": ts,
                              "message": {"text": body.get("text")}})
            if method in ("conversations.history", "conversations.replies"):
                return Reply(self._history(method, body))
            self._ts += 1
        return Reply(self._default(method, body, auth))

    def _record_upload(self, path: str, data: bytes) -> Reply:
        file_id = path.rsplit("/", 1)[-1]
        with self._lock:
            self.calls.append(Call("file_upload", path, {"file_id": file_id, "bytes": len(data)}, time.monotonic()))
            self._wake(self.calls[-1])
            self.uploads[file_id] = data
            self._recorded.notify_all()
        return Reply({"ok": True}) if file_id.startswith("F") else Reply({"ok": False}, 404)

    def _default(self, method: str, body: dict, auth: str = "") -> dict:
        token = auth[7:] if auth.startswith("Bearer ") else ""
        if method == "oauth.v2.access":
            ws = next(((t, w) for t, w in self.workspaces.items() if w["code"] == body.get("code")), None)
            if ws is None or not auth.startswith("Basic "):
                return {"ok": False, "error": "invalid_code" if ws is None else "invalid_client_id"}
            t, w = ws
            return {"ok": True, "app_id": "A0TEST", "authed_user": {"id": w["installer"]},
                    "scope": body.get("scope") or "app_mentions:read,chat:write,commands", "token_type": "bot",
                    "access_token": t, "bot_user_id": w["bot_user"], "team": {"id": w["team"], "name": w["team"]},
                    "enterprise": None, "is_enterprise_install": False}
        if method == "auth.test" and token in self.workspaces:
            w = self.workspaces[token]
            return {"ok": True, "url": "https://test.slack.com/", "team": w["team"], "user": "strikebot",
                    "team_id": w["team"], "user_id": w["bot_user"], "bot_id": w["bot_id"],
                    "is_enterprise_install": False}
        if method == "auth.test" and token.startswith("xoxb-gone"):
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": "https://test.slack.com/", "team": "Test", "user": "strikebot",
                    "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}
        if method == "chat.update":
            return {"ok": True, "channel": body.get("channel"), "ts": body.get("ts") or f"{self._ts}.000100",
                    "message": {"text": body.get("text")}}
        if method == "response_url":
            return {"ok": True}
        if method == "files.getUploadURLExternal":  # files_upload_v2 step 1: an upload URL on this server
            file_id = f"F{self._ts:010d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base}/upload/{file_id}"}
        if method == "files.completeUploadExternal":  # step 3: share the uploaded files in the conversation
            files = body.get("files")
            files = json.loads(files) if isinstance(files, str) else files or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title"), "name": f.get("title")}
                                          for f in files]}
        return {"ok": True}

    def _history(self, method: str, body: dict) -> dict:
        """conversations.history / .replies over the kept messages (lock held), newest first."""
        oldest = float(body.get("oldest") or 0)
        msgs = [m for m in self.messages.get(str(body.get("channel")), []) if float(m["ts"]) >= oldest]
        if method == "conversations.replies":
            msgs = [m for m in msgs if m.get("thread_ts") == body.get("ts")]
        else:
            msgs = [m for m in msgs if not m.get("thread_ts")]
        return {"ok": True, "messages": list(reversed(msgs)), "has_more": False}

    # ---- inspection ---------------------------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        """Recorded calls of `method`."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; returns those calls (AssertionError on
        timeout)."""
        end = time.monotonic() + timeout
        with self._recorded:
            while len(found := [c for c in self.calls if c.method == method]) < count \
                    and (left := end - time.monotonic()) > 0:
                self._recorded.wait(left)
        if len(found) >= count:
            return found
        raise AssertionError(f"{method} called {len(found)} times, wanted {count}: {self.transcript()}")

    def wait_call(self, method: str, match: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """Wait until a call of `method` for which `match(call)` is true has been recorded; returns the first such
        call (AssertionError on timeout). The waiter is registered with the fake and woken only by the call it
        waits for: the benchmark's 50 waiting client threads used to wake on every post (2,500 wake-ups a
        burst), taxing the load generator's share of the CPU."""
        done, box = threading.Event(), []
        waiter = (method, match, done, box)
        with self._lock:
            for call in self.calls:
                if call.method == method and match(call):
                    return call
            self._waiters.append(waiter)
        try:
            if not done.wait(timeout):
                raise AssertionError(f"no matching {method} call within {timeout} s")
            return box[0]
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _wake(self, call: Call) -> None:
        """Wake the `wait_call` waiters that `call` satisfies (lock held)."""
        for waiter in list(self._waiters):
            method, match, done, box = waiter
            if method == call.method and match(call):
                box.append(call)
                done.set()
                self._waiters.remove(waiter)

    def transcript(self, *, skip: tuple[str, ...] = ("auth.test",)) -> str:
        """Every recorded call as 'METHOD body-json' lines (for reports and failure messages)."""
        with self._lock:
            return "\n".join(f"{c.method} {c.path} {json.dumps(c.body, ensure_ascii=False)}"
                             for c in self.calls if c.method not in skip)
