"""Workspace lifecycle: `tokens_revoked` and `app_uninstalled` stop all sending to that workspace (its data is
kept, and it is logged); `strikebot serve` re-enables a workspace whose token works again at start-up."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.slack.app import Deps, off_ack_path


def register(app: App, deps: Deps) -> None:
    """Listen for `tokens_revoked` and `app_uninstalled`."""

    @off_ack_path(app.event("tokens_revoked"), deps)
    def on_tokens_revoked(body: dict, event: dict, logger: logging.Logger) -> None:
        if (event.get("tokens") or {}).get("bot"):
            deps.state.disable_workspace(body.get("team_id", ""), "tokens_revoked", deps.now())
            logger.warning("bot token revoked in workspace %s: no more messages will be sent there",
                           body.get("team_id"))

    @off_ack_path(app.event("app_uninstalled"), deps)
    def on_uninstalled(body: dict, logger: logging.Logger) -> None:
        deps.state.disable_workspace(body.get("team_id", ""), "app_uninstalled", deps.now())
        logger.warning("app uninstalled from workspace %s: no more messages will be sent there",
                       body.get("team_id"))
