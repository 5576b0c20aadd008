"""Latest totals (Slack's /strike-totals) on the real curated knowledge: the per-strike figures listed under a
running total are like for like (same setting and area, whole strikes, no strike counted twice), so the
workings add up."""

from __future__ import annotations

from bot.clock import parse_now
from bot.digest import latest_totals, resolve_scope


def test_workings_match_the_published_total_of_17_april_2023(real_kb) -> None:
    d = latest_totals(real_kb, parse_now("2023-04-20T10:00"))
    text = "\n".join(d.all_lines)
    assert "Running total: 483,085 appointments rescheduled in acute hospitals in England" in text
    assert "the 14 per-strike figures add up to 483,085, matching the running total" in text
    assert "our arithmetic" in text  # a derived number is never presented as a published one


def test_a_union_gets_only_its_own_whole_strike_figures(real_kb) -> None:
    d = latest_totals(real_kb, parse_now("2023-04-20T10:00"), resolve_scope(real_kb, "RCN"))
    text = "\n".join(d.all_lines)
    assert "29,576" in text and "27,826" in text and "57,402" in text
    assert "15,779" not in text  # the first-day provisional count inside the two December days
    assert "42,897" not in text  # the joint count with the ambulance strike of 6 February


def test_junior_doctors_keep_the_england_figure_not_a_trust_figure(real_kb) -> None:
    d = latest_totals(real_kb, parse_now("2026-01-15T12:00"), resolve_scope(real_kb, "junior doctors"))
    text = "\n".join(d.all_lines)
    assert "196,225 appointments (acute, England)" in text and "1,202" not in text
