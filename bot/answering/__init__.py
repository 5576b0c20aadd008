"""The answering core: `answer(question, kb, *, now) -> Answer`.

normalise (bot.matching) → understand (`understanding`: intent, answer type asked, entities, time) → retrieve
(one module per kind of question: strikes, ballots, offers, figures, totals, statements, faqs) → score and
decide (`decision`: thresholds, margin, the answer-type contract) → compose (from typed columns only;
bot.composing).

Imports neither Slack nor dotenv. "No answer" is a value: `answer()` never raises for bad input.
Calibration of MIN_SCORE and MIN_MARGIN: see docs/calibration.md.
"""

from __future__ import annotations

from bot.answering.decision import MIN_MARGIN, MIN_SCORE, answer
from bot.answering.time import _in_windows
from bot.answering.understanding import Understanding, understand

__all__ = ["MIN_MARGIN", "MIN_SCORE", "Understanding", "_in_windows", "answer", "understand"]
