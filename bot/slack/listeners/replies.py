"""The one path from a question to a Block Kit reply, shared by mentions, DMs, `/strikebot ask` and buttons.

Thin: calls the answering core, logs a declined question for curators, hands the Answer to bot.slack.blocks.
"""

from __future__ import annotations

from bot.gaps import normalise_question
from bot.slack import blocks
from bot.slack.app import Deps


def answer_reply(deps: Deps, question: str, *, user_id: str, share: bool = False,
                 team: str | None = None) -> blocks.Message:
    """Answer `question` (plain text) for `user_id` of workspace `team` at `deps.now()`.

    Returns the reply Message; with `share` it carries a 'Share in channel' button (ephemeral replies).
    A no_answer is logged to the state database (question, normalised form, user, time)."""
    if not question.strip():
        return blocks.help_message()
    now = deps.now()
    ans = deps.answer(question, deps.kb, now)
    if ans.status == "no_answer":
        deps.state.log_unanswered(user_id, question, normalise_question(question), now,
                                  team=deps.team_key(team))
    return blocks.answer_message(question, ans, share={"kind": "ask", "q": question} if share else None)
