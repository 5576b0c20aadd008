"""The architecture holds (STYLE.md): the answering core imports no Slack and no dotenv, reads no wall clock, and
keeps its regular expressions in understanding and vocabulary; SQL lives only in the store and build modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
CORE = [*sorted((BOT / "answering").glob("*.py")), BOT / "composing.py", BOT / "matching.py", BOT / "clock.py"]
SQL_HOMES = {"knowledge.py", "state.py", "build.py", "state_sql.py", "installations.py"}  # the stores and the build


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_core_imports_no_slack_and_no_dotenv(path: Path) -> None:
    assert not _imports(path) & {"slack_bolt", "slack_sdk", "dotenv"}, path


@pytest.mark.parametrize("path", sorted((BOT / "answering").glob("*.py")), ids=lambda p: p.name)
def test_regular_expressions_live_in_understanding_and_vocabulary(path: Path) -> None:
    if path.name in ("understanding.py", "vocabulary.py"):
        return
    assert "re" not in _imports(path), f"{path.name} imports re: move the pattern to understanding or vocabulary"


@pytest.mark.parametrize("path", sorted((BOT / "answering").glob("*.py")), ids=lambda p: p.name)
def test_the_engine_never_reads_the_wall_clock(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for call in ("datetime.now(", "time.time(", "date.today(", "datetime.utcnow("):
        assert call not in text, f"{path.name} calls {call}: take `now` as a parameter"


def test_sql_only_in_the_stores() -> None:
    offenders = []
    for path in BOT.rglob("*.py"):
        if path.name in SQL_HOMES:
            continue
        text = path.read_text(encoding="utf-8")
        if any(s in text for s in ("SELECT ", "INSERT INTO", "UPDATE ", ".execute(")):
            offenders.append(str(path.relative_to(BOT)))
    assert offenders == []


def test_no_import_circles_in_the_engine() -> None:
    """Each bot.answering module can be imported first, on its own (run in a fresh interpreter, so this test
    leaves the modules other tests use alone)."""
    import subprocess
    import sys

    script = (
        "import importlib, pathlib, sys\n"
        "for p in sorted(pathlib.Path('bot/answering').glob('*.py')):\n"
        "    for m in [m for m in sys.modules if m.startswith('bot')]: del sys.modules[m]\n"
        "    importlib.import_module('bot.answering' if p.stem == '__init__' else 'bot.answering.' + p.stem)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=BOT.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
