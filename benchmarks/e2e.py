"""End to end over loopback: a signed Slack `app_mention` in, the threaded reply recorded at a fake Web API.

The bot runs as `strikebot serve --http` in its own process: the production entry point (`create_app` behind
`SlackHTTPServer`, Bolt's listener thread pool, the state database, the reminder and retention threads) with its
own interpreter, as in production, so the load generator's threads never share its GIL. Its SLACK_API_URL points
at `tests.slack.fake_slack.FakeSlack` in this process, and `tests.slack.signed_requests.SlackTestBot` signs and
sends the events, exactly as the Slack tests do.

Per event (a unique event_id and ts, questions taken in turn from the dev set):
- ack: from just before the request is sent until its HTTP response has been read;
- e2e: from the same moment until the fake Web API recorded the chat.postMessage whose thread_ts is the event's
  ts (the fake's own timestamp, so waking the waiting thread is not counted).

Loads: one event at a time (`_1`); bursts of 50 released together (`_50`); 200 events paced over 10 s from 50
client threads (`_paced`); one burst of 200 (`_burst200`); and acks of 50 slash commands and mentions sent while
50 replies are held in flight by a slow Web API (`slow_*`). The 50-wide bursts, the paced load and the 200-burst
are also sent to a bare server in the same run (`bare_server_*`). `peak_rss_mb` is the serving process's
high-water RSS (VmHWM) at the end; with `--big-kb`, `peak_rss_mb_big_kb` is the same for a serving process on
that knowledge base (the 100,000-entry one) after every dev question twice and two bursts of 50.

`python -m benchmarks.e2e [--kb PATH] [--quick] [--profile OUT.prof [--clock cpu]]` prints the figures as JSON (and
with --profile, the bot's cProfile: which functions its threads spent the time in).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.run import ROOT, WORK, _pct, questions
from tests.slack.fake_slack import FakeSlack, Reply
from tests.slack.signed_requests import SECRET, SlackTestBot

CONCURRENCY = 50
STARTUP_TIMEOUT_S = 60.0
REPLY_TIMEOUT_S = 30.0


# `python -c _PROFILED <out.prof> <clock> serve ...`: strikebot's CLI with cProfile in every thread (the HTTP server
# starts one per connection, Bolt runs listeners in a pool); all threads' stats are merged into <out.prof> at exit.
# clock "wall" counts waiting (locks, SQLite's busy handler, the GIL); "cpu" (thread_time) only the work done.
_PROFILED = """
import atexit, cProfile, pstats, sys, threading, time
clock = time.thread_time if sys.argv[2] == "cpu" else time.perf_counter
profiles = [cProfile.Profile(clock)]
def start(*_):
    profiles.append(cProfile.Profile(clock))
    profiles[-1].enable()
threading.setprofile(start)
profiles[0].enable()
atexit.register(lambda: pstats.Stats(*profiles).dump_stats(sys.argv[1]))
from bot.cli import main
main(sys.argv[3:], prog_name="strikebot")
"""


class BotProcess:
    """`strikebot serve --http` on 127.0.0.1 (a free port), talking to the fake Web API at `api_url`.

    A context manager: entering starts the process and waits until it listens; leaving stops it (SIGINT, as
    Ctrl-C would). `url` is its /slack/events URL. With `profile`, every thread runs under cProfile (`clock` "wall"
    or "cpu") and the merged stats are written to that path when the bot stops."""

    def __init__(self, kb_path: Path, api_url: str, state_dir: Path, *, profile: Path | None = None,
                 clock: str = "wall", workers: int = 1):
        # the KB path made absolute: the bot's cwd is the scratch folder, where a relative --kb names nothing
        env = dict(os.environ, SLACK_BOT_TOKEN="xoxb-bench-token", SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url,
                   STRIKEBOT_KB=str(Path(kb_path).resolve()), STRIKEBOT_STATE=str(state_dir / "state.sqlite"),
                   SLACK_APP_TOKEN="", REMINDER_CHANNEL="", PYTHONPATH=str(ROOT))
        # cwd is the scratch folder, so a developer's .env (read from the cwd) cannot change what is measured
        cli = ["-c", _PROFILED, str(profile), clock] if profile else ["-m", "bot.cli"]
        self._proc = subprocess.Popen([sys.executable, *cli, "serve", "--http", "--host", "127.0.0.1", "--port", "0",
                                       "--workers", str(workers)],
                                      cwd=state_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, text=True)
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_tail: list[str] = []
        threading.Thread(target=self._drain, name="e2e-bot-stderr", daemon=True).start()
        self.url = self._await_port()

    def _drain(self) -> None:
        # keep reading, or a chatty bot would block on a full pipe mid-benchmark
        assert self._proc.stderr is not None
        for line in self._proc.stderr:
            self.stderr_tail = [*self.stderr_tail[-19:], line.rstrip()]
            self._lines.put(line)
        self._lines.put(None)

    def _await_port(self) -> str:
        end = time.monotonic() + STARTUP_TIMEOUT_S
        marker = "HTTP mode on 127.0.0.1:"
        while (left := end - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            if marker in line:
                port = int(line.split(marker, 1)[1].split()[0])
                return f"http://127.0.0.1:{port}/slack/events"
        self.stop()
        raise RuntimeError("strikebot serve did not start: " + " | ".join(self.stderr_tail[-5:]))

    def peak_rss_mb(self) -> float | None:
        """The largest peak resident set size so far (VmHWM, MB) of a serving process: the one process, or with
        several workers the largest worker's (the supervisor only waits). None if unreadable."""
        pid = self._proc.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            peaks = []
            for p in children or [str(pid)]:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            return None
        return round(max(peaks), 1) if peaks else None

    def stop(self) -> None:
        """Stop the bot (SIGINT, then SIGKILL after 5 s)."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()

    def __enter__(self) -> BotProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# A bare HTTP server that acks every POST at once, in its own process: the same bursts sent to it show how much
# of the ack time is the load generator's (50 client threads sharing this process) and loopback's, not the bot's.
_BARE = """
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Server(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True
class Ack(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = Server(("127.0.0.1", 0), Ack)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class Driver:
    """Sends one signed app_mention per sample and times its ack and its reply (both in ms); with `replies`
    False it times the ack only (for the bare server, which never replies)."""

    def __init__(self, client: SlackTestBot, qs: list[str], *, replies: bool = True):
        self.client, self.qs, self.replies = client, qs, replies
        self._n = itertools.count(1)

    def one(self) -> tuple[float, float]:
        """One event: returns (ack_ms, e2e_ms). Raises RuntimeError on a non-200 ack, AssertionError when no reply
        arrives within REPLY_TIMEOUT_S."""
        n = next(self._n)
        ts = f"1700000000.{n:06d}"
        question = self.qs[n % len(self.qs)]
        t0 = time.monotonic()
        sent, _ = self.client.mention(question, ts=ts, event_id=f"EvBench{n:07d}")
        acked = time.monotonic()
        if sent.status != 200:
            raise RuntimeError(f"event {n} acked with HTTP {sent.status}: {sent.body[:200]}")
        if not self.replies:
            return (acked - t0) * 1000, (acked - t0) * 1000
        reply = self.client.fake.wait_call("chat.postMessage", lambda c: c.body.get("thread_ts") == ts,
                                           timeout=REPLY_TIMEOUT_S)
        return (acked - t0) * 1000, (reply.at - t0) * 1000

    def sequential(self, n: int) -> list[tuple[float, float]]:
        """`n` events one after another (concurrency 1)."""
        return [self.one() for _ in range(n)]

    def paced(self, n: int, seconds: float, width: int = CONCURRENCY) -> list[tuple[float, float]]:
        """`n` events started at an even pace over `seconds`, at most `width` in flight (client threads)."""
        t0 = time.monotonic() + 0.05

        def at(i: int) -> tuple[float, float]:
            wait = t0 + i * seconds / n - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            return self.one()

        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="e2e-paced") as pool:
            return list(pool.map(at, range(n)))

    def bursts(self, count: int, width: int = CONCURRENCY) -> list[tuple[float, float]]:
        """`count` bursts of `width` events released together from `width` threads; each burst ends when all its
        replies have arrived."""
        out: list[tuple[float, float]] = []
        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="e2e-client") as pool:
            for _ in range(count):
                gate = threading.Barrier(width)
                out += pool.map(_released, [gate] * width, [self.one] * width)
        return out


def _released(gate: threading.Barrier, fn: Callable[[], tuple[float, float]]) -> tuple[float, float]:
    gate.wait(timeout=REPLY_TIMEOUT_S)
    return fn()


def bare_server_acks(qs: list[str], n_bursts: int, *, paced: tuple[int, float] = (200, 10.0),
                     burst: int = 200) -> dict:
    """Ack p50 / p99 (ms) at `_BARE` of `n_bursts` bursts of CONCURRENCY events (after one warm-up burst), of
    `paced` (n events over s seconds at CONCURRENCY) and of one burst of `burst`."""
    proc = subprocess.Popen([sys.executable, "-c", _BARE], stdout=subprocess.PIPE, text=True)
    out: dict = {}
    try:
        assert proc.stdout is not None
        drive = Driver(SlackTestBot(f"http://127.0.0.1:{int(proc.stdout.readline())}/slack/events", None), qs,
                       replies=False)
        drive.bursts(1)
        for suffix, samples in (("_50", drive.bursts(n_bursts)), ("_paced", drive.paced(*paced)),
                                ("_burst200", drive.bursts(1, burst))):
            s = summarise(samples, suffix)
            out |= {f"bare_server_ack_p50_ms{suffix}": s[f"ack_p50_ms{suffix}"],
                    f"bare_server_ack_p99_ms{suffix}": s[f"ack_p99_ms{suffix}"]}
    finally:
        proc.kill()
        proc.wait()
    return out


def slow_reply_acks(drive: Driver, fake: FakeSlack, *, n_slow: int = CONCURRENCY, n_probe: int = CONCURRENCY,
                    hold_s: float = 3.0) -> dict:
    """Acks while `n_slow` replies are in flight: the fake Web API answers the next `n_slow` chat.postMessage
    calls only after `hold_s` s; once all of them are waiting, `n_probe` requests (slash commands and mentions,
    half each) are sent together. Returns slow_ack_p50_ms / slow_ack_p99_ms / slow_ack_max_ms of the probes
    and how many replies were in flight when they were sent."""
    base = len(fake.of("chat.postMessage"))
    fake.script("chat.postMessage", *[Reply({"ok": True, "ts": "1.000001"}, delay=hold_s, created=True)] * n_slow)
    n = itertools.count(1)

    def slow(_: int) -> None:
        i = next(n)
        drive.client.mention(drive.qs[i % len(drive.qs)], ts=f"1710000000.{i:06d}", event_id=f"EvSlow{i:07d}")

    with ThreadPoolExecutor(max_workers=n_slow, thread_name_prefix="e2e-slow") as pool:
        list(pool.map(slow, range(n_slow)))
    fake.wait_for("chat.postMessage", base + n_slow, timeout=REPLY_TIMEOUT_S)
    in_flight = len(fake.of("chat.postMessage")) - base

    def probe(i: int) -> float:
        t0 = time.monotonic()
        if i % 2:
            sent = drive.client.command("/strikebot", "help", response=f"probe{i}")
        else:
            sent, _ = drive.client.mention(drive.qs[i % len(drive.qs)], ts=f"1720000000.{i:06d}",
                                           event_id=f"EvProbe{i:07d}")
        if sent.status != 200:
            raise RuntimeError(f"probe {i} acked with HTTP {sent.status}")
        return (time.monotonic() - t0) * 1000

    gate = threading.Barrier(n_probe)
    with ThreadPoolExecutor(max_workers=n_probe, thread_name_prefix="e2e-probe") as pool:
        acks = list(pool.map(lambda i: (gate.wait(REPLY_TIMEOUT_S), probe(i))[1], range(n_probe)))
    time.sleep(hold_s)  # let the held replies finish before the next phase
    return {"slow_ack_p50_ms": round(statistics.median(acks), 3), "slow_ack_p99_ms": round(_pct(acks, 99), 3),
            "slow_ack_max_ms": round(max(acks), 3), "slow_replies_in_flight": in_flight, "slow_probes": n_probe}


def summarise(samples: list[tuple[float, float]], suffix: str) -> dict:
    """p50 / p99 / mean / max of e2e and ack (ms, 3 decimals) and the sample count, keys ending in `suffix`."""
    acks, e2es = [a for a, _ in samples], [e for _, e in samples]
    r = {f"p50_ms{suffix}": statistics.median(e2es), f"p99_ms{suffix}": _pct(e2es, 99),
         f"mean_ms{suffix}": statistics.fmean(e2es), f"max_ms{suffix}": max(e2es),
         f"ack_p50_ms{suffix}": statistics.median(acks), f"ack_p99_ms{suffix}": _pct(acks, 99),
         f"ack_max_ms{suffix}": max(acks)}
    return {k: round(v, 3) for k, v in r.items()} | {f"n{suffix}": len(samples)}


def measure(kb_path: Path, *, quick: bool = False, profile: Path | None = None, clock: str = "wall",
            big_kb: Path | None = None, workers: int = 1) -> dict:
    """Measure end-to-end and ack latency of the Slack bot over loopback against the knowledge base at `kb_path`.

    Args: `kb_path` a built knowledge base (.sqlite); `quick` for a smoke run (20 sequential events, one burst
    of 50, 40 paced events over 2 s, a burst of 100 and 20 slow replies instead of 200, 6 bursts, 200 over 10 s,
    200 and 50); `big_kb` a large knowledge base to measure a serving process's peak RSS on; `workers` the
    serving processes (`serve --workers`).
    Returns the `e2e` dict of results.json: `p50_ms_1`, `p99_ms_1`, `ack_p50_ms_1`, `ack_p99_ms_1`, `n_1` (one
    event at a time) and the same with `_50` (bursts of 50 concurrent events), `_paced` and `_burst200`, the
    `slow_*` acks, means, maxima, the `bare_server_*` acks (the harness's own share) and `peak_rss_mb`; all
    times in milliseconds. With `profile`, the bot runs under cProfile (slower; `clock` "wall" or "cpu") and
    its stats are written there.
    Raises RuntimeError if the bot does not start or refuses an event, AssertionError if a
    reply never arrives."""
    qs = [q for q, _ in questions(False)]
    n_seq, n_bursts = (20, 1) if quick else (200, 6)
    paced, burst = ((40, 2.0), 100) if quick else ((200, 10.0), 200)
    fake = FakeSlack().start()
    try:
        with tempfile.TemporaryDirectory(prefix="strikebot-e2e-") as tmp, \
                BotProcess(kb_path, fake.url, Path(tmp), profile=profile, clock=clock, workers=workers) as proc:
            drive = Driver(SlackTestBot(proc.url, fake), qs)
            drive.sequential(5 if quick else len(qs))  # warm-up: lazy imports, caches, page cache
            one = drive.sequential(n_seq)
            if not quick:
                drive.bursts(1)  # warm-up: the listener pool and the server's threads at full width
            many = drive.bursts(n_bursts)
            steady = drive.paced(*paced)
            big_burst = drive.bursts(1, burst)
            slow = slow_reply_acks(drive, fake, n_slow=20 if quick else CONCURRENCY,
                                   n_probe=20 if quick else CONCURRENCY)
            rss = proc.peak_rss_mb()
        rss_big = None
        if big_kb is not None:
            with tempfile.TemporaryDirectory(prefix="strikebot-e2e-big-") as tmp, \
                    BotProcess(big_kb, fake.url, Path(tmp), workers=workers) as proc:
                drive = Driver(SlackTestBot(proc.url, fake), qs)
                drive.sequential(5 if quick else 2 * len(qs))  # every dev question, twice
                drive.bursts(1 if quick else 2)
                rss_big = proc.peak_rss_mb()
    finally:
        fake.stop()
    return {**summarise(one, "_1"), **summarise(many, "_50"), "bursts_50": n_bursts,
            **summarise(steady, "_paced"), "paced_over_s": paced[1],
            **summarise(big_burst, "_burst200"), **slow,
            **bare_server_acks(qs, n_bursts, paced=paced, burst=burst), "peak_rss_mb": rss,
            "peak_rss_mb_big_kb": rss_big, "big_kb": str(big_kb) if big_kb else None, "workers": workers,
            "kb": str(kb_path), "questions": len(qs),
            "setup": (f"`strikebot serve --http --workers {workers}` (waitress) in its own process(es) on 127.0.0.1; events signed "
                      "and sent with urllib (a new connection each); reply = chat.postMessage recorded by the fake "
                      "Web API (HTTP/1.1 keep-alive, as Slack's; the bot reuses its connections); questions from dev.jsonl in turn, clock = real time; bare_server_* = the same loads "
                      "acked at once by a bare http.server process (the load generator's and loopback's share); "
                      "_paced = 200 events evenly over 10 s from 50 client threads; _burst200 = 200 released "
                      "together from 200 threads; slow_* = 25 commands + 25 mentions sent together while 50 "
                      "replies are held 3 s by the fake Web API")}


def main(argv: list[str] | None = None) -> dict:
    """Command line: measure and print the e2e dict as JSON. Without --kb, builds the real curated KB first."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb", type=Path, help="a built knowledge base (default: build knowledge/ into benchmarks/work)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: fewer events in every load")
    ap.add_argument("--big-kb", type=Path, help="also measure a serving process's peak RSS on this (100k) KB")
    ap.add_argument("--workers", type=int, default=1, help="serving processes (strikebot serve --workers)")
    ap.add_argument("--profile", type=Path, metavar="OUT.prof",
                    help="run the bot under cProfile (all threads) and print its top functions; figures are inflated")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="profile wall time (waits included) or CPU time per thread")
    a = ap.parse_args(argv)
    kb = a.kb
    if kb is None:
        from bot.build import build

        kb = WORK / "real" / "knowledge.sqlite"
        build(ROOT / "knowledge", kb)
    res = measure(kb, quick=a.quick, profile=a.profile, clock=a.clock, big_kb=a.big_kb, workers=a.workers)
    print(json.dumps(res, indent=2))
    if a.profile:
        import pstats

        pstats.Stats(str(a.profile)).sort_stats("cumulative").print_stats(40)
    return res


if __name__ == "__main__":
    main()
