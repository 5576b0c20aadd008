"""App Home: latest totals, open ballots with deadlines, upcoming strikes and the viewer's reminder
subscriptions, published with views.publish whenever the Home tab is opened."""

from __future__ import annotations

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.digest import latest_totals, open_ballots, strikes_digest
from bot.slack import blocks
from bot.slack.app import Deps, off_ack_path


def subscription_lines(deps: Deps, user_id: str, team: str | None = None) -> list[str]:
    """The viewer's reminder subscriptions (those they created in workspace `team`) as Slack mrkdwn lines."""
    try:
        from bot.reminder_service import target_names
        from bot.reminders import describe_subscription
    except ImportError:  # reminders not installed in this build
        return []
    names = target_names(deps.kb)
    return [describe_subscription(s, names) for s in deps.state.subscriptions(team=deps.team_key(team))
             if s.created_by == user_id]


def register(app: App, deps: Deps) -> None:
    """Listen for `app_home_opened` (Home tab only)."""

    @off_ack_path(app.event("app_home_opened"), deps)
    def on_home(event: dict, client: WebClient, context: BoltContext) -> None:
        if event.get("tab", "home") != "home":
            return
        now = deps.now()
        view = blocks.home_view(latest_totals(deps.kb, now), open_ballots(deps.kb, now),
                                strikes_digest(deps.kb, now), subscription_lines(deps, event["user"], context.team_id))
        client.views_publish(user_id=event["user"], view=view)
