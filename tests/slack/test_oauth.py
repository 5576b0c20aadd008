"""OAuth mode end to end over real HTTP: GET /slack/install -> Slack's authorize URL with our client id, scopes and
a state -> GET /slack/oauth_redirect with the code -> oauth.v2.access at the fake Web API -> the installation in
the state database -> mentions in that workspace answered with its own token; two workspaces; an uninstall
deleting one workspace's data and nothing else; per-workspace reminders; the configuration errors."""

from __future__ import annotations

import base64
import html
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from bot.cli import main
from bot.config import DEFAULT_SCOPES, PROJECT_ROOT, ConfigError, load_settings, require_slack
from bot.knowledge import KnowledgeBase
from bot.reminder_delivery import send_due
from bot.reminder_service import handle_remind
from bot.slack.app import create_app, make_client, workspace_clients
from bot.slack.cli import serve_settings
from bot.slack.oauth import WorkspaceInstallations
from bot.slack.server import SlackHTTPServer
from bot.state import StateStore
from tests.slack.conftest import NOW, SECRET
from tests.slack.fake_slack import FakeSlack
from tests.slack.signed_requests import SlackTestBot

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, list[str]]


def get(url: str, headers: dict[str, str] | None = None) -> Page:
    """GET `url` without following redirects."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return Page(r.status, r.read().decode(), {k.lower(): r.headers.get_all(k) for k in r.headers})
    except urllib.error.HTTPError as e:
        return Page(e.code, e.read().decode(), {k.lower(): e.headers.get_all(k) for k in e.headers})


class OAuthBot(SlackTestBot):
    """A SlackTestBot for an app in OAuth mode; `base` is the server's root URL."""

    base: str
    settings: object

    def installations(self) -> WorkspaceInstallations:
        return WorkspaceInstallations(self.settings, self.state)  # type: ignore[arg-type]

    def install(self, team: str, token: str, *, installer: str = "U0INSTALL") -> Page:
        """The browser's side of an install: open /slack/install, follow 'Add to Slack' (Slack answers with a
        code), come back to /slack/oauth_redirect with the code, the state and the state cookie."""
        page = get(self.base + "/slack/install")
        assert page.status == 200, page
        href = html.unescape(re.search(r'<a href="([^"]+)"', page.body)[1])
        authorize = parse_qs(urlsplit(href).query)
        assert href.startswith("https://slack.com/oauth/v2/authorize?")
        assert authorize["client_id"] == [CLIENT_ID]
        assert authorize["scope"] == [",".join(DEFAULT_SCOPES)]
        state = authorize["state"][0]
        cookie = page.headers["set-cookie"][0].split(";")[0]
        assert cookie == f"slack-app-oauth-state={state}"
        code = self.fake.add_workspace(team, token, installer=installer)
        return get(f"{self.base}/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
                   {"Cookie": cookie})


@pytest.fixture
def oauth_env(fake: FakeSlack, kb_path: Path, tmp_path: Path) -> dict[str, str]:
    return {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": fake.url, "STRIKEBOT_KB": str(kb_path),
            "STRIKEBOT_STATE": str(tmp_path / "state.sqlite")}


@pytest.fixture
def obot(fake: FakeSlack, oauth_env: dict[str, str], state_target: Path | str) -> OAuthBot:
    """The app in OAuth mode over loopback HTTP, its state database on SQLite and on PostgreSQL in turn."""
    settings = load_settings({**oauth_env, "STRIKEBOT_STATE": str(state_target)})
    kb = KnowledgeBase.open(settings.kb_path)
    state = StateStore(settings.state_path)
    app = create_app(settings, kb, state, now=lambda: NOW)
    server = SlackHTTPServer(app, kb, host="127.0.0.1", port=0).start()
    bot = OAuthBot(f"http://127.0.0.1:{server.port}/slack/events", fake, state, kb)
    bot.base, bot.settings = f"http://127.0.0.1:{server.port}", settings
    yield bot
    server.stop()


def reply_in(bot: SlackTestBot, channel: str, *, after: int = 0) -> object:
    """The first chat.postMessage to `channel` among the calls after the first `after` (waits for it)."""
    seen = {id(c) for c in bot.fake.calls[:after]}
    return bot.fake.wait_call("chat.postMessage", lambda c: c.body.get("channel") == channel and id(c) not in seen)


def test_install_then_a_mention_is_answered_with_the_installed_token(obot: OAuthBot) -> None:
    done = obot.install("T0ONE", "xoxb-one-installed")
    assert done.status == 200 and "Thank you!" in done.body
    exchange = obot.fake.of("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].body["code"] == "code-T0ONE-0"
    assert exchange[0].auth == "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    stored = obot.installations().find_installation(enterprise_id=None, team_id="T0ONE")
    assert stored.bot_token == "xoxb-one-installed" and stored.bot_user_id == "UBOT" and stored.user_id == "U0INSTALL"
    assert obot.state.workspace_settings("T0ONE") == (("U0INSTALL",), None)  # the installer is its first admin

    sent, _ = obot.mention("how many appointments were rescheduled in the April 2023 strike?", channel="C0ONE",
                           team="T0ONE")
    assert sent.status == 200
    post = reply_in(obot, "C0ONE")
    assert post.auth == "Bearer xoxb-one-installed"
    assert "196,225" in post.body["text"]


def test_auth_test_runs_once_per_token_not_on_every_event(obot: OAuthBot) -> None:
    obot.install("T0ONE", "xoxb-one-installed")
    for i in range(3):  # questions are answered straight from their claim with the stored token: no auth.test
        obot.mention(f"latest totals? {i}", channel="C0ONE", team="T0ONE")
    assert [c.auth for c in obot.fake.wait_for("chat.postMessage", 3)] == ["Bearer xoxb-one-installed"] * 3
    checks = lambda: [c for c in obot.fake.of("auth.test") if c.token == "xoxb-one-installed"]  # noqa: E731
    assert len(checks()) == 1  # the install's (Bolt reads the bot id)
    for i in range(3):  # slash commands go through Bolt's authorize: auth.test once, then its cache
        obot.command("/strikebot", "help", team="T0ONE", response=f"r{i}")
        obot.fake.wait_for("response_url", i + 1)  # one at a time: a cold cache hit at once checks each
    assert len(checks()) == 2


def test_two_workspaces_are_answered_with_their_own_tokens(obot: OAuthBot) -> None:
    obot.install("T0ONE", "xoxb-one-installed")
    obot.install("T0TWO", "xoxb-two-installed")
    obot.mention("latest totals?", channel="C0TWO", team="T0TWO")
    obot.mention("latest totals?", channel="C0ONE", team="T0ONE")
    assert reply_in(obot, "C0TWO").auth == "Bearer xoxb-two-installed"
    assert reply_in(obot, "C0ONE").auth == "Bearer xoxb-one-installed"


def test_a_workspace_that_never_installed_gets_nothing(obot: OAuthBot) -> None:
    obot.install("T0ONE", "xoxb-one-installed")
    assert obot.mention("latest totals?", channel="C0NOPE", team="T0NOPE")[0].status == 200
    obot.settle()
    assert obot.posts() == []


@pytest.mark.parametrize("tamper", ["no_cookie", "wrong_state", "unknown_code"])
def test_a_redirect_without_the_browser_state_or_a_good_code_installs_nothing(obot: OAuthBot, tamper: str) -> None:
    page = get(obot.base + "/slack/install")
    state = parse_qs(urlsplit(html.unescape(re.search(r'<a href="([^"]+)"', page.body)[1])).query)["state"][0]
    cookie = page.headers["set-cookie"][0].split(";")[0]
    code = obot.fake.add_workspace("T0ONE", "xoxb-one-installed")
    if tamper == "no_cookie":
        done = get(f"{obot.base}/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}")
    elif tamper == "wrong_state":
        done = get(f"{obot.base}/slack/oauth_redirect?{urlencode({'code': code, 'state': 'forged'})}",
                   {"Cookie": "slack-app-oauth-state=forged"})
    else:
        done = get(f"{obot.base}/slack/oauth_redirect?{urlencode({'code': 'nope', 'state': state})}",
                   {"Cookie": cookie})
    assert done.status in (400, 401)
    assert obot.installations().find_installation(enterprise_id=None, team_id="T0ONE") is None


def _rows(state: StateStore, team: str) -> dict[str, int]:
    """Rows per table that belong to workspace `team`, counted with plain SQL on the store's engine."""
    with state.engine.connect() as c:
        return {t: c.execute(sa.text(f"SELECT count(*) FROM {t} WHERE team{'_id' if t.startswith('slack_') else ''}"
                                     " = :team"), {"team": team}).scalar_one()
                for t in ("slack_installations", "slack_bots", "subscriptions", "feedback", "unanswered")}


@pytest.mark.parametrize("event", [{"type": "app_uninstalled"},
                                   {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}])
def test_uninstall_deletes_that_workspace_and_nothing_else(obot: OAuthBot, event: dict) -> None:
    for team, token in (("T0ONE", "xoxb-one-installed"), ("T0TWO", "xoxb-two-installed")):
        obot.install(team, token)
        channel = f"C0{team[2:]}"
        # a question the bot declines (logged with its user id), a vote and a subscription, per workspace
        obot.mention("how many penguins work in Leeds hospital?", channel=channel, team=team)
        reply_in(obot, channel)
        obot.state.record_feedback("U0ALICE", "q", "a", "up", NOW, team=team)
        reply = handle_remind(obot.settings, obot.kb, obot.state, user_id="U0INSTALL", channel_id=channel,
                              text="on", now=NOW, team=team)
        assert reply.startswith("Done")
    before = _rows(obot.state, "T0ONE")
    assert before == {"slack_installations": 1, "slack_bots": 1, "subscriptions": 1, "feedback": 1,
                      "unanswered": 1}
    assert _rows(obot.state, "T0TWO") == before

    assert obot.event({**event, "event_ts": "1.1"}, team="T0ONE").status == 200
    deadline = time.monotonic() + 5
    while _rows(obot.state, "T0ONE")["unanswered"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _rows(obot.state, "T0ONE") == dict.fromkeys(before, 0)
    assert _rows(obot.state, "T0TWO") == before
    assert obot.state.workspace_settings("T0ONE") == ((), None)
    assert obot.state.workspace_settings("T0TWO") == (("U0INSTALL",), None)

    posts, calls = len(obot.posts()), len(obot.fake.calls)
    obot.mention("latest totals?", channel="C0ONE", team="T0ONE")
    obot.mention("latest totals?", channel="C0TWO", team="T0TWO")
    assert reply_in(obot, "C0TWO", after=calls).auth == "Bearer xoxb-two-installed"
    obot.settle()
    assert [p["channel"] for p in obot.posts()[posts:]] == ["C0TWO"]

    # installing again brings the workspace back, with the new token
    obot.install("T0ONE", "xoxb-one-again")
    calls = len(obot.fake.calls)
    obot.mention("latest totals?", channel="C0ONE", team="T0ONE")
    assert reply_in(obot, "C0ONE", after=calls).auth == "Bearer xoxb-one-again"


def test_reminders_go_out_with_each_workspace_token(obot: OAuthBot, tmp_path: Path) -> None:
    from bot.build import build
    from bot.clock import parse_now
    from bot.reminders import DEFAULT_OFFSETS

    kb_path = tmp_path / "reminders.sqlite"
    build(Path(__file__).resolve().parent.parent / "data" / "reminders_kb", kb_path)
    kb = KnowledgeBase.open(kb_path)
    obot.install("T0ONE", "xoxb-one-installed")
    obot.install("T0TWO", "xoxb-two-installed")
    for team in ("T0ONE", "T0TWO", "T0GONE"):  # one Slack Connect channel in three; T0GONE never installed
        obot.state.subscribe("C0SHARED", (), DEFAULT_OFFSETS, parse_now("2023-04-10T09:00:00+01:00"), team=team)
    client_for = workspace_clients(obot.settings, obot.installations(), make_client(obot.settings))
    report = send_due(kb, obot.state, None, now=parse_now("2023-04-21T09:00:00+01:00"), client_for=client_for)
    assert sorted(p.subscription.team for p in report.sent) == ["T0ONE", "T0ONE", "T0TWO", "T0TWO"]
    tokens = sorted(c.token for c in obot.fake.of("chat.postMessage") if c.body.get("channel") == "C0SHARED")
    assert tokens == ["xoxb-one-installed"] * 2 + ["xoxb-two-installed"] * 2


def test_per_workspace_admins(obot: OAuthBot) -> None:
    obot.install("T0ONE", "xoxb-one-installed", installer="U0BOSS")
    refused = handle_remind(obot.settings, obot.kb, obot.state, user_id="U0OTHER", channel_id="C0ONE", text="on",
                            now=NOW, team="T0ONE")
    assert refused.startswith("Sorry, only this workspace's strikebot admins")
    assert handle_remind(obot.settings, obot.kb, obot.state, user_id="U0BOSS", channel_id="C0ONE", text="on",
                         now=NOW, team="T0ONE").startswith("Done")
    assert [s.team for s in obot.state.subscriptions()] == ["T0ONE"]


# ---- configuration ------------------------------------------------------------------------------------------

def test_a_bot_token_with_oauth_credentials_is_an_error_naming_both(oauth_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({**oauth_env, "SLACK_BOT_TOKEN": "xoxb-single"})
    assert any("SLACK_BOT_TOKEN" in p and "SLACK_CLIENT_ID" in p and "SLACK_CLIENT_SECRET" in p
               for p in err.value.problems), err.value.problems


@pytest.mark.parametrize("drop,named", [("SLACK_CLIENT_ID", "SLACK_CLIENT_ID"),
                                        ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_SECRET")])
def test_half_of_the_oauth_credentials_is_an_error(oauth_env: dict[str, str], drop: str, named: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({k: v for k, v in oauth_env.items() if k != drop})
    assert len(err.value.problems) == 1 and f"but {named} is not" in err.value.problems[0]


def test_a_redirect_uri_is_sent_to_slack_both_times(fake: FakeSlack, oauth_env: dict[str, str], tmp_path: Path) -> None:
    uri = "https://strikebot.example.org/slack/oauth_redirect"
    settings = load_settings({**oauth_env, "SLACK_REDIRECT_URI": uri})
    kb = KnowledgeBase.open(settings.kb_path)
    state = StateStore(settings.state_path)
    server = SlackHTTPServer(create_app(settings, kb, state, now=lambda: NOW), kb, host="127.0.0.1", port=0).start()
    try:
        bot = OAuthBot(f"http://127.0.0.1:{server.port}/slack/events", fake, state, kb)
        bot.base, bot.settings = f"http://127.0.0.1:{server.port}", settings
        page = get(bot.base + "/slack/install")
        assert f"redirect_uri={uri}" in html.unescape(page.body)
        assert bot.install("T0ONE", "xoxb-one").status == 200
        assert fake.of("oauth.v2.access")[0].body["redirect_uri"] == uri
    finally:
        server.stop()
    with pytest.raises(ConfigError) as err:
        load_settings({**oauth_env, "SLACK_REDIRECT_URI": "strikebot.example.org"})
    assert "SLACK_REDIRECT_URI" in err.value.problems[0]


def test_the_default_scopes_are_the_manifests() -> None:
    import yaml

    manifest = yaml.safe_load((PROJECT_ROOT / "manifest.yml").read_text())
    assert list(DEFAULT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_oauth_mode_settings(oauth_env: dict[str, str]) -> None:
    settings = load_settings({**oauth_env, "SLACK_SCOPES": "chat:write, commands"})
    assert settings.oauth and settings.slack_configured and settings.slack_bot_token is None
    assert settings.slack_scopes == ("chat:write", "commands")
    assert CLIENT_SECRET not in repr(settings)
    require_slack(settings, http=True)  # no bot token needed
    with pytest.raises(ConfigError) as err:
        load_settings({**oauth_env, "SLACK_SCOPES": "chat:write,Read Everything"})
    assert "SLACK_SCOPES" in err.value.problems[0] and "Read Everything" in err.value.problems[0]
    single = load_settings({"SLACK_BOT_TOKEN": "xoxb-single"})
    assert not single.oauth and single.slack_configured
    assert not load_settings({}).slack_configured  # `make run` without tokens: the console, as before


def test_oauth_mode_needs_http_and_the_signing_secret(oauth_env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as err:
        serve_settings({**oauth_env, "SLACK_APP_TOKEN": "xapp-1"}, force_http=False)
    assert "SLACK_APP_TOKEN" in err.value.problems[0] and "--http" in err.value.problems[0]
    assert serve_settings({**oauth_env, "SLACK_APP_TOKEN": "xapp-1"}, force_http=True)[1] is True
    with pytest.raises(ConfigError) as err:
        serve_settings({k: v for k, v in oauth_env.items() if k != "SLACK_SIGNING_SECRET"}, force_http=False)
    assert err.value.problems == ["SLACK_SIGNING_SECRET is not set (needed to verify Slack's requests in HTTP mode)"]


def test_serve_with_both_modes_configured_exits_2_naming_both(oauth_env: dict[str, str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--http"], env={**oauth_env, "SLACK_BOT_TOKEN": "xoxb-single"})
    assert result.exit_code == 2
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in result.output
    assert "Traceback" not in result.output


def test_workspace_settings_from_the_command_line(oauth_env: dict[str, str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    result = run(main, ["workspace", "set", "T0ONE", "--admins", "U0BOSS,U0DEPUTY", "--reminder-channel",
                        "C0NEWS", "--now", "2023-04-10T09:00"], env=oauth_env)
    assert result.exit_code == 0, result.output
    assert "admins U0BOSS, U0DEPUTY, default reminder channel C0NEWS" in result.output
    state = StateStore(oauth_env["STRIKEBOT_STATE"])
    assert [(s.team, s.channel, s.targets) for s in state.subscriptions()] == [("T0ONE", "C0NEWS", ())]
    shown = run(main, ["workspace", "show", "T0ONE"], env=oauth_env)
    assert "installed no" in shown.output and "admins U0BOSS, U0DEPUTY" in shown.output
    bad = run(main, ["workspace", "set", "T0ONE", "--admins", "boss"], env=oauth_env)
    assert bad.exit_code == 2 and "not a list of Slack user ids" in bad.output
    single = {k: v for k, v in oauth_env.items() if not k.startswith("SLACK_CLIENT")}
    refused = run(main, ["workspace", "set", "T0ONE", "--admins", "U0X"], env=single)
    assert refused.exit_code == 2 and "STRIKEBOT_ADMINS" in refused.output


def test_every_setting_read_is_in_env_example() -> None:
    read = set(re.findall(r'_get\(environ, "([A-Z_]+)"\)', (PROJECT_ROOT / "bot" / "config.py").read_text()))
    listed = set(re.findall(r"^([A-Z_]+)=", (PROJECT_ROOT / ".env.example").read_text(), re.M))
    assert {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SCOPES"} <= read
    assert read <= listed, read - listed
