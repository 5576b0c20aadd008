"""Background and patient-advice FAQs."""

from __future__ import annotations

from datetime import datetime

from bot import composing as C
from bot.answering.result import Result
from bot.answering.understanding import (
    Understanding,
    alias_index,
    answer_types,
    defined_subject,
    nations_in,
    reason_or_place,
    text_form,
)
from bot.knowledge import KnowledgeBase
from bot.matching import similarity, stem_text


def _faq_entities(kb: KnowledgeBase) -> dict[str, list[tuple[str, set[str], str, set[str], str]]]:
    """FAQ id -> [(phrasing in matching form, its union/group ids, 'why'/'where'/'' asked, nations named, the
    kind of answer the phrasing itself asks for first)] (cached)."""

    def load() -> dict[str, list[tuple[str, set[str], str, set[str], str]]]:
        idx = alias_index(kb)
        out: dict[str, list[tuple[str, set[str], str, set[str], str]]] = {}
        for q in kb.all("faq"):
            for p in (q.question, *q.phrasings):
                n = text_form(kb, p)
                ents = {a.entity_id for a in idx.find(stem_text(n)) if a.covered}  # who struck, not GPs
                types, hints = answer_types(kb, n)
                ptype = types[0] if types and types[0] not in hints else ""
                out.setdefault(q.id, []).append((stem_text(n), ents, reason_or_place(kb, n), nations_in(n), ptype))
        return out

    return kb.cached("faq_entities", load)


def handle_faq(kb: KnowledgeBase, u: Understanding, now: datetime) -> Result | None:
    """Background and patient questions: the best curated FAQ by rapidfuzz over its phrasings, skipping
    phrasings about a different union or staff group than the question names, and phrasings asking for a
    reason or a place when the question does not (or the other way round)."""
    faqs = {q.id: q for q in kb.all("faq")}
    if not faqs:
        return None
    asked = u.unions | u.groups
    kind = u.reason_or_place
    asked_text = stem_text(u.norm)  # 'appointments' and 'appointment' are one word here
    elsewhere = u.nations - {"england"}  # FAQs are about England unless a phrasing names the nation asked
    strong = u.answer_type if u.answer_type not in u.weak_types else ""  # a phrasing asking another kind is skipped
    subject = defined_subject(u.norm)  # a phrasing defining something else ('what is a resident doctor') is skipped
    scored = []
    for fid, phrasings in _faq_entities(kb).items():
        if u.answer_type and u.answer_type not in u.weak_types and faqs[fid].answers and \
                u.answer_type not in faqs[fid].answers:
            continue  # this FAQ gives another kind of answer than the one asked
        sims = [similarity(asked_text, p) for p, ents, rp, nations, ptype in phrasings
                if not (asked and ents and not (asked & ents)) and rp == kind and not (elsewhere - nations)
                and not (strong and ptype and ptype != strong)
                and not (subject and defined_subject(p) and not subject <= set(p.split()))]
        if sims:
            scored.append((max(sims) / 100, faqs[fid]))
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0])
    top, q = scored[0]
    runner = scored[1][0] if len(scored) > 1 else 0.0
    return Result("faq", [q], top, C.faq_text(q, now), runner_up=runner, gives=frozenset(q.answers))

