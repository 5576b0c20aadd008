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

    def __post_init__(self) -> None:
        by_class: dict[str, list[str]] = {}
        for cls, phrase, value in self.rows:
            if cls == "synonym" and " " not in phrase:
                self.synonyms[phrase] = value
                continue
            by_class.setdefault(cls, []).append(phrase)
            if value:
                self.valued.setdefault(cls, []).append((re.compile(_pattern(phrase)), value, _first(phrase)))
        for cls, phrases in by_class.items():
            # longest first, so 'how many days' is found before 'how many'
            alts = sorted(phrases, key=lambda p: -len(p))
            self.patterns[cls] = re.compile("|".join(_pattern(p) for p in alts))
            self.firsts[cls] = frozenset(_first(p) for p in phrases)
        words = {w.rstrip("*").strip("^$") for _c, p, _v in self.rows for w in p.split(" ") if w != "_"}
        words |= set(self.synonyms.values())
        self.known_words = frozenset(w for w in words if w)

    def has(self, cls: str, text: str) -> bool:
        """True when any phrase of class `cls` occurs in `text` (normalised)."""
        pat = self.patterns.get(cls)
        return bool(pat and pat.search(text))

    def classes_in(self, text: str) -> frozenset[str]:
        """Every class with a phrase in `text` (a class none of whose first words is in `text` is skipped)."""
        words = set(text.split()) | {""}
        return frozenset(c for c, pat in self.patterns.items() if self.firsts[c] & words and pat.search(text))

    def first_value(self, cls: str, text: str) -> str | None:
        """The value of the phrase of class `cls` found earliest in `text` (None when none is)."""
        best: tuple[int, int, str] | None = None
        words = set(text.split()) | {""}
        for pat, value, first in self.valued.get(cls, ()):
            if first not in words:
                continue
            m = pat.search(text)
            if m and (best is None or (m.start(), -len(m.group(0))) < best[:2]):
                best = (m.start(), -len(m.group(0)), value)
        return best[2] if best else None

    def values_in(self, cls: str, text: str) -> list[tuple[int, str]]:
        """(position, value) of the phrases of class `cls` found in `text`, in order of position; where two
        overlap, the longer wins ('how many days' is a duration, not also a count)."""
        words = set(text.split()) | {""}
        found = sorted(((m.start(), -(m.end() - m.start()), value) for pat, value, first in self.valued.get(cls, ())
                        if first in words for m in pat.finditer(text)))
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
