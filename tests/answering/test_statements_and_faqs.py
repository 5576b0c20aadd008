"""Statements by person, role and body; FAQs that give the kind of answer asked; declines for the unknown."""

from __future__ import annotations


def test_a_role_finds_its_speaker(ask) -> None:
    a = ask("who's the NHS England medical director commenting on the april strike figures", "2023-04-20T15:00")
    assert "Powis" in a.text


def test_who_chairs_the_committee(ask) -> None:
    assert "Fletcher" in ask("who chairs the bma resident doctors committee?", "2025-10-25T10:00").text


def test_a_statement_must_be_about_the_group_asked(ask) -> None:
    a = ask("what did pat cullen say about the consultants' pay offer", "2023-12-01T10:00")
    assert a.status == "no_answer" and "lowest" not in a.text


def test_a_statement_about_a_strike_in_the_month_named(ask) -> None:
    assert "absurd" in ask("what did streeting say about the bma's november strike plan", "2025-10-25T09:00").text


def test_advice_comes_from_an_faq_even_with_a_date(ask) -> None:
    a = ask("will my op be cancelled? its on a strike day next week", "2023-04-04T10:00")
    assert a.intent == "faq" and "turn up" in a.text


def test_a_why_faq_about_england_never_answers_for_wales(ask) -> None:
    assert ask("Why are junior doctors not striking in Wales?", "2023-03-10T10:00").status == "no_answer"


def test_a_topic_no_fact_mentions_is_declined(ask) -> None:
    a = ask("Should I work as a locum on strike days?", "2023-03-10T10:00")
    assert a.status == "no_answer" and "locum" in a.text


def test_before_the_coverage_begins(ask) -> None:
    a = ask("Why are junior doctors striking?", "2016-02-10T10:00")
    assert a.status == "no_answer" and "pay restoration" not in a.text


def test_every_suggestion_is_a_question_the_bot_answers(ask) -> None:
    for question, now in [("Should I work as a locum on strike days?", "2023-03-10T10:00"),
                          ("how many appointments were cancelled at leeds during the april strike", "2023-04-30T10:00"),
                          ("csp strike ballot turnout?", "2023-01-10T10:00")]:
        declined = ask(question, now)
        assert declined.status == "no_answer" and declined.suggestions, question
        for s in declined.suggestions:
            assert ask(s, now).status == "answered", (question, s)


def test_a_definition_faq_answers_only_what_it_defines(ask) -> None:
    a = ask("whats the starting salary for an FY1 resident doctor", "2026-01-10T10:00")
    assert a.status == "no_answer" and "below consultant level" not in a.text
    b = ask("what is a resident doctor?", "2026-01-10T10:00")
    assert b.status == "answered" and "below consultant level" in b.text


def test_a_personal_question_with_a_date_gets_the_advice(ask) -> None:
    a = ask("strike day tomorrow - do i phone 999 or just use 111 online?", "2023-01-22T20:00")
    assert a.status == "answered" and a.matched.fact_id == "faq-111-or-999" and "999" in a.text
    b = ask("if the strike means my appointment gets cancelled will they ring me with a new one", "2023-04-05T10:00")
    assert b.status == "answered" and b.matched.kind == "faq" and "196,225" not in b.text
    c = ask("how many of my appointments were cancelled in the april strike", "2023-05-01T10:00")
    assert c.status == "no_answer" and "196,225" not in c.text  # the national figure is not 'my' appointments


def test_a_personal_question_takes_a_clearly_leading_faq_from_a_little_lower(ask) -> None:
    a = ask("will my scan go ahead on the strike day? nobody has called me", "2023-01-10T10:00")
    assert a.status == "answered" and a.matched.fact_id == "faq-appointment-go-ahead"
    b = ask("what colour are the nurses' badges on strike days?", "2023-01-10T10:00")
    assert b.matched is None or b.matched.kind != "faq"  # not personal: the usual FAQ threshold holds
