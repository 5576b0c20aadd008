"""The selection catalogs (bot.catalog) and the KnowledgeBase methods behind them: `select` must return exactly
what a scan of every fact would, the keys must carry the same values as the full records, a pinned answer
reads one file version, and the bounded suggestion search still finds the rare word."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import _in_windows
from bot.build import build
from bot.catalog import Catalog
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.knowledge import KnowledgeBase

T0 = datetime(2022, 1, 1, tzinfo=UTC)
LABELS = ["u:rcn", "u:bma", "u:unite", "g:nurses", "g:junior_doctors", "g:ambulance"]


def _key(i: int, start_h: int | None, length_h: int, labels: list[str]) -> dict:
    if start_h is None:
        return {"id": f"k{i}", "first": None, "last": None, "labels": labels}
    first = T0 + timedelta(hours=start_h)
    return {"id": f"k{i}", "first": first, "last": first + timedelta(hours=length_h), "labels": labels}


keys_strategy = st.lists(
    st.builds(lambda start, length, labels: (start, length, labels),
              st.one_of(st.none(), st.integers(0, 24 * 400)), st.integers(0, 24 * 40),
              st.lists(st.sampled_from(LABELS), max_size=3, unique=True)),
    max_size=60)
windows_strategy = st.lists(st.tuples(st.integers(0, 24 * 400), st.integers(0, 24 * 60)), max_size=3)
groups_strategy = st.lists(st.lists(st.sampled_from(LABELS), max_size=3), max_size=2)


@settings(max_examples=300, deadline=None)
@given(keys_strategy, windows_strategy, groups_strategy)
def test_select_equals_a_full_scan(raw, raw_windows, groups) -> None:
    keys = [_key(i, s, n, labels) for i, (s, n, labels) in enumerate(raw)]
    windows = [(T0 + timedelta(hours=a), T0 + timedelta(hours=a + n)) for a, n in raw_windows]
    cat = Catalog(keys, lambda k: (k["first"], k["last"]), lambda k: k["labels"])
    got = [k["id"] for k in cat.select(any_of=groups, windows=windows)]
    expected = [k for k in keys
                if all(not g or set(g) & set(k["labels"]) for g in groups)
                and _in_windows(k["first"], k["last"], windows)]
    dated = sorted((k for k in expected if k["first"] is not None), key=lambda k: k["first"])
    undated = [k for k in expected if k["first"] is None]
    assert got == [k["id"] for k in dated + undated]


def test_strike_keys_carry_the_records_values(real_kb) -> None:
    cat = real_kb.catalog("strike")
    assert len(cat) == real_kb.counts()["strikes"]
    for key in cat.items:
        full = real_kb.get("strike", key.id)
        assert (key.unions, key.staff_groups, key.nations, key.start, key.end, key.duration_hours, key.status) == (
            full.unions, full.staff_groups, full.nations, full.start, full.end, full.duration_hours, full.status)
    starts = [k.start.first for k in cat.items]
    assert starts == sorted(starts)


def test_catalog_select_agrees_with_a_scan_of_the_real_strikes(real_kb) -> None:
    april = (datetime(2023, 3, 31, 23, tzinfo=UTC), datetime(2023, 4, 30, 22, 59, 59, tzinfo=UTC))
    got = {k.id for k in real_kb.catalog("strike").select(any_of=[["u:bma"], []], windows=[april])}
    scan = {s.id for s in real_kb.all("strike")
            if "bma" in s.unions and _in_windows(s.start.first, s.end.last, [april])}
    assert got == scan and "jd-2023-04-11" in got


def test_figures_are_found_by_strike_and_metric(real_kb) -> None:
    refs = {f.id for f in real_kb.catalog("figure").referring_to("jd-2023-04-11|appointments_rescheduled")}
    assert {"fig-jd-2023-04-acute", "fig-jd-2023-04-mental-health", "fig-jd-2023-04-community"} <= refs
    assert all(real_kb.get("figure", i).metric == "appointments_rescheduled" for i in refs)


def test_pinned_answer_reads_one_version_then_sees_the_rebuild(tmp_path) -> None:
    src = tmp_path / "src"
    shutil.copytree(DEFAULT_KNOWLEDGE_DIR, src)
    path = tmp_path / "kb.sqlite"
    build(src, path)
    kb = KnowledgeBase.open(path)
    before = kb.get("figure", "fig-jd-2023-04-acute").value
    figures = src / "figures.csv"
    figures.write_text(figures.read_text(encoding="utf-8").replace("196225", "196226"), encoding="utf-8")
    with kb.pinned():
        build(src, path)
        assert kb.get("figure", "fig-jd-2023-04-acute").value == before == 196225
    assert kb.get("figure", "fig-jd-2023-04-acute").value == 196226


def test_document_counts_and_bounded_search(real_kb) -> None:
    counts = real_kb.document_counts(["strikes", "physiotherapists", "zzqx"])
    assert counts["zzqx"] == 0
    assert counts["strikes"] > counts["physiotherapists"] > 0
    hits = real_kb.search(["the physiotherapists strike"], limit=5, max_postings=counts["physiotherapists"])
    rows = real_kb.doc_rows([(k, i) for k, i, _ in hits])
    assert rows and "csp" in rows[0]["unions"]  # only the rare word was searched: every hit holds it
    assert all("physiotherap" in (r["phrasings"] + r["body"]).lower() for r in rows)
