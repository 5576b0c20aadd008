"""Vocabulary: the word classes the engine reads questions with, compiled from `knowledge/vocabulary.csv`.

The curated file (built into the knowledge base's `vocabulary` table) holds every word list: synonyms and
slang folded before matching, the words that signal each kind of question and each answer type, order words,
settings, named periods. This module turns those rows into compiled patterns; with `understanding` it is the
only place in `bot/answering/` that holds regular expressions. Adding a phrasing is a row, not code.

Phrase syntax (checked by `kb build` through `phrase_problem`): lower-case words separated by single spaces;
a word ending in `*` matches any ending of that word (`ballot*` matches ballots, balloted); `_` stands for
any one word (`did _ vote`); a leading `^`
anchors the phrase at the start of the question and a trailing `$` at its end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

# Every class the engine reads. `needs_value` classes map a phrase to a value (a synonym's canonical word …).
# The kinds of answer a question can ask for (knowledge/vocabulary.csv class `asks`; knowledge/question_kinds.csv
# and the FAQs' `answers` column say which kinds each handler and each FAQ can give).
ANSWER_TYPES = ("date", "duration", "count", "percentage", "who", "quote", "why", "where", "nations", "advice", "rule",
                "status", "comparison", "result", "definition", "terms", "list")
# The modules of bot/answering/ that answer a kind of question (knowledge/question_kinds.csv `handler`).
HANDLER_MODULES = ("strikes", "ballots", "offers", "figures", "totals", "statements", "faqs")
CLASSES: dict[str, bool] = {
    "synonym": True, "order": True, "tense": True, "not_period": False, "place_cue": False, "off_topic": False, "setting": True, "asks": True, "period": True, "fuzzy_word": False,
    "filler": False, "place_names": True,
    "kind_ballot": False, "kind_deadline": False, "kind_offer": False, "kind_figure": False,
    "kind_cumulative": False, "kind_strike": False, "kind_statement": False, "kind_faq": False,
    "domain": False, "off_sector": False, "personal": False, "numeric": False, "medical": False,
    "recommend": False, "strike_vote": False, "offer_vote": False, "percent": False, "help": False,
    "reason_place": True, "day_part": False, "per_day": False, "planned_care": False,
    "strike_days": False, "strikers": False, "appointment_words": False, "plural_strikes": False,
    "present": False, "future": False, "threshold_verb": False, "as_of": False, "most_recent": False,
    "this_week": False, "faq_like": False, "starts_will": False, "will_there": False, "not_faq_like": False,
    "title": False, "again": False, "greeting": False, "thanks": False, "field_turnout": False,
    "field_votes": False, "field_opens": False, "field_expiry": False, "field_closes": False, "mandate": False, "cover_words": False, "latest_figure": False, "last_verb": False, "status_words": False,
    "vote_outcome": True, "possessive": False,
}
_PHRASE = re.compile(r"\^?(?:[a-z0-9£&]+\*?|_)(?: (?:[a-z0-9£&]+\*?|_))*\$?")
FUZZY_MIN_LEN = 4  # shorter words are never corrected ("bma", "rcn", "gp" are names, not typos)
FUZZY_CUTOFF = 80  # similarity (0–100, optimal string alignment: a swap of two letters is one edit) a misspelling
# must reach to be read as a known word: one edit in five letters ('ofer' -> 'offer'), two in ten
RARE_ZIPF = 3.0  # only words rarer than this in English (wordfreq Zipf scale, 0–8) are taken for misspellings
COMMON_WORDS = 700  # the English words this common are never a topic of their own (wordfreq's top list)


_english: dict[str, int] | None = None  # word -> frequency rank, from the knowledge base (`use_english_words`)


def use_english_words(ranks: dict[str, int]) -> None:
    """Answer `is_rare` and `common_words` from the knowledge base's `english_words` table (built from wordfreq;
    `ranks`: word -> frequency rank), so a serving process never loads wordfreq's 30 MB table. An empty table
    (a knowledge base built before it existed) leaves wordfreq in use."""
    global _english
    _english = ranks or None
    is_rare.cache_clear()
    common_words.cache_clear()


@lru_cache(maxsize=65536)
def is_rare(word: str) -> bool:
    """True when `word` is rare or unknown in English (Zipf frequency < RARE_ZIPF): 'appointmnets', 'junoir',
    'locum'. Common words ('county', 'handling') are never 'corrected' to a near vocabulary word."""
    if _english is not None and word.isalpha():
        return word not in _english
    from wordfreq import zipf_frequency  # loads its frequency table on first use

    return zipf_frequency(word, "en") < RARE_ZIPF


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The COMMON_WORDS most frequent English words (wordfreq): fillers, never a topic the bot must hold."""
    if _english is not None:
        return frozenset(w for w, rank in _english.items() if rank < COMMON_WORDS)
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", COMMON_WORDS))


def phrase_problem(cls: str, phrase: str, value: str) -> str | None:
    """Why a vocabulary row is not valid (None when it is): an unknown class, a phrase outside the syntax above,
    or a missing value for a class that maps phrases to values. Used by `kb build`."""
    if cls not in CLASSES:
        return f"unknown class {cls!r} (one of {', '.join(sorted(CLASSES))})"
    if not _PHRASE.fullmatch(phrase):
        return (f"{phrase!r} is not lower-case words separated by single spaces (a trailing * on a word, "
                "a leading ^ or a trailing $ allowed)")
    if CLASSES[cls] and not value:
        return f"class {cls!r} needs a value"
    return None


def _first(phrase: str) -> str:
    """The word a phrase must start with, as a question word ('' when any word may: '_' or 'ballot*')."""
    word = phrase.lstrip("^").split(" ")[0].rstrip("$")
    return "" if word == "_" or word.endswith("*") else word


def _prefix(phrase: str) -> str:
    """The start a phrase's first word must have when that word is a prefix ('ballot*' -> 'ballot'), else ''."""
    word = phrase.lstrip("^").split(" ")[0].rstrip("$")
    return word[:-1] if word.endswith("*") else ""


_WORD_CHAR = re.compile(r"\w")
_ALL_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"\S+")


@lru_cache(maxsize=8192)
def word_starts(text: str) -> dict[str, tuple[int, ...]]:
    """Where a phrase of concrete first word may start in `text`: word -> its start offsets (ascending).

    A phrase pattern (`_pattern`) begins with `(?<!\\w)` (or `^`, offset 0 only) and then its first word
    literally, and that word is followed by `\\s+`, `(?!\\w)` or `$`. So a match of a phrase whose first word
    is `w` can start only at an offset p where the character before is not a word character (or p = 0),
    `text[p:p+len(w)] == w`, and the character after is not a word character (or the end). This maps every
    such (p, w) of `text`, w being non-space: for the usual normalised word ('nurses') that is the
    whitespace-delimited token at its offset; a token with non-word characters ('£5', '1.5', 'a&e') also gives
    its pieces at the offsets allowed ('£5' at 0 and '5' at 1; '1' and '1.5' at 0 …). A prefix phrase
    ('ballot*': `ballot\\w*`) can start only where some key starting with the prefix starts, since `\\w*` runs
    to such an end. Cached per text: the same text is read many times per question."""
    out: dict[str, list[int]] = {}
    for m in _TOKEN.finditer(text):
        tok, base = m.group(), m.start()
        if _ALL_WORD.fullmatch(tok):  # the usual case: only the whole token, at its start
            out.setdefault(tok, []).append(base)
            continue
        word = [bool(_WORD_CHAR.match(c)) for c in tok]
        for i in range(len(tok)):
            if i and word[i - 1]:
                continue  # the lookbehind (?<!\w) fails here
            for j in range(i + 1, len(tok) + 1):
                if j == len(tok) or not word[j]:
                    out.setdefault(tok[i:j], []).append(base + i)
    return {w: tuple(sorted(set(ps))) for w, ps in out.items()}


@lru_cache(maxsize=8192)
def _words(text: str) -> frozenset[str]:
    """The whitespace-delimited words of `text`, and '' (the first word of a phrase that may start anywhere)."""
    return frozenset(text.split()) | {""}


def _prefix_starts(starts: dict[str, tuple[int, ...]], prefix: str) -> list[int]:
    """The offsets (ascending) of `starts` whose word begins with `prefix`."""
    return sorted({p for w, ps in starts.items() if w.startswith(prefix) for p in ps})


def _pattern(phrase: str) -> str:
    """One phrase as a regular-expression fragment (word-bounded)."""
    start = phrase.startswith("^")
    end = phrase.endswith("$")
    words = phrase.strip("^$").split(" ")
    body = r"\s+".join(r"\w+" if w == "_" else re.escape(w[:-1]) + r"\w*" if w.endswith("*") else re.escape(w)
                       for w in words)
    return ("^" if start else r"(?<!\w)") + body + ("$" if end else r"(?!\w)")


@dataclass
class Vocabulary:
    """Compiled word classes. `rows` are (class, phrase, value) from the knowledge base."""

    rows: list[tuple[str, str, str]]
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    valued: dict[str, list[tuple[re.Pattern[str], str, str]]] = field(default_factory=dict)
    synonyms: dict[str, str] = field(default_factory=dict)
    known_words: frozenset[str] = frozenset()
    # the first word of each class's phrases ('' = a phrase that can start anywhere: '_' or a prefix '*'):
    # a class whose first words are all absent from a question cannot match it, so its pattern is not run
    firsts: dict[str, frozenset[str]] = field(default_factory=dict)
    # the same patterns split by where they can start (see `word_starts`): concrete first word -> [(class,
    # pattern of that class's phrases starting with it)]; prefix ('ballot' of 'ballot*') -> the same; and per
    # class the pattern of its phrases starting with '_', which may start anywhere and are searched in full
    by_first: dict[str, list[tuple[str, re.Pattern[str]]]] = field(default_factory=dict, repr=False)
    by_prefix: dict[str, list[tuple[str, re.Pattern[str]]]] = field(default_factory=dict, repr=False)
    anywhere: list[tuple[str, re.Pattern[str]]] = field(default_factory=list, repr=False)
    prefix_lens: list[int] = field(default_factory=list, repr=False)  # the lengths of the prefixes of by_prefix
    # per valued class: first word -> [(row order, pattern, value)], and the rest [(order, pattern, value, prefix)]
    # (prefix '' for a phrase starting with '_')
    valued_first: dict[str, dict[str, list[tuple[int, re.Pattern[str], str]]]] = field(default_factory=dict,
                                                                                        repr=False)
    valued_other: dict[str, list[tuple[int, re.Pattern[str], str, str]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        by_class: dict[str, list[str]] = {}
        for cls, phrase, value in self.rows:
            if cls == "synonym" and " " not in phrase:
                self.synonyms[phrase] = value
                continue
            by_class.setdefault(cls, []).append(phrase)
            if value:
                pat, first = re.compile(_pattern(phrase)), _first(phrase)
                order = len(self.valued.setdefault(cls, []))
                self.valued[cls].append((pat, value, first))
                if first:
                    self.valued_first.setdefault(cls, {}).setdefault(first, []).append((order, pat, value))
                else:
                    self.valued_other.setdefault(cls, []).append((order, pat, value, _prefix(phrase)))
        for cls, phrases in by_class.items():
            # longest first, so 'how many days' is found before 'how many'
            alts = sorted(phrases, key=lambda p: -len(p))
            self.patterns[cls] = re.compile("|".join(_pattern(p) for p in alts))
            self.firsts[cls] = frozenset(_first(p) for p in phrases)
            groups: dict[tuple[str, str], list[str]] = {}
            for p in alts:
                first = _first(p)
                key = ("first", first) if first else ("prefix", _prefix(p)) if _prefix(p) else ("any", "")
                groups.setdefault(key, []).append(p)
            for (kind, word), group in groups.items():
                pat = re.compile("|".join(_pattern(p) for p in group))
                if kind == "any":
                    self.anywhere.append((cls, pat))
                else:
                    (self.by_first if kind == "first" else self.by_prefix).setdefault(word, []).append((cls, pat))
        self.prefix_lens = sorted({len(w) for w in self.by_prefix})
        words = {w.rstrip("*").strip("^$") for _c, p, _v in self.rows for w in p.split(" ") if w != "_"}
        words |= set(self.synonyms.values())
        self.known_words = frozenset(w for w in words if w)

    def has(self, cls: str, text: str) -> bool:
        """True when any phrase of class `cls` occurs in `text` (normalised)."""
        pat = self.patterns.get(cls)
        return bool(pat and pat.search(text))

    def classes_in(self, text: str) -> frozenset[str]:
        """Every class with a phrase in `text` (a class none of whose first words is a word of `text` is skipped).

        `text` is a normalised question; returns the class names. Same result as searching each class's whole
        alternation (`patterns`) through `text`, but a phrase with a concrete first word or a prefix is only
        tried, anchored (`Pattern.match`, whose lookbehind still sees the text before the offset), at the
        offsets where `word_starts` says it can start; only phrases starting with '_' are searched in full."""
        words = _words(text)
        starts = word_starts(text)
        found: set[str] = set()

        def hit(cls: str, pat: re.Pattern[str], offsets: tuple[int, ...]) -> None:
            if cls not in found and self.firsts[cls] & words and any(pat.match(text, p) for p in offsets):
                found.add(cls)

        for word, offsets in starts.items():
            for cls, pat in self.by_first.get(word, ()):
                hit(cls, pat, offsets)
            for n in self.prefix_lens:
                if n > len(word):
                    break
                for cls, pat in self.by_prefix.get(word[:n], ()):
                    hit(cls, pat, offsets)
        for cls, pat in self.anywhere:
            if cls not in found and pat.search(text):  # ('' is a first word of such a class: no prefilter)
                found.add(cls)
        return frozenset(found)

    def _matches(self, cls: str, text: str, *, every: bool) -> list[tuple[int, int, int, str]]:
        """(start, -length, row order, value) of the matches of the valued phrases of class `cls` in `text` whose
        first word is a word of `text` (or '' ): the first (leftmost) match of each phrase, or with `every`
        all of them as `finditer` gives them (non-overlapping, left to right), tried only where they can start
        (`word_starts`)."""
        words = _words(text)
        starts = word_starts(text)
        out: list[tuple[int, int, int, str]] = []

        def scan(order: int, pat: re.Pattern[str], value: str, offsets: Iterable[int]) -> None:
            end = -1
            for p in offsets:
                if p < end:
                    continue  # inside the previous match: finditer goes on from its end
                m = pat.match(text, p)
                if m:
                    out.append((m.start(), m.start() - m.end(), order, value))
                    if not every:
                        return
                    end = m.end()

        by_first = self.valued_first.get(cls, {})
        for word, offsets in starts.items():
            if word in words:  # a phrase's first word must be a whole word of the text
                for order, pat, value in by_first.get(word, ()):
                    scan(order, pat, value, offsets)
        for order, pat, value, prefix in self.valued_other.get(cls, ()):
            if prefix:
                scan(order, pat, value, _prefix_starts(starts, prefix))
            else:
                for m in pat.finditer(text) if every else filter(None, [pat.search(text)]):
                    out.append((m.start(), m.start() - m.end(), order, value))
        return out

    def first_value(self, cls: str, text: str) -> str | None:
        """The value of the phrase of class `cls` found earliest in `text` (None when none is): of two found at
        the same place the longer, of two as long the one listed first."""
        found = self._matches(cls, text, every=False)
        return min(found)[3] if found else None

    def values_in(self, cls: str, text: str) -> list[tuple[int, str]]:
        """(position, value) of the phrases of class `cls` found in `text`, in order of position; where two
        overlap, the longer wins ('how many days' is a duration, not also a count)."""
        found = sorted((start, neg_len, value) for start, neg_len, _order, value in self._matches(cls, text,
                                                                                                   every=True))
        out: list[tuple[int, str]] = []
        end = -1
        for start, neg_len, value in found:
            if start >= end:
                out.append((start, value))
                end = start - neg_len
        return out

    def fold(self, norm: str, extra_words: frozenset[str] = frozenset(), *, fuzzy: bool = True) -> str:
        """Synonyms and spelling variants folded to one form ('postponed' -> 'rescheduled'), and misspelt
        content words corrected to the nearest known word ('appointmnets' -> 'appointments'): a word of at
        least FUZZY_MIN_LEN letters that is not known itself is replaced by the known word (vocabulary words
        plus `extra_words`, e.g. names and aliases) it matches with a rapidfuzz OSA similarity of FUZZY_CUTOFF
        or more,
        provided the word is rare in English (`is_rare`)."""
        known = self.known_words | extra_words
        out = []
        for w in norm.split():
            w = self.synonyms.get(w, w)
            if fuzzy and len(w) >= FUZZY_MIN_LEN and w.isalpha() and w not in known and is_rare(w):
                # (extract, not extractOne: its score_cutoff is mistranslated for normalised OSA in rapidfuzz 3)
                hit = process.extract(w, self._fuzzy_pool(extra_words), scorer=OSA.normalized_similarity, limit=1)
                if hit and hit[0][1] >= FUZZY_CUTOFF / 100 - 1e-9:
                    w = self.synonyms.get(hit[0][0], hit[0][0])
            out.append(w)
        return " ".join(out)

    def _fuzzy_pool(self, extra_words: frozenset[str]) -> list[str]:
        """The known words a misspelling may be corrected to (cached for the last `extra_words` set)."""
        pool = getattr(self, "_pool", None)
        if pool is None or pool[0] is not extra_words:
            words = sorted(w for w in self.known_words | extra_words if len(w) >= FUZZY_MIN_LEN - 1 and w.isalpha())
            pool = (extra_words, words)
            self._pool = pool
        return pool[1]
