"""Quote-ready sentences on the real curated knowledge: built from typed columns of the matched fact, whatever
the engine's wording; attribution names who produced the number; nothing quotable gives None."""

from __future__ import annotations

import subprocess
import sys

from bot.answering import answer
from bot.clock import parse_now
from bot.models import Answer, Match
from bot.quoting import quote_for
from bot.smalltalk import small_talk

NOW = parse_now("2026-01-15T12:00")


def _quote(kb, question: str) -> str | None:  # noqa: ANN001
    q = quote_for(answer(question, kb, now=NOW), kb, NOW)
    return q.text if q else None


def test_the_issue_example(real_kb) -> None:
    assert _quote(real_kb, "How many appointments were rescheduled in the April 2023 junior doctors strike?") == (
        "NHS England figures show 196,225 appointments were rescheduled in acute hospitals during the junior "
        "doctors' strike of 11–15 April 2023.")


def test_the_sentence_does_not_depend_on_the_engine_wording(real_kb) -> None:
    ans = answer("How many appointments were rescheduled in the April 2023 junior doctors strike?", real_kb, now=NOW)
    reworded = Answer(ans.status, "Something else entirely.", ans.confidence, ans.intent, ans.matched,
                      ans.sources, facts=ans.facts)
    assert quote_for(reworded, real_kb, NOW) == quote_for(ans, real_kb, NOW)


def test_a_ballot_result_and_a_news_source(real_kb) -> None:
    text = _quote(real_kb, "What did RCN members vote on the 2023 pay offer?")
    assert text == ("According to ITV News, 54% of RCN nurses and nursing staff who voted rejected the March 2023 "
                    "Agenda for Change pay offer, on a turnout of 61% (announced 14 April 2023).")


def test_a_running_total_says_it_is_one(real_kb) -> None:
    text = _quote(real_kb, "What is the latest running total of rescheduled appointments?")
    assert text is not None and "1,486,258" in text and "a running total, as of July 2024" in text


def test_nothing_to_quote(real_kb) -> None:
    assert _quote(real_kb, "what is the capital of France?") is None
    assert quote_for(Answer("answered", "x", 0.9, "faq", Match("faq", "nope", 90)), real_kb, NOW) is None


def test_small_talk() -> None:
    assert [small_talk(t) for t in ("hi", "Hello!", "thanks!", "Thank you 🙏", "cheers", "help", "@strikebot hi")] \
        == ["greeting", "greeting", "thanks", "thanks", "thanks", "help", "greeting"]
    assert small_talk("hi, when is the next strike?") is None and small_talk("thanks for the vote result?") is None


def test_pure_modules_import_no_slack() -> None:
    code = ("import sys, bot.quoting, bot.charts, bot.help, bot.smalltalk, bot.digest; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'slack_sdk', 'dotenv')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
