"""The command line for people: one clear line (and exit 1 or 2, no traceback) for each operational problem,
charts and quotes, help that matches Slack's, and small talk that is answered but never logged as a gap."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from PIL import Image

from bot.build import build
from bot.cli import main
from bot.config import DEFAULT_KNOWLEDGE_DIR
from bot.state import StateStore


@pytest.fixture(scope="module")
def real_kb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "knowledge.sqlite"
    build(DEFAULT_KNOWLEDGE_DIR, path)
    return path


def _env(tmp: Path, kb: Path, **extra: str) -> dict[str, str]:
    return {"STRIKEBOT_KB": str(kb), "STRIKEBOT_STATE": str(tmp / "state.sqlite"), "SLACK_BOT_TOKEN": "",
            "SLACK_API_URL": "", "REMINDER_CHANNEL": "", "STRIKEBOT_ADMINS": "", **extra}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def one_clean_line(result: Result, code: int) -> str:
    """The result failed with exit `code`, printing one line and no traceback; returns that line."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # handled, not a crash
    assert "Traceback" not in result.output
    lines = [x for x in result.output.splitlines() if x.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_kb_pointing_at_the_state_database(tmp_path: Path) -> None:
    StateStore(tmp_path / "state.sqlite")
    line = one_clean_line(run(_env(tmp_path, tmp_path / "state.sqlite"), "ask", "when is the next strike?"), 2)
    assert "state.sqlite (STRIKEBOT_KB) is not a strikebot knowledge base (no such table: organisations)" in line
    assert "strikebot kb build" in line


def test_a_mistyped_kb_path_is_an_error_not_a_new_build(tmp_path: Path) -> None:
    typo = tmp_path / "typo-dir" / "sub" / "kb.sqllite"
    line = one_clean_line(run(_env(tmp_path, typo), "ask", "latest totals?"), 2)
    assert f"No knowledge base at {typo} (STRIKEBOT_KB)" in line and "strikebot kb build --out" in line
    assert not typo.parent.exists()  # nothing was built there


def test_kb_pointing_at_a_file_that_is_not_sqlite(tmp_path: Path) -> None:
    junk = tmp_path / "notes.sqlite"
    junk.write_text("not a database, just some notes\n" * 20)
    line = one_clean_line(run(_env(tmp_path, junk), "kb", "stats"), 2)
    assert "is not a strikebot knowledge base (file is not a database)" in line and "STRIKEBOT_KB" in line


def test_verbose_keeps_the_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "notes.sqlite"
    junk.write_text("not a database\n" * 50)
    result = run(_env(tmp_path, junk), "-v", "kb", "stats")
    assert result.exit_code != 0 and isinstance(result.exception.__cause__, sqlite3.DatabaseError)


def test_kb_build_out_under_a_file(tmp_path: Path, real_kb_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    line = one_clean_line(run(_env(tmp_path, real_kb_path), "kb", "build", "--out", str(tmp_path / "afile/kb.sqlite")),
                          2)
    assert line.startswith(f"Cannot write the knowledge base to {tmp_path / 'afile/kb.sqlite'}: ")
    assert f"{tmp_path / 'afile'} is a file, not a folder" in line and "left as it was" in line


def test_kb_build_out_in_an_unwritable_place(tmp_path: Path, real_kb_path: Path) -> None:
    line = one_clean_line(run(_env(tmp_path, real_kb_path), "kb", "build", "--out", "/proc/strikebot/kb.sqlite"), 2)
    assert line.startswith("Cannot write the knowledge base to /proc/strikebot/kb.sqlite: ")
    assert "Choose an --out" in line


@pytest.mark.parametrize("command", [("reminders", "list"), ("kb", "gaps")])
def test_a_read_only_state_database(tmp_path: Path, real_kb_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    command: tuple[str, str]) -> None:
    # tests run as root, which chmod cannot stop: the refusal SQLite gives a read-only file is injected instead,
    # as SQLAlchemy hands it on (the driver's error wrapped)
    def refuse(self: StateStore) -> int:
        raise sa.exc.OperationalError("PRAGMA user_version", None,
                                      sqlite3.OperationalError("attempt to write a readonly database"))

    monkeypatch.setattr(StateStore, "migrate", refuse)
    line = one_clean_line(run(_env(tmp_path, real_kb_path), *command), 2)
    assert "state.sqlite (STRIKEBOT_STATE) cannot be opened for writing (attempt to write a readonly database)" \
        in line and "writable" in line


def test_chart_writes_a_readable_png(tmp_path: Path, real_kb_path: Path) -> None:
    out = tmp_path / "t.png"
    result = run(_env(tmp_path, real_kb_path), "chart", "totals", "--out", str(out), "--now", "2026-01-15T12:00")
    assert result.exit_code == 0, result.output
    assert Image.open(io.BytesIO(out.read_bytes())).size == (1200, 600)
    assert "9 values, as of July 2024" in result.output and "NHS England" in result.output
    bad = run(_env(tmp_path, real_kb_path), "chart", "strikes", "--out", str(out / "x.png"))
    assert "Cannot write" in one_clean_line(bad, 2)


def test_ask_quote(tmp_path: Path, real_kb_path: Path) -> None:
    result = run(_env(tmp_path, real_kb_path), "ask", "--quote", "--now", "2026-01-15T12:00",
                 "How many appointments were rescheduled in the April 2023 junior doctors strike?")
    assert result.exit_code == 0, result.output
    first, source = result.output.splitlines()
    assert first == ("NHS England figures show 196,225 appointments were rescheduled in acute hospitals during the "
                     "junior doctors' strike of 11–15 April 2023.")
    assert source.startswith("Source: NHS England publishes data on the April 2023 junior doctor strike")
    none = run(_env(tmp_path, real_kb_path), "ask", "--quote", "what is the capital of France?")
    assert "Nothing to quote" in one_clean_line(none, 1)
    greeting = run(_env(tmp_path, real_kb_path), "ask", "--quote", "hello")  # nothing to quote either
    assert "Nothing to quote" in one_clean_line(greeting, 1)


def test_an_empty_question_is_bad_input(tmp_path: Path, real_kb_path: Path) -> None:
    for blank in ("", "   "):
        assert "Nothing asked" in one_clean_line(run(_env(tmp_path, real_kb_path), "ask", blank), 1)


def test_help_lists_the_same_verbs_as_slack(tmp_path: Path, real_kb_path: Path) -> None:
    out = run(_env(tmp_path, real_kb_path), "help").output
    for words in ("reminders subscribe", "reminders unsubscribe", "reminders list", "chart totals|strikes",
                  "ask --quote", "/strikebot remind on|subscribe", "/strikebot remind off|unsubscribe"):
        assert words in out, words


def test_greetings_and_thanks_get_one_line_and_no_gap(tmp_path: Path, real_kb_path: Path) -> None:
    env = _env(tmp_path, real_kb_path)
    assert run(env, "ask", "hi").output.startswith("Hello!")
    assert run(env, "ask", "thanks!").output == "You're welcome.\n"
    chat = CliRunner().invoke(main, ["chat"], env=env, input="hi\nthank you\nquit\n")
    assert chat.output.count("bot> ") == 2
    assert "No unanswered questions logged." in run(env, "kb", "gaps").output


def test_gaps_shortens_a_long_question(tmp_path: Path, real_kb_path: Path) -> None:
    from bot.clock import parse_now
    from bot.gaps import normalise_question

    state = StateStore(tmp_path / "state.sqlite")
    long = "why " + "the strike and the ballot " * 800 + "?"
    state.log_unanswered("U1", long, normalise_question(long), parse_now("2023-04-20T12:00"))
    out = run(_env(tmp_path, real_kb_path), "kb", "gaps").output
    line = out.splitlines()[0]
    assert len(line) <= 130 and line.endswith("…") and line.split("×", 1)[1].strip().startswith("why the strike")


def test_make_clean_never_touches_the_state_database(tmp_path: Path) -> None:
    import shutil
    import subprocess

    repo = Path(__file__).resolve().parent.parent
    shutil.copy(repo / "Makefile", tmp_path / "Makefile")
    (tmp_path / "data").mkdir()
    for name in ("knowledge.sqlite", "state.sqlite"):
        (tmp_path / "data" / name).write_text("x")
    env = {"PATH": "/usr/bin:/bin", "STRIKEBOT_KB": "data/state.sqlite"}  # even a mistyped STRIKEBOT_KB
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, env=env, check=True)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["state.sqlite"]
    kept = subprocess.run(["make", "-s", "clean-state"], cwd=tmp_path, env=env, input="no\n", text=True,
                          capture_output=True)
    assert "Type yes" in kept.stdout and (tmp_path / "data" / "state.sqlite").exists()
    subprocess.run(["make", "-s", "clean-state"], cwd=tmp_path, env=env, input="yes\n", text=True, check=True,
                   capture_output=True)
    assert not (tmp_path / "data" / "state.sqlite").exists()
