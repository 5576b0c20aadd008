"""The build: validation messages name file, line and column; failures leave the old KB byte-identical."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.build import BuildError, build, check
from tests.conftest import TINY


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "kb"
    shutil.copytree(TINY, d)
    return d


def _edit(d: Path, name: str, old: str, new: str) -> None:
    p = d / name
    text = p.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in {name}"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(d: Path) -> list[str]:
    with pytest.raises(BuildError) as exc:
        check(d)
    return exc.value.problems


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("figures.csv", ",nhse-apr23,\ncum", ",no-such-source,\ncum", "figures.csv:2: source_id: unknown source id 'no-such-source'"),
        ("strikes.csv", "jd-2023-04,bma,", "jd-2023-04,xyz,", "strikes.csv:2: unions: unknown organisation 'xyz'"),
        ("ballots.csv", "rcn-offer-2023,rcn,nurses,", "rcn-offer-2023,rcn,plumbers,", "ballots.csv:2: staff_group: unknown staff group 'plumbers'"),
        ("strikes.csv", "2023-04-11T07:00,", "2023-04-31,", "strikes.csv:2: start: unparseable date"),
        ("strikes.csv", "2023-04-15T07:00,96", "2023-04-10T07:00,96", "strikes.csv:2: end: 2023-04-10T07:00 is before start"),
        ("ballots.csv", ",54,61,", ",54,161,", "ballots.csv:2: turnout_pct: percentage 161 is outside 0–100"),
        ("figures.csv", ",196225,", ",-196225,", "figures.csv:2: value: negative value -196225"),
        ("sources.csv", "itv-rcn,", "nhse-apr23,", "sources.csv:3: id: duplicate id 'nhse-apr23' (first on line 2)"),
        ("faqs.csv", "id,question,phrasings,answer,source_id", "id,question,phrasings,source_id", "faqs.csv:1: answer: missing required column"),
        ("strikes.csv", ",england,2023-04-11", ",atlantis,2023-04-11", "strikes.csv:2: nations: unknown nation(s) atlantis"),
    ],
)
def test_each_validation_error_names_file_line_and_column(tmp_path: Path, name, old, new, expected) -> None:
    d = _copy(tmp_path)
    _edit(d, name, old, new)
    problems = _problems(d)
    assert any(expected in p for p in problems), problems


def test_wrong_encoding_is_reported_with_its_line(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "statements.csv"
    p.write_bytes(p.read_bytes().replace(b"Powis", "Pow\xefs".encode("latin-1")))
    assert any("statements.csv:2: (encoding): not UTF-8" in x for x in _problems(d))


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d, "ballots.csv", ",54,61,", ",154,161,")
    _edit(d, "figures.csv", ",196225,", ",-1,")
    problems = _problems(d)
    assert len(problems) == 3, problems


def test_failed_build_leaves_the_old_kb_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "kb.sqlite"
    build(TINY, out)
    before = out.read_bytes()
    d = _copy(tmp_path)
    _edit(d, "ballots.csv", ",54,61,", ",54,161,")
    with pytest.raises(BuildError):
        build(d, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kb.sqlite")] == []


@pytest.mark.parametrize("stage", ["strikes", "figures", "index"])
def test_interrupted_build_leaves_no_partial_file(tmp_path: Path, stage: str) -> None:
    out = tmp_path / "kb.sqlite"
    build(TINY, out)
    before = out.read_bytes()

    def crash(at: str) -> None:
        if at == stage:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        build(TINY, out, fail_after=crash)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.sqlite"]


def test_build_indexes_every_fact_for_search(tiny_kb) -> None:
    hits = tiny_kb.search(["junior", "doctors", "appointments", "rescheduled"])
    assert ("figure", "jd-apr23-acute") in [(k, i) for k, i, _ in hits]
    assert tiny_kb.search(['" OR 1=1 --', "NEAR(", "*"]) == []


def test_partial_dates_keep_their_precision(tiny_kb) -> None:
    src = tiny_kb.sources()["nhse-guide"]
    assert src.published == "2023-01"
    ballot = tiny_kb.get("ballot", "rcn-offer-2023")
    assert ballot.closes.precision == "minute"
    assert ballot.closes.first.isoformat() == "2023-04-14T08:00:00+00:00"  # 09:00 BST


def test_built_file_is_readable_like_other_build_output(tmp_path) -> None:
    import stat

    from bot.build import build
    from bot.config import DEFAULT_KNOWLEDGE_DIR

    out = tmp_path / "kb.sqlite"
    build(DEFAULT_KNOWLEDGE_DIR, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


def test_an_unreadable_file_is_one_problem_not_one_per_reference(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    p = d / "sources.csv"
    p.write_bytes(b"\xff" + p.read_bytes())
    problems = _problems(d)
    assert len(problems) == 1 and "sources.csv:1: (encoding): not UTF-8" in problems[0], problems


def test_a_figure_in_faq_prose_is_refused(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    faqs = d / "faqs.csv"
    rows = faqs.read_text(encoding="utf-8").splitlines()
    header = rows[0].split(",")
    answer_col = header.index("answer")
    import csv
    import io

    parsed = list(csv.reader(io.StringIO(faqs.read_text(encoding="utf-8"))))
    parsed[1][answer_col] = "About 999,999 appointments moved; call 999 or 111 in an emergency since 2023."
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(parsed)
    faqs.write_text(out.getvalue(), encoding="utf-8")
    problems = _problems(d)
    assert problems == [f"{problems[0].split(':')[0]}:2: answer: contains the figure '999,999'; shown as written, "
                        "so a figure here would bypass the typed columns (put it in figures.csv, or write it "
                        "without digits)"]


def test_a_figure_in_a_ballot_subject_is_refused_but_pay_years_are_not(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d, "ballots.csv", "the March 2023 pay offer", "\"the 2023/24 pay offer (a 35% rise worth £5,000)\"")
    problems = _problems(d)
    assert len(problems) == 1 and "ballots.csv:2: subject: contains the figure '35'" in problems[0], problems


def test_duplicated_header_is_reported_with_file_line_and_column(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    first = (d / "strikes.csv").read_text(encoding="utf-8").splitlines()[0]
    name = first.split(",")[0]
    _edit(d, "strikes.csv", first, first + "," + name)
    assert [p for p in _problems(d) if p.endswith(f"strikes.csv:1: {name}: duplicated column (which one holds the value?)")]


def test_nul_bytes_are_reported_with_file_line_and_column(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d, "strikes.csv", "jd-2023-04,bma,", "jd-2023-04,b\x00ma,")
    assert [p.rsplit("/", 1)[-1] for p in _problems(d)] == ["strikes.csv:2: unions: contains a NUL byte"]
    header = (d / "figures.csv").read_text(encoding="utf-8").splitlines()[0]
    _edit(d, "figures.csv", header, header.replace(",", "\x00,", 1))
    assert [p for p in _problems(d) if p.endswith("figures.csv:1: (header): contains a NUL byte (is it really a text CSV?)")]


def test_a_killed_build_leaves_a_temp_file_that_the_next_build_removes(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "kb.sqlite"
    script = ("import sys, time; from pathlib import Path; from bot.build import build; "
              "build(Path(sys.argv[1]), Path(sys.argv[2]), "
              "fail_after=lambda s: (print('stuck', flush=True), time.sleep(60)) if s == 'index' else None)")
    proc = subprocess.Popen([sys.executable, "-c", script, str(TINY), str(out)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert proc.stdout.readline().strip() == "stuck"
    temps = list(tmp_path.glob(".kb.sqlite.*.building"))
    assert len(temps) == 1 and temps[0].stat().st_size > 0
    # a build running beside it does not remove the live temp file
    from bot.build import remove_stale_temp_files

    assert remove_stale_temp_files(out) == [] and temps[0].exists()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.05)
    build(TINY, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.sqlite"]
