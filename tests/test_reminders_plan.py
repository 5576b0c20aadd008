"""Pure reminder planning and composing (bot.reminders) over a knowledge base built from CSV fixtures."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from bot.build import build
from bot.clock import parse_now, parse_partial
from bot.knowledge import KnowledgeBase
from bot.reminders import (
    MISS,
    SEND,
    SEND_LATE,
    SKIP,
    UPCOMING,
    OffsetError,
    SentRecord,
    Subscription,
    compose,
    fire_time,
    parse_offsets,
    plan,
    source_at,
)

FIXTURES = Path(__file__).parent / "data" / "reminders_kb"


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    out = tmp_path_factory.mktemp("kb") / "knowledge.sqlite"
    build(FIXTURES, out)
    return KnowledgeBase.open(out)


def ballot(kb: KnowledgeBase, bid: str):  # noqa: ANN201
    return kb.get("ballot", bid)


def utc(text: str) -> datetime:
    return parse_now(text)


def sub(created: str = "2023-04-10T09:00:00+01:00", *, targets: tuple[str, ...] = (), sid: int = 1,
        offsets: tuple[str, ...] = ("7d", "1d", "0d")) -> Subscription:
    return Subscription(sid, "C0TEST", targets, offsets, utc(created))


def actions(planned) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(p.ballot.id, p.offset, p.action) for p in planned]


# ---- times ---------------------------------------------------------------------------------------------------


def test_offsets_fire_at_0900_london_and_date_only_close_is_end_of_day(kb: KnowledgeBase) -> None:
    b = ballot(kb, "unite-offer-2023")  # closes 2023-04-28 (date only)
    closes = b.closes.last
    assert closes == utc("2023-04-28T23:59:59.999999+01:00")
    assert fire_time(closes, "7d") == utc("2023-04-21T09:00:00+01:00")
    assert fire_time(closes, "1d") == utc("2023-04-27T09:00:00+01:00")
    assert fire_time(closes, "0d") == utc("2023-04-28T09:00:00+01:00")


def test_0d_is_three_hours_before_an_early_closing_time(kb: KnowledgeBase) -> None:
    closes = ballot(kb, "gmb-offer-2023").closes.first  # 11:00 London
    assert fire_time(closes, "0d") == utc("2023-04-28T08:00:00+01:00")
    assert fire_time(closes, "1d") == utc("2023-04-27T09:00:00+01:00")
    late_close = parse_partial("2023-04-28T17:00").first
    assert fire_time(late_close, "0d") == utc("2023-04-28T09:00:00+01:00")
    midnight = parse_partial("2023-04-28T00:00").first
    assert fire_time(midnight, "0d") == utc("2023-04-27T21:00:00+01:00")


@pytest.mark.parametrize(("bid", "offset", "expected_utc"), [
    # late March 2023: clocks go forward on Sunday 26 March
    ("bma-spring-2023", "7d", "2023-03-20T09:00:00+00:00"),  # GMT
    ("bma-spring-2023", "1d", "2023-03-26T08:00:00+00:00"),  # BST, the very day of the change
    ("bma-spring-2023", "0d", "2023-03-27T08:00:00+00:00"),
    # late October 2023: clocks go back on Sunday 29 October
    ("bma-autumn-2023", "7d", "2023-10-23T08:00:00+00:00"),  # BST
    ("bma-autumn-2023", "1d", "2023-10-29T09:00:00+00:00"),  # GMT, the very day of the change
    ("bma-autumn-2023", "0d", "2023-10-30T09:00:00+00:00"),
])
def test_0900_london_across_clock_changes(kb: KnowledgeBase, bid: str, offset: str, expected_utc: str) -> None:
    at = fire_time(ballot(kb, bid).closes.last, offset)
    assert at == datetime.fromisoformat(expected_utc)
    from bot.clock import LONDON

    assert (at.astimezone(LONDON).hour, at.astimezone(LONDON).minute) == (9, 0)


def test_offsets_parse_and_reject() -> None:
    assert parse_offsets("0d, 7d,1d,7d") == ("7d", "1d", "0d")
    assert parse_offsets("") == ("7d", "1d", "0d")
    assert parse_offsets(["14d", "3d"]) == ("14d", "3d")
    with pytest.raises(OffsetError):
        parse_offsets("7d,2w")


# ---- planning ------------------------------------------------------------------------------------------------


def test_due_at_the_7_day_offset(kb: KnowledgeBase) -> None:
    now = utc("2023-04-21T09:00:00+01:00")
    planned = plan(kb.all("ballot"), [sub()], [], now)
    due = [(b, o) for b, o, a in actions(planned) if a == SEND]
    assert due == [("gmb-offer-2023", "7d"), ("unite-offer-2023", "7d")]
    # the RCN ballot closed on 14 April, after its 1d and 0d reminders: missed, never sent
    assert [a for a in actions(planned) if a[2] == MISS] == [("rcn-offer-2023", "1d", MISS),
                                                            ("rcn-offer-2023", "0d", MISS)]
    assert not [a for a in actions(planned) if a[0].startswith("bma-spring")]  # before the subscription


def test_a_new_subscription_gets_nothing_that_fired_before_it(kb: KnowledgeBase) -> None:
    now = utc("2023-04-21T12:00:00+01:00")
    planned = plan(kb.all("ballot"), [sub("2023-04-21T10:00:00+01:00")], [], now)
    assert [a for a in actions(planned) if a[0] == "unite-offer-2023"] == [
        ("unite-offer-2023", "1d", UPCOMING), ("unite-offer-2023", "0d", UPCOMING)]


def test_catch_up_sends_only_the_most_recent_missed_offset_late(kb: KnowledgeBase) -> None:
    now = utc("2023-04-27T10:30:00+01:00")  # down since before the 7d reminder; 1d fired at 09:00
    planned = [p for p in plan(kb.all("ballot"), [sub()], [], now) if p.ballot.id == "unite-offer-2023"]
    assert actions(planned) == [("unite-offer-2023", "7d", SKIP), ("unite-offer-2023", "1d", SEND_LATE),
                                ("unite-offer-2023", "0d", UPCOMING)]


def test_within_grace_is_on_time(kb: KnowledgeBase) -> None:
    now = utc("2023-04-21T09:10:00+01:00")
    planned = [p for p in plan(kb.all("ballot"), [sub()], [], now) if p.ballot.id == "unite-offer-2023"]
    assert planned[0].action == SEND


def test_closed_ballot_is_missed_not_sent(kb: KnowledgeBase) -> None:
    now = utc("2023-04-29T09:00:00+01:00")
    planned = [p for p in plan(kb.all("ballot"), [sub()], [], now) if p.ballot.id == "unite-offer-2023"]
    assert [p.action for p in planned] == [MISS, MISS, MISS]


def test_recorded_reminders_are_not_planned_again(kb: KnowledgeBase) -> None:
    b = ballot(kb, "unite-offer-2023")
    now = utc("2023-04-21T09:00:00+01:00")
    first = [p for p in plan([b], [sub()], [], now) if p.action == SEND][0]
    rec = SentRecord(b.id, 1, "7d", first.closes_utc, "claimed", now)  # even an unconfirmed claim
    assert [p.action for p in plan([b], [sub()], [rec], now)] == [UPCOMING, UPCOMING]


def test_close_date_change_replans(kb: KnowledgeBase) -> None:
    b = ballot(kb, "unite-offer-2023")
    sent_at = utc("2023-04-21T09:00:00+01:00")
    first = [p for p in plan([b], [sub()], [], sent_at) if p.action == SEND][0]
    rec = SentRecord(b.id, 1, "7d", first.closes_utc, "sent", sent_at, sent_at, "1.1")
    moved = replace(b, closes=parse_partial("2023-05-05"))
    on_new_7d = utc("2023-04-28T09:00:00+01:00")
    planned = plan([moved], [sub()], [rec], on_new_7d)
    assert [(p.offset, p.action) for p in planned] == [("7d", SEND), ("1d", UPCOMING), ("0d", UPCOMING)]
    assert planned[0].closes_at == parse_partial("2023-05-05").last
    # moved earlier: the new 7d fired before the one already sent, so it is not sent again
    earlier = replace(b, closes=parse_partial("2023-04-27"))
    planned = plan([earlier], [sub()], [rec], utc("2023-04-21T10:00:00+01:00"))
    assert [(p.offset, p.action) for p in planned] == [("7d", SKIP), ("1d", UPCOMING), ("0d", UPCOMING)]


def test_removed_ballot_or_known_result_gets_nothing(kb: KnowledgeBase) -> None:
    b = ballot(kb, "unite-offer-2023")
    now = utc("2023-04-27T09:00:00+01:00")
    assert plan([], [sub()], [], now) == []
    announced = replace(b, announced=parse_partial("2023-04-26"), outcome="accept")
    assert plan([announced], [sub()], [], now) == []
    not_yet = replace(b, announced=parse_partial("2023-04-27"))  # end of that day: not yet known at 09:00
    assert [p.action for p in plan([not_yet], [sub()], [], now)] == [SKIP, SEND, UPCOMING]


def test_targets_and_paused_subscriptions(kb: KnowledgeBase) -> None:
    now = utc("2023-04-21T09:00:00+01:00")
    only_unite = sub(targets=("unite",))
    assert {p.ballot.id for p in plan(kb.all("ballot"), [only_unite], [], now)} == {"unite-offer-2023"}
    by_group = sub(targets=("ambulance_staff",))
    assert {p.ballot.id for p in plan(kb.all("ballot"), [by_group], [], now)} == {"unite-offer-2023",
                                                                                 "gmb-offer-2023"}
    paused = replace(sub(), paused=now, paused_reason="not_in_channel")
    assert plan(kb.all("ballot"), [paused], [], now) == []


# ---- composing -----------------------------------------------------------------------------------------------


def test_compose_names_everything_with_plain_text_fallback(kb: KnowledgeBase) -> None:
    now = utc("2023-04-21T09:00:00+01:00")
    p = [p for p in plan(kb.all("ballot"), [sub()], [], now) if p.ballot.id == "unite-offer-2023"][0]
    msg = compose(p, now, union_names={"unite": "Unite"}, group_names={"ambulance_staff": "ambulance staff"})
    assert "Unite" in msg.text and "ambulance staff" in msg.text
    assert "The Unite consultation on the March 2023 pay offer for ambulance staff" in msg.text
    assert "closes at the end of Friday 28 April 2023" in msg.text
    assert "Time left: 7 days" in msg.text
    assert "Unite members to vote on pay offer" in msg.text and "https://example.org/unite-ballot" in msg.text
    assert "&amp;" in msg.text  # the URL's & is escaped in Slack text
    assert msg.blocks[0]["type"] == "header" and len(msg.blocks) <= 50
    assert "<https://example.org/unite-ballot?a=1&amp;b=2|Unite members to vote on pay offer>" in str(msg.blocks)
    assert "Late" not in msg.text


def test_compose_with_a_closing_time_and_late(kb: KnowledgeBase) -> None:
    now = utc("2023-04-27T11:00:00+01:00")
    p = [p for p in plan(kb.all("ballot"), [sub()], [], now) if p.ballot.id == "gmb-offer-2023"
         and p.action == SEND_LATE][0]
    msg = compose(p, now)
    assert "closes at 11:00 on Friday 28 April 2023" in msg.text
    assert "Time left: 1 day" in msg.text
    assert "Late: this reminder was due at 09:00 on Thursday 27 April 2023" in msg.text


def test_planning_imports_no_slack_or_sql() -> None:
    src = (Path(__file__).parent.parent / "bot" / "reminders.py").read_text()
    mods = {n.module for n in ast.walk(ast.parse(src)) if isinstance(n, ast.ImportFrom)}
    mods |= {a.name for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and (m.startswith("slack") or m in ("sqlite3", "sqlite_utils", "bot.state")) for m in mods)


def test_cites_a_source_that_existed_when_the_reminder_is_sent(kb: KnowledgeBase) -> None:
    from bot.models import Source

    b = ballot(kb, "unite-offer-2023")
    result = Source("result", "https://example.org/r", "Result", "News", "2023-04-29", "news")
    early = Source("early", "https://example.org/e", "Vote opens", "News", "2023-04-05", "news")
    vague = Source("vague", "https://example.org/v", "April piece", "News", "2023-04", "news")
    moved = replace(b, source=result, other_sources=(vague, early))
    assert source_at(moved, utc("2023-04-21T09:00:00+01:00")) is early
    assert source_at(moved, utc("2023-04-30T09:00:00+01:00")) is result
    assert source_at(replace(b, source=result, other_sources=()), utc("2023-04-21T09:00:00+01:00")) is result
    assert source_at(b, utc("2023-04-21T09:00:00+01:00")) is b.source
