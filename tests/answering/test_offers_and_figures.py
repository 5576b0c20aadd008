"""Offers, per-strike figures, places, strike days and comparisons: the figure asked, or none."""

from __future__ import annotations


def test_the_2026_27_agenda_for_change_award(ask) -> None:
    a = ask("What is the Agenda for Change pay award for 2026/27?", "2026-03-01T10:00")
    assert "3.3%" in a.text and a.sources


def test_what_is_the_offer_is_the_one_on_the_table_not_an_award_already_paid(ask) -> None:
    a = ask("What is the government's offer to junior doctors?", "2024-08-12T10:00")
    assert a.status == "answered" and "22.3%" in a.text and "6% consolidated" not in a.text
    assert "Status: offered." in a.text  # accepted only on 16 September 2024
    assert [s.id for s in a.sources] == ["bma-2024-07-29-jd-offer"]


def test_an_offers_status_ages_with_now(ask) -> None:
    before = ask("What was the July 2024 pay offer to junior doctors?", "2024-09-15T10:00")
    after = ask("What was the July 2024 pay offer to junior doctors?", "2024-09-20T10:00")
    assert "Status: offered." in before.text and "accepted" not in before.text
    assert "Status: accepted (16 September 2024)." in after.text
    assert "lbc-2024-09-16-jd-accept" in [s.id for s in after.sources]


def test_a_place_gets_its_own_figure_or_none(ask) -> None:
    york = ask("how many appointments did york hospital have to move during the april junior doctors strike",
               "2023-04-30T10:00")
    assert "1,202" in york.text and "196,225" not in york.text
    leeds = ask("how many appointments were cancelled at leeds teaching hospitals during the april jr doc strike",
                "2023-04-30T10:00")
    assert leeds.status == "no_answer" and "196,225" not in leeds.text


def test_march_vs_april_answers_both(ask) -> None:
    a = ask("march vs april jr doc strikes - how many appts moved in each?", "2023-04-20T12:00")
    assert "175,122" in a.text and "196,225" in a.text


def test_strike_days_are_counted_as_days(ask) -> None:
    a = ask("how many days have jr docs been on strike in total since march 2023", "2024-04-01T10:00")
    assert a.headline.startswith("41 days of strike action") and "appointments" not in a.headline


def test_the_latest_planned_care_figure(ask) -> None:
    a = ask("latest figure for how much planned care the NHS kept running during a strike?", "2026-11-20T10:00")
    assert "94.7%" in a.text


def test_headline_fits_a_phone_and_says_what_it_covers(ask) -> None:
    a = ask("How many appointments were rescheduled by the April 2023 junior doctors strike?", "2023-05-01T10:00")
    assert a.headline == ("196,225 appointments rescheduled in acute hospitals, England, in the junior doctors "
                          "strike of 11–15 April 2023 (as of 17 April 2023).")
    assert a.emphasis == "196,225" and "570" not in a.headline and len(a.headline) <= 200


def test_a_variant_reported_after_now_is_not_shown(ask) -> None:
    a = ask("what's the afc pay offer that's just been made?", "2023-03-20T10:00")
    assert a.status == "answered" and "16 March 2023" in a.text and "5.2%" not in a.text  # The Independent: '2023-03'


def test_two_counts_asked_are_both_answered(ask) -> None:
    a = ask("how many appts were postponed in the april jr docs strike and how many staff were off", "2023-05-01T10:00")
    assert "196,225" in a.text and "27,361" in a.text
    b = ask("august jr docs strike: how many appointments got moved and what was peak staff absence", "2023-09-01T10:00")
    assert "61,200" in b.text and "23,682" in b.text


def test_running_totals_and_counts_keep_to_the_time_asked(ask) -> None:
    feb = ask("what was the running total in february", "2023-04-20T10:00")
    assert "88,000" in feb.text and "483,085" not in feb.text
    assert ask("how many strikes have there been so far", "2023-04-20T10:00").status == "no_answer"
    april = ask("how many appointments were postponed in all settings in april", "2023-04-20T10:00")
    assert "531,000" not in april.text  # a running total is not the April strike's
    since = ask("how many strike days have resident doctors had since july 2025", "2026-01-10T10:00")
    assert since.status == "no_answer" and "41 days" not in since.text
    assert "41 days" in ask("how many days have jr doctors been on strike since march 2023", "2024-03-25T10:00").text


def test_one_strike_spanning_two_months_is_answered_once(ask) -> None:
    a = ask("how many appointments were rescheduled in the june-july 2024 strike", "2024-08-05T10:00")
    assert a.status == "answered" and a.text.count("67,034") == 1 and "I hold no sourced answer" not in a.text


def test_one_strike_asked_leads_with_its_own_figure(ask) -> None:
    one = ask("how many appointments did the 15 december nurses strike postpone", "2023-04-20T10:00")
    assert one.headline.startswith("15,779")
    both = ask("how many appointments were postponed in the december nurses strikes", "2023-04-20T10:00")
    assert both.headline.startswith("29,576")


def test_strikers_are_counted_from_the_union_that_gave_the_count(ask) -> None:
    a = ask("how many unison ambulance staff r striking tomorrow", "2023-01-22T20:00")
    assert a.status == "answered" and "15,000" in a.headline and "(Unison members)" in a.headline
    b = ask("how many unite ambulance staff r striking tomorrow", "2023-01-22T20:00")
    assert "15,000" not in b.text  # Unison's count is not Unite's


def test_a_whole_percentage_names_the_rounded_offer(ask) -> None:
    a = ask("who actually made the 22% offer to the junior doctors?", "2024-08-10T10:00")
    assert a.text.startswith("DHSC offer of 29 July 2024") and "22.3%" in a.text
    assert ask("what was the 5% offer", "2023-03-20T10:00").status == "answered"


def test_an_offer_without_figures_gives_its_other_terms(ask) -> None:
    a = ask("what's the govt actually offering resi docs this time? heard it's not about pay", "2025-12-12T10:00")
    assert a.text.startswith("DHSC offer of 10 December 2025") and "specialty training posts" in a.text
    assert "Status: offered." in a.text and "rejected" not in a.text  # rejected only on 15 December


def test_planned_care_is_not_the_future_tense(ask) -> None:
    a = ask("how much planned care went ahead in the november strike", "2025-12-01T10:00")
    assert a.status == "answered" and "95%" in a.headline and "14–19 November 2025" in a.headline


def test_a_present_tense_offer_question_gets_the_current_deal_not_a_superseded_offer(ask) -> None:
    a = ask("what is the pay offer for nurses?", "2026-12-02T10:00")
    assert a.status == "answered" and "3.3%" in a.text and "2026/27" in a.text
    assert "16 March 2023" not in a.text and "Status: offered" not in a.text
    then = ask("what's the pay offer for nurses?", "2023-04-01T10:00")  # while that offer was on the table
    assert "16 March 2023" in then.text and "5%" in then.text
