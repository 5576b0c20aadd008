"""Pure text work: Slack-markup stripping, normalisation, entity spotting with knowledge-base aliases,
and rapidfuzz scoring. No SQL and no Slack imports; aliases come in as data.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process, utils

MAX_CHARS = 600  # questions are short; longer input is cut after reading, so cost stays bounded

_SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_SLACK_BARE = re.compile(r"<(?:https?://|mailto:)[^>]*>")
_SLACK_CHANNEL = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_SLACK_USER = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_SLACK_SPECIAL = re.compile(r"<![^>]*>")
_EMOJI_CODE = re.compile(r":[a-z0-9_+\-]+:")

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS.update({"sept": 9})

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "half a": 0.5, "a": 1}
SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}

NATIONS = {"england": "england", "english": "england", "wales": "wales", "welsh": "wales",
           "scotland": "scotland", "scottish": "scotland", "northern ireland": "northern_ireland",
           "ni": "northern_ireland"}


def strip_slack(text: str) -> str:
    """Remove Slack markup: user/channel mentions, special mentions, links (keep labels) and emoji codes;
    unescape &amp; &lt; &gt; and other HTML entities."""
    t = _SLACK_LINK.sub(r"\2", text)
    t = _SLACK_BARE.sub(" ", t)
    t = _SLACK_CHANNEL.sub(lambda m: m.group(1) or " ", t)
    t = _SLACK_USER.sub(" ", t)
    t = _SLACK_SPECIAL.sub(" ", t)
    t = html.unescape(t)
    return _EMOJI_CODE.sub(" ", t)


def _number(m: re.Match[str]) -> str:
    raw, scale = m.group(1), m.group(2).lower()
    base = NUMBER_WORDS.get(raw.lower()) if not raw[0].isdigit() else float(raw.replace(",", ""))
    return f" {int(base * SCALE[scale])} " if base is not None else m.group(0)


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")  # non-printable ASCII that is not whitespace


def normalise(text: str) -> str:
    """Slack text -> lower-case plain words, for matching only (never shown): the one normaliser of the bot.

    Strips markup and control characters, folds smart quotes and accents, expands number
    forms ('196k' -> '196000', '1.2m', 'one million'), drops possessives and punctuation. Output <= MAX_CHARS.
    Synonyms, slang and misspellings are folded afterwards by the engine's vocabulary (knowledge/vocabulary.csv).
    """
    t = strip_slack(text[: MAX_CHARS * 20])
    if t.isascii():  # most questions: no accents to fold, only control characters to drop (same result, faster)
        t = _ASCII_CONTROL.sub("", t)
    else:
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c) and (c.isprintable() or c.isspace()))
    t = t.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    t = t.replace("\u2013", "-").replace("\u2014", "-").lower()
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(\d)\s*%", r"\1 percent", t).replace("%", " percent ")  # 'what % said yes' asks a percentage
    t = re.sub(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|half a|a)\s*"
               r"(k|m|mn|bn|thousand|million|billion)\b", _number, t)
    t = re.sub(r"\b(what|who|when|where|how|it|that|there|here)'s\b", r"\1 is", t)  # 'what's' asks 'what is'
    t = re.sub(r"'s\b|s'(?=\s|$)", lambda m: "" if m.group(0) == "'s" else "s", t)
    t = re.sub(r"[^a-z0-9£.\s-]", " ", t)
    t = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", t)
    return " ".join(t.replace("-", " ").split())[:MAX_CHARS]


def stem(word: str) -> str:
    """Crude singular: 'doctors' -> 'doctor', 'paras' -> 'para' (for alias matching only)."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def stem_text(text: str) -> str:
    """`stem` applied to every word."""
    return " ".join(stem(w) for w in text.split())


@dataclass
class Alias:
    """A lower-case name (stemmed) pointing at a knowledge-base entity."""

    phrase: str
    kind: str  # 'union' | 'group'
    entity_id: str
    covered: bool


@dataclass
class AliasIndex:
    """All names and aliases of organisations and staff groups, longest phrase first."""

    aliases: list[Alias] = field(default_factory=list)
    # (alias, ' phrase ' as searched for, the phrase's first word), in the order of `aliases`
    _needles: list[tuple[Alias, str, str]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self._needles = [(a, f" {a.phrase} ", a.phrase.split(" ")[0]) for a in self.aliases]

    def find(self, text_stemmed: str) -> list[Alias]:
        """Aliases found as whole words in stemmed text; a longer match hides the shorter ones inside it.

        `text_stemmed`: a text in matching form, stemmed (`stem_text`); returns the aliases found, longest
        first. An alias whose first word is not a whitespace-delimited word of the text is not searched for:
        ' phrase ' found in ' text ' means that word stands between two spaces of the text, so it is one of
        its words; skipping the others cannot change what is found."""
        found: list[Alias] = []
        taken: list[tuple[int, int]] = []
        padded = f" {text_stemmed} "
        words = set(text_stemmed.split())
        for a, needle, first in self._needles:
            if first not in words:
                continue
            start = padded.find(needle)
            while start >= 0:
                span = (start, start + len(a.phrase))
                if not any(s < span[1] and span[0] < e for s, e in taken):
                    taken.append(span)
                    found.append(a)
                    break
                start = padded.find(needle, start + 1)
        return found


def build_alias_index(entries: list[tuple[str, str, list[str], bool]],
                      form: Callable[[str], str] = normalise) -> AliasIndex:
    """entries: (kind, id, [names and aliases], covered) -> AliasIndex (phrases put in matching form by
    `form`, the engine's normalise-and-fold, then stemmed)."""
    out: list[Alias] = []
    for kind, eid, names, covered in entries:
        for name in names:
            phrase = stem_text(form(name))
            if phrase:
                out.append(Alias(phrase, kind, eid, covered))
    out.sort(key=lambda a: -len(a.phrase))
    return AliasIndex(out)


def similarity(a: str, b: str) -> float:
    """0–100 similarity of two normalised texts: rapidfuzz token_set_ratio (shared words) blended with
    token_sort_ratio (which penalises words only one side has, e.g. 'not … in Wales')."""
    return 0.5 * fuzz.token_set_ratio(a, b) + 0.5 * fuzz.token_sort_ratio(a, b)


@lru_cache(maxsize=65536)
def normalised(text: str) -> str:
    """`normalise(text)`, memoised: curated texts are ranked again and again against new questions."""
    return normalise(text)


def similarities(query: str, texts: list[str]) -> list[float]:
    """`similarity(query, t)` for every t in `texts` (normalised), in order, scored in rapidfuzz's C loop."""
    unique = list(dict.fromkeys(texts))  # curated texts repeat (ballot subjects); score each once
    score = dict.fromkeys(unique, 0.0)
    for scorer in (fuzz.token_set_ratio, fuzz.token_sort_ratio):
        for text, s, _i in process.extract(query, unique, scorer=scorer, processor=None, limit=None):
            score[text] += 0.5 * s
    return [score[t] for t in texts]


def best_matches(query: str, choices: dict[object, str], *, limit: int = 5,
                 cutoff: float = 0) -> list[tuple[object, float]]:
    """rapidfuzz process.extract over {key: text}; returns [(key, score)] best first (score 0–100)."""
    res = process.extract(query, choices, scorer=fuzz.token_set_ratio, processor=utils.default_process,
                          limit=limit, score_cutoff=cutoff)
    return [(key, score) for _text, score, key in res]
