"""A fake Slack Web API for the reminder tests: a real HTTP server on 127.0.0.1, port 0, in a thread.

Records every call's method and decoded body; answers `ok: true` (chat.postMessage gets a fresh `ts`) unless a
test scripted something else for that method: an error (`not_in_channel` …), an HTTP 429 with Retry-After, or
a dropped connection (no answer at all: the post's outcome is unknown to the client).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Call:
    """One request: `method` like 'chat.postMessage', `body` the decoded JSON or form fields."""

    method: str
    body: dict


@dataclass
class FakeSlack:
    """Start with `FakeSlack.start()`; `url` is the base URL for WebClient(base_url=…); `stop()` when done."""

    calls: list[Call] = field(default_factory=list)
    scripts: dict[str, list[dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    _ts: int = 0

    @classmethod
    def start(cls) -> FakeSlack:
        fake = cls()
        fake.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        fake.server.daemon_threads = True
        threading.Thread(target=fake.server.serve_forever, daemon=True).start()
        return fake

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    history: dict[str, list[dict]] = field(default_factory=dict)
    team_id: str = "T0FAKE"  # auth.test's answer  # channel -> messages posted, oldest first

    def hold(self, method: str, *, created: bool) -> tuple[threading.Event, threading.Event]:
        """Hold the next call of `method` (posted or not, per `created`) until the second event returned is set;
        the first is set when the call arrives. The held call is then dropped unanswered."""
        arrived, release = threading.Event(), threading.Event()
        with self.lock:
            self.scripts.setdefault(method, []).append(
                {"error": None, "status": 200, "retry_after": None, "drop": True, "created": created,
                 "hold": (arrived, release)})
        return arrived, release

    def script(self, method: str, *, error: str | None = None, status: int = 200, retry_after: int | None = None,
               drop: bool = False, times: int = 1, created: bool = False) -> None:
        """Answer the next `times` calls of `method` with an error / HTTP status / Retry-After / no answer;
        with `created` a chat.postMessage is posted (it appears in conversations.history) all the same."""
        with self.lock:
            self.scripts.setdefault(method, []).extend(
                [{"error": error, "status": status, "retry_after": retry_after, "drop": drop,
                  "created": created}] * times)

    def posts(self, channel: str | None = None) -> list[dict]:
        """Bodies of chat.postMessage calls (to `channel` if given)."""
        return [c.body for c in self.calls if c.method == "chat.postMessage"
                and (channel is None or c.body.get("channel") == channel)]

    def _answer(self, method: str, body: dict) -> tuple[dict | None, int, dict]:
        with self.lock:
            self.calls.append(Call(method, body))
            queue = self.scripts.get(method) or []
            step = queue.pop(0) if queue else None
            self._ts += 1
            ts = f"1700000000.{self._ts:06d}"
            if method == "chat.postMessage" and (step is None or step["created"]):
                self.history.setdefault(body.get("channel"), []).append(
                    {"ts": ts, "text": body.get("text"), "metadata": body.get("metadata")})
            if method == "conversations.history" and not step:
                msgs = [m for m in self.history.get(body.get("channel"), [])
                        if float(m["ts"]) >= float(body.get("oldest") or 0)]
                return {"ok": True, "messages": list(reversed(msgs)), "has_more": False}, 200, {}
        if step and step.get("hold"):
            arrived, release = step["hold"]
            arrived.set()
            release.wait(30)
        if step and step["drop"]:
            return None, 0, {}
        if step and step["status"] != 200:
            headers = {"Retry-After": str(step["retry_after"])} if step["retry_after"] is not None else {}
            return {"ok": False, "error": "ratelimited"}, step["status"], headers
        if step and step["error"]:
            return {"ok": False, "error": step["error"]}, 200, {}
        if method == "auth.test":
            return {"ok": True, "team_id": self.team_id, "user_id": "UBOT"}, 200, {}
        if method == "chat.postMessage":
            return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": {"text": body.get("text")}}, 200, {}
        return {"ok": True}, 200, {}


def _handler(fake: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            method = self.path.rsplit("/", 1)[-1]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in parse_qs(raw).items()}
            answer, status, headers = fake._answer(method, body)
            if answer is None:  # drop the connection without answering
                self.close_connection = True
                self.connection.shutdown(2)
                return
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

    return Handler
