"""Settings from the environment: one frozen `Settings`, loaded by a pure function.

Only entry points (the CLI) call `load_dotenv()`; `load_settings(environ)` just reads the mapping it is given
and reports every missing or invalid variable at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
# The bot scopes an OAuth install asks for when SLACK_SCOPES is unset: manifest.yml's (a test keeps them equal;
# docs/deploy.md says why each is needed).
DEFAULT_SCOPES = ("app_mentions:read", "channels:history", "groups:history", "mpim:history", "chat:write",
                  "chat:write.public", "files:write", "commands", "im:history", "im:read", "im:write")


class ConfigError(Exception):
    """Raised with every configuration problem at once; `problems` lists them, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Settings:
    """Validated settings. Paths are absolute; `state_path` is a Path, or a `postgresql://` URL string when
    the state lives in PostgreSQL (`bot.state.StateStore` takes either); `admins` are Slack user IDs;
    `retention_days` in days.

    OAuth mode (`oauth`): SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, the app is installed per workspace
    through /slack/install and each workspace's bot token comes from the state database; `slack_scopes` are
    the bot scopes the install asks for. Otherwise the single-workspace bot token `slack_bot_token` is used."""

    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str | None
    kb_path: Path
    state_path: Path | str  # the state database: an absolute SQLite file path, or a postgresql:// URL (str)
    reminder_channel: str | None
    admins: tuple[str, ...]
    retention_days: int
    claim_lease_s: float = 120.0  # STRIKEBOT_CLAIM_LEASE: seconds a reply's claim is held before resumption
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] = DEFAULT_SCOPES
    slack_redirect_uri: str | None = None  # SLACK_REDIRECT_URI: https://<host>/slack/oauth_redirect (optional)

    @property
    def oauth(self) -> bool:
        """True in OAuth mode: the app's client id and secret are set (installable in any workspace)."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_configured(self) -> bool:
        """True when the Slack bot can start: a bot token, or OAuth mode."""
        return bool(self.slack_bot_token) or self.oauth

    def __repr__(self) -> str:  # never print secrets
        state = _URL_PASSWORD.sub(r"\1***@", str(self.state_path))
        return (f"Settings(kb_path={self.kb_path!s}, state_path={state}, slack={self.slack_configured}, "
                f"oauth={self.oauth})")


_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_URL_PASSWORD = re.compile(r"^([^:/]+://[^:/@]*:)[^@]*@")


def _state_target(raw: str | None, problems: list[str]) -> Path | str:
    """STRIKEBOT_STATE -> an absolute file Path (default data/state.sqlite) or the postgresql:// URL as given."""
    if raw and (m := _URL.match(raw)):
        if m.group(1).split("+")[0] not in ("postgresql", "postgres"):
            problems.append(f"STRIKEBOT_STATE must be a file path or a postgresql:// URL, not a {m.group(1)}:// URL")
        return raw
    return Path(raw or DEFAULT_DATA_DIR / "state.sqlite").expanduser().resolve()


def _get(env: Mapping[str, str], name: str) -> str | None:
    v = env.get(name)
    return v.strip() if v and v.strip() else None


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build Settings from an environment mapping.

    Raises ConfigError naming every malformed variable (token prefixes, channel and user ID shapes,
    retention days, API URL, scopes, a STRIKEBOT_STATE URL that is not postgresql://) and every contradiction
    (a bot token together with OAuth's client id and secret; only one of the client id and secret). Missing
    Slack tokens are not an error here; `require_slack` checks them.
    """
    problems: list[str] = []
    bot = _get(environ, "SLACK_BOT_TOKEN")
    if bot and not bot.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
    app = _get(environ, "SLACK_APP_TOKEN")
    if app and not app.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
    api = _get(environ, "SLACK_API_URL")
    if api and not re.match(r"^https?://", api):
        problems.append("SLACK_API_URL must be an http(s) URL, e.g. https://slack.com/api/")
    if api and not api.endswith("/"):
        api += "/"
    channel = _get(environ, "REMINDER_CHANNEL")
    if channel and not re.fullmatch(r"[CGD][A-Z0-9]{2,}", channel):
        problems.append("REMINDER_CHANNEL must be a channel ID such as C0123456789")
    admins = tuple(a.strip() for a in (_get(environ, "STRIKEBOT_ADMINS") or "").split(",") if a.strip())
    bad = [a for a in admins if not re.fullmatch(r"[UW][A-Z0-9]{2,}", a)]
    if bad:
        problems.append(f"STRIKEBOT_ADMINS must be Slack user IDs (U…), not {', '.join(bad)}")
    client_id = _get(environ, "SLACK_CLIENT_ID")
    client_secret = _get(environ, "SLACK_CLIENT_SECRET")
    if bool(client_id) != bool(client_secret):
        have, missing = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET") if client_id else \
            ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")
        problems.append(f"{have} is set but {missing} is not: OAuth mode needs both (from Basic Information)")
    if bot and client_id and client_secret:
        problems.append("SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: set the bot token "
                        "for one workspace, or the client id and secret to install in any workspace, not both")
    redirect = _get(environ, "SLACK_REDIRECT_URI")
    if redirect and not re.match(r"^https?://[^/\s]+/\S*$", redirect):
        problems.append("SLACK_REDIRECT_URI must be the full URL of /slack/oauth_redirect, e.g. "
                        "https://strikebot.example.org/slack/oauth_redirect")
    raw_scopes = _get(environ, "SLACK_SCOPES")
    scopes = tuple(x.strip() for x in raw_scopes.split(",") if x.strip()) if raw_scopes else DEFAULT_SCOPES
    bad_scopes = [x for x in scopes if not re.fullmatch(r"[a-z][a-z_]*(?:[.:][a-z_.]+)*", x)]
    if bad_scopes:
        problems.append(f"SLACK_SCOPES must be comma-separated Slack scopes such as chat:write, not "
                        f"{', '.join(bad_scopes)}")
    raw_days = _get(environ, "STRIKEBOT_RETENTION_DAYS") or "90"
    days = int(raw_days) if raw_days.isdigit() else -1
    if days < 1:
        problems.append(f"STRIKEBOT_RETENTION_DAYS must be a whole number of days >= 1, not {raw_days!r}")
    state = _state_target(_get(environ, "STRIKEBOT_STATE"), problems)
    raw_lease = _get(environ, "STRIKEBOT_CLAIM_LEASE") or "120"
    try:
        lease = float(raw_lease)
    except ValueError:
        lease = -1.0
    if not 0.5 <= lease <= 3600:
        problems.append(f"STRIKEBOT_CLAIM_LEASE must be a number of seconds from 0.5 to 3600, not {raw_lease!r}")
    if problems:
        raise ConfigError(problems)
    kb = Path(_get(environ, "STRIKEBOT_KB") or DEFAULT_DATA_DIR / "knowledge.sqlite").expanduser().resolve()
    return Settings(
        slack_bot_token=bot,
        slack_signing_secret=_get(environ, "SLACK_SIGNING_SECRET"),
        slack_app_token=app,
        slack_api_url=api,
        kb_path=kb,
        state_path=state,
        reminder_channel=channel,
        admins=admins,
        retention_days=days,
        claim_lease_s=lease,
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        slack_scopes=scopes,
        slack_redirect_uri=redirect,
    )


def require_slack(settings: Settings, *, http: bool) -> None:
    """Check what `strikebot serve` needs. Raises ConfigError naming every missing variable:
    SLACK_BOT_TOKEN unless in OAuth mode; SLACK_SIGNING_SECRET in HTTP mode (OAuth mode is always HTTP: the
    install pages are web pages)."""
    problems = []
    if not settings.slack_bot_token and not settings.oauth:
        problems.append("SLACK_BOT_TOKEN is not set (the bot token, xoxb-…; or SLACK_CLIENT_ID and "
                        "SLACK_CLIENT_SECRET to install in any workspace)")
    if http and not settings.slack_signing_secret:
        problems.append("SLACK_SIGNING_SECRET is not set (needed to verify Slack's requests in HTTP mode)")
    if problems:
        raise ConfigError(problems)
