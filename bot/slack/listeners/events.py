"""Workspace lifecycle: `tokens_revoked` (of the bot token) and `app_uninstalled` delete that workspace's
installation (OAuth mode) and everything stored about it — reminder subscriptions and their sent log, logged
questions with their user ids, feedback votes — and stop all sending there (the workspace is marked disabled
until it installs again, or, in single-workspace mode, until `strikebot serve` finds the token works again)."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.slack.app import Deps, off_ack_path


def forget_workspace(deps: Deps, team: str, reason: str) -> dict[str, int]:
    """Disable workspace `team`, delete its installation (OAuth mode) and its stored data; returns the rows
    deleted per table (the installation's as 'installations')."""
    deps.state.disable_workspace(team, reason, deps.now())
    counts: dict[str, int] = {}
    if deps.installations is not None and team:
        counts["installations"] = 1 if deps.installations.find_bot(enterprise_id=None, team_id=team) else 0
        deps.installations.delete_all(enterprise_id=None, team_id=team)
    counts.update(deps.state.forget_workspace(deps.team_key(team), events_of=team))
    return counts


def register(app: App, deps: Deps) -> None:
    """Listen for `tokens_revoked` and `app_uninstalled`."""

    @off_ack_path(app.event("tokens_revoked"), deps)
    def on_tokens_revoked(body: dict, event: dict, logger: logging.Logger) -> None:
        if (event.get("tokens") or {}).get("bot"):
            team = body.get("team_id", "")
            counts = forget_workspace(deps, team, "tokens_revoked")
            logger.warning("bot token revoked in workspace %s: its data was deleted (%s) and nothing more will "
                           "be sent there", team, counts)

    @off_ack_path(app.event("app_uninstalled"), deps)
    def on_uninstalled(body: dict, logger: logging.Logger) -> None:
        team = body.get("team_id", "")
        counts = forget_workspace(deps, team, "app_uninstalled")
        logger.warning("app uninstalled from workspace %s: its data was deleted (%s) and nothing more will be "
                       "sent there", team, counts)
