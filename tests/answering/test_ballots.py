"""Ballot questions: the column asked, or a decline naming what is missing; opening dates; compound parts."""

from __future__ import annotations


def test_turnout_asked_of_a_ballot_without_one_is_declined_by_name(ask) -> None:
    a = ask("csp strike ballot turnout?", "2023-01-10T10:00")
    assert a.status == "no_answer" and "turnout" in a.text and "84%" not in a.text


def test_votes_cast_asked_is_never_answered_with_the_result(ask) -> None:
    a = ask("how many rcn members voted in the pay offer consultation", "2023-04-20T10:00")
    assert a.status == "no_answer" and "54%" not in a.text


def test_the_re_ballot_turnout(ask) -> None:
    a = ask("rcn re-ballot turnout? did they get the mandate", "2023-06-28T09:00:00+01:00")
    assert "43.4%" in a.text and "61%" not in a.text


def test_when_will_it_open_needs_a_ballot_not_yet_open(ask) -> None:
    assert ask("When will the ballot open?", "2022-12-01T10:00").status == "no_answer"


def test_when_will_the_results_be_announced_gives_the_close(ask) -> None:
    a = ask("When will the results of the vote be announced?", "2023-04-13T12:00")
    assert "14 April 2023" in a.text and "54%" not in a.text


def test_a_compound_question_is_answered_part_by_part(ask) -> None:
    a = ask("when does the resident doctors reballot close, and what was turnout in the 2025 strike ballot?",
            "2026-01-15T10:00")
    assert "2 February 2026" in a.text and "turnout 55%" in a.text and "93.4%" not in a.text


def test_the_2026_re_ballot_result_with_its_source(ask) -> None:
    a = ask("resi doc reballot result?? yes % and turnout", "2026-02-10T10:00")
    assert "93.4%" in a.text and "52.54%" in a.text and any("bma.org.uk" in s.url for s in a.sources)


def test_which_unions_accepted_lists_the_votes_with_that_outcome(ask) -> None:
    a = ask("which unsions accepted the march 2023 pay offer?", "2023-05-10T09:00")
    assert a.status == "answered" and [f.id for f in a.facts] == [
        "unison-2023-pay-consultation", "csp-2023-pay-consultation", "gmb-2023-pay-consultation"]
    assert "74%" in a.text and "RCN" not in a.text
    r = ask("which unions rejected the march 2023 pay offer?", "2023-05-10T09:00")
    assert "rcn-2023-pay-consultation" in [f.id for f in r.facts] and "unison-2023-pay-consultation" not in [
        f.id for f in r.facts]


def test_taking_the_offer_is_a_vote_question(ask) -> None:
    a = ask("did resident doctors take the december offer or not", "2025-12-20T09:00")
    assert "83.2%" in a.text and a.matched.kind == "ballot"


def test_two_open_ballots_are_told_apart_by_their_subject(ask) -> None:
    a = ask("Why is the BMA holding a ballot on jobs and pay, and when does it run?", "2025-12-10T10:00")
    assert "2 February 2026" in a.text and "15 December 2025" not in a.text
    assert "I hold no sourced answer to the 'why' part" in a.text
    both = ask("when does the bma ballot close", "2025-12-10T10:00")
    assert "15 December 2025" in both.text and "2 February 2026" in both.text  # nothing tells them apart


def test_agenda_for_change_staff_takes_in_its_groups(ask) -> None:
    a = ask("which unions voted to reject the 2023 AfC pay offer?", "2023-06-01T10:00")
    ids = [f.id for f in a.facts]
    assert "rcn-2023-pay-consultation" in ids and "unison-2023-pay-consultation" not in ids


def test_a_person_with_no_curated_words_is_not_answered_with_a_fact(ask) -> None:
    a = ask("what has nicola ranger said about the 2025 pay award", "2025-09-01T10:00")
    assert a.status == "no_answer" and "3.6%" not in a.text


def test_a_result_is_known_from_its_curated_announcement_day(ask) -> None:
    a = ask("did resident doctors vote to accept the deal? what was the split", "2026-06-30T18:00+01:00")
    assert a.matched.fact_id == "bma-rd-2026-06-referendum" and "53%" in a.text  # copies dated only 'June 2026'
    before = ask("did resident doctors vote to accept the deal? what was the split", "2026-06-28T18:00+01:00")
    assert "53%" not in before.text


def test_a_vote_on_the_percentage_named_and_past_deadlines_in_the_past_tense(ask) -> None:
    early = ask("did the rcn accept the 5.5%", "2024-09-20T10:00")
    assert "closed at 12:00 Monday 16 September 2024" in early.text and "not in my knowledge base yet" in early.text
    assert "43.4%" not in early.text  # never the 2023 strike ballot
    later = ask("did the rcn accept the 5.5%", "2024-09-24T10:00")
    assert later.matched.fact_id == "rcn-2024-pay-consultation" and "64%" in later.text


def test_the_national_vote_leads_a_local_one(ask) -> None:
    a = ask("did unite accept the pay offer", "2023-05-01T10:00")
    assert a.facts[0].id == "unite-2023-pay-consultation" and a.headline.startswith("Unite Agenda for Change staff")
    assert "52%" in a.headline


def test_whats_asks_what_is(ask) -> None:
    a = ask("what's the pay offer for junior doctors?", "2024-08-01T10:00")
    assert a.text.startswith("DHSC offer of 29 July 2024") and "22.3%" in a.text


def test_are_there_any_open_ballots_lists_the_open_ones_with_their_closing_days(ask) -> None:
    a = ask("are there any open ballots?", "2023-04-20T10:00")
    assert a.status == "answered" and a.intent == "ballot_deadline"
    assert "28 April 2023" in a.text and "25 April 2023" in a.text  # Unite's and the SoR's, both still open


def test_are_there_any_open_ballots_says_none_is_open_rather_than_giving_past_results(ask) -> None:
    a = ask("are there any open ballots?", "2026-12-02T10:00")
    assert a.intent == "ballot_deadline"
    assert a.text.startswith("No ballot is open in my knowledge base (at 2 December 2026)")
    assert "mandate won" not in a.text and "53%" not in a.text  # not old results, nor the last one's
    assert "29 June 2026" in a.text  # the most recent one, named with its date


def test_ballots_live_right_now_are_status_questions(ask) -> None:
    for q in ("what ballots are live atm?", "is any union balloting right now?", "any ballots open?"):
        a = ask(q, "2023-04-05T10:00")
        assert a.intent == "ballot_deadline" and "14 April 2023" in a.text, q


def test_the_next_ballot_to_close_is_the_soonest_one_only(ask) -> None:
    a = ask("when does the next ballot close?", "2023-04-02T10:00")
    assert "14 April 2023" in a.text and "25 April" not in a.text and "28 April" not in a.text


def test_is_a_named_ballot_still_open(ask) -> None:
    a = ask("is the unite ballot still open?", "2023-04-20T10:00")
    assert a.intent == "ballot_deadline" and "28 April 2023" in a.text
    closed = ask("is the rcn ballot still open?", "2026-12-02T10:00")
    assert closed.text.startswith("No open RCN") and "31 July 2025" in closed.text
