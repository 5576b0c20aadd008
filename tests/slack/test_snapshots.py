"""Block Kit snapshots, one JSON file per reply kind (tests/slack/snapshots/), each checked against Slack's limits
(../shared/slack/NOTES.md) and the headline rule: the first line answers on its own in at most ~200 characters and
the plain-text fallback starts with that same line, never cut mid-word.

A changed reply fails until its snapshot is looked at and refreshed: `UPDATE_SNAPSHOTS=1 make test`.
Answers are built from fixed Answer values (the shape the engine returns), so the engine's wording can move
without touching these; digests, App Home, charts and reminders come from the tiny test knowledge base.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.charts import strikes_data, totals_data
from bot.digest import latest_totals, open_ballots, strikes_digest
from bot.models import Answer, Figure, Match, Source
from bot.reminders import PlannedReminder, Subscription, close_instant, compose
from bot.slack import blocks
from bot.slack.blocks import Message

SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = datetime(2023, 4, 20, 11, 0, tzinfo=UTC)
HEADLINE_MAX = 200
SRC = Source("nhse-apr23", "https://example.org/nhse-apr23", "Per-strike appointment tally to April 2023",
             "NHS England", "2023-04-17", "official")
QUESTION = "How many appointments did the April 2023 junior doctors strike postpone?"
HEADLINE = ("196,225 hospital appointments were rescheduled in acute trusts in England during the junior doctors' "
            "strike of 11–15 April 2023 (as of 17 April 2023).")
DETAIL = ("Also reported: 570 in community health services and more than 4,000 in mental health services.\n"
          "Earlier strike: 175,122 during the junior doctors' strike of 13–16 March 2023.")


def _answer() -> Answer:
    return Answer("answered", f"{HEADLINE}\n{DETAIL}\nSource: …", 0.93, "impact_figure",
                  Match("figure", "jd-apr23-acute", 95), [SRC], as_of="2023-04-17", body=f"{HEADLINE}\n{DETAIL}",
                  headline=HEADLINE, detail=DETAIL, emphasis="196,225")


def _decline() -> Answer:
    long = "How many hospital appointments were rescheduled because of the junior doctors' strike in "
    return Answer("no_answer", "I can't answer that from my sources yet. These are the nearest questions I can "
                   "answer:", 0.2, "unknown",
                   suggestions=[long + "April 2023?", long + "March 2023?", "When was the RCN nurses strike?"])


def _reminder(kb) -> Message:  # noqa: ANN001 - KnowledgeBase
    ballot = kb.all("ballot")[0]
    closes = close_instant(ballot)
    sub = Subscription(1, "C0NEWS", (), ("7d",), datetime(2023, 3, 1, tzinfo=UTC))
    fire = closes - timedelta(days=7)
    planned = PlannedReminder(ballot, sub, "7d", fire, closes, "send")
    msg = compose(planned, fire, union_names={o.id: o.name for o in kb.organisations().values()})
    return Message(msg.text, msg.blocks)


def _chart_message(kb) -> Message:  # noqa: ANN001
    data = [totals_data(kb, NOW), strikes_data(kb, NOW)]
    sources = list(dict.fromkeys(s for d in data for s in d.sources))
    comment = blocks.chart_comment("Rescheduled hospital appointments: running totals and per strike", sources,
                                   data[0].as_of)
    table = blocks.chart_table_message(data[1].title, data[1].rows(), data[1].sources, data[1].as_of,
                                       why="I can't upload images in this workspace yet (files:write).")
    plain = "Rescheduled hospital appointments: running totals and per strike\n" + table.text.split("\n", 1)[1]
    return Message(plain, [blocks.section(comment)] + table.blocks)


def _kinds(kb) -> dict[str, Message | dict]:  # noqa: ANN001
    totals = latest_totals(kb, NOW)
    home = blocks.home_view(totals, open_ballots(kb, NOW), strikes_digest(kb, NOW),
                            ["<#C0NEWS>: all ballots; offsets 7d, 1d, 0d"])
    return {
        "answer": blocks.answer_message(QUESTION, _answer(), share={"kind": "ask", "q": QUESTION}, quote=True),
        "answer_more": blocks.detail_message(QUESTION, _answer()),
        "quote": blocks.quote_message("NHS England figures show 196,225 appointments were rescheduled in acute "
                                      "hospitals during the junior doctors' strike of 11–15 April 2023.", SRC),
        "decline": blocks.answer_message("how many appointments were lost in the strike?", _decline()),
        "totals": blocks.digest_message(totals, share={"kind": "totals", "arg": ""},
                                        workings={"kind": "totals", "arg": ""}, chart={"arg": ""}),
        "workings": blocks.workings_message(totals),
        "chart_message": _chart_message(kb),
        "reminder": _reminder(kb),
        "app_home": home,
        "help": blocks.help_message(),
    }


def _texts(block: dict) -> list[str]:
    out = []
    if isinstance(block.get("text"), dict):
        out.append(block["text"]["text"])
    for el in block.get("elements", []):
        if isinstance(el, dict) and "text" in el:
            out.append(el["text"]["text"] if isinstance(el["text"], dict) else el["text"])
    return out


def check_limits(kind: str, blocks_: list[dict], text: str | None) -> None:
    """Slack's documented and observed limits (NOTES.md), asserted for one message or view."""
    assert len(blocks_) <= (100 if kind == "app_home" else 50)
    total = 0
    for b in blocks_:
        for t in _texts(b):
            assert 1 <= len(t) <= 3000, (kind, b)
            total += len(t)
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "actions":
            assert len(b["elements"]) <= 25
            for el in b["elements"]:
                assert len(el["text"]["text"]) <= 75 and len(el.get("value", "")) <= 2000
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
    assert total <= 13000, kind
    ids = [el["action_id"] for b in blocks_ if b["type"] == "actions" for el in b["elements"]]
    assert len(ids) == len(set(ids)), kind
    labels = [el["text"]["text"] for b in blocks_ if b["type"] == "actions" for el in b["elements"]]
    assert len(labels) == len(set(labels)), (kind, labels)  # buttons never look alike
    if text is not None:
        assert 0 < len(text) < 4000 and "<!channel>" not in text


def check_headline(kind: str, blocks_: list[dict], text: str) -> None:
    """The first line answers in <= ~200 chars; the fallback opens with the same words and is never cut mid-word."""
    first_block = next(b for b in blocks_ if b["type"] in ("section", "header"))
    shown = re.sub(r"[*`]", "", first_block["text"]["text"].split("\n", 1)[0])
    assert len(shown) <= HEADLINE_MAX, (kind, shown)
    first_text = text.split("\n", 1)[0]
    assert len(first_text) <= HEADLINE_MAX + 20, (kind, first_text)
    if kind not in ("app_home", "chart_message"):
        assert first_text.replace("*", "")[:60] == shown.replace("&amp;", "&")[:60], (kind, first_text, shown)
    if "…" in text:
        before = text[: text.index("…")]
        assert before.endswith((" ", ".", ",", ";")) or re.search(r"\w$", before), (kind, before[-30:])


@pytest.fixture(scope="module")
def kinds(tiny_kb) -> dict[str, Message | dict]:  # noqa: ANN001
    return _kinds(tiny_kb)


@pytest.mark.parametrize("kind", ["answer", "answer_more", "quote", "decline", "totals", "workings",
                                  "chart_message", "reminder", "app_home", "help"])
def test_snapshot(kinds: dict, kind: str) -> None:
    reply = kinds[kind]
    if isinstance(reply, Message):
        blocks_, text, data = reply.blocks, reply.text, {"text": reply.text, "blocks": reply.blocks}
    else:
        blocks_, text, data = reply["blocks"], None, reply
    check_limits(kind, blocks_, text)
    check_headline(kind, blocks_, text if text is not None else
                   re.sub(r"[*`]", "", next(b for b in blocks_ if b["type"] == "section")["text"]["text"]))
    path = SNAPSHOTS / f"{kind}.json"
    rendered = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"no snapshot for {kind}: run UPDATE_SNAPSHOTS=1 make test and review {path}"
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(rendered), \
        f"{kind} changed: review it, then UPDATE_SNAPSHOTS=1 make test"


def test_the_decline_has_no_votes_and_no_share(kinds: dict) -> None:
    ids = {el["action_id"] for b in kinds["decline"].blocks if b["type"] == "actions" for el in b["elements"]}
    assert ids == {"suggest_0", "suggest_1", "suggest_2"}


def test_the_answer_leads_with_its_bold_figure_and_hides_the_detail(kinds: dict) -> None:
    msg = kinds["answer"]
    assert msg.blocks[0]["text"]["text"].startswith("*196,225* hospital appointments")
    assert msg.text.startswith(HEADLINE) and "175,122" not in json.dumps(msg.blocks)  # detail waits for More
    assert "175,122" in json.dumps(kinds["answer_more"].blocks)


def test_totals_lead_with_the_running_total_in_bold(kinds: dict) -> None:
    first = kinds["totals"].blocks[0]["text"]["text"]
    assert first.startswith("Running total: *483,085* appointments rescheduled") and "17 April 2023" in first
    assert len(json.dumps(kinds["totals"].blocks)) < 3000  # a few lines, not the 27-line list


def test_figures_in_the_snapshots_are_curated(tiny_kb) -> None:  # noqa: ANN001
    """Every number the totals and chart replies show is a curated figure or labelled as our arithmetic."""
    values = {f"{f.value:,.0f}" for f in tiny_kb.all("figure") if isinstance(f, Figure)}
    shown = set(re.findall(r"\d{1,3}(?:,\d{3})+", json.dumps(_kinds(tiny_kb)["totals"].blocks)))
    assert shown <= values, shown - values
