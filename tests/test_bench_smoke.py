"""Smoke run of the benchmark harness: 1k entries, our engine and the rapidfuzz baseline, a few questions.

Checks the harness works and its results are well-formed; it does not check speed (benchmarks are not timed
tests)."""

from __future__ import annotations

import json

from benchmarks import run
from benchmarks.generate import generate


def test_generator_is_deterministic(tmp_path):
    a = generate(1000, tmp_path / "a")
    b = generate(1000, tmp_path / "b")
    for f in sorted(p.name for p in a.glob("*.csv")):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_bench_smoke_1k(tmp_path):
    res = run.main(["--sizes", "1000", "--quick", "--baselines", "rapidfuzz_full_scan", "--out", str(tmp_path)])
    on_disk = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert on_disk["sizes"].keys() == res["sizes"].keys() == {"1000"}
    assert isinstance(on_disk["machine"], str) and on_disk["machine"]
    s = on_disk["sizes"]["1000"]
    assert s["entries"] == 1000
    for key in ("answer_p50_ms", "answer_p99_ms", "qps", "build_s", "peak_rss_mb", "cold_start_s"):
        assert isinstance(s[key], (int, float)) and s[key] > 0, key
    assert s["answer_p99_ms"] >= s["answer_p50_ms"]
    fs = s["baselines"]["rapidfuzz_full_scan"]
    assert fs["p50_ms"] > 0 and fs["p99_ms"] >= fs["p50_ms"]
    acc = on_disk["dev_accuracy"]
    if run.DEV.is_file():
        assert 0 <= acc["strikebot"] <= 1 and 0 <= acc["rapidfuzz_full_scan"] <= 1
    else:  # a clone without ../shared: timed on our own questions, accuracy recorded as not measured
        assert on_disk["question_file"] == "eval_extra.jsonl"
        assert acc["strikebot"] is None and "dev set not found" in acc["reasons"]["strikebot"]
    e2e = on_disk["e2e"]
    assert "reason" not in e2e, e2e.get("reason")
    for c in ("1", "50"):  # well-formed, never a speed threshold
        for kind in ("", "ack_"):
            p50, p99 = e2e[f"{kind}p50_ms_{c}"], e2e[f"{kind}p99_ms_{c}"]
            assert isinstance(p50, float) and isinstance(p99, float) and 0 < p50 <= p99, (kind, c, p50, p99)
    assert e2e["n_1"] == 20 and e2e["n_50"] == 50
    assert isinstance(on_disk["verdicts"]["ack_p99_ms_50<=100"], bool)
    md = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "| entries |" in md and "| concurrent events |" in md
