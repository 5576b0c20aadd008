"""Knowledge build: `knowledge/*.csv` -> validated -> new SQLite file -> atomic `os.replace` over the old one.

Every problem is reported as `FILE:LINE: column: reason` (the header is line 1), all at once; on any problem,
or any exception mid-way, the existing knowledge base is left byte-for-byte untouched and no partial file stays.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import DateParseError, PartialDate, parse_partial, to_utc_iso
from bot.models import NATIONS

SCHEMA_FILE = "schema.sql"


class BuildError(Exception):
    """The knowledge files are invalid; `problems` holds every 'FILE:LINE: column: reason' line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the knowledge files")


@dataclass(frozen=True)
class Col:
    """One CSV column: `kind` says how it is parsed and checked; `required` means a non-empty value."""

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    ref: str = ""  # table the value (or each ';' item) must name


def _c(name: str, kind: str = "text", req: bool = False, choices: tuple[str, ...] = (), ref: str = "") -> Col:
    return Col(name, kind, req, choices, ref)


SRC = _c("source_id", "ref", True, ref="sources")
OTHER = _c("other_source_ids", "refs", ref="sources")

TABLES: dict[str, list[Col]] = {
    "sources": [
        _c("id", "id", True), _c("url", "url", True), _c("title", req=True), _c("publisher", req=True),
        _c("published", "date", True), _c("kind", "enum", True, ("official", "union", "news")), _c("notes"),
    ],
    "organisations": [
        _c("id", "id", True), _c("name", req=True),
        _c("kind", "enum", True, ("union", "nhs_body", "government", "employer", "other")),
        _c("aliases", "list"), _c("covered", "bool"), _c("description"), _c("source_id", "ref", ref="sources"),
    ],
    "staff_groups": [
        _c("id", "id", True), _c("name", req=True), _c("aliases", "list"), _c("covered", "bool"),
        _c("description"), _c("source_id", "ref", ref="sources"), _c("includes", "refs", ref="staff_groups"),
    ],
    "strikes": [
        _c("id", "id", True), _c("unions", "refs", True, ref="organisations"),
        _c("staff_groups", "refs", True, ref="staff_groups"), _c("nations", "nations", True),
        _c("start", "date", True), _c("end", "date", True), _c("duration_hours", "hours"),
        _c("status", "enum", True, ("held", "called_off", "curtailed", "planned")), _c("scope"),
        _c("summary", req=True), SRC, OTHER, _c("announced", "date"), _c("status_as_of", "date"),
        _c("status_source_id", "ref", ref="sources"), _c("end_alt", "date"),
        _c("end_alt_source_id", "ref", ref="sources"),
        _c("cover", "enum", choices=("full_walkout", "christmas_day_cover", "local_cover", "mixed")),
    ],
    "ballots": [
        _c("id", "id", True), _c("union", "ref", True, ref="organisations"),
        _c("staff_group", "ref", True, ref="staff_groups"), _c("nations", "nations", True),
        _c("purpose", "enum", True,
           ("statutory_strike_ballot", "pay_offer_consultation", "indicative_poll", "referendum")),
        _c("subject", req=True), _c("opens", "date"), _c("closes", "date"),
        _c("outcome", "enum", choices=("accept", "reject", "mandate", "no_mandate", "for_action", "pending")),
        _c("outcome_pct", "pct"), _c("turnout_pct", "pct"), _c("votes_cast", "count"),
        _c("votes_for_outcome", "count"), _c("announced", "date"), _c("mandate_expires", "date"),
        _c("recommendation", "enum", choices=("accept", "reject", "none")),
        _c("recommendation_source_id", "ref", ref="sources"), _c("variant_of", "ref", ref="ballots"),
        _c("summary", req=True), SRC, OTHER,
    ],
    "offers": [
        _c("id", "id", True), _c("offered_by", "ref", True, ref="organisations"),
        _c("staff_groups", "refs", True, ref="staff_groups"), _c("unions", "refs", ref="organisations"),
        _c("nations", "nations", True), _c("date", "date", True), _c("pay_years", "list"),
        _c("consolidated_pct", "pct"), _c("consolidated_pct_max", "pct"), _c("consolidated_gbp", "money"),
        _c("one_off_pct", "pct"), _c("one_off_min_gbp", "money"), _c("one_off_max_gbp", "money"),
        _c("variant_of", "ref", ref="offers"),
        _c("status", "enum", True, ("offered", "accepted", "rejected", "imposed", "implemented", "superseded")),
        _c("summary", req=True), SRC, OTHER, _c("announced", "date"), _c("consolidated_average", "bool"),
        _c("status_as_of", "date"), _c("status_source_id", "ref", ref="sources"), _c("other_terms"),
    ],
    "figures": [
        _c("id", "id", True),
        _c("metric", "enum", True, ("appointments_rescheduled", "staff_absent_peak", "staff_absent_daily_avg",
                                    "planned_care_delivered_pct", "cost", "strike_days", "strikers")),
        _c("value", "number", True), _c("unit", "enum", True, ("count", "percent", "gbp", "days", "hours")),
        _c("qualifier", "enum", choices=("exact", "about", "more_than", "nearly", "at_least")),
        _c("setting", "enum", True,
           ("acute", "mental_health", "community", "non_acute", "all_settings", "not_stated")),
        _c("area"), _c("strike_ids", "refs", ref="strikes"), _c("unions", "refs", ref="organisations"),
        _c("staff_groups", "refs", ref="staff_groups"), _c("period_start", "date"), _c("period_end", "date"),
        _c("cumulative", "bool"), _c("variant_of", "ref", ref="figures"), _c("as_of", "date", True),
        _c("summary", req=True), SRC, OTHER, _c("claimed_by", "ref", ref="organisations"),
    ],
    "statements": [
        _c("id", "id", True), _c("speaker", req=True), _c("role", req=True),
        _c("organisation", "ref", ref="organisations"), _c("date", "date", True),
        _c("strike_id", "ref", ref="strikes"), _c("paraphrase", req=True), SRC,
    ],
    "faqs": [
        _c("id", "id", True), _c("question", req=True), _c("phrasings"), _c("answer", req=True), SRC,
        _c("answers", "list"),
    ],
    # the engine's word lists (bot/answering/vocabulary.py); keyed on (class, phrase), not an id
    "vocabulary": [_c("class", req=True), _c("phrase", req=True), _c("value"), _c("note")],
    # which kinds of answer each kind of question's handler can give (the answer-type contract)
    "question_kinds": [_c("kind", "id", True), _c("handler", req=True), _c("answer_types", "list", True),
                       _c("description", req=True)],
    "curation": [_c("curated_through", "date", True), _c("notes")],
}
# Files a folder of knowledge may leave out: the project's own copy is used (tests and forks keep only facts).
SHARED_FILES = ("vocabulary", "question_kinds")
ORDER = list(TABLES)
# Files a folder of knowledge may leave out (a test fixture, a benchmark fork): `curation.csv` says how current
# the curated folder is; without it the knowledge base states no curated-through date.
OPTIONAL = {"curation"}
# Date columns stored as *_text + *_utc; which end of a partial date the *_utc column takes.
DATE_END = {"start": "first", "period_start": "first", "opens": "first", "date": "last", "end": "last",
            "closes": "last", "announced": "last", "mandate_expires": "last", "as_of": "last",
            "period_end": "last", "published": None, "status_as_of": "last", "end_alt": "last",
            "curated_through": "last"}
BATCH = 1000  # rows per INSERT statement (sqlite-utils lowers it to fit SQLite's variable limit)
# Columns renamed on the way into SQLite.
DB_NAME = {("ballots", "union"): "union_id"}


@dataclass
class Row:
    """A parsed CSV row: its file, line and values (already typed)."""

    file: str
    line: int
    values: dict[str, object] = field(default_factory=dict)


def _split(v: str) -> list[str]:
    return [x.strip() for x in v.split(";") if x.strip()]


def _parse_value(col: Col, raw: str) -> tuple[object, str | None]:
    """Returns (value, problem). Empty optional values come back as None (or '' for text)."""
    v = raw.strip()
    if not v:
        return (None if col.kind not in ("text", "list", "refs", "enum", "ref") else ""), None
    k = col.kind
    if k in ("text", "id", "ref", "url"):
        if k == "id" and (" " in v or v != v.strip()):
            return v, f"id {v!r} must not contain spaces"
        if k == "url" and not v.startswith(("http://", "https://")):
            return v, f"{v!r} is not an http(s) URL"
        return v, None
    if k == "enum":
        return (v, None) if v in col.choices else (v, f"{v!r} is not one of {', '.join(col.choices)}")
    if k in ("list", "refs"):
        return ";".join(_split(v)), None
    if k == "nations":
        items = _split(v)
        bad = [n for n in items if n not in NATIONS]
        return ";".join(items), (f"unknown nation(s) {', '.join(bad)} (use {', '.join(NATIONS)})" if bad else None)
    if k == "date":
        try:
            return parse_partial(v), None
        except DateParseError as exc:
            return v, f"unparseable date: {exc}"
    if k == "bool":
        return (v in ("1", "true", "yes"), None) if v.lower() in ("0", "1", "true", "false", "yes", "no") else (
            v, f"{v!r} is not 1 or 0")
    try:
        num = float(v.replace(",", ""))
    except ValueError:
        return v, f"{v!r} is not a number"
    if k == "pct" and not 0 <= num <= 100:
        return num, f"percentage {v} is outside 0–100"
    if k in ("count", "number", "money", "hours") and num < 0:
        return num, f"negative value {v}"
    if k == "count":
        if not num.is_integer():
            return num, f"count {v} is not a whole number"
        return int(num), None
    return num, None


def _read_csv(path: Path, problems: list[str], display: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(f"{display}:{line}: (encoding): not UTF-8 (byte 0x{data[exc.start]:02x}); save as UTF-8")
        return [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    header: list[str] = []
    last = 0
    for rec in reader:
        start = last + 1
        last = reader.line_num
        if not header:
            header = [h.strip() for h in rec]
            continue
        if not any(c.strip() for c in rec):
            continue
        rows.append((start, rec))
    return header, rows


def load_rows(source_dir: Path, unreadable: set[str] | None = None) -> tuple[dict[str, list[Row]], list[str]]:
    """Read and type-check every CSV in `source_dir` (cross-file references are checked by `validate`).

    Returns ({table: [Row]}, problems); tables whose file could not be read at all (missing, not UTF-8, a
    required column missing) are added to `unreadable`, so references to them are not also reported."""
    unreadable = unreadable if unreadable is not None else set()
    if not Path(source_dir).is_dir():
        unreadable.update(ORDER)
        return {t: [] for t in ORDER}, [f"{_display(Path(source_dir))}: (folder): no such folder of knowledge files"]
    problems: list[str] = []
    tables: dict[str, list[Row]] = {}
    for table in ORDER:
        path = source_dir / f"{table}.csv"
        if table in SHARED_FILES and not path.exists():
            from bot.config import DEFAULT_KNOWLEDGE_DIR

            path = DEFAULT_KNOWLEDGE_DIR / f"{table}.csv"
        display = _display(path)
        tables[table] = []
        if not path.exists() and table in OPTIONAL:
            continue
        if not path.exists():
            problems.append(f"{display}:1: (file): missing file {table}.csv")
            unreadable.add(table)
            continue
        before = len(problems)
        header, records = _read_csv(path, problems, display)
        if len(problems) > before and not header:
            unreadable.add(table)  # not UTF-8: nothing of it was read, so no column can be reported missing
            continue
        cols = {c.name: c for c in TABLES[table]}
        if any("\x00" in h for h in header):
            problems.append(f"{display}:1: (header): contains a NUL byte (is it really a text CSV?)")
            unreadable.add(table)
            continue
        duplicated = sorted({h for h in header if header.count(h) > 1})
        for name in duplicated:
            problems.append(f"{display}:1: {name}: duplicated column (which one holds the value?)")
        if duplicated:
            unreadable.add(table)
            continue
        missing = [c.name for c in TABLES[table] if c.required and c.name not in header]
        for name in missing:
            problems.append(f"{display}:1: {name}: missing required column")
        for name in header:
            if name not in cols:
                problems.append(f"{display}:1: {name}: unknown column (expected {', '.join(cols)})")
        if missing:
            unreadable.add(table)
            continue
        for line, rec in records:
            if len(rec) != len(header):
                problems.append(f"{display}:{line}: (row): has {len(rec)} cells, the header has {len(header)}")
                continue
            nul = [name for name, cell in zip(header, rec, strict=True) if "\x00" in cell]
            for name in nul:  # reported; the rest of the row is still checked (no knock-on problems)
                problems.append(f"{display}:{line}: {name}: contains a NUL byte")
            rec = [cell.replace("\x00", "") for cell in rec] if nul else rec
            row = Row(display, line)
            raw = dict(zip(header, rec, strict=True))
            for col in TABLES[table]:
                value, problem = _parse_value(col, raw.get(col.name, ""))
                if problem is None and col.required and value in (None, ""):
                    problem = "required value is empty"
                if problem:
                    problems.append(f"{display}:{line}: {col.name}: {problem}")
                row.values[col.name] = value
            tables[table].append(row)
    return tables, problems


def validate(tables: dict[str, list[Row]], unreadable: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Cross-row checks: duplicate ids, references to other tables, end before start, variants."""
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for table in ORDER:
        seen: dict[str, int] = {}
        for row in tables[table]:
            if table == "vocabulary":
                problems += _vocabulary_checks(row, seen)
                continue
            if table == "curation":
                continue  # one row, no id (see _curation_checks)
            rid = str(row.values.get("id") or row.values.get("kind") or "")
            if rid in seen:
                problems.append(f"{row.file}:{row.line}: id: duplicate id {rid!r} (first on line {seen[rid]})")
            seen.setdefault(rid, row.line)
        ids[table] = set(seen)
    for table in ORDER:
        for row in tables[table]:
            for col in TABLES[table]:
                v = row.values.get(col.name)
                if not col.ref or not v or not isinstance(v, str):
                    continue
                if col.ref in unreadable:
                    continue  # that file's own problem is reported; a reference error per row would bury it
                for item in (_split(v) if col.kind == "refs" else [v]):
                    if item not in ids[col.ref]:
                        what = {"sources": "source id", "organisations": "organisation",
                                "staff_groups": "staff group", "strikes": "strike"}.get(col.ref, col.ref[:-1])
                        problems.append(f"{row.file}:{row.line}: {col.name}: unknown {what} {item!r}")
            problems += _order_checks(table, row)
            problems += _answer_type_checks(table, row)
            problems += _prose_checks(table, row)
            problems += _currency_checks(table, row)
    problems += _curation_checks(tables)
    return problems


def _answer_type_checks(table: str, row: Row) -> list[str]:
    """Answer types named by a question kind or an FAQ must be ones the engine knows; a question kind's handler
    must be one of the engine's modules."""
    from bot.answering.vocabulary import ANSWER_TYPES, HANDLER_MODULES

    col = {"question_kinds": "answer_types", "faqs": "answers"}.get(table)
    if col is None:
        return []
    out = [f"{row.file}:{row.line}: {col}: unknown answer type {t!r} (one of {', '.join(ANSWER_TYPES)})"
           for t in _split(str(row.values.get(col) or "")) if t not in ANSWER_TYPES]
    handler = row.values.get("handler")
    if table == "question_kinds" and handler and handler not in HANDLER_MODULES:
        out.append(f"{row.file}:{row.line}: handler: unknown handler {handler!r} (one of {', '.join(HANDLER_MODULES)})")
    return out


def _currency_checks(table: str, row: Row) -> list[str]:
    """A strike's announcement, status date and second end, and an offer's announcement, must make sense together:
    announced no later than the strike starts (it is public from then), a status date with the source that
    confirmed it, 'held' or 'curtailed' confirmed only once the strike had begun, a second end with its source."""
    v = row.values
    out: list[str] = []
    where = f"{row.file}:{row.line}"
    ann = v.get("announced")
    if table == "strikes":
        start = v.get("start")
        if isinstance(ann, PartialDate) and isinstance(start, PartialDate) and ann.first > start.first:
            out.append(f"{where}: announced: {ann.text} is after start {start.text} (a strike is public from its "
                       "announcement; leave it blank when only later reports are held)")
        as_of, src = v.get("status_as_of"), v.get("status_source_id")
        if bool(as_of) != bool(src):
            missing = "status_source_id" if as_of else "status_as_of"
            out.append(f"{where}: {missing}: required with {'status_as_of' if as_of else 'status_source_id'} "
                       "(a status is confirmed on a date, by a source)")
        if (isinstance(as_of, PartialDate) and isinstance(start, PartialDate) and v.get("status") in
                ("held", "curtailed") and as_of.last < start.first):
            out.append(f"{where}: status_as_of: {as_of.text} is before start {start.text}, so it cannot confirm "
                       f"the strike was {v.get('status')}")
        if bool(v.get("end_alt")) != bool(v.get("end_alt_source_id")):
            missing = "end_alt_source_id" if v.get("end_alt") else "end_alt"
            out.append(f"{where}: {missing}: end_alt and end_alt_source_id go together (another source's end)")
        alt = v.get("end_alt")
        if isinstance(alt, PartialDate) and isinstance(start, PartialDate) and alt.last < start.first:
            out.append(f"{where}: end_alt: {alt.text} is before start {start.text}")
    if table == "offers":
        date = v.get("date")
        if isinstance(ann, PartialDate) and isinstance(date, PartialDate) and ann.last < date.first:
            out.append(f"{where}: announced: {ann.text} is before the offer's date {date.text}")
        as_of, src = v.get("status_as_of"), v.get("status_source_id")
        if bool(as_of) != bool(src):
            missing = "status_source_id" if as_of else "status_as_of"
            out.append(f"{where}: {missing}: required with {'status_as_of' if as_of else 'status_source_id'} "
                       "(a status is reported on a date, by a source)")
        if isinstance(as_of, PartialDate) and isinstance(date, PartialDate) and as_of.last < date.first:
            out.append(f"{where}: status_as_of: {as_of.text} is before the offer's date {date.text}")
        if as_of and v.get("status") == "offered":
            out.append(f"{where}: status_as_of: an offer still 'offered' has no later status to date")
    return out


def _curation_checks(tables: dict[str, list[Row]]) -> list[str]:
    """`curation.csv` holds one row; its curated-through date is a whole day, and no source is dated after it
    (the curators cannot have checked the news only up to a day before a source they cite)."""
    rows = tables.get("curation", [])
    if not rows:
        return []
    out = [f"{r.file}:{r.line}: (row): curation.csv holds exactly one row (the first is on line {rows[0].line})"
           for r in rows[1:]]
    through = rows[0].values.get("curated_through")
    if not isinstance(through, PartialDate):
        return out
    if through.precision != "day":
        out.append(f"{rows[0].file}:{rows[0].line}: curated_through: {through.text} must be a whole day (YYYY-MM-DD)")
        return out
    for r in tables.get("sources", []):
        pub = r.values.get("published")
        if isinstance(pub, PartialDate) and pub.precision in ("day", "minute") and pub.first > through.last:
            out.append(f"{r.file}:{r.line}: published: {pub.text} is after the curated-through date "
                       f"{through.text} ({rows[0].file}:{rows[0].line}); move that date on when the news is checked")
    return out


def _vocabulary_checks(row: Row, seen: dict[str, int]) -> list[str]:
    """A vocabulary row's class, phrase syntax and value (bot.answering.vocabulary.phrase_problem), and no
    phrase twice in one class."""
    from bot.answering.vocabulary import phrase_problem

    cls, phrase = str(row.values.get("class") or ""), str(row.values.get("phrase") or "")
    if not cls or not phrase:
        return []  # the empty required value is already reported
    out = []
    problem = phrase_problem(cls, phrase, str(row.values.get("value") or ""))
    if problem:
        out.append(f"{row.file}:{row.line}: {'class' if problem.startswith('unknown class') else 'phrase'}: {problem}")
    key = f"{cls}|{phrase}"
    if key in seen:
        out.append(f"{row.file}:{row.line}: phrase: {phrase!r} is already in class {cls!r} (line {seen[key]})")
    seen.setdefault(key, row.line)
    return out


# Prose a reply shows as written must carry no figures: numbers come from typed columns (STYLE: numbers come from
# data). Years and the NHS service numbers 111 and 999 are not figures.
PROSE_COLUMNS = {"faqs": "answer", "statements": "paraphrase", "ballots": "subject"}
NOT_A_FIGURE = re.compile(r"(19|20)\d\d(/\d\d)?|111|999")  # a year, a pay year ('2024/25'), NHS 111 and 999


def _prose_checks(table: str, row: Row) -> list[str]:
    col = PROSE_COLUMNS.get(table)
    text = row.values.get(col) if col else None
    if not isinstance(text, str):
        return []
    tokens = re.findall(r"\d[\d,./]*\d|\d", text)
    figures = [t for t in tokens if not NOT_A_FIGURE.fullmatch(t)]
    if re.search(r"\b(111|999)[\s,.]+\d", text):  # '999 999' is a number written with a space, not two numbers
        figures = figures or [re.search(r"\b(111|999)[\s,.]+\d+", text).group(0)]  # type: ignore[union-attr]
    if not figures:
        return []
    return [f"{row.file}:{row.line}: {col}: contains the figure {figures[0]!r}; shown as written, so a figure here "
            "would bypass the typed columns (put it in figures.csv, or write it without digits)"]


def _order_checks(table: str, row: Row) -> list[str]:
    pairs = {"strikes": [("start", "end")], "ballots": [("opens", "closes"), ("closes", "mandate_expires")],
             "figures": [("period_start", "period_end")]}.get(table, [])
    out = []
    for a, b in pairs:
        pa, pb = row.values.get(a), row.values.get(b)
        if isinstance(pa, PartialDate) and isinstance(pb, PartialDate) and pb.last < pa.first:
            out.append(f"{row.file}:{row.line}: {b}: {pb.text} is before {a} {pa.text}")
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def check(source_dir: Path) -> dict[str, list[Row]]:
    """Validate `source_dir`. Returns the typed rows; raises BuildError with every problem."""
    unreadable: set[str] = set()
    tables, problems = load_rows(source_dir, unreadable)
    problems += validate(tables, unreadable)
    if problems:
        raise BuildError(problems)
    return tables


def _db_row(table: str, row: Row) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, v in row.values.items():
        key = DB_NAME.get((table, name), name)
        if name in DATE_END and name != "published":
            p = v if isinstance(v, PartialDate) else None
            out[f"{key}_text"] = p.text if p else ""
            out[f"{key}_utc"] = to_utc_iso(getattr(p, DATE_END[name])) if p else None
        elif isinstance(v, PartialDate):
            out[key] = v.text
        elif isinstance(v, bool):
            out[key] = int(v)
        else:
            out[key] = v
    if table in ("organisations", "staff_groups") and out.get("covered") is None:
        out["covered"] = 1
    if table == "offers":
        out["consolidated_average"] = out.get("consolidated_average") or 0
    if table == "figures":
        out["qualifier"] = out.get("qualifier") or "exact"
        out["area"] = out.get("area") or "England"
        out["cumulative"] = out.get("cumulative") or 0
    return {k: ("" if v is None and k.endswith("_text") else v) for k, v in out.items()}


def build(source_dir: Path, out_path: Path, *, fail_after: Callable[[str], None] | None = None) -> dict[str, int]:
    """Validate `source_dir` and atomically replace `out_path` with a freshly built knowledge base.

    Returns {table: row count}. Raises BuildError (nothing written) when the files are invalid. The new
    database is written to a temporary file in the same folder and renamed over `out_path` only once complete;
    any exception removes the temporary file. `fail_after(stage)` is a test hook to simulate a crash.
    """
    tables = check(source_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out_path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".building", dir=out_path.parent)
    fcntl.flock(fd, fcntl.LOCK_EX)  # held until this build ends: marks the temp file as in use
    tmp = Path(tmp_name)
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(tmp)
        # The file is private until os.replace: a crash leaves only a temp file that is deleted, so the build needs
        # no rollback journal or fsyncs (they were a quarter of a 100k build's time).
        conn.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        import sqlite_utils  # here, not at import: it imports numpy (~20 MB), which a serving process never needs

        db = sqlite_utils.Database(conn)
        schema = source_dir / SCHEMA_FILE
        if not schema.exists():  # a folder of CSVs alone (tests, forks) uses the project's schema
            from bot.config import DEFAULT_KNOWLEDGE_DIR

            schema = DEFAULT_KNOWLEDGE_DIR / SCHEMA_FILE
        conn.executescript(schema.read_text(encoding="utf-8"))
        with db.conn:
            for table in ORDER:
                db[table].insert_all((_db_row(table, r) for r in tables[table]), alter=False, batch_size=BATCH)
                if fail_after:
                    fail_after(table)
        from bot.knowledge import KnowledgeBase  # the one reader of the schema builds the search index
        from bot.phrasings import index_documents

        kb = KnowledgeBase.from_connection(conn)
        with db.conn:
            db["english_words"].insert_all(english_words(), alter=False, batch_size=BATCH)
            db["docs"].insert_all(index_documents(kb), alter=False, batch_size=BATCH)
            conn.execute("INSERT INTO docs_fts(docs_fts) VALUES ('rebuild')")
            counts = {t: db[t].count for t in ORDER}
            db["meta"].insert_all(
                [{"key": "built_at", "value": datetime.now(UTC).isoformat()},
                 {"key": "source_dir", "value": str(source_dir)},
                 {"key": "newest_as_of", "value": kb.newest_as_of_text() or ""},
                 {"key": "curated_through", "value": kb.curated_through_text() or ""}],
                replace=True,
            )
        if fail_after:
            fail_after("index")
        conn.execute("PRAGMA optimize")
        conn.close()
        os.chmod(tmp, 0o644)  # mkstemp makes it owner-only; the KB is readable like any other build output
        os.replace(tmp, out_path)
    except BaseException:
        if conn is not None:
            conn.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    return counts


def english_words() -> Iterator[dict[str, object]]:
    """Rows for `english_words`: wordfreq's English words (letters only) down to RARE_ZIPF, most frequent first."""
    from wordfreq import iter_wordlist, zipf_frequency

    from bot.answering.vocabulary import RARE_ZIPF

    seen: set[str] = set()
    for rank, w in enumerate(iter_wordlist("en")):
        if zipf_frequency(w, "en") < RARE_ZIPF:
            return
        if w.isalpha() and w not in seen:
            seen.add(w)
            yield {"word": w, "rank": rank}


def remove_stale_temp_files(out_path: Path) -> list[Path]:
    """Delete the temporary files that builds of `out_path` killed mid-way (kill -9, power loss) left behind.
    A running build holds a lock on its own temporary file, so only abandoned ones go. Returns those deleted."""
    gone: list[Path] = []
    for path in out_path.parent.glob(f".{out_path.name}.*.building"):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a build in progress
        else:
            path.unlink(missing_ok=True)
            gone.append(path)
        finally:
            os.close(fd)
    return gone
