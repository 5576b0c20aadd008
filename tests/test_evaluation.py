"""The evaluator's matching rules (../shared/eval/README.md): numbers match whole, separators and dashes fold."""

from __future__ import annotations

import pytest

from bot.evaluation import _plain, found


@pytest.mark.parametrize(("needle", "text", "hit"), [
    ("5%", "pay rose 5.5% in all", False),
    ("5%", "pay rose 15% in all", False),
    ("5%", "a 5% rise", True),
    ("20 July", "from 120 July", False),
    ("20 July", "from 20 July 2023", True),
    ("3.3", "an award of 3.35%", False),
    ("3.3%", "an award of 3.3%.", True),
    ("196,225", "196,225 appointments", True),
    ("2023", "held in 2023.", True),
    ("17-22 December", "17\u201322 December 2025", True),
])
def test_numbers_match_whole(needle: str, text: str, hit: bool) -> None:
    assert found(_plain(needle), _plain(text)) is hit
