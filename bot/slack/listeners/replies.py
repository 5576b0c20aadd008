"""The one path from a question to a Block Kit reply, shared by mentions, DMs, `/strikebot ask` and buttons.

Thin: greetings, thanks and "help" get their one-line reply (bot.smalltalk; never logged as gaps); anything else
goes to the answering core, a declined question is logged for curators, and the Answer goes to bot.slack.blocks.
"""

from __future__ import annotations

from bot.gaps import normalise_question
from bot.models import Answer
from bot.quoting import quote_for
from bot.slack import blocks
from bot.slack.app import Deps
from bot.smalltalk import REPLIES, small_talk


def small_talk_reply(question: str) -> blocks.Message | None:
    """The reply to a greeting, thanks or 'help' (or an empty message), else None."""
    if not question.strip():
        return blocks.help_message()
    kind = small_talk(question)
    if kind == "help":
        return blocks.help_message()
    return blocks.notice(REPLIES[kind]) if kind else None


def answer_reply(deps: Deps, question: str, *, user_id: str, share: bool = False,
                 team: str | None = None) -> blocks.Message:
    """Answer `question` (plain text) for `user_id` of workspace `team` at `deps.now()`.

    Returns the reply Message; with `share` it carries a 'Share in channel' button (ephemeral replies).
    A no_answer is logged to the state database (question, normalised form, user, time)."""
    quick = small_talk_reply(question)
    if quick is not None:
        return quick
    now = deps.now()
    ans = deps.answer(question, deps.kb, now)
    if ans.status == "no_answer":
        deps.state.log_unanswered(user_id, question, normalise_question(question), now,
                                  team=deps.team_key(team))
    return render_answer(deps, question, ans, share=share)


def render_answer(deps: Deps, question: str, ans: Answer, *, share: bool = False) -> blocks.Message:
    """`ans` as a Message, with "Copy for a story" when a quote can be built from its matched fact."""
    quotable = quote_for(ans, deps.kb, deps.now()) is not None
    return blocks.answer_message(question, ans, share={"kind": "ask", "q": question} if share else None,
                                 quote=quotable)


# Questions answered once at start-up by `warm_up`: between them they take every path a first question would
# (a figure, dates, a ballot, an offer, an FAQ, small talk, and a decline with a misspelt word, which loads the
# English word frequencies and checks suggestions).
WARM_UP_QUESTIONS = (
    "How many appointments were rescheduled because of the junior doctors' strike in April 2023?",
    "When is the next strike?", "What was the turnout in the RCN ballot?", "What is the latest pay offer?",
    "Will my hospital appointment go ahead during a strike?", "how many apointments were cancled",
    "What colour is the sky on Mars?", "thanks",
)


def warm_up(deps: Deps, questions: tuple[str, ...] = WARM_UP_QUESTIONS) -> int:
    """Answer and render `questions` at `deps.now()` without posting or logging anything, so that what the
    first questions after a start would pay once (the word-frequency table, the vocabulary index, hundreds of
    regular expressions, the knowledge base's caches) is paid before serving. Returns how many were answered
    ('answered' status). Raises what answering raises (KnowledgeBaseMissing when the file is gone)."""
    answered = 0
    for q in questions:
        if small_talk_reply(q) is not None:
            continue
        ans = deps.answer(q, deps.kb, deps.now())
        normalise_question(q)
        render_answer(deps, q, ans)
        answered += ans.status == "answered"
    return answered
