"""Slash commands: `/strikebot help|ask|totals|ballots|strikes|remind …` and `/strike-totals [chart] [union or
group]`.

Acked at once in the request thread (`off_ack_path`); the work runs in the listener pool and replies
ephemerally through `respond()` (the response_url) with a 'Share in channel' button. `remind` is delegated to
bot.reminder_service.handle_remind; its verbs accept the command line's words too (`subscribe`/`unsubscribe` as
well as `on`/`off`, bot.help.REMIND_VERBS).
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.digest import Digest, latest_totals, open_ballots, resolve_scope, strikes_digest
from bot.help import REMIND_VERBS
from bot.slack import blocks
from bot.slack.app import Deps, off_ack_path
from bot.slack.listeners.replies import answer_reply
from bot.slack.text import slack_to_plain


def digest_for(deps: Deps, kind: str, arg: str = "") -> Digest | blocks.Message:
    """The Digest for 'totals' (with an optional union/staff-group `arg`), 'ballots' or 'strikes' at
    `deps.now()`; a Message explaining the problem when `arg` names nothing known."""
    now = deps.now()
    if kind == "totals":
        scope = resolve_scope(deps.kb, arg)
        if scope is None:
            known = [o.name for o in deps.kb.organisations().values() if o.covered and o.kind == "union"]
            known += [g.name for g in deps.kb.staff_groups().values() if g.covered]
            return blocks.unknown_scope_message(arg, known)
        return latest_totals(deps.kb, now, scope)
    if kind == "ballots":
        return open_ballots(deps.kb, now)
    return strikes_digest(deps.kb, now)


def digest_reply(deps: Deps, kind: str, arg: str = "", *, shared_by: str | None = None) -> blocks.Message:
    """`digest_for` as a Message: ephemeral (with Share; for totals also Show workings and Chart) unless
    `shared_by` (posted in channel)."""
    d = digest_for(deps, kind, arg)
    if isinstance(d, blocks.Message):
        return d
    share = None if shared_by else {"kind": kind, "arg": arg}
    totals = kind == "totals"
    return blocks.digest_message(d, share=share, shared_by=shared_by,
                                 workings={"kind": kind, "arg": arg} if totals else None,
                                 chart={"arg": arg} if totals and not shared_by else None)


def workings_reply(deps: Deps, arg: str = "") -> blocks.Message:
    """The 'Show workings' reply for the totals of `arg` (a union or staff group, '' = all)."""
    d = digest_for(deps, "totals", arg)
    return d if isinstance(d, blocks.Message) else blocks.workings_message(d)


def _remind(deps: Deps, command: dict, text: str) -> blocks.Message:
    try:
        from bot.reminder_service import handle_remind
    except ImportError:  # the reminders feature is not installed in this build
        return blocks.notice("Reminders are not available yet.")
    verb, _, rest = text.partition(" ")
    text = f"{REMIND_VERBS.get(verb.lower(), verb)} {rest}".strip()
    reply = handle_remind(deps.settings, deps.kb, deps.state, user_id=command["user_id"],
                          channel_id=command["channel_id"], text=text, now=deps.now(),
                          team=deps.team_key(command.get("team_id")))
    return blocks.Message(reply, [blocks.section(reply)])  # reminder_service composes Slack-safe mrkdwn


def _strikebot(deps: Deps, command: dict) -> blocks.Message:
    raw = (command.get("text") or "").strip()
    verb, _, rest = raw.partition(" ")
    verb = verb.lower()
    if verb == "ask":
        question = slack_to_plain(rest)
        return answer_reply(deps, question, user_id=command["user_id"], share=True, team=command.get("team_id"))
    if verb in ("totals", "ballots", "strikes"):
        return digest_reply(deps, verb, slack_to_plain(rest))
    if verb == "remind":
        return _remind(deps, command, rest.strip())
    if verb and verb != "help":  # '/strikebot when is the next strike?' is a question too
        return answer_reply(deps, slack_to_plain(raw), user_id=command["user_id"], share=True,
                            team=command.get("team_id"))
    return blocks.help_message()


def _handler(deps: Deps, build: Callable[[Deps, dict], blocks.Message]) -> Callable:
    def handle(command: dict, respond: Respond) -> None:
        msg = build(deps, command)
        respond(response_type="ephemeral", replace_original=False, **msg.kwargs())

    return handle


def register(app: App, deps: Deps) -> None:
    """Listen for `/strikebot` and `/strike-totals` (`/strike-totals chart …` posts the charts)."""
    off_ack_path(app.command("/strikebot"), deps)(_handler(deps, _strikebot))
    totals = _handler(deps, lambda d, c: digest_reply(d, "totals", slack_to_plain(c.get("text"))))

    @off_ack_path(app.command("/strike-totals"), deps)
    def on_totals(command: dict, respond: Respond, client: WebClient) -> None:
        words = (command.get("text") or "").strip().split(" ", 1)
        if words[0].lower() != "chart":
            totals(command, respond)
            return
        from bot.slack.charts import post_charts

        post_charts(deps, client, respond, channel=command["channel_id"], thread_ts=None)
