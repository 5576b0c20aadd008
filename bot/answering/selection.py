"""Selecting facts that agree with a question: entities, windows, publication at `now`, text rank."""

from __future__ import annotations

from datetime import datetime

from bot.answering.time import _windows
from bot.answering.understanding import Understanding, alias_index, text_form, vocabulary
from bot.catalog import StrikeKey, known_by
from bot.clock import LONDON
from bot.knowledge import KnowledgeBase
from bot.matching import normalised, similarities, stem, stem_text


def _entities(u: Understanding) -> list[list[str]]:
    """The question's unions and staff groups as catalog labels (each non-empty list must be matched)."""
    return [[f"u:{x}" for x in u.unions], [f"g:{x}" for x in u.groups]]


def _strikes(kb: KnowledgeBase, u: Understanding, now: datetime, *, check_known: bool = True) -> list[StrikeKey]:
    """Strikes agreeing with the question's entities and time words and already public at `now` (a curated
    source out by then), by start (keys: load text with _load). `check_known=False` leaves the publication
    test to the caller, which then looks at only the few strikes it picks (`_pick_strikes` does)."""
    wins = _windows(u)
    keys: list[StrikeKey] = kb.catalog("strike").select(any_of=_entities(u), windows=wins)
    # the catalog matched unions, groups and windows exactly (every named kind must overlap); nations here
    if u.nations:
        keys = [s for s in keys if u.nations & set(s.nations)]
    if u.month and not u.years and not u.span and keys:
        keys = _latest_year(keys, u, now)  # 'the December strike': the latest December, not every one
    if u.strike_days_len:  # 'the five-day strike': the strikes that ran that many days (a part-day rounds up)
        keys = [s for s in keys if s.duration_hours and -(-s.duration_hours // 24) == u.strike_days_len]
    return [s for s in keys if known_by(s, now)] if check_known else keys


def _load(kb: KnowledgeBase, kind: str, keys: list) -> list:
    """The full records (summaries, sources) of the chosen keys, in the same order."""
    return kb.get_many(kind, [k.id for k in keys])



TEXT_FIELDS = ("area", "subject", "summary", "scope", "paraphrase", "answer", "question", "speaker", "role")


def carries(kb: KnowledgeBase, fact: object, phrase: str) -> bool:
    """True when a fact's own curated text (area, subject, summary, scope, paraphrase …) names `phrase` (in
    matching form): a question about York is answered only by a fact that says York."""
    text = " ".join(str(getattr(fact, f, "") or "") for f in TEXT_FIELDS)
    return f" {phrase} " in f" {text_form(kb, text)} "


def _latest_year(keys: list[StrikeKey], u: Understanding, now: datetime) -> list[StrikeKey]:
    """Of strikes matching a month named without a year, those of one year: the latest that had begun by `now`
    (the next one to come for a question in the future tense, or when none had begun)."""
    if u.tense in ("future", "present"):  # 'are they striking on 15-19 June?': the coming June, if any
        local = now.astimezone(LONDON)
        year = local.year + (u.month < local.month)
        return [k for k in keys if k.start.local_first.year == year]
    begun = [k for k in keys if k.start.first <= now]
    pool = begun or keys
    year = (max if begun else min)(k.start.local_first.year for k in pool)
    return [k for k in pool if k.start.local_first.year == year]


NEAR = 5.0  # similarity points (0–100) within which two facts match a question equally well


def _rank_by_text(u: Understanding, facts: list, text_of) -> list[tuple[float, object]]:  # noqa: ANN001
    """`facts` (in time order, oldest first) with their similarity (0–100) to the question, best first. For a
    question naming no time, facts within NEAR of the best count as equally good and the latest of them comes
    first ('the turnout of the resident doctors ballot' means the latest such ballot, not an older one whose
    subject shares a word more); otherwise ties keep the given order."""
    scores = similarities(u.norm, [normalised(text_of(f)) for f in facts])
    ranked = sorted(zip(scores, range(len(facts)), facts, strict=True), key=lambda x: -x[0])
    if ranked and not u.has_when():
        best = ranked[0][0]
        near = sorted((x for x in ranked if x[0] >= best - NEAR), key=lambda x: -x[1])
        ranked = near + [x for x in ranked if x[0] < best - NEAR]
    return [(score, f) for score, _i, f in ranked]



DISTINGUISH_MAX = 12  # open ballots and the like compared word by word, at most


def _distinguished(kb: KnowledgeBase, u: Understanding, facts: list, text_of) -> list:  # noqa: ANN001
    """Of several facts that all agree with the question, those whose own text (`text_of(fact)`) holds the most
    of the question's distinguishing words, when that singles some out: 'the ballot on jobs and pay' is the
    re-ballot 'over jobs and pay', not the poll on a 'jobs-focused offer' open at the same time. A word counts
    when it is not a name of the question's unions or staff groups and not in every fact's text (such words
    agree with all of them); with no word that tells them apart, all are kept, in the given order."""
    if len(facts) < 2 or len(facts) > DISTINGUISH_MAX:
        return facts  # (a long list is not told apart by a word or two: it is cut and ranked elsewhere)
    stemmed = stem_text(text_form(kb, u.norm))
    names = {w for a in alias_index(kb).find(stemmed) for w in a.phrase.split()}
    texts = [{stem(w) for w in text_form(kb, text_of(f)).split()} for f in facts]
    shared = set.intersection(*texts)
    asked = {w for w in stemmed.split() if len(w) > 2 and w not in names and w not in shared}
    counts = [len(asked & t) for t in texts]
    best = max(counts)
    if best == 0 or all(c == best for c in counts):
        return facts
    return [f for f, c in zip(facts, counts, strict=True) if c == best]


def national_first(kb: KnowledgeBase, u: Understanding, facts: list, text_of) -> list:  # noqa: ANN001
    """`facts` with those whose own text (`text_of(fact)`) names a place put after the others, when the question
    names none: 'did unite accept the pay offer?' leads with Unite's national vote, not its Yorkshire one."""
    if u.places:
        return facts
    vocab = vocabulary(kb)
    return sorted(facts, key=lambda f: bool(vocab.values_in("place_names", text_form(kb, text_of(f)))))
