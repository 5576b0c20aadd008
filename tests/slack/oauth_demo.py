"""An install, a mention and an uninstall through a real `strikebot serve --http` process in OAuth mode, against the
fake Web API, printing what happened (what the OAuth tests check in-process).

    python -m tests.slack.oauth_demo WORKDIR          # state in WORKDIR/state.sqlite
    DEMO_STATE=postgresql://… python -m tests.slack.oauth_demo WORKDIR
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import sqlalchemy as sa

from tests.slack.fake_slack import FakeSlack
from tests.slack.signed_requests import SECRET, SlackTestBot

ROOT = Path(__file__).resolve().parents[2]
TEAM, TOKEN = "T0DEMO", "xoxb-demo-installed-token"


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, object]:
    """GET `url`: (status, body, headers), without following redirects."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


def rows(engine: sa.Engine) -> dict[str, int]:
    """Rows of TEAM per table."""
    with engine.connect() as c:
        return {t: c.execute(sa.text(f"SELECT count(*) FROM {t} WHERE team{'_id' if t.startswith('slack_') else ''}"
                                     " = :t"), {"t": TEAM}).scalar_one()
                for t in ("slack_installations", "slack_bots", "subscriptions", "unanswered", "feedback")}


def main(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    state = os.environ.get("DEMO_STATE") or str(work / "state.sqlite")
    fake = FakeSlack().start()
    env = {**os.environ, "SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "demo-secret",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url, "STRIKEBOT_STATE": state,
           "STRIKEBOT_KB": str(work / "kb.sqlite"), "PYTHONPATH": str(ROOT)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "bot.cli"]
    subprocess.run([*cli, "kb", "build", "--source", str(ROOT / "tests" / "data" / "kb"), "--out", env["STRIKEBOT_KB"]],
                   env=env, check=True, capture_output=True)
    proc = subprocess.Popen([*cli, "serve", "--http", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True)
    line = ""
    while "HTTP mode" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit(proc.stderr.read())
    print("serve:", line.strip())
    base = f"http://127.0.0.1:{int(line.split('127.0.0.1:')[1].split()[0])}"
    try:
        status, body, headers = get(base + "/slack/install")
        href = html.unescape(re.search(r'<a href="([^"]+)"', body)[1])
        print("GET /slack/install ->", status, "link:", href)
        query, cookie = parse_qs(urlsplit(href).query), headers.get_all("Set-Cookie")[0].split(";")[0]
        code = fake.add_workspace(TEAM, TOKEN, installer="U0INSTALLER")
        status, body, _ = get(f"{base}/slack/oauth_redirect?{urlencode({'code': code, 'state': query['state'][0]})}",
                              {"Cookie": cookie})
        print("GET /slack/oauth_redirect?code=…&state=… ->", status, "'Thank you!'" if "Thank you!" in body else body[:80])
        exchange = fake.of("oauth.v2.access")[0]
        print(f"oauth.v2.access at the fake Web API: code={exchange.body['code']} Authorization={exchange.auth[:10]}…")
        bot = SlackTestBot(base + "/slack/events", fake)
        bot.mention("how many appointments were rescheduled in the April 2023 junior doctors strike?",
                    channel="C0DEMO", team=TEAM)
        post = fake.wait_call("chat.postMessage", lambda c: c.body.get("channel") == "C0DEMO")
        print("reply: chat.postMessage Authorization:", post.auth, "| text:", post.body["text"][:80])
        bot.mention("how many penguins work in Leeds hospital?", channel="C0DEMO", team=TEAM)  # logged unanswered
        fake.wait_for("chat.postMessage", 2)
        bot.command("/strikebot", "remind on", user="U0INSTALLER", channel="C0DEMO", team=TEAM)
        fake.wait_for("response_url")
        engine = sa.create_engine(state if "://" in state else f"sqlite:///{state}")
        print("rows of", TEAM, "before the uninstall:", rows(engine))
        print("app_uninstalled ->", bot.event({"type": "app_uninstalled", "event_ts": "1.1"}, team=TEAM).status)
        deadline = time.monotonic() + 5
        while any(rows(engine).values()) and time.monotonic() < deadline:
            time.sleep(0.05)
        print("rows of", TEAM, "after the uninstall: ", rows(engine))
        before = len(fake.of("chat.postMessage"))
        bot.mention("still there?", channel="C0DEMO", team=TEAM)
        time.sleep(1)
        print("a mention after the uninstall: chat.postMessage calls", before, "->", len(fake.of("chat.postMessage")))
    finally:
        proc.terminate()
        proc.wait(5)
        fake.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "data/oauth-demo"))
