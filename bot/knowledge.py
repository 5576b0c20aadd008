"""`KnowledgeBase`: the only SQL over the curated knowledge base. Read-only; returns dataclasses from bot.models.

Safe across threads (one read-only connection per thread) and picks up a rebuilt file (a new inode after
`os.replace`) on the next call, so a running bot serves the new knowledge without a restart.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.catalog import BallotKey, Catalog, FigureKey, StatementKey, StrikeKey
from bot.clock import PartialDate, parse_partial, public_from, published_moment
from bot.models import (
    Ballot,
    Fact,
    Faq,
    Figure,
    Offer,
    Organisation,
    Source,
    StaffGroup,
    Statement,
    Strike,
)

BY_ID_CACHE = 20_000  # full records kept per kind by get_many
KINDS = ("strike", "ballot", "offer", "figure", "statement", "faq")
TABLE_OF = {"strike": "strikes", "ballot": "ballots", "offer": "offers", "figure": "figures",
            "statement": "statements", "faq": "faqs"}


if TYPE_CHECKING:
    import sqlite_utils

PAGE_CACHE_KIB = 64  # SQLite page cache per thread's connection (KiB); see KnowledgeBase._conn


class KnowledgeBaseMissing(Exception):
    """No knowledge base file at the path; build one with `strikebot kb build`."""


class NotFoundError(KeyError):
    """A fact id that the knowledge base does not hold."""


def _shared(text: str) -> str:
    """One string object for each distinct value of a column with few values (a metric, a union, a subject
    repeated across rows): each row's copy was ~20 MB across the 100,000-entry catalogs (sys.intern)."""
    return sys.intern(text)


def _split(v: str | None) -> tuple[str, ...]:
    return tuple(x for x in (v or "").split(";") if x)


def _pd(text: str | None) -> PartialDate | None:
    return parse_partial(text) if text else None


class KnowledgeBase:
    """Read-only access to a built knowledge base.

    Use `KnowledgeBase.open(path)` (raises KnowledgeBaseMissing) or `from_connection(conn)` (during a build).
    Facts come back as bot.models dataclasses; small tables are cached per file version.
    """

    def __init__(self, path: Path | None = None, conn: sqlite3.Connection | None = None):
        self.path = path
        self._fixed = conn
        self._local = threading.local()
        self._lock = threading.Lock()
        self._caches: dict[tuple[int, int] | None, dict[object, object]] = {}

    # ---- opening --------------------------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> KnowledgeBase:
        """Open `path` read-only. Raises KnowledgeBaseMissing if there is no file there."""
        if not Path(path).exists():
            raise KnowledgeBaseMissing(f"no knowledge base at {path}; run `strikebot kb build`")
        kb = cls(Path(path))
        kb._conn()
        return kb

    @classmethod
    def from_connection(cls, conn: sqlite3.Connection) -> KnowledgeBase:
        """Wrap an open connection (used by the build to index what it just wrote)."""
        return cls(None, conn)

    def _file_version(self) -> tuple[int, int]:
        st = os.stat(self.path)  # type: ignore[arg-type]
        return (st.st_ino, st.st_mtime_ns)

    def _conn(self) -> sqlite3.Connection:
        if self._fixed is not None:
            return self._fixed
        local = self._local
        if getattr(local, "pinned", False):
            return local.conn
        try:
            version = self._file_version()
        except FileNotFoundError as exc:
            raise KnowledgeBaseMissing(f"no knowledge base at {self.path}; run `strikebot kb build`") from exc
        if getattr(local, "version", None) != version:
            if getattr(local, "conn", None) is not None:
                local.conn.close()
            uri = f"file:{Path(self.path).resolve()}?mode=ro"  # type: ignore[arg-type]
            local.conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            local.conn.row_factory = sqlite3.Row
            # every serving thread has its own read connection: SQLite's default 2 MB page cache each came to
            # ~100 MB across a burst's threads on the 100,000-entry file; the OS page cache is shared instead
            local.conn.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
            local.version = version
            with self._lock:
                if version not in self._caches:
                    for old in list(self._caches)[:-1]:  # keep the newest other version for threads still on it
                        del self._caches[old]
                    self._caches[version] = {}
        return local.conn

    @contextmanager
    def pinned(self) -> Iterator[KnowledgeBase]:
        """Within the block this thread reads the file version it had on entry: one stat per answer instead
        of one per query, and one consistent version even if a rebuild lands mid-answer. Re-entrant."""
        local = self._local
        if getattr(local, "pinned", False) or self._fixed is not None:
            yield self
            return
        self._conn()
        local.pinned = True
        try:
            yield self
        finally:
            local.pinned = False

    @property
    def db(self) -> sqlite_utils.Database:
        """A sqlite_utils view of this thread's connection."""
        import sqlite_utils  # only builds and tools need it; a serving process never loads it (nor numpy)

        return sqlite_utils.Database(self._conn())

    def _rows(self, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
        conn = self._conn()
        cur = conn.execute(sql, tuple(params))
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]  # type: ignore[misc]

    def cached(self, key: object, load):  # noqa: ANN001
        """Memoise `load()` under `key` until the file is rebuilt (for derived data such as alias indexes)."""
        self._conn()  # refresh the version first
        cache = self._caches.setdefault(getattr(self._local, "version", None), {})
        if key not in cache:
            cache[key] = load()
        return cache[key]

    # ---- reference tables -------------------------------------------------------------------------------------
    def sources(self) -> dict[str, Source]:
        """All sources by id."""
        return self.cached("sources", lambda: {r["id"]: Source(**r) for r in self._rows("SELECT * FROM sources")})

    def organisations(self) -> dict[str, Organisation]:
        """All organisations by id (unions, NHS bodies, government), with lower-case aliases."""
        def load() -> dict[str, Organisation]:
            return {
                r["id"]: Organisation(r["id"], r["name"], r["kind"], _split(r["aliases"].lower()),
                                      bool(r["covered"]), r["description"])
                for r in self._rows("SELECT * FROM organisations")
            }
        return self.cached("organisations", load)

    def staff_groups(self) -> dict[str, StaffGroup]:
        """All staff groups by id, with lower-case aliases."""
        def load() -> dict[str, StaffGroup]:
            return {
                r["id"]: StaffGroup(r["id"], r["name"], _split(r["aliases"].lower()), bool(r["covered"]),
                                    r["description"], _split(r.get("includes") or ""))
                for r in self._rows("SELECT * FROM staff_groups")
            }
        return self.cached("staff_groups", load)

    def _src(self, sid: str | None) -> Source | None:
        return self.sources().get(sid) if sid else None

    def _others(self, ids: str) -> tuple[Source, ...]:
        src = self.sources()
        return tuple(src[i] for i in _split(ids) if i in src)

    # ---- facts ------------------------------------------------------------------------------------------------
    def _strike(self, r: dict) -> Strike:
        return Strike(r["id"], _split(r["unions"]), _split(r["staff_groups"]), _split(r["nations"]),
                      parse_partial(r["start_text"]), parse_partial(r["end_text"]), r["duration_hours"],
                      r["status"], r["scope"] or "", r["summary"], self._src(r["source_id"]),
                      self._others(r["other_source_ids"]), _pd(r["announced_text"]), _pd(r["status_as_of_text"]),
                      self._src(r["status_source_id"]), _pd(r["end_alt_text"]), self._src(r["end_alt_source_id"]),
                      r.get("cover") or "")

    def _ballot(self, r: dict) -> Ballot:
        return Ballot(r["id"], r["union_id"], r["staff_group"], _split(r["nations"]), r["purpose"], r["subject"],
                      _pd(r["opens_text"]), _pd(r["closes_text"]), r["outcome"] or "", r["outcome_pct"],
                      r["turnout_pct"], r["votes_cast"], r["votes_for_outcome"], _pd(r["announced_text"]),
                      _pd(r["mandate_expires_text"]), r["recommendation"] or "",
                      self._src(r["recommendation_source_id"]), r["variant_of"] or "", r["summary"],
                      self._src(r["source_id"]), self._others(r["other_source_ids"]))

    def _offer(self, r: dict) -> Offer:
        return Offer(r["id"], r["offered_by"], _split(r["staff_groups"]), _split(r["unions"]),
                     _split(r["nations"]), parse_partial(r["date_text"]), _split(r["pay_years"]),
                     r["consolidated_pct"], r["consolidated_pct_max"], r["consolidated_gbp"], r["one_off_pct"],
                     r["one_off_min_gbp"], r["one_off_max_gbp"], r["variant_of"] or "", r["status"], r["summary"],
                     self._src(r["source_id"]), self._others(r["other_source_ids"]), _pd(r["announced_text"]),
                     bool(r["consolidated_average"]), _pd(r["status_as_of_text"]), self._src(r["status_source_id"]),
                     r.get("other_terms") or "")

    def _figure(self, r: dict) -> Figure:
        return Figure(r["id"], r["metric"], r["value"], r["unit"], r["qualifier"], r["setting"], r["area"],
                      _split(r["strike_ids"]), _split(r["unions"]), _split(r["staff_groups"]),
                      _pd(r["period_start_text"]), _pd(r["period_end_text"]), bool(r["cumulative"]),
                      r["variant_of"] or "", parse_partial(r["as_of_text"]), r["summary"],
                      self._src(r["source_id"]), self._others(r["other_source_ids"]), r["claimed_by"] or "")

    def _statement(self, r: dict) -> Statement:
        return Statement(r["id"], r["speaker"], r["role"], r["organisation"] or "", parse_partial(r["date_text"]),
                         r["strike_id"] or "", r["paraphrase"], self._src(r["source_id"]))

    def _faq(self, r: dict) -> Faq:
        phr = tuple(p.strip() for p in (r["phrasings"] or "").split("|") if p.strip())
        answers = tuple(a for a in (r.get("answers") or "").split(";") if a)
        return Faq(r["id"], r["question"], phr, r["answer"], self._src(r["source_id"]), answers)

    def _make(self, kind: str, r: dict) -> Fact:
        return getattr(self, f"_{kind}")(r)

    def all(self, kind: str) -> list[Fact]:
        """Every fact of `kind` ('strike', 'ballot', 'offer', 'figure', 'statement', 'faq'), cached."""
        table = TABLE_OF[kind]
        return self.cached(("all", kind), lambda: [self._make(kind, r) for r in self._rows(f"SELECT * FROM {table}")])

    def get(self, kind: str, fact_id: str) -> Fact:
        """One fact by kind and id. Raises NotFoundError when absent."""
        found = self.get_many(kind, [fact_id])
        if not found:
            raise NotFoundError(f"{kind} {fact_id!r} is not in the knowledge base")
        return found[0]

    def get_many(self, kind: str, ids: Iterable[str]) -> list[Fact]:
        """Facts of one kind by id, in the order given (missing ids are skipped). Cached per file version, up to
        BY_ID_CACHE records a kind (then the cache starts again), so memory stays bounded at any KB size."""
        ids = list(dict.fromkeys(ids))
        cache = self.cached(("by_id", kind), dict)
        if len(cache) > BY_ID_CACHE:
            cache.clear()
        found = {i: f for i in ids if (f := cache.get(i)) is not None}  # another thread may clear the cache
        todo = [i for i in ids if i not in found]
        for chunk in range(0, len(todo), 500):
            part = todo[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            for r in self._rows(f"SELECT * FROM {TABLE_OF[kind]} WHERE id IN ({marks})", part):
                found[r["id"]] = cache[r["id"]] = self._make(kind, r)
        return [found[i] for i in ids if i in found]

    # ---- selection keys (see bot.catalog) ---------------------------------------------------------------------
    def _tuple(self, text: str | None) -> tuple[str, ...]:
        """`_split`, with equal id lists shared across keys (there are few distinct ones)."""
        pool = self.cached("id_tuples", dict)
        key = text or ""
        got = pool.get(key)
        if got is None:
            got = pool[key] = _split(key)
        return got

    def catalog(self, kind: str) -> Catalog:
        """The selection index for 'strike', 'ballot', 'figure' or 'statement' (cached per file version).

        Entities are labelled 'u:<organisation id>' and 'g:<staff group id>' ('s:<speaker>' for statements,
        'm:<metric>' for figures); a figure refers to '<strike id>|<metric>' for each strike it measures, a
        ballot to the ballot it is a variant of. Raises KeyError for another kind."""
        return self.cached(("catalog", kind), {"strike": self._strike_catalog, "ballot": self._ballot_catalog,
                                               "figure": self._figure_catalog,
                                               "statement": self._statement_catalog}[kind])

    def known_from(self, source_id: str | None, other_ids: str | None = "") -> datetime | None:
        """When a fact citing these sources became public: the earliest publication among them (a source dated
        to the day counts from that day's start; one dated only by month or year from its end, when it had
        surely appeared). None when no source has a date. Cached per source combination."""
        memo = self.cached("known_from", dict)
        key = (source_id or "", other_ids or "")
        if key not in memo:
            src = self.sources()
            moments = [published_moment(s.published) for sid in (source_id, *_split(other_ids))
                       if (s := src.get(sid or "")) is not None]
            memo[key] = min((m for m in moments if m is not None), default=None)
        return memo[key]

    def _strike_catalog(self) -> Catalog[StrikeKey]:
        t, k = self._tuple, self.known_from
        keys = (StrikeKey(r[0], t(r[1]), t(r[2]), t(r[3]), parse_partial(r[4]), parse_partial(r[5]), r[6], _shared(r[7]),
                          public_from(r[10], k(r[8], r[9])), _pd(r[11]))
                for r in self._conn().execute("SELECT id, unions, staff_groups, nations, start_text, end_text, "
                                              "duration_hours, status, source_id, other_source_ids, announced_text, "
                                              "status_as_of_text FROM strikes"))
        return Catalog(keys, lambda k: (k.start.first, k.end.last),
                       lambda k: [*(f"u:{x}" for x in k.unions), *(f"g:{x}" for x in k.staff_groups)])

    def _ballot_catalog(self) -> Catalog[BallotKey]:
        def span(k: BallotKey) -> tuple:
            first, last = (k.opens or k.closes or k.announced), (k.announced or k.closes or k.opens)
            return (first.first if first else None, last.last if last else None)

        def known(announced: str | None, source_id: str, other_ids: str) -> datetime | None:
            # public once a curated source was out, or from the curated day its result was announced if that
            # came first (a result announced on the 29th is known then, though its copies are dated by month)
            times = [t for t in (self.known_from(source_id, other_ids),
                                 published_moment(announced) if announced else None) if t is not None]
            return min(times) if times else None

        i = _shared
        keys = (BallotKey(r[0], i(r[1]), i(r[2]), self._tuple(r[3]), i(r[4]), i(r[5]), _pd(r[6]), _pd(r[7]), _pd(r[8]),
                          i(r[9] or ""), i(r[10] or ""), known(r[8], r[11], r[12]))
                for r in self._conn().execute("SELECT id, union_id, staff_group, nations, purpose, subject, "
                                              "opens_text, closes_text, announced_text, outcome, variant_of, "
                                              "source_id, other_source_ids FROM ballots"))
        return Catalog(keys, span, lambda k: (f"u:{k.union}", f"g:{k.staff_group}"),
                       lambda k: (k.variant_of,) if k.variant_of else ())

    def _figure_catalog(self) -> Catalog[FigureKey]:
        i = _shared
        keys = (FigureKey(r[0], i(r[1]), r[2], i(r[3]), i(r[4]), i(r[5]), self._tuple(r[6]), bool(r[7]), i(r[8] or ""),
                          parse_partial(r[9]), r[10], self.known_from(r[11], r[12]))
                for r in self._conn().execute("SELECT id, metric, value, qualifier, setting, area, strike_ids, "
                                              "cumulative, variant_of, as_of_text, rowid, source_id, "
                                              "other_source_ids FROM figures"))
        return Catalog(keys, lambda k: (k.as_of.first, k.as_of.last), lambda k: (f"m:{k.metric}",),
                       lambda k: [f"{sid}|{k.metric}" for sid in k.strike_ids])

    def _statement_catalog(self) -> Catalog[StatementKey]:
        i = _shared
        keys = (StatementKey(r[0], i(r[1]), i(r[2] or ""), parse_partial(r[3]), r[4], self.known_from(r[5]),
                             i(r[6] or ""), i(r[7] or ""))
                for r in self._conn().execute("SELECT id, speaker, organisation, date_text, paraphrase, source_id, "
                                              "strike_id, role FROM statements"))
        return Catalog(keys, lambda k: (k.date.first, k.date.last),
                       lambda k: (f"s:{k.speaker}", *((f"u:{k.organisation}",) if k.organisation else ())))

    def speaker_names(self) -> list[str]:
        """Every distinct statement speaker, as curated (e.g. 'Pat Cullen; Sara Gorton')."""
        return [r[0] for r in self._conn().execute("SELECT DISTINCT speaker FROM statements ORDER BY speaker")]

    def english_ranks(self) -> dict[str, int]:
        """word -> frequency rank of the English words common enough never to be a misspelling (table
        `english_words`, built from wordfreq); {} for a knowledge base built before the table existed."""
        try:
            return dict(self._conn().execute("SELECT word, rank FROM english_words"))  # type: ignore[arg-type]
        except sqlite3.OperationalError:
            return {}

    def vocabulary_rows(self) -> list[tuple[str, str, str]]:
        """The engine's word lists as (class, phrase, value) rows, in curated order (knowledge/vocabulary.csv).
        An older knowledge base without the table gives []."""
        try:
            return [tuple(r) for r in self._conn().execute(
                "SELECT class, phrase, value FROM vocabulary ORDER BY rowid")]  # type: ignore[misc]
        except sqlite3.OperationalError:
            return []

    def question_kinds(self) -> dict[str, frozenset[str]]:
        """Question kind (intent) -> the answer types its handler gives (knowledge/question_kinds.csv); {} for an
        older knowledge base without the table."""
        try:
            rows = self._conn().execute("SELECT kind, answer_types FROM question_kinds").fetchall()
        except sqlite3.OperationalError:
            return {}
        return {k: frozenset(t for t in v.split(";") if t) for k, v in rows}

    def year_range(self) -> tuple[int, int] | None:
        """First and last Europe/London year of strike starts and figure as-of dates, or None when empty."""
        rows = self._conn().execute("SELECT min(start_text), max(start_text) FROM strikes UNION ALL "
                                    "SELECT min(as_of_text), max(as_of_text) FROM figures").fetchall()
        texts = [t for r in rows for t in r if t]
        years = [parse_partial(t).local_first.year for t in texts]
        return (min(years), max(years)) if years else None

    # ---- search -----------------------------------------------------------------------------------------------
    def search(self, terms: Iterable[str], *, kinds: Iterable[str] = (), limit: int = 40,
               max_postings: int | None = None) -> list[tuple[str, str, float]]:
        """FTS5 bm25 search for any of `terms` (plain words; quoted here, so user text can never inject
        FTS syntax). Returns [(kind, fact_id, bm25)] best first (bm25: lower is better).

        `max_postings` bounds the work at any KB size: the words are taken rarest first (by how many documents
        hold them) while their document counts add up to at most this; common words ('the', 'strike') then
        drop out, as they add little to bm25. If even the rarest word is more common, its first `limit`
        matches come back unranked. None = every word (up to 32)."""
        words = [w for w in dict.fromkeys(re.findall(r"[a-z0-9]+", " ".join(terms).lower())) if len(w) > 1][:32]
        ranked = True
        if words and max_postings is not None:
            words, ranked = self._rarest(words, max_postings)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        kinds = tuple(kinds)
        where = f" AND d.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        sql = ("SELECT d.kind, d.fact_id, bm25(docs_fts, 4.0, 1.0) AS rank FROM docs_fts "
               "JOIN docs d ON d.rowid = docs_fts.rowid WHERE docs_fts MATCH ?" + where +
               (" ORDER BY rank" if ranked else "") + " LIMIT ?")
        return [(r["kind"], r["fact_id"], r["rank"]) for r in self._rows(sql, (match, *kinds, limit))]

    def mentions(self, word: str) -> bool:
        """True when any curated text (a fact's phrasings, summary, names; an FAQ; a statement) holds `word`, as
        the search index tokenises it (porter stems: 'striking' finds 'strike'). A plain word only."""
        if not re.fullmatch(r"[a-z0-9]+", word):
            return False
        return bool(self._conn().execute("SELECT 1 FROM docs_fts WHERE docs_fts MATCH ? LIMIT 1",
                                         (f'"{word}"',)).fetchone())

    def _rarest(self, words: list[str], max_postings: int) -> tuple[list[str], bool]:
        """The rarest of `words` whose document counts sum to <= max_postings (at least one word), and whether
        that sum fits (False = the single rarest word alone is over). Words no document holds are dropped."""
        counts = self.document_counts(words)
        present = sorted((w for w in words if counts.get(w)), key=lambda w: counts[w])
        chosen: list[str] = []
        total = 0
        for w in present:
            if chosen and total + counts[w] > max_postings:
                break
            chosen.append(w)
            total += counts[w]
        return chosen, total <= max_postings

    def document_counts(self, words: list[str]) -> dict[str, int]:
        """How many search documents hold each word (after FTS5's porter stemming). The term counts are read
        once per file version (fts5vocab); words are stemmed by the same tokenizer in a TEMP FTS5 table."""
        vocab: dict[str, int] = self.cached("fts_vocab", lambda: dict(self._conn().execute(
            "SELECT term, doc FROM temp.docs_vocab").fetchall()) if self._temp_search_tables() else {})
        stems: dict[str, str] = self.cached("fts_stems", dict)
        todo = [w for w in words if w not in stems]
        if todo and self._temp_search_tables():
            conn = self._conn()
            conn.execute("DELETE FROM temp.query_terms")
            conn.executemany("INSERT INTO temp.query_terms(rowid, t) VALUES (?, ?)", list(enumerate(todo)))
            for i, stem in conn.execute("SELECT doc, term FROM temp.query_vocab"):
                stems[todo[i]] = stem
            if len(stems) > 50_000:
                stems.clear()
        return {w: vocab.get(stems.get(w, ""), 0) for w in words}

    def _temp_search_tables(self) -> bool:
        """Create this connection's TEMP helpers for `document_counts` (read-only files allow TEMP tables)."""
        conn = self._conn()
        if getattr(self._local, "temp_ready", None) is conn:
            return True
        conn.executescript(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.docs_vocab USING fts5vocab(main, docs_fts, row);"
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_terms USING fts5(t, "
            "tokenize = 'porter unicode61 remove_diacritics 2');"
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.query_vocab USING fts5vocab(temp, query_terms, instance);")
        self._local.temp_ready = conn
        return True

    def doc_rows(self, keys: Iterable[tuple[str, str]]) -> list[dict]:
        """Index rows for (kind, fact_id) pairs, in the order given (one query)."""
        keys = list(keys)
        if not keys:
            return []
        where = " OR ".join("(kind = ? AND fact_id = ?)" for _ in keys)
        rows = {(r["kind"], r["fact_id"]): r for r in self._rows(f"SELECT * FROM docs WHERE {where}",
                                                                   [x for k in keys for x in k])}
        return [rows[k] for k in keys if k in rows]

    # ---- summaries --------------------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Rows per curated table."""
        tables = ("sources", "organisations", "staff_groups", "strikes", "ballots", "offers", "figures",
                  "statements", "faqs")
        return {t: self._rows(f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in tables}

    def newest_as_of_text(self) -> str | None:
        """The newest figure as-of date (as curated, e.g. '2025-11-23'), or None without figures."""
        rows = self._rows("SELECT as_of_text FROM figures ORDER BY as_of_utc DESC LIMIT 1")
        return rows[0]["as_of_text"] if rows else None

    def curated_through_text(self) -> str | None:
        """The day up to which the curators checked the news ('2026-06-30', from knowledge/curation.csv), or None
        when the folder built had no curation file."""
        try:
            rows = self._rows("SELECT curated_through_text FROM curation LIMIT 1")
        except sqlite3.OperationalError:  # a file built before the curation table existed: rebuild to get it
            return None
        return rows[0]["curated_through_text"] if rows else None

    def curated_through(self) -> PartialDate | None:
        """`curated_through_text` parsed (cached per KB file: asked on every answer)."""
        def load() -> PartialDate | None:
            t = self.curated_through_text()
            return parse_partial(t) if t else None

        return self.cached("curated_through", load)

    def newest_as_of(self) -> PartialDate | None:
        """`newest_as_of_text` parsed."""
        def load() -> PartialDate | None:
            t = self.newest_as_of_text()
            return parse_partial(t) if t else None

        return self.cached("newest_as_of", load)  # asked on every answer; one query per KB file

    def sources_by_publisher(self) -> dict[str, int]:
        """How many sources each publisher contributes, most first."""
        rows = self._rows("SELECT publisher, count(*) AS n FROM sources GROUP BY publisher ORDER BY n DESC, publisher")
        return {r["publisher"]: r["n"] for r in rows}
