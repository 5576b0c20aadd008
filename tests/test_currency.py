"""Knowledge current to mid-2026 (issue 10): the 2026 facts and corrections with their sources, strikes and offers
public from their announcement, status and mandates that age with `now`, and the one curated-through caveat."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.answering import answer
from bot.build import BuildError, build, check
from bot.cli import main
from bot.clock import parse_now, parse_partial
from bot.composing import mandate_phrase, strike_line
from bot.knowledge import KnowledgeBase
from bot.models import status_at
from tests.conftest import TINY

CAVEAT = "My knowledge runs to 30 June 2026."


def ask(kb: KnowledgeBase, q: str, now: str):
    return answer(q, kb, now=parse_now(now))


# ---- the knowledge ---------------------------------------------------------------------------------------------


def test_curated_through_is_mid_2026_and_no_source_is_newer(real_kb) -> None:
    assert real_kb.curated_through_text() == "2026-06-30"
    assert real_kb.newest_as_of_text() == "2026-01-05"
    newest = max(parse_partial(s.published).first for s in real_kb.sources().values())
    assert newest <= real_kb.curated_through().last


def test_corrected_strikes_with_their_sources(real_kb) -> None:
    cons = real_kb.get("strike", "cons-2023-07-20")
    assert (cons.start.text, cons.end.text, cons.duration_hours) == ("2023-07-20T07:00", "2023-07-22T07:00", 48)
    assert "nhse-2023-07-prn00599" in [s.id for s in cons.other_sources]
    sor = real_kb.get("strike", "sor-2023-10-03")
    assert (sor.status, sor.start.text, sor.end.text, sor.duration_hours) == ("held", "2023-10-03T08:00",
                                                                              "2023-10-04T08:00", 24)
    assert (sor.status_as_of.text, sor.status_source.id) == ("2023-10-03", "hellorayo-2023-10-03-sor")
    dec = real_kb.get("strike", "rd-2025-12-17")
    assert (dec.status, dec.status_as_of.text, dec.status_source.publisher) == (
        "held", "2026-01-05", "Today in Healthcare (copy of NHS England press release)")
    assert (dec.end.text, dec.end_alt.text, dec.end_alt_source.id) == (
        "2025-12-22T07:00", "2025-12-22T06:59", "nhse-2025-12-prn02288-rd-december")
    # one row for the December 2025 strike, so counts and ordinals see one strike
    december = [s for s in real_kb.all("strike") if s.start.text.startswith("2025-12")]
    assert [s.id for s in december] == ["rd-2025-12-17"]


def test_new_2026_facts_with_their_sources(real_kb) -> None:
    rb = real_kb.get("ballot", "bma-rd-2026-reballot")
    assert (rb.outcome, rb.outcome_pct, rb.turnout_pct, rb.votes_cast, rb.closes.text, rb.mandate_expires.text) == (
        "mandate", 93.4, 52.54, 28598, "2026-02-02", "2026-08")
    assert rb.source.url.startswith("https://thedoctor.bma.org.uk/")
    afc = real_kb.get("offer", "afc-2026-27-award")
    assert (afc.consolidated_pct, afc.pay_years, afc.announced.text) == (3.3, ("2026/27",), "2026-02-12")
    assert afc.source.id == "commonssense-2026-02-12-afc-award"
    care = real_kb.get("figure", "fig-rd-2025-12-planned-care")
    absent = real_kb.get("figure", "fig-rd-2025-12-avg-absent")
    assert (care.value, care.strike_ids, absent.value, absent.as_of.text) == (94.7, ("rd-2025-12-17",), 19120,
                                                                              "2026-01-05")
    july = real_kb.get("figure", "fig-rd-2025-07-avg-absent")
    assert (july.value, july.strike_ids) == (16162, ("rd-2025-07-25",))
    vote = real_kb.get("ballot", "bma-rd-2026-06-referendum")
    assert (vote.outcome, vote.outcome_pct, vote.turnout_pct, vote.votes_cast) == ("accept", 53, 57, 32932)
    deal = real_kb.get("offer", "rd-2026-06-deal")
    assert (deal.consolidated_pct, deal.consolidated_average, deal.status) == (6.6, True, "accepted")
    cons = real_kb.get("ballot", "bma-cons-2025-indicative")
    sas = real_kb.get("ballot", "bma-sas-2025-indicative")
    assert (cons.outcome, cons.outcome_pct, cons.turnout_pct, cons.votes_for_outcome) == ("for_action", 67, 42, 10763)
    assert (sas.staff_group, sas.outcome_pct, sas.turnout_pct, sas.votes_cast) == ("sas_doctors", 82, 45, 2952)
    ballot_2025 = real_kb.get("ballot", "bma-rd-2025-strike-ballot")
    assert (ballot_2025.opens.text, ballot_2025.closes.text) == ("2025-05-27", "2025-07-07")


def test_weak_sources_are_no_longer_primary(real_kb) -> None:
    assert real_kb.get("ballot", "bma-cons-2024-revised-referendum").source.id == "nhsconfed-wiredgov-2024-04-08-consultants"
    assert real_kb.get("offer", "cons-2024-revised-offer").source.id == "nhsconfed-wiredgov-2024-04-08-consultants"
    assert real_kb.get("offer", "jd-2024-07-offer").source.id == "bma-2024-07-29-jd-offer"  # the BMA's own release


# ---- answers a reader asks ------------------------------------------------------------------------------------


def test_reballot_result_answered_in_february_2026_with_its_source(real_kb) -> None:
    a = ask(real_kb, "What was the result of the latest resident doctors strike ballot?", "2026-02-10")
    assert a.status == "answered"
    assert "93.4%" in a.text and "52.54%" in a.text and "Mandate runs to August 2026" in a.text
    assert "https://thedoctor.bma.org.uk/articles/pay-contracts/resident-doctors-vote-yes-to-extend-strike-action-mandate" in [
        s.url for s in a.sources]


def test_agenda_for_change_2026_27_award_answered_in_march_2026(real_kb) -> None:
    a = ask(real_kb, "What is the Agenda for Change pay award for 2026/27?", "2026-03-01")
    assert a.status == "answered" and "3.3% consolidated rise" in a.text and "2026/27" in a.text
    assert a.matched.fact_id == "afc-2026-27-award"
    before = ask(real_kb, "What is the Agenda for Change pay award for 2026/27?", "2026-02-11")
    assert "3.3%" not in before.text  # announced on 12 February 2026


def test_december_2025_strike_answers_reported_figures(real_kb) -> None:
    a = ask(real_kb, "How much planned care went ahead during the December 2025 resident doctors strike?",
            "2026-02-01")
    assert a.status == "answered" and "94.7%" in a.text


@pytest.mark.parametrize("q", ["When is the next strike?", "Is there a strike coming up?", "Is there a strike this week?",
                               "When was the last resident doctors strike?", "When was the December 2025 strike?",
                               "When is the next resident doctors strike?"])
def test_a_year_on_no_reply_calls_the_december_2025_strike_planned_or_upcoming(real_kb, q) -> None:
    a = ask(real_kb, q, "2026-12-01")
    for line in a.text.splitlines():
        if "December 2025" in line and not line.startswith("Source"):
            assert not re.search(r"planned|upcoming|from now|due to", line), line
    assert "(its figures run to" not in a.text


# ---- status ageing at several moments ---------------------------------------------------------------------------


def test_strike_status_ages_with_now(real_kb) -> None:
    dec = real_kb.get("strike", "rd-2025-12-17")
    assert dec.announced.text == "2025-12-10"
    line = {t: strike_line(real_kb, dec, parse_now(t)) for t in
            ("2025-12-12", "2025-12-18T12:00", "2025-12-30", "2026-01-06", "2026-12-20")}
    assert line["2025-12-12"].endswith("120 hours (planned).")  # announced, not begun
    assert "(due to be under way; no report curated yet)" in line["2025-12-18T12:00"]
    assert "was due to run 17–22 December 2025" in line["2025-12-30"]  # over, not yet reported held
    assert "no later report curated" in line["2025-12-30"]
    for t in ("2026-01-06", "2026-12-20"):  # NHS England's release of 5 January 2026 confirmed it was held
        assert "planned" not in line[t] and "due to" not in line[t], line[t]
        assert line[t].endswith("120 hours; NHS England gives the end as 06:59 Monday 22 December 2025.")


def test_a_strike_is_public_from_its_announcement(real_kb) -> None:
    before = ask(real_kb, "When is the next strike?", "2025-12-05")
    assert "17–22 December 2025" not in before.text  # not announced yet
    between = ask(real_kb, "When is the next strike?", "2025-12-12")
    assert "Next strike:" in between.text and "17–22 December 2025" in between.text and "(planned)" in between.text


def test_a_planned_strike_whose_dates_passed_reads_as_what_we_know(real_kb) -> None:
    a = ask(real_kb, "When did Unite ambulance workers in the North West strike in February 2023?", "2024-01-01")
    lines = [x for x in a.text.splitlines() if "22 February 2023" in x]
    assert lines and all("was due to run" in x and "no later report curated" in x for x in lines), a.text


def test_status_at_rule() -> None:
    confirmed = parse_partial("2026-01-05")
    assert status_at("held", confirmed, parse_now("2026-01-04")) == "planned"
    assert status_at("held", confirmed, parse_now("2026-01-06")) == "held"
    assert status_at("called_off", None, parse_now("2020-01-01")) == "called_off"  # undated: as curated


def test_mandate_past_its_expiry_is_never_current(real_kb) -> None:
    expires = parse_partial("2026-01-07")
    assert mandate_phrase(expires, parse_now("2026-01-07T20:00")) == "Mandate runs to 7 January 2026"
    assert mandate_phrase(expires, parse_now("2026-01-08")) == "Mandate ran to 7 January 2026 (expired)"
    a = ask(real_kb, "What was the result of the latest resident doctors strike ballot?", "2026-12-01")
    assert "Mandate ran to August 2026 (expired)" in a.text and "Mandate runs to" not in a.text


# ---- the curated-through date and its one caveat line --------------------------------------------------------------


def test_caveat_only_for_now_questions_more_than_30_days_past_curated_through(real_kb) -> None:
    late = ask(real_kb, "When is the next strike?", "2026-12-01")
    assert late.text.count(CAVEAT) == 1 and late.body.endswith(CAVEAT)  # the last line before the sources
    assert late.text.index(CAVEAT) < late.text.index("\nSource")
    assert "knowledge base (its" not in late.text
    soon = ask(real_kb, "When is the next strike?", "2026-07-25")  # within 30 days of 30 June 2026
    assert "My knowledge runs to" not in soon.text
    dated = ask(real_kb, "How many appointments were rescheduled in the April 2023 junior doctors strike?",
                "2026-12-01")
    assert dated.status == "answered" and "My knowledge runs to" not in dated.text


def test_stats_json_shows_curated_through(real_kb, tmp_path) -> None:
    kb_file = tmp_path / "kb.sqlite"
    shutil.copy(real_kb.path, kb_file)
    out = CliRunner().invoke(main, ["kb", "stats", "--json"],
                             env={"STRIKEBOT_KB": str(kb_file), "STRIKEBOT_STATE": str(tmp_path / "s.sqlite")})
    assert out.exit_code == 0, out.output
    stats = json.loads(out.output)
    assert (stats["curated_through"], stats["newest_as_of"]) == ("2026-06-30", "2026-01-05")


# ---- build validation of the new columns and file ------------------------------------------------------------


def _tiny(tmp_path: Path) -> Path:
    d = tmp_path / "kb"
    shutil.copytree(TINY, d)
    return d


def _add_columns(d: Path, name: str, values: dict[str, dict[str, str]]) -> None:
    """Append columns to `name`: values[row id][column] (other rows empty)."""
    lines = (d / name).read_text(encoding="utf-8").splitlines()
    cols = sorted({c for v in values.values() for c in v})
    out = [lines[0] + "," + ",".join(cols)]
    for line in lines[1:]:
        rid = line.split(",", 1)[0]
        out.append(line + "," + ",".join(values.get(rid, {}).get(c, "") for c in cols))
    (d / name).write_text("\n".join(out) + "\n", encoding="utf-8")


def _problems(d: Path) -> list[str]:
    with pytest.raises(BuildError) as exc:
        check(d)
    return exc.value.problems


def test_build_rejects_bad_currency_columns(tmp_path) -> None:
    d = _tiny(tmp_path)
    _add_columns(d, "strikes.csv", {
        "jd-2023-04": {"announced": "2023-04-12", "status_as_of": "2023-04-01", "status_source_id": "nhse-apr23"},
        "rcn-2023-04": {"status_as_of": "2023-05-02", "end_alt": "2023-05-01T23:00"},
    })
    problems = _problems(d)
    assert any(p.endswith("strikes.csv:2: announced: 2023-04-12 is after start 2023-04-11T07:00 (a strike is public "
                          "from its announcement; leave it blank when only later reports are held)") for p in problems)
    assert any(p.endswith("strikes.csv:2: status_as_of: 2023-04-01 is before start 2023-04-11T07:00, so it cannot "
                          "confirm the strike was held") for p in problems)
    assert any(p.endswith("strikes.csv:3: status_source_id: required with status_as_of (a status is confirmed on a "
                          "date, by a source)") for p in problems)
    assert any(p.endswith("strikes.csv:3: end_alt_source_id: end_alt and end_alt_source_id go together (another "
                          "source's end)") for p in problems)


def test_build_rejects_bad_offer_status_dates(tmp_path) -> None:
    d = _tiny(tmp_path)
    _add_columns(d, "offers.csv", {"afc-2023": {"status_as_of": "2023-01-02"}})
    problems = _problems(d)
    assert any(p.endswith("offers.csv:2: status_source_id: required with status_as_of (a status is reported on a "
                          "date, by a source)") for p in problems)
    assert any(p.endswith("offers.csv:2: status_as_of: 2023-01-02 is before the offer's date 2023-03-16")
               for p in problems)
    assert any(p.endswith("offers.csv:2: status_as_of: an offer still 'offered' has no later status to date")
               for p in problems)


def test_build_checks_the_curated_through_date(tmp_path) -> None:
    d = _tiny(tmp_path)
    (d / "curation.csv").write_text("curated_through,notes\n2023-04,month only\n", encoding="utf-8")
    assert any(p.endswith("curation.csv:2: curated_through: 2023-04 must be a whole day (YYYY-MM-DD)")
               for p in _problems(d))
    (d / "curation.csv").write_text("curated_through,notes\n2023-04-16,\n2023-04-20,\n", encoding="utf-8")
    problems = _problems(d)
    assert any(p.endswith("curation.csv:3: (row): curation.csv holds exactly one row (the first is on line 2)")
               for p in problems)
    assert any(re.search(r"sources\.csv:\d+: published: 2023-04-17 is after the curated-through date 2023-04-16", p)
               for p in problems)
    (d / "curation.csv").write_text("curated_through,notes\nsoon,\n", encoding="utf-8")
    assert any(p.endswith("curation.csv:2: curated_through: unparseable date: 'soon' is not a date (use YYYY, "
                          "YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM)") for p in _problems(d))


def test_curation_file_is_optional_outside_the_curated_folder(tmp_path) -> None:
    d = _tiny(tmp_path)
    (d / "curation.csv").unlink()
    out = tmp_path / "kb.sqlite"
    build(d, out)
    kb = KnowledgeBase.open(out)
    assert kb.curated_through_text() is None
    assert kb.newest_as_of_text() == "2023-04-17"


def test_announced_strike_and_offer_are_public_before_any_source(tmp_path) -> None:
    d = _tiny(tmp_path)
    _add_columns(d, "strikes.csv", {"jd-2023-04": {"announced": "2023-03-01"}})
    _add_columns(d, "offers.csv", {"afc-2023": {"announced": "2023-03-16"}})
    out = tmp_path / "kb.sqlite"
    build(d, out)
    kb = KnowledgeBase.open(out)
    a = ask(kb, "When is the next junior doctors strike?", "2023-03-05")  # its sources date from 16 March and later
    assert a.status == "answered" and "11–15 April 2023" in a.text
    b = ask(kb, "When is the next junior doctors strike?", "2023-02-25")  # before the announcement
    assert "11–15 April 2023" not in b.text


def test_indicative_poll_for_action_answers_a_vote_to_strike_question(real_kb) -> None:
    a = ask(real_kb, "Did consultants vote to strike in 2025?", "2026-12-01")
    assert a.matched.fact_id == "bma-cons-2025-indicative"
    assert "an indicative poll, so no legal strike mandate" in a.text and "67%" in a.text and "turnout 42%" in a.text
