"""Deterministic synthetic knowledge bases shaped like the real one.

`generate(size)` copies the curated CSVs in knowledge/ and appends seeded-random strikes, ballots, figures and
statements (plus a pool of synthetic sources they cite) until the fact tables (strikes, ballots, offers,
figures, statements, faqs) hold `size` rows in total. Unions, staff groups and nations are drawn from the real
covered organisations/groups; dates, durations, percentages and values are drawn from ranges like the real
rows'. The CSVs go to benchmarks/work/<size>/ and are built through the real `bot.build.build()`.
"""

from __future__ import annotations

import csv
import random
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

from bot.build import build

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
WORK = Path(__file__).resolve().parent / "work"
FACT_TABLES = ("strikes", "ballots", "offers", "figures", "statements", "faqs")
SEED = 20230417
# Share of synthetic rows per table (the real KB is figure-heavy, then strikes, statements and ballots).
MIX = (("figures", 0.40), ("strikes", 0.25), ("statements", 0.20), ("ballots", 0.15))
N_SOURCES = 200

METRICS = {  # metric -> (unit, low, high)
    "appointments_rescheduled": ("count", 1_000, 200_000),
    "staff_absent_peak": ("count", 500, 40_000),
    "staff_absent_daily_avg": ("count", 200, 20_000),
    "planned_care_delivered_pct": ("percent", 60, 99),
    "cost": ("gbp", 1_000_000, 500_000_000),
    "strike_days": ("days", 1, 60),
    "strikers": ("count", 100, 100_000),
}
SETTINGS = ("acute", "mental_health", "community", "non_acute", "all_settings", "not_stated")
QUALIFIERS = ("exact", "exact", "exact", "about", "more_than", "nearly", "at_least")
NATIONS = ("england", "england", "england", "wales", "scotland", "northern_ireland")
SPEAKERS = [("Alex Morgan", "General secretary"), ("Sam Patel", "Chief executive"), ("Jo Evans", "Health secretary"),
            ("Chris Walsh", "Chair of council"), ("Pat Okafor", "Medical director"), ("Lee Byrne", "Lead negotiator"),
            ("Dana Hughes", "Director of nursing"), ("Robin Shah", "Regional organiser")]
ACTIVITIES = ("walkout", "stoppage", "strike", "work-to-rule", "day of action")
PHRASES = ("over pay", "over staffing levels", "over the pay award", "over safe staffing", "for pay restoration",
           "over working conditions", "over the pay offer", "over rota gaps")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def real_counts() -> dict[str, int]:
    return {t: len(_read(KNOWLEDGE / f"{t}.csv")[1]) for t in FACT_TABLES}


def _letters(i: int) -> str:
    """A row number spelt in letters ('0417' -> 'aebh'), to keep synthetic prose unique without digits."""
    return "".join("abcdefghij"[int(d)] for d in str(i))


def _day(rng: random.Random) -> date:
    return date(2019, 1, 1) + timedelta(days=rng.randrange(0, 365 * 12))


def _pick(rng: random.Random, items: list[str], k_max: int = 2) -> str:
    return ";".join(sorted(set(rng.sample(items, rng.randint(1, min(k_max, len(items)))))))


def generate(size: int, out_dir: Path | None = None, *, seed: int = SEED) -> Path:
    """Write the CSVs for a KB of `size` fact rows to `out_dir` (default benchmarks/work/<size>/csv). Deterministic."""
    out = out_dir or WORK / str(size) / "csv"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + size)
    # curation.csv is left out: synthetic sources run past the curated-through date, which the build refuses
    data = {p.stem: _read(p) for p in KNOWLEDGE.glob("*.csv") if p.stem != "curation"}
    (out / "curation.csv").unlink(missing_ok=True)  # from a run before this rule
    shutil.copy(KNOWLEDGE / "schema.sql", out / "schema.sql")
    unions = [r["id"] for r in data["organisations"][1] if r["kind"] == "union" and r.get("covered", "1") != "0"]
    groups = [r["id"] for r in data["staff_groups"][1] if r.get("covered", "1") != "0"]
    orgs = [r["id"] for r in data["organisations"][1] if r.get("covered", "1") != "0"]
    have = sum(len(data[t][1]) for t in FACT_TABLES)
    extra = max(0, size - have)

    src_rows = data["sources"][1]
    syn_sources = []
    for i in range(N_SOURCES):
        d = _day(rng)
        syn_sources.append({"id": f"syn-src-{i:04d}", "url": f"https://example.org/news/{d.isoformat()}/{i}",
                            "title": f"Synthetic report {i} on NHS industrial action", "publisher":
                            rng.choice(["Synthetic News", "Example Gazette", "Bench Times", "NHS Example"]),
                            "published": d.isoformat(), "kind": rng.choice(["news", "official", "union"]),
                            "notes": "synthetic"})
    src_rows += syn_sources
    sids = [s["id"] for s in syn_sources]

    counts = {t: int(extra * share) for t, share in MIX}
    counts["figures"] += extra - sum(counts.values())
    strikes = data["strikes"][1]
    syn_strike_ids: list[str] = []
    for i in range(counts["strikes"]):
        start = _day(rng)
        days = rng.choice((0, 0, 0, 1, 2, 3, 4))
        u, g = _pick(rng, unions), _pick(rng, groups)
        sid = f"syn-strike-{i:06d}"
        syn_strike_ids.append(sid)
        strikes.append({"id": sid, "unions": u, "staff_groups": g, "nations": _pick(rng, list(set(NATIONS)), 3),
                        "start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat(),
                        "duration_hours": str(rng.choice((12, 24, 48, 72, 96, "")) if days else rng.choice((12, 24, ""))),
                        "status": rng.choice(("held", "held", "held", "called_off", "curtailed", "planned")),
                        "scope": rng.choice(("", f"{rng.randint(2, 200)} trusts; emergency care kept going")),
                        "summary": f"A {rng.choice(ACTIVITIES)} by {g.replace(';', ' and ').replace('_', ' ')} "
                                   f"{rng.choice(PHRASES)} (synthetic row {i}).",
                        "source_id": rng.choice(sids), "other_source_ids": ""})
    ballots = data["ballots"][1]
    for i in range(counts["ballots"]):
        closes = _day(rng)
        purpose = rng.choice(("statutory_strike_ballot", "pay_offer_consultation", "indicative_poll"))
        outcome = rng.choice(("mandate", "no_mandate") if purpose == "statutory_strike_ballot"
                             else ("accept", "reject"))
        ballots.append({
            "id": f"syn-ballot-{i:06d}", "union": rng.choice(unions), "staff_group": rng.choice(groups),
            "nations": _pick(rng, list(set(NATIONS)), 2), "purpose": purpose,
            "subject": rng.choice(("strike action over pay", "the pay offer", "strike action for pay restoration")),
            "opens": (closes - timedelta(days=rng.randint(14, 45))).isoformat(), "closes": closes.isoformat(),
            "outcome": outcome, "outcome_pct": str(rng.randint(51, 99)), "turnout_pct": f"{rng.uniform(25, 80):.1f}",
            "votes_cast": str(rng.randint(1_000, 300_000)), "votes_for_outcome": "",
            "announced": (closes + timedelta(days=rng.randint(0, 3))).isoformat(),
            "mandate_expires": ((closes + timedelta(days=182)).isoformat() if outcome == "mandate" else ""),
            "recommendation": rng.choice(("accept", "reject", "none", "")), "recommendation_source_id": "",
            "variant_of": "",
            "summary": f"Members voted on {purpose.replace('_', ' ')} (synthetic row {i}).",
            "source_id": rng.choice(sids), "other_source_ids": ""})
    figures = data["figures"][1]
    for i in range(counts["figures"]):
        metric = rng.choice(list(METRICS))
        unit, lo, hi = METRICS[metric]
        strike_ids = rng.sample(syn_strike_ids, rng.randint(1, 2)) if syn_strike_ids else []
        start = _day(rng)
        end = start + timedelta(days=rng.randint(0, 5))
        figures.append({
            "id": f"syn-fig-{i:06d}", "metric": metric, "value": str(rng.randint(lo, hi)), "unit": unit,
            "qualifier": rng.choice(QUALIFIERS), "setting": rng.choice(SETTINGS),
            "area": rng.choice(("England", "England", "London", "Wales")), "strike_ids": ";".join(sorted(strike_ids)),
            "unions": _pick(rng, unions), "staff_groups": _pick(rng, groups),
            "period_start": start.isoformat(), "period_end": end.isoformat(), "cumulative": rng.choice(("0", "0", "1")),
            "variant_of": "", "as_of": (end + timedelta(days=rng.randint(1, 30))).isoformat(),
            "summary": f"{metric.replace('_', ' ').capitalize()} reported for the action (synthetic row {i}).",
            "source_id": rng.choice(sids), "other_source_ids": ""})
    statements = data["statements"][1]
    for i in range(counts["statements"]):
        speaker, role = rng.choice(SPEAKERS)
        statements.append({
            "id": f"syn-st-{i:06d}", "speaker": speaker, "role": role, "organisation": rng.choice(orgs),
            "date": _day(rng).isoformat(),
            "strike_id": rng.choice(syn_strike_ids) if syn_strike_ids and rng.random() < 0.6 else "",
            "paraphrase": f"They said the dispute {rng.choice(PHRASES)} must be settled and patients kept safe "
                          f"(synthetic statement {_letters(i)}).",  # prose carries no digits (the build refuses them)
            "source_id": rng.choice(sids)})
    for name, (header, rows) in data.items():
        _write(out / f"{name}.csv", header, rows)
    return out


def generate_and_build(size: int) -> tuple[Path, float, dict[str, int]]:
    """Generate CSVs for `size` and build them with the real `build()`. Returns (kb path, build seconds, counts)."""
    csv_dir = generate(size)
    kb = WORK / str(size) / "knowledge.sqlite"
    t0 = time.perf_counter()
    counts = build(csv_dir, kb)
    return kb, time.perf_counter() - t0, counts


if __name__ == "__main__":
    import sys

    for s in (int(a) for a in sys.argv[1:] or ["1000"]):
        path, secs, c = generate_and_build(s)
        print(s, path, f"{secs:.2f}s", c)
