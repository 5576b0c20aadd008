"""Running `strikebot serve --http` as separate processes, the way a deployment runs several instances behind a
load balancer: each has its own port and shares one state database and the fake Slack Web API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.slack.signed_requests import SECRET, SlackTestBot

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """One `strikebot serve --http` process on 127.0.0.1:`port`; `bot` sends it signed requests.

    `env` is the instance's environment (Slack settings, STRIKEBOT_KB, STRIKEBOT_STATE, …); `cwd` a folder of
    its own. `start()` returns once GET /healthz answers (AssertionError, with the instance's output, if it
    exits or does not answer within `timeout` seconds)."""

    def __init__(self, name: str, env: dict[str, str], cwd: Path, fake):  # noqa: ANN001 - FakeSlack
        self.name, self.cwd, self.port = name, cwd, free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STRIKEBOT_", "REMINDER_"))}
        self.env = {**base, "SLACK_SIGNING_SECRET": SECRET, "PYTHONPATH": str(ROOT), **env}
        self.bot = SlackTestBot(f"http://127.0.0.1:{self.port}/slack/events", fake)
        self.proc: subprocess.Popen | None = None
        self.log = cwd / f"{name}.log"

    def start(self, timeout: float = 30) -> Instance:
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--http", "--port", str(self.port), "--host", "127.0.0.1"],
                cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise AssertionError(f"{self.name} did not answer /healthz within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        """Everything the instance printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the instance and every process it started (a crash: nothing is cleaned up)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM (then SIGKILL after 10 s) the instance and its children."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
