"""OAuth mode: Bolt's own install flow (GET /slack/install, GET /slack/oauth_redirect) on slack-sdk's SQLAlchemy
installation and OAuth-state stores in the state database, and per-workspace Web API clients for reminders.

The tables are created by the state database's migration 2 (bot/state.py), not by the stores' `create_tables`.
"""

from __future__ import annotations

import logging

from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.config import Settings
from bot.state import StateStore

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
STATE_EXPIRATION_S = 600  # an install must finish within 10 minutes of opening /slack/install


class WorkspaceInstallations(SQLAlchemyInstallationStore):
    """slack-sdk's SQLAlchemy installation store on the state database, which also, when a workspace installs
    the app, re-enables it (it may have uninstalled before) and makes the installing user its first admin
    when it has none. The rows themselves are slack-sdk's (tables slack_installations and slack_bots)."""

    def __init__(self, settings: Settings, state: StateStore):
        assert settings.slack_client_id, "OAuth mode only"
        super().__init__(client_id=settings.slack_client_id, engine=state.engine,
                         logger=logging.getLogger("bot.slack.installations"))
        self.state = state

    def save(self, installation: Installation) -> None:
        """Store `installation` (slack-sdk), then enable its workspace and record its installer as admin."""
        super().save(installation)
        team = installation.team_id or ""
        self.state.enable_workspace(team)
        admins, _ = self.state.workspace_settings(team)
        if not admins and installation.user_id:
            self.state.set_workspace_settings(team, admins=(installation.user_id,))
        log.info("installed in workspace %s (%s)", team, installation.team_name or "")

    def bot_token(self, team: str) -> str | None:
        """The bot token of workspace `team`'s latest installation, or None when it has none."""
        bot = self.find_bot(enterprise_id=None, team_id=team)
        return bot.bot_token if bot else None


def oauth_settings(settings: Settings, state: StateStore, installations: WorkspaceInstallations) -> OAuthSettings:
    """Bolt's OAuthSettings for `settings` (client id, secret, SLACK_SCOPES, SLACK_REDIRECT_URI): the install
    page at INSTALL_PATH,
    the redirect at REDIRECT_PATH, installations in `installations`, state values in the state database."""
    return OAuthSettings(
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes), user_scopes=[],
        redirect_uri=settings.slack_redirect_uri,  # None: the app's one configured Redirect URL
        install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        installation_store=installations,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_S,
                                              engine=state.engine,
                                              logger=logging.getLogger("bot.slack.oauth_state")),
        state_expiration_seconds=STATE_EXPIRATION_S,
        logger=logging.getLogger("bot.slack.oauth"),
    )


def cached_authorize(settings: Settings, installations: WorkspaceInstallations,
                     client: WebClient) -> InstallationStoreAuthorize:
    """Bolt's installation-store authorize with its result cache on: each request still looks its workspace's
    installation up in the state database (so an uninstall on any instance takes effect at once), but
    auth.test runs once per bot token per process instead of on every event."""
    return InstallationStoreAuthorize(
        logger=logging.getLogger("bot.slack.authorize"), installation_store=installations,
        client_id=settings.slack_client_id, client_secret=settings.slack_client_secret,
        cache_enabled=True, client=client)
