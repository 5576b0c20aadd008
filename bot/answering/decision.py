"""Deciding: which handler answers, the thresholds a reply must clear, and declines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot import composing as C
from bot.answering.ballots import handle_ballots
from bot.answering.faqs import handle_faq
from bot.answering.figures import handle_comparison, handle_cost, handle_impact
from bot.answering.offers import handle_offers
from bot.answering.result import Result
from bot.answering.selection import carries
from bot.answering.statements import handle_statements
from bot.answering.strikes import handle_cover, handle_strikes
from bot.answering.suggestions import suggestions
from bot.answering.totals import handle_cumulative
from bot.answering.understanding import Understanding, clauses, understand
from bot.answering.vocabulary import ANSWER_TYPES
from bot.knowledge import KnowledgeBase
from bot.models import Answer, Match

# Decision numbers (0–1). Calibrated on ../shared/eval/dev.jsonl plus tests/eval_extra.jsonl; see
# docs/calibration.md for the sweep and why these values.
MIN_SCORE = 0.62  # best candidate must reach this
MIN_MARGIN = 0.06  # and beat the runner-up (a different answer) by this much
FAQ_VERBATIM = 0.9  # an FAQ phrasing matched this closely wins over a structured intent (not for numbers/dates)
FAQ_MIN = 0.72  # FAQ / free-text path: similarity needed when no structured intent applies
# a personal question ('will my scan go ahead on the strike day?') can only be answered with advice, so an FAQ that
# leads every other by a clear margin may answer it from a little lower (no structured fact competes)
FAQ_MIN_PERSONAL, PERSONAL_MARGIN = 0.68, 0.08


HANDLERS = {
    "strike_dates": handle_strikes, "next_strike": handle_strikes, "ballot_deadline": handle_ballots,
    "ballot_result": handle_ballots, "pay_offer": handle_offers, "impact_figure": handle_impact,
    "staff_absent": handle_impact, "cumulative_total": handle_cumulative, "cost": handle_cost,
    "comparison": handle_comparison, "statement": handle_statements, "faq": handle_faq, "strike_cover": handle_cover,
}


# ---- decide -------------------------------------------------------------------------------------------------


def answer(question: str, kb: KnowledgeBase, *, now: datetime) -> Answer:
    """Answer `question` as it could have been answered at `now` (aware datetime; naive = UTC).

    Returns an Answer: status 'answered' with the text composed from typed columns and every source cited, or
    'no_answer' with up to 3 suggested questions. Never raises for bad input (empty, huge, emoji, SQL/FTS
    syntax); raises KnowledgeBaseMissing only when the knowledge base file is gone.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    with kb.pinned():  # one consistent KB file version for the whole answer
        return _answer(question, kb, now)


def _answer(question: str, kb: KnowledgeBase, now: datetime, *, whole: bool = True, suggest: bool = True) -> Answer:
    u = understand(question or "", kb, now)
    declined = _out_of_scope(u, kb, now)  # the whole question first: 'why have GPs voted … and when?' is GPs'
    if declined:
        return _no_answer(kb, u, declined, now, suggest=suggest)
    parts = clauses(kb, u) if whole else []
    if parts:
        return _parts(kb, u, [_answer(p, kb, now, whole=False, suggest=False) for p in parts], parts, now)
    result = _compound(kb, u, now) or _best(kb, u, now)
    if result is None or result.score < MIN_SCORE or result.score - result.runner_up < MIN_MARGIN:
        return _no_answer(kb, u, C.not_confident(kb), now, suggest=suggest)
    if not result.facts:
        return _no_answer(kb, u, result.text, now, suggest=suggest)  # e.g. "no strike after …" with none before: nothing to cite
    stale = result.note + C.currency_note(kb, u, now)  # the caveat: one line, only for questions that depend on now
    facts = result.facts
    primary = facts[0] if facts else None
    body = C.without_sources(result.text) + stale
    headline, detail, emphasis = C.headline_and_detail(kb, facts, body, now)
    return Answer(
        status="answered", text=body + result.text[len(C.without_sources(result.text)):], confidence=round(min(result.score, 1.0), 3),
        intent=result.intent,
        matched=Match(C.kind_of(primary), primary.id, result.score * 100) if primary else None,
        sources=C.sources_of([*facts, *result.cited], now), facts=facts, as_of=C.as_of_text(facts),
        body=body, headline=headline, detail=detail, emphasis=emphasis, answer_type=u.answer_type,
    )


def gives(kb: KnowledgeBase, r: Result) -> frozenset[str]:
    """The answer types a candidate reply gives: an FAQ's own `answers`, else its kind's row of
    knowledge/question_kinds.csv (every type when neither says)."""
    if r.gives:
        return r.gives
    kinds = kb.cached("question_kinds", kb.question_kinds)
    return kinds.get(r.intent, frozenset(ANSWER_TYPES))


def _contract(kb: KnowledgeBase, u: Understanding, r: Result | None) -> Result | None:
    """The answer-type contract: a reply must give the kind of answer asked first ('when' wants a date, 'who'
    a person or union, 'why' a reason), else it is no reply at all and the question is declined. A compound
    question's other interrogatives that the reply cannot give are named in a note, never answered with a
    neighbouring fact."""
    if r is None:
        return r
    shown = [f for f in r.facts[:1] + r.cited]  # the headline fact, and any it is shown beside
    if r.facts and any(not any(carries(kb, f, p) for f in shown) for p in u.places):
        return None  # a named place no fact shown carries: never the national figure in its place
    if not u.answer_types:
        return r
    given = gives(kb, r)
    strong = [t for t in u.answer_types if t not in u.weak_types]
    # 'what is the latest strike', 'nov vs dec strike': a named time or order picks the fact asked, whatever the
    # weaker hint says; but words someone said ('what has X said about the 2025 award') are never a fact's row
    instance = u.answer_type in u.weak_types and u.answer_type != "quote" and (u.order or u.nth or u.has_when())
    if u.answer_type not in given and not (r.intent == "faq" and u.answer_type in u.weak_types) and not (
            len(strong) > 1 and any(t in given for t in strong[1:])) and not (instance and r.intent != "faq"):
        # (an FAQ phrasing matched closely is trusted over a hint such as 'respond'; a question asking two
        # things, 'why … and when does it run?', gets the part the reply gives, the other named as not known)
        return None
    missing = [] if u.answer_type in u.weak_types else [
        t for t in u.answer_types if t not in u.weak_types and t not in given]
    if missing:
        r.note = "\n" + C.part_not_known(missing)
    return r


PER_MONTH = ("impact_figure", "staff_absent", "strike_dates", "cost", "ballot_result", "pay_offer")


def _parts(kb: KnowledgeBase, u: Understanding, answers: list[Answer], parts: list[str], now: datetime) -> Answer:
    """One reply for a compound question from its parts' answers: each answered part in turn, the parts not
    known named in one line; a decline when no part is answered."""
    done = [a for a in answers if a.status == "answered"]
    if not done:
        return _no_answer(kb, u, C.not_confident(kb), now)
    missing = [p for p, a in zip(parts, answers, strict=True) if a.status != "answered"]
    note = ("\nI hold no sourced answer to: " + "; ".join(f"'{p}'" for p in missing) + ".") if missing else ""
    facts = [f for a in done for f in a.facts]
    body = "\n".join(a.body or C.without_sources(a.text) for a in done) + note
    sources = C.sources_of(facts, now)
    first = done[0]
    detail = "\n".join([first.detail, *(a.body for a in done[1:])]).strip() + note
    return Answer(status="answered", text=body + C.sources_block(facts, now), confidence=min(a.confidence for a in done),
                  intent=first.intent, matched=first.matched, sources=sources, facts=facts, as_of=first.as_of,
                  body=body, headline=first.headline, detail=detail, emphasis=first.emphasis,
                  answer_type=u.answer_type)


def _compound(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """A question naming two or more months ('March vs April', 'in March and in April') is answered part by
    part: each month through the same handler, the parts side by side; a month with no answer is named as
    such, never filled with another month's fact. None when the question is not of that shape."""
    if len(u.months) < 2 or u.intent not in PER_MONTH or u.days:
        return None
    parts = [(m, _best(kb, replace(u, month=m, months=[m]), now)) for m in u.months]  # each part under contract
    found = [(m, r) for m, r in parts if r is not None and r.facts and r.score >= MIN_SCORE]
    if not found:
        return None
    seen: set[tuple[str, ...]] = set()
    unique = []
    for m, r in found:  # 'the june-july 2024 strike': one strike spanning both months is one part, not two
        ids = tuple(getattr(f, "id", "") for f in r.facts)
        if ids not in seen:
            seen.add(ids)
            unique.append((m, r))
    missing = [m for m, r in parts if (m, r) not in found]
    found = unique
    texts = [C.without_sources(r.text) for _m, r in found]
    note = "\n" + C.months_not_known(missing) if missing else ""
    facts = [f for _m, r in found for f in r.facts]
    cited = [f for _m, r in found for f in r.cited]
    text = "\n".join(texts) + note + C.sources_block(facts + cited, now)
    return Result(found[0][1].intent, facts, min(r.score for _m, r in found), text, cited=cited)


def _best(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """FAQ first for background-style questions without a date; otherwise the structured handler for the
    intent, with the FAQ as fallback. A result must clear MIN_SCORE and beat its runner-up by MIN_MARGIN."""

    def faq() -> Result | None:
        if u.has("percent"):
            return None  # FAQs carry no figures, so a question about "the 3% offer" is never one of theirs
        r = handle_faq(kb, u, now)
        if r is None:
            return None
        margin = r.score - r.runner_up
        if r.score >= FAQ_MIN and margin >= MIN_MARGIN:
            return r
        personal = u.has("personal") and r.score >= FAQ_MIN_PERSONAL and margin >= PERSONAL_MARGIN
        return r if personal else None

    def structured() -> Result | None:
        if u.faq_like and u.intent in ("strike_dates", "next_strike") and (
                u.norm.startswith("why") or not (u.has_when() or u.order)):
            return None  # a "why" or patient question is never answered with a list of dates
        if u.has("personal") and not u.has("numeric"):
            return None  # "can I strike if…", "is my practice striking?": advice, never a borrowed fact
        if u.has("possessive"):
            return None  # "how many of my appointments were cancelled?": no figure is about the asker's own
        asks = u.reason_or_place
        if asks == "where" or (asks == "why" and u.intent not in ("ballot_result", "ballot_deadline")):
            return None  # no structured fact says where (trusts, areas) or why, except a ballot's own result
            # (turnout under the 50% threshold is why a strike ballot failed)
        h = HANDLERS.get(u.intent)
        return h(kb, u, now) if h is not None and u.intent != "faq" else None

    def fits(make: Callable[[], Result | None]) -> Callable[[], Result | None]:
        return lambda: _contract(kb, u, make())  # a candidate counts only if it gives the kind of answer asked

    faq, structured = fits(faq), fits(structured)
    if u.answer_type == "advice":
        return faq()
    if u.intent == "strike_cover":
        return structured() or faq()  # the strike in question's own cover, else the FAQ on derogations  # 'will my op be cancelled next week?': advice from an FAQ, or none; never a figure
    numeric = u.has("numeric")
    if not numeric and not u.has_when():
        near_verbatim = faq()
        if near_verbatim is not None and near_verbatim.score >= FAQ_VERBATIM:
            return near_verbatim  # a curated FAQ phrasing asked almost word for word: that is what was meant
    if u.intent in ("impact_figure", "cumulative_total", "staff_absent", "cost", "comparison") and (
            numeric or not (u.faq_like or u.has("personal"))):
        return structured()  # a "how many" question is answered with a figure or not at all, never with prose
    # background and patient questions try the FAQs first; a question about an offer or a vote asks for the fact
    faq_first = u.faq_like and not u.has_when() and u.intent not in ("pay_offer", "ballot_result", "ballot_deadline")
    first, second = (faq, structured) if faq_first else (structured, faq)
    if u.has_when() and u.intent not in ("faq", "unknown") and not u.has("personal"):
        return structured()  # a dated question about strikes, votes or offers is never answered with FAQ prose
        # (a personal one, 'strike day tomorrow - do i phone 999?', asks for advice: it falls through)
    return first() or second()


def _out_of_scope(u: Understanding, kb: KnowledgeBase, now: datetime) -> str | None:
    if u.intent == "empty" or u.has("help"):
        return C.help_text(kb)
    if u.uncovered and not (u.unions or u.groups):
        r = handle_faq(kb, u, now) if u.faq_like else None
        if r is None or r.score < 0.8 or r.score - r.runner_up < MIN_MARGIN:
            return C.not_covered(kb, u.uncovered)
    if u.uncovered and not u.faq_like:
        # 'r midwives striking as well as the nurses?': the nurses' strikes do not answer for the midwives
        return C.not_covered(kb, u.uncovered)
    if u.has("off_sector"):  # 'are train drivers striking on the same day as the nurses?': not held
        return C.out_of_scope(kb)
    if u.has("medical"):
        return C.out_of_scope(kb, medical=True)
    if not u.has("domain") and not (u.unions or u.groups or u.speaker_hits):
        return C.out_of_scope(kb)
    if u.nations and u.nations <= {"scotland"}:
        return C.not_covered(kb, ["Scotland"])
    start = coverage_start(kb)
    if start is not None and now < start:
        return C.before_coverage(kb, start, now)  # 'why are junior doctors striking?' in 2016 is another dispute
    if u.has("off_topic"):
        return C.out_of_scope(kb)
    if u.unknown_words:
        return C.unknown_topic(kb, u.unknown_words)  # 'locum', 'the waiting list': nothing curated is about it
    first, last = C.coverage_years(kb)
    if u.years and all(y < first or y > last + 1 for y in u.years):
        return C.outside_years(kb, first, last)
    return None


COVERAGE_LEAD = timedelta(days=60)  # a dispute is in the news for weeks before its first ballot closes


def coverage_start(kb: KnowledgeBase) -> datetime | None:
    """The moment the knowledge base's coverage begins: COVERAGE_LEAD before its earliest strike or ballot date
    (UTC); a question asked before then is about another dispute and is declined. None for an empty KB."""

    def load() -> datetime | None:
        firsts = [s.start.first for s in kb.catalog("strike").items]
        firsts += [d.first for b in kb.catalog("ballot").items for d in (b.opens, b.closes, b.announced) if d]
        return min(firsts) - COVERAGE_LEAD if firsts else None

    return kb.cached("coverage_start", load)


def _no_answer(kb: KnowledgeBase, u: Understanding, text: str, now: datetime, *, suggest: bool = True) -> Answer:
    """A decline: `text` says why; with `suggest`, up to 3 questions the bot does answer (each checked by asking
    it, without suggestions of its own)."""

    def ask(q: str) -> Answer:
        return _answer(q, kb, now, suggest=False)

    return Answer(status="no_answer", text=text, confidence=0.0, intent=u.intent if u.intent != "empty" else "help",
                  answer_type=u.answer_type, headline=C.compact_line(text.split("\n")[0]),
                  suggestions=suggestions(kb, u, now, ask) if suggest else [])

