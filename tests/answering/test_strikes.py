"""Strike questions: dates ahead or under way, who is striking, status in words, cover, length."""

from __future__ import annotations


def test_who_is_striking_lists_the_strikes_ahead(ask) -> None:
    a = ask("Who is striking?", "2025-07-24T10:00")
    assert a.status == "answered" and "resident doctors" in a.text.lower() and "25–30 July 2025" in a.text


def test_this_coming_week_lists_every_strike_in_it(ask) -> None:
    a = ask("Who is striking? How will this coming week's walkouts affect me?", "2022-12-18T10:00")
    assert "Nurses" in a.text and "Ambulance" in a.text and "20 December 2022" in a.text


def test_a_status_question_says_the_status_in_words(ask) -> None:
    a = ask("is the gmb ambulance strike on the 28th still on", "2022-12-26T10:00")
    assert a.headline.startswith("No: it was called off") and "28 December 2022" in a.text


def test_exemptions_are_the_strike_s_own_cover(ask) -> None:
    a = ask("Are there exemptions for critical care areas?", "2025-07-24T10:00")
    assert "full walkout" in a.text and "25–30 July 2025" in a.text and a.sources


def test_a_month_without_a_year_is_its_latest_occurrence(ask) -> None:
    a = ask("did the december resident doctors strike actually go ahead in the end?", "2026-11-20T10:00")
    assert "17–22 December 2025" in a.text and "20–23 December 2023" not in a.text and "went ahead" in a.text


def test_the_five_day_strike_last_summer(ask) -> None:
    a = ask("how many appointments got rescheduled in last summer's five-day junior doctor strike?",
            "2024-03-01T10:00")
    assert "13–18 July 2023" in a.text and "24–28 February 2024" not in a.text


def test_an_ordinal_counts_the_strikes_held_in_order(ask) -> None:
    for q in ("when was the 3rd junior doctor strike", "when was the third junior doctors strike"):
        a = ask(q, "2024-01-15T12:00")
        assert a.status == "answered" and a.text.startswith("Third strike:") and "14–17 June 2023" in a.text
    assert ask("what is the most recent resi doctors strike", "2026-03-01T09:00").matched.fact_id == "rd-2025-12-17"


def test_a_negated_group_is_not_the_one_asked(ask) -> None:
    a = ask("how many mental health appointments got moved during the july junior doctors strike? not the "
            "consultants one", "2023-09-01T10:00")
    assert "1,160" in a.text.split("\n")[0] and "1,474" not in a.text.split("\n")[0]


def test_an_uncovered_group_beside_a_covered_one_is_declined(ask) -> None:
    a = ask("r midwives striking as well as the nurses?", "2022-12-10T10:00")
    assert a.status == "no_answer" and "15 December 2022" not in a.text


def test_another_countrys_strike_is_not_englands(ask) -> None:
    a = ask("when are the doctors in new zealand striking", "2023-08-02T10:00")
    assert a.status == "no_answer" and "11 August" not in a.text


def test_a_status_is_not_known_before_it_was_reported(ask) -> None:
    early = ask("is the unite ambulance strike on 6 march still on", "2023-01-25T10:00")
    assert early.text.startswith("It is planned") and "called off" not in early.text.split(";")[0]
    late = ask("is the unite ambulance strike on 6 march still on", "2023-03-06T10:00")  # BBC, 5 March 2023
    assert "called off" in late.text and "bbc-2023-03-05-unite-suspends" in [s.id for s in late.sources]
    held_later = ask("is the resident doctors strike going ahead", "2025-07-15T10:00")  # held, undated: from its start
    assert held_later.text.startswith("It is planned")


def test_short_group_words_and_uncovered_groups(ask) -> None:
    assert "14–17 June 2023" in ask("when is the next jd strike", "2023-06-01T10:00").text
    assert "23 January 2023" in ask("when's the next amb strike", "2023-01-12T10:00").text
    p = ask("when is the next pharmacists strike", "2023-01-12T10:00")
    assert p.status == "no_answer" and "18–19 January" not in p.text
    first = ask("how many appointments were rescheduled in the 1st junior doctors strike", "2023-04-20T10:00")
    assert "175,122" in first.text and "196,225" not in first.text


def test_which_parts_of_the_uk_asks_for_the_nations(ask) -> None:
    a = ask("which parts of the UK are nurses striking in on the 15th? just england?", "2022-12-10T10:00")
    assert a.status == "answered" and "Wales" in a.text and "Northern Ireland" in a.text and a.answer_type == "nations"


def test_ordinals_past_fifth_and_a_strike_under_way(ask) -> None:
    tenth = ask("when was the 10th junior doctors strike", "2024-03-01T10:00")
    assert tenth.headline.startswith("Tenth strike:") and "24–28 February 2024" in tenth.headline
    assert "2–5 October 2023" in ask("when was the seventh junior doctors strike", "2024-03-01T10:00").headline
    now_on = ask("when is the next strike", "2025-11-16T10:00")
    assert now_on.headline.startswith("Strike under way now:") and "14–19 November 2025" in now_on.headline


def test_a_mandate_question_gets_the_newest_mandate(ask) -> None:
    a = ask("is the resident doctors mandate still live", "2025-08-01T10:00")
    assert a.matched.fact_id == "bma-rd-2025-strike-ballot" and "7 January 2026" in a.text
