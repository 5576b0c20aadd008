"""The position-restricted phrase matching of `Vocabulary` (classes_in, first_value, values_in) gives exactly
what the plain regular-expression search it replaced gave: checked on every question of the evaluation sets
(in the form `understand` reads them), the curated texts, and texts made to hit the edges (punctuation inside a
token, a phrase at the very start or end, prefix words)."""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import pytest

from bot.answering.understanding import alias_index, name_words, text_form, vocabulary
from bot.answering.vocabulary import Vocabulary, word_starts
from bot.knowledge import KnowledgeBase
from bot.matching import Alias, AliasIndex, normalise, stem_text

ROOT = Path(__file__).resolve().parents[2]
EVAL_FILES = [Path("/work/shared/eval/dev.jsonl"), Path("/work/shared/eval/real.jsonl"), ROOT / "tests" / "eval_extra.jsonl",
              *(Path(p) for p in sorted(glob.glob(str(ROOT / "tests" / "blind" / "blind*.jsonl"))))]


# ---- the implementations before the speed-up, kept as the reference ------------------------------------------

def ref_classes_in(v: Vocabulary, text: str) -> frozenset[str]:
    words = set(text.split()) | {""}
    return frozenset(c for c, pat in v.patterns.items() if v.firsts[c] & words and pat.search(text))


def ref_first_value(v: Vocabulary, cls: str, text: str) -> str | None:
    best: tuple[int, int, str] | None = None
    words = set(text.split()) | {""}
    for pat, value, first in v.valued.get(cls, ()):
        if first not in words:
            continue
        m = pat.search(text)
        if m and (best is None or (m.start(), -len(m.group(0))) < best[:2]):
            best = (m.start(), -len(m.group(0)), value)
    return best[2] if best else None


def ref_values_in(v: Vocabulary, cls: str, text: str) -> list[tuple[int, str]]:
    words = set(text.split()) | {""}
    found = sorted(((m.start(), -(m.end() - m.start()), value) for pat, value, first in v.valued.get(cls, ())
                    if first in words for m in pat.finditer(text)))
    out: list[tuple[int, str]] = []
    end = -1
    for start, neg_len, value in found:
        if start >= end:
            out.append((start, value))
            end = start - neg_len
    return out


# ---- texts ---------------------------------------------------------------------------------------------------

def _questions() -> list[str]:
    out = []
    for path in EVAL_FILES:
        if path.exists():
            out += [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    return out


EDGE_TEXTS = [
    "", " ", "how many", " how many days", "how many days ", "£5 million", "a £5 pay rise and 5 more",
    "1.5 percent or 1 percent", "x ray and ray", "x-ray ray", "a&e and a & e", "ballots balloted ballot",
    "the ballot. ballot", "strike! strike", "will there be a strike", "will there", "there will",
    "when is the next strike\n", "nurses\tstrike  again", "£ 5", "££5 5", "5£ 5", "1.2.3 1 2 3",
    "what is a mandate mandate", "how many how many days how many", "cancelled cancel cancellations",
]


def _texts(kb: KnowledgeBase) -> list[str]:
    vocab = vocabulary(kb)
    names = name_words(kb)
    texts = []
    for q in _questions():
        norm = normalise(q)
        texts += [vocab.fold(norm, names), norm, q.lower()]
    for f in kb.all("faq"):
        texts += [text_form(kb, t) for t in (f.question, *f.phrasings, f.answer)]
    texts += [text_form(kb, s.paraphrase) for s in kb.all("statement")]
    texts += [text_form(kb, s.title) for s in kb.sources().values()]
    texts += EDGE_TEXTS
    # every phrase itself, alone, after a word, after punctuation, and glued to its neighbours
    for _cls, phrase, _value in vocab.rows:
        plain = phrase.strip("^$").replace("*", "s").replace("_", "any")
        texts += [plain, f"so {plain}", f"x-{plain} {plain.split()[0]}", f"£{plain} 1.{plain}", f"{plain}ing"]
    return list(dict.fromkeys(texts))


@pytest.fixture(scope="module")
def kb(real_kb: KnowledgeBase) -> KnowledgeBase:
    return real_kb


def test_classes_in_is_unchanged(kb: KnowledgeBase) -> None:
    vocab = vocabulary(kb)
    texts = _texts(kb)
    assert len(texts) > 1000
    for text in texts:
        assert vocab.classes_in(text) == ref_classes_in(vocab, text), text


def test_first_value_and_values_in_are_unchanged(kb: KnowledgeBase) -> None:
    vocab = vocabulary(kb)
    for text in _texts(kb):
        for cls in vocab.valued:
            assert vocab.first_value(cls, text) == ref_first_value(vocab, cls, text), (cls, text)
            assert vocab.values_in(cls, text) == ref_values_in(vocab, cls, text), (cls, text)


def test_hand_made_vocabulary_edges() -> None:
    """Phrases starting with '_', a prefix, '^', punctuation inside a token, one phrase matching twice."""
    rows = [("asks", "_ vote", "a"), ("asks", "ballot*", "b"), ("asks", "^how many", "c"), ("asks", "how many", "d"),
            ("asks", "ray", "e"), ("asks", "5", "f"), ("asks", "£5", "g"), ("asks", "a&e", "h"), ("asks", "e$", "i"),
            ("asks", "ballots", "j"), ("order", "ray", "x"), ("domain", "_", ""), ("filler", "how many*", "")]
    vocab = Vocabulary(rows)
    texts = ["how many ray x-ray", "x-ray only", "x-ray ray", "£5 5 £5", "£5 only", "a&e a & e", "a e", "did _ vote",
             "did they vote", "ballots balloted", "how many how many", "so how many", "ray", "5.5 5", "how manyx"]
    for text in texts:
        assert vocab.classes_in(text) == ref_classes_in(vocab, text), text
        for cls in ("asks", "order"):
            assert vocab.first_value(cls, text) == ref_first_value(vocab, cls, text), (cls, text)
            assert vocab.values_in(cls, text) == ref_values_in(vocab, cls, text), (cls, text)


def test_word_starts() -> None:
    """Each word at each offset a phrase starting with it could match at."""
    assert word_starts("the x-ray ray") == {"the": (0,), "x-ray": (4,), "x": (4,), "ray": (6, 10)}
    assert word_starts("£5 1.5") == {"£5": (0,), "5": (1, 5), "1": (3,), "1.5": (3,)}
    assert word_starts("££ a&e") == {"£": (0, 1), "££": (0,), "a": (3,), "a&e": (3,), "e": (5,)}
    assert all(re.fullmatch(r"\S+", w) for w in word_starts(" a  b\tc\n"))


def ref_find(index: AliasIndex, text_stemmed: str) -> list[Alias]:
    found: list[Alias] = []
    taken: list[tuple[int, int]] = []
    padded = f" {text_stemmed} "
    for a in index.aliases:
        start = padded.find(f" {a.phrase} ")
        while start >= 0:
            span = (start, start + len(a.phrase))
            if not any(s < span[1] and span[0] < e for s, e in taken):
                taken.append(span)
                found.append(a)
                break
            start = padded.find(f" {a.phrase} ", start + 1)
    return found


def test_alias_find_is_unchanged(kb: KnowledgeBase) -> None:
    """`AliasIndex.find` (which skips aliases whose first word is not in the text) finds what it found before."""
    index = alias_index(kb)
    texts = [stem_text(t) for t in _texts(kb)] + [stem_text(text_form(kb, a.phrase)) + " and " + a.phrase
                                                  for a in index.aliases]
    texts += ["bma  junior doctor", "bma\tjunior doctor", " rcn ", "rcn\xa0nurse"]
    for text in texts:
        assert [id(a) for a in index.find(text)] == [id(a) for a in ref_find(index, text)], text
