"""Suggestions for a decline: questions the bot does answer, nearest to the one asked.

Candidates are the curated phrasings of facts already public at `now` (FTS5 over the question's rarest words,
ranked by rapidfuzz similarity); each is kept only if the engine, asked it at `now`, answers it with the fact it
points at, so a suggestion never leads to another decline or to a different fact than it names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import composing as C
from bot.answering.understanding import Understanding, text_form
from bot.knowledge import KnowledgeBase
from bot.matching import similarity
from bot.models import Answer

# Work bound for the suggestion search: the question's rarest words, up to this many matching documents in all.
# At the curated KB's size every useful word fits; at 100,000 facts it keeps a decline to a millisecond or two.
SUGGEST_POSTINGS = 1500
MAX_CHECKED = 4  # candidate phrasings put to the engine before giving up on more (each costs one answer)
DEFAULTS = ("What is the latest total of rescheduled appointments?", "When is the next strike?",
            "Will my hospital appointment go ahead during a strike?")


def suggestions(kb: KnowledgeBase, u: Understanding, now: datetime,
                ask: Callable[[str], Answer]) -> list[str]:
    """Up to 3 questions the knowledge base answers at `now`, nearest to the question first. `ask(question)`
    answers a candidate without suggesting in turn; a candidate is kept when it is answered from the fact whose
    phrasing it is (an FAQ: answered at all)."""
    hits = kb.search([u.norm], limit=30, max_postings=SUGGEST_POSTINGS) if u.norm else []
    public = {(k, f.id) for k in {k for k, _i, _r in hits}
              for f in kb.get_many(k, [i for kk, i, _r in hits if kk == k]) if k == "faq" or C.any_published_by(f, now)}
    rows = kb.doc_rows([(k, i) for k, i, _r in hits if (k, i) in public])  # nothing not yet public at `now`
    pairs = [(p, r["fact_id"]) for r in rows for p in r["phrasings"].split("|")[:1] if p.strip()]
    ranked = sorted(dict.fromkeys(pairs), key=lambda pf: -similarity(u.norm, text_form(kb, pf[0])))
    # a check holds for the hour: the same candidate at the same hour gets the same answer (cached per KB file)
    memo: dict[tuple[str, str, str], bool] = kb.cached("suggestion_checks", dict)
    hour = now.strftime("%Y-%m-%dT%H")

    def works(phrasing: str, fact_id: str) -> bool:
        key = (phrasing, fact_id, hour)
        if key not in memo:
            a = ask(phrasing)
            memo[key] = a.status == "answered" and (a.matched is None or a.matched.fact_id == fact_id or
                                                    a.intent == "faq" or not fact_id)
        return memo[key]

    out = [p for p, f in ranked[:MAX_CHECKED] if works(p, f)][:3]
    out += [d for d in DEFAULTS if d not in out and works(d, "")][:3 - len(out)]
    return out
