"""KeepAliveWebClient (bot.slack.webclient): Web API calls reuse one connection, and what goes wrong on it is
reported exactly as slack-sdk's urllib path reports it (bot.slack.delivery classifies those outcomes)."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.slack.delivery import outcome_of
from bot.slack.webclient import ConnectionPool, KeepAliveWebClient
from tests.slack.fake_slack import FakeSlack, Reply, not_ok, rate_limited


@pytest.fixture()
def fake():
    f = FakeSlack().start()
    yield f
    f.stop()


def client_for(url: str, **kw) -> KeepAliveWebClient:
    c = KeepAliveWebClient(token="xoxb-test", base_url=url, **kw)
    c.pool = ConnectionPool()  # this test's own connections
    return c


def test_calls_reuse_one_connection_and_carry_the_token(fake):
    c = client_for(fake.url)
    for i in range(3):
        assert c.chat_postMessage(channel="C1", text=f"reply {i}")["ok"]
    assert fake.httpd.connections == 1
    assert c.pool.idle_count() == 1
    posts = fake.of("chat.postMessage")
    assert [p.body["text"] for p in posts] == ["reply 0", "reply 1", "reply 2"]
    assert {p.token for p in posts} == {"xoxb-test"}


def test_slack_errors_and_http_statuses_are_reported_as_urllib_reports_them(fake):
    c = client_for(fake.url)
    fake.script("chat.postMessage", not_ok("invalid_blocks"), Reply({"ok": False}, status=503))
    with pytest.raises(SlackApiError) as refused:
        c.chat_postMessage(channel="C1", text="x")
    assert outcome_of(refused.value) == "invalid_blocks"
    with pytest.raises(SlackApiError) as down:
        c.chat_postMessage(channel="C1", text="x")
    assert down.value.response.status_code == 503 and outcome_of(down.value) == "unknown"
    assert c.chat_postMessage(channel="C1", text="after the errors")["ok"]  # the connection is still usable
    assert fake.httpd.connections == 1


def test_rate_limits_are_retried_after_retry_after(fake):
    c = client_for(fake.url, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    fake.script("chat.postMessage", rate_limited(retry_after=0))
    assert c.chat_postMessage(channel="C1", text="x")["ok"]
    assert len(fake.of("chat.postMessage")) == 2


def test_connection_refused_is_a_definite_non_send():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed
    c = client_for(f"http://127.0.0.1:{port}/api/")
    with pytest.raises(urllib.error.URLError) as err:
        c.chat_postMessage(channel="C1", text="x")
    assert outcome_of(err.value) == "not_sent"


class ClosingServer:
    """Answers one request per connection with a keep-alive response, then closes the connection after
    `close_after` seconds (as a server drops idle keep-alive connections)."""

    def __init__(self, close_after: float = 0.05):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        self.close_after = close_after
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(int(h.split(b":")[1]) for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
            while len(body) < length:
                body += conn.recv(65536)
            payload = b'{"ok": true, "ts": "1.2"}'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            time.sleep(self.close_after)
            conn.close()


def test_a_connection_the_server_closed_is_not_reused():
    server = ClosingServer()
    c = client_for(server.url)
    assert c.chat_postMessage(channel="C1", text="first")["ts"] == "1.2"
    time.sleep(0.3)  # the server has closed the idle connection by now
    assert c.chat_postMessage(channel="C1", text="second")["ts"] == "1.2"  # a new connection, no error
    assert server.accepted == 2
    server.sock.close()


def test_a_connection_idle_too_long_is_not_reused(fake, monkeypatch):
    c = client_for(fake.url)
    c.chat_postMessage(channel="C1", text="first")
    monkeypatch.setattr("bot.slack.webclient.IDLE_S", 0.0)
    c.chat_postMessage(channel="C1", text="second")
    assert fake.httpd.connections == 2


def test_https_calls_verify_the_certificate_and_reuse_the_connection(tmp_path):
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    connections = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def setup(self) -> None:
            connections.append(self.client_address)
            super().setup()

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            payload = b'{"ok": true, "ts": "9.9"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/api/"
    try:
        trusting = client_for(url, ssl=ssl.create_default_context(cafile=str(cert)))
        assert [trusting.chat_postMessage(channel="C1", text="x")["ts"] for _ in range(2)] == ["9.9", "9.9"]
        assert len(connections) == 1
        with pytest.raises(urllib.error.URLError) as untrusted:  # the default context does not trust it
            client_for(url).chat_postMessage(channel="C1", text="x")
        assert isinstance(untrusted.value.reason, ssl.SSLCertVerificationError)
    finally:
        server.shutdown()
        server.server_close()


def test_a_forked_child_starts_with_no_connections_of_its_parent(fake):
    import os

    from bot.slack import webclient

    c = KeepAliveWebClient(token="xoxb-test", base_url=fake.url)  # the process-wide pool, as in serve
    c.chat_postMessage(channel="C1", text="parent")
    assert webclient.POOL.idle_count() >= 1
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: reports its pool's size, then posts over a connection of its own
        try:
            n = webclient.POOL.idle_count()
            c.chat_postMessage(channel="C1", text="child")
            os.write(write, str(n).encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"0"
    assert [p.body["text"] for p in fake.of("chat.postMessage")] == ["parent", "child"]
    c.chat_postMessage(channel="C1", text="parent again")  # the parent's connection still works
    assert fake.of("chat.postMessage")[-1].body["text"] == "parent again"
