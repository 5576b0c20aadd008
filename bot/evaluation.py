"""Evaluation sets (JSONL): run each question through `answer()` and score it by the rules in
../shared/eval/README.md — answered correctly, declined correctly, and wrong answers (the target is zero).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.clock import parse_now
from bot.knowledge import KnowledgeBase
from bot.models import Answer


@dataclass
class Outcome:
    """One question's verdict: 'correct', 'declined_ok', 'wrong', 'missed' (declined but an answer was due)."""

    id: str
    question: str
    expected: str
    verdict: str
    answer: Answer
    why: str = ""


@dataclass
class Scores:
    """Totals over a set: answerable/answered_ok, unanswerable/declined_ok, wrong, plus every outcome."""

    answerable: int = 0
    answered_ok: int = 0
    unanswerable: int = 0
    declined_ok: int = 0
    wrong: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def answered_rate(self) -> float:
        """answered correctly / questions expecting an answer (0–1)."""
        return self.answered_ok / self.answerable if self.answerable else 1.0

    @property
    def declined_rate(self) -> float:
        """declined correctly / questions expecting no answer (0–1)."""
        return self.declined_ok / self.unanswerable if self.unanswerable else 1.0

    def to_json(self) -> dict:
        """Summary plus failures, for `strikebot eval --json`."""
        return {"answered_correctly": [self.answered_ok, self.answerable], "answered_rate": self.answered_rate,
                "declined_correctly": [self.declined_ok, self.unanswerable], "declined_rate": self.declined_rate,
                "wrong_answers": self.wrong,
                "failures": [{"id": o.id, "question": o.question, "verdict": o.verdict, "why": o.why,
                              "status": o.answer.status, "text": o.answer.text}
                             for o in self.outcomes if o.verdict in ("wrong", "missed")]}


def _plain(text: str) -> str:
    """Matching form: lower case, thousands separators between digits removed, en dashes as hyphens."""
    t = text.lower().replace("\u2013", "-").replace("\u2014", "-")
    return re.sub(r"(?<=\d),(?=\d{3})", "", t)


def found(needle: str, text: str) -> bool:
    """True when `needle` occurs in `text` (both already in `_plain` form) with numbers matched whole: a needle
    that starts or ends with a digit may not continue a longer number there ('5%' is not in '5.5%', '20 July'
    is not in '120 July', '3.3' is not in '3.35'), as ../shared/eval/README.md requires."""
    lead = r"(?<![\d.])" if needle[:1].isdigit() else ""
    tail = r"(?!\.?\d)" if needle[-1:].isdigit() else ""
    return re.search(lead + re.escape(needle) + tail, text) is not None


def judge(case: dict, ans: Answer) -> tuple[str, str]:
    """Verdict for one case: ('correct'|'declined_ok'|'wrong'|'missed', reason)."""
    exp = case.get("expect", {})
    status = exp.get("status", "answered")
    text = _plain(ans.text)
    forbidden = [f for f in exp.get("forbid", []) if found(_plain(f), text)]
    if status == "no_answer":
        if ans.status == "no_answer" and not forbidden:
            return "declined_ok", ""
        return ("wrong", f"answered where none was expected; forbidden: {forbidden}") if ans.status == "answered" \
            else ("wrong", f"forbidden text {forbidden}")
    if ans.status == "no_answer":
        return ("missed", "declined") if status == "answered" else ("declined_ok", "")
    if forbidden:
        return "wrong", f"forbidden text {forbidden}"
    if status == "any":
        return "correct", ""
    missing = [g for g in exp.get("contains", []) if not any(found(_plain(s), text) for s in g)]
    if missing:
        return "wrong", f"missing one of {missing}"
    if not ans.sources:
        return "wrong", "no source cited"
    return "correct", ""


class EvalFileError(ValueError):
    """A line of an evaluation file is not a case: not JSON, no "question", or a bad "now" (FILE:LINE: reason)."""


def _expect_problem(exp: object) -> str | None:
    """Why an `expect` object is not one the judge can score (None when it is): a misshapen one would be scored
    leniently ('contains': ["196225"] would match any single character)."""
    if not isinstance(exp, dict):
        return "must be an object"
    unknown = sorted(set(exp) - {"status", "contains", "forbid"})
    if unknown:
        return f"unknown key {unknown[0]!r} (status, contains, forbid)"
    if exp.get("status", "answered") not in ("answered", "no_answer", "any"):
        return f"status must be answered, no_answer or any, not {exp.get('status')!r}"
    contains = exp.get("contains", [])
    if not isinstance(contains, list) or not all(
            isinstance(g, list) and g and all(isinstance(x, str) and x for x in g) for g in contains):
        return 'contains must be a list of non-empty lists of strings, e.g. [["196,225", "196225"]]'
    forbid = exp.get("forbid", [])
    if not isinstance(forbid, list) or not all(isinstance(x, str) and x for x in forbid):
        return "forbid must be a list of non-empty strings"
    return None


def _case(path: Path, number: int, line: str) -> dict:
    try:
        case = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalFileError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    if not isinstance(case, dict) or not isinstance(case.get("question"), str):
        raise EvalFileError(f'{path}:{number}: a case needs a "question" string')
    problem = _expect_problem(case.get("expect", {}))
    if problem:
        raise EvalFileError(f"{path}:{number}: expect: {problem}")
    if case.get("now"):
        try:
            parse_now(case["now"])
        except ValueError as exc:
            raise EvalFileError(f"{path}:{number}: now: {exc}") from exc
    return case


def run_eval(path: Path, kb: KnowledgeBase, *, now: datetime | None = None,
             answer_fn: Callable[..., Answer] | None = None) -> Scores:
    """Run every case in the JSONL file at `path`. A case's own `now` wins; else `now`; else the real time.
    Raises EvalFileError (naming file and line) for a line that is not a case."""
    from bot.answering import answer

    fn = answer_fn or answer
    scores = Scores()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if not any(x.strip() for x in lines):
        raise EvalFileError(f"{path}: no cases (an empty set would score 100%)")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        case = _case(path, number, line)
        when = parse_now(case["now"]) if case.get("now") else (now or parse_now(None))
        ans = fn(case["question"], kb, now=when)
        verdict, why = judge(case, ans)
        expected = case.get("expect", {}).get("status", "answered")
        if expected == "any":
            pass  # either status is fine; only forbidden text (a borrowed fact) counts, as a wrong answer
        elif expected == "no_answer":
            scores.unanswerable += 1
            scores.declined_ok += verdict == "declined_ok"
        else:
            scores.answerable += 1
            scores.answered_ok += verdict == "correct"
        scores.wrong += verdict == "wrong" and ans.status == "answered"
        scores.outcomes.append(Outcome(case.get("id", ""), case["question"], expected, verdict, ans, why))
    return scores


def floor_problems(scores: Scores, floor: dict) -> list[str]:
    """Where `scores` fall below a recorded floor `{"answered": [ok, of], "declined": [ok, of], "wrong": n}`
    (answered and declined compared as rates, so a set that grows keeps its floor); [] when none."""
    out = []
    for key, ok, of in (("answered", scores.answered_ok, scores.answerable),
                        ("declined", scores.declined_ok, scores.unanswerable)):
        f_ok, f_of = floor[key]
        if of and f_of and ok / of < f_ok / f_of - 1e-9:
            out.append(f"{key} correctly {ok}/{of} is below the floor {f_ok}/{f_of}")
    if scores.wrong > floor["wrong"]:
        out.append(f"wrong answers {scores.wrong} is above the floor {floor['wrong']}")
    return out


def raised_floor(scores: Scores, floor: dict | None) -> dict:
    """The floor after `scores`: each part the better of the two (answered and declined can only rise, wrong
    can only fall), so a floors file ratchets towards 95% / 95% / 0 wrong and never back."""
    now = {"answered": [scores.answered_ok, scores.answerable], "declined": [scores.declined_ok,
                                                                             scores.unanswerable],
           "wrong": scores.wrong}
    if not floor:
        return now

    def rate(pair: list[int]) -> float:
        return pair[0] / pair[1] if pair[1] else 1.0

    return {"answered": max(floor["answered"], now["answered"], key=rate),
            "declined": max(floor["declined"], now["declined"], key=rate),
            "wrong": min(floor["wrong"], now["wrong"])}
