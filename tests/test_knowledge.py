"""The real curated knowledge: it validates, meets the size floors, and holds every founding-article fact
with the right value, scope and source."""

from __future__ import annotations

from bot.build import check
from bot.config import DEFAULT_KNOWLEDGE_DIR

FOUNDING = "independent-2023-04-17-founding"


def test_real_curated_files_validate() -> None:
    tables = check(DEFAULT_KNOWLEDGE_DIR)
    assert len(tables["strikes"]) >= 30 and len(tables["ballots"]) >= 20 and len(tables["offers"]) >= 10
    assert len(tables["figures"]) >= 30 and len(tables["sources"]) >= 40


def _fig(kb, fid):
    return kb.get("figure", fid)


def test_founding_article_figures(real_kb) -> None:
    acute = _fig(real_kb, "fig-jd-2023-04-acute")
    assert (acute.value, acute.setting, acute.strike_ids) == (196225, "acute", ("jd-2023-04-11",))
    assert FOUNDING in [s.id for s in acute.other_sources]
    mh = _fig(real_kb, "fig-jd-2023-04-mental-health")
    assert (mh.value, mh.qualifier, mh.setting, mh.source.id) == (4000, "more_than", "mental_health", FOUNDING)
    com = _fig(real_kb, "fig-jd-2023-04-community")
    assert (com.value, com.setting, com.source.id) == (570, "community", FOUNDING)
    total = _fig(real_kb, "fig-cum-2023-04-independent")
    assert (total.value, total.setting, total.cumulative, total.as_of.text) == (531000, "all_settings", True,
                                                                                "2023-04-17")
    acute_total = _fig(real_kb, "fig-cum-2023-04-acute")
    assert (acute_total.value, acute_total.setting) == (483085, "acute")


def test_founding_article_ballots_and_dates(real_kb) -> None:
    rcn = real_kb.get("ballot", "rcn-2023-pay-consultation")
    assert (rcn.outcome, rcn.outcome_pct, rcn.turnout_pct, rcn.announced.text) == ("reject", 54, 61, "2023-04-14")
    unison = real_kb.get("ballot", "unison-2023-pay-consultation")
    assert (unison.outcome, unison.outcome_pct, unison.turnout_pct) == ("accept", 74, 53)
    assert real_kb.get("ballot", "unison-2023-pay-consultation-pa").turnout_pct == 52  # PA's figure, kept beside
    for bid in ("unite-2023-pay-consultation", "gmb-2023-pay-consultation"):
        assert real_kb.get("ballot", bid).closes.text == "2023-04-28"  # "next Friday" from 17 April 2023
    assert real_kb.get("ballot", "sor-2023-indicative").recommendation == "reject"
    assert real_kb.get("ballot", "csp-2023-pay-consultation").recommendation == "accept"
    strike = real_kb.get("strike", "jd-2023-04-11")
    assert (strike.duration_hours, strike.start.text, strike.end.text) == (96, "2023-04-11T07:00", "2023-04-15T07:00")


def test_disagreeing_offer_figures_are_kept_side_by_side(real_kb) -> None:
    official = real_kb.get("offer", "afc-2023-03-offer")
    press = real_kb.get("offer", "afc-2023-03-offer-independent")
    assert (official.consolidated_pct, official.source.publisher) == (5, "NHS Employers")
    assert (press.consolidated_pct, press.variant_of, press.source.id) == (5.2, "afc-2023-03-offer", FOUNDING)
