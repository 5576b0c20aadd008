"""Table-driven: question -> the typed Understanding (answer type, entities, time) the engine reads it as."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.answering import understand
from bot.clock import LONDON, parse_now

NOW = parse_now("2023-12-05T18:00")


@pytest.mark.parametrize(("question", "expected"), [
    ("When does the Unite ballot close?", {"answer_type": "date", "unions": {"unite"}, "ballot_field": "closes"}),
    ("how many appointmnets were rescheduled in the april junoir doctors strike",
     {"answer_type": "count", "groups": {"junior_doctors"}, "month": 4}),
    ("What was the turnout in the CSP strike ballot?", {"answer_type": "percentage", "ballot_field": "turnout"}),
    ("jr docs referendum on labour's offer, what % said yes?", {"answer_type": "percentage", "intent": "ballot_result"}),
    ("are jr docs out again next week?", {"intent": "strike_dates", "groups": {"junior_doctors"}, "order": "next"}),
    ("how many rcn members voted in the pay offer consultation", {"ballot_field": "votes"}),
    ("when does the SoR's strike mandate expire", {"ballot_field": "mandate_expires", "unions": {"sor"}}),
    ("Who is striking over Christmas and when?", {"answer_types": ["who", "date"]}),
    ("What did Pat Cullen say when the ruling came?", {"answer_type": "quote"}),
    ("Why did resident doctors vote for strike action?", {"answer_type": "why", "reason_or_place": "why"}),
    ("Should I work as a locum on strike days?", {"answer_type": "advice", "unknown_words": ["locum"]}),
    ("how many appointments did york hospital have to move", {"places": ["york"]}),
    ("march vs april jr doc strikes - how many appts moved in each?", {"months": [3, 4]}),
    ("how long does the new resident doctor mandate last", {"order": None, "answer_type": "duration"}),
    ("is the gmb ambulance strike on the 28th still on", {"answer_type": "status", "month": 12, "days": [28]}),
    ("the five-day junior doctor strike", {"strike_days_len": 5}),
    ("are there exemptions for critical care areas?", {"intent": "strike_cover"}),
    ("<@U012ABCDEF> who&#39;s the current health sec", {"answer_type": "who"}),
])
def test_understanding(real_kb, question: str, expected: dict) -> None:
    u = understand(question, real_kb, NOW)
    got = {k: getattr(u, k) for k in expected}
    assert got == expected, u.norm


@pytest.mark.parametrize(("question", "now", "start", "end"), [
    ("Who is striking over Christmas?", "2023-12-05T18:00", "2023-12-20", "2023-12-31"),
    ("strikes last summer", "2024-03-01T10:00", "2023-06-01", "2023-08-31"),
    ("what share of planned care kept going over christmas", "2026-01-07T10:00", "2025-12-20", "2025-12-31"),
    ("the reballot announced yesterday", "2023-09-01T09:00", "2023-08-31", "2023-08-31"),
])
def test_named_periods_and_relative_days_resolve_against_now(real_kb, question, now, start, end) -> None:
    u = understand(question, real_kb, parse_now(now))
    assert u.span is not None
    first, last = (t.astimezone(LONDON).strftime("%Y-%m-%d") for t in u.span)
    assert (first, last) == (start, end)
    assert isinstance(u.span[0], datetime)
