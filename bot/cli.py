"""`strikebot` command line: kb build/check/stats/gaps, ask, chat, eval, serve, run, reminders, state.

Entry point only: loads `.env`, turns domain errors into one clear message and an exit status
(1 = bad input, 2 = bad configuration), never a traceback for an expected problem.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from bot.build import BuildError, build, check
from bot.clock import DateParseError, parse_now
from bot.config import DEFAULT_KNOWLEDGE_DIR, ConfigError, Settings, load_settings
from bot.knowledge import KnowledgeBase, KnowledgeBaseMissing


def _settings() -> Settings:
    try:
        return load_settings(os.environ)
    except ConfigError as exc:
        click.echo("Configuration problems:\n" + "\n".join(f"  - {p}" for p in exc.problems), err=True)
        sys.exit(2)


def now_option(f):  # noqa: ANN001, ANN201 - click decorator
    """`--now ISO8601` (no offset = Europe/London)."""
    return click.option("--now", "now_text", metavar="ISO8601",
                        help="Answer as at this moment (no offset = Europe/London time). Default: now.")(f)


def resolve_now(now_text: str | None):  # noqa: ANN201
    """Parse --now or exit 2 with a clear message."""
    try:
        return parse_now(now_text)
    except DateParseError as exc:
        raise click.BadParameter(str(exc), param_hint="--now") from exc


def open_kb(settings: Settings, *, build_if_missing: bool = True) -> KnowledgeBase:
    """Open the knowledge base; if there is none, build it from knowledge/ first (saying so on stderr)."""
    try:
        return KnowledgeBase.open(settings.kb_path)
    except KnowledgeBaseMissing:
        if not build_if_missing:
            click.echo(f"No knowledge base at {settings.kb_path}. Build it with: strikebot kb build", err=True)
            sys.exit(1)
    click.echo(f"No knowledge base at {settings.kb_path}; building it from {DEFAULT_KNOWLEDGE_DIR} …", err=True)
    _do_build(DEFAULT_KNOWLEDGE_DIR, settings.kb_path)
    return KnowledgeBase.open(settings.kb_path)


def open_state(settings: Settings):  # noqa: ANN201 - StateStore (bot.state imports SQLAlchemy: kept local)
    """Open (and migrate) the state database named by STRIKEBOT_STATE, or exit 1 with one line saying why not."""
    from bot.state import StateConfigError, StateStore, StateUnavailable

    try:
        return StateStore(settings.state_path)
    except (StateConfigError, StateUnavailable) as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)


def _do_build(source: Path, out: Path) -> dict[str, int]:
    try:
        return build(source, out)
    except BuildError as exc:
        click.echo("\n".join(exc.problems), err=True)
        click.echo(f"Build failed: {len(exc.problems)} problem(s); the existing knowledge base was left as it was.",
                   err=True)
        sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to stderr.")
def main(verbose: bool) -> None:
    """strikebot: sourced answers about NHS industrial action, in Slack and on the command line."""
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.group()
def kb() -> None:
    """Build, check and inspect the curated knowledge base."""


@kb.command("build")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_KNOWLEDGE_DIR,
              show_default=True, help="Folder of curated CSV files.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Knowledge base file to replace (default: $STRIKEBOT_KB or data/knowledge.sqlite).")
def kb_build(source: Path, out: Path | None) -> None:
    """Validate knowledge/ and atomically replace the knowledge base."""
    target = out or _settings().kb_path
    counts = _do_build(source, target)
    click.echo(f"Built {target}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@kb.command("check")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_KNOWLEDGE_DIR,
              show_default=True, help="Folder of curated CSV files.")
def kb_check(source: Path) -> None:
    """Validate the curated files without building (exit 1 listing every problem)."""
    try:
        tables = check(source)
    except BuildError as exc:
        click.echo("\n".join(exc.problems), err=True)
        click.echo(f"{len(exc.problems)} problem(s).", err=True)
        sys.exit(1)
    click.echo("OK: " + ", ".join(f"{len(rows)} {t}" for t, rows in tables.items()))


@kb.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def kb_stats(as_json: bool) -> None:
    """Counts per table, newest as-of date and sources by publisher."""
    k = open_kb(_settings())
    counts = k.counts()
    if as_json:
        click.echo(json.dumps({"tables": counts, "newest_as_of": k.newest_as_of_text(),
                               "sources_by_publisher": k.sources_by_publisher()}))
        return
    for t, n in counts.items():
        click.echo(f"{t:14} {n:6}")
    click.echo(f"newest as-of  {k.newest_as_of_text()}")
    click.echo("sources by publisher:")
    for pub, n in k.sources_by_publisher().items():
        click.echo(f"  {n:4}  {pub}")


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (status, text, confidence, …).")
@now_option
def ask(question: tuple[str, ...], as_json: bool, now_text: str | None) -> None:
    """Answer one QUESTION and print the reply."""
    from bot.answering import answer

    now = resolve_now(now_text)
    reply = answer(" ".join(question), open_kb(_settings()), now=now)
    if as_json:
        click.echo(json.dumps(reply.to_json(), ensure_ascii=False))
    else:
        click.echo(render_console(reply))


def render_console(reply) -> str:  # noqa: ANN001
    """The console rendering of an Answer: the text, then suggestions for a no_answer."""
    out = reply.text
    if reply.suggestions:
        out += "\nDid you mean:\n" + "\n".join(f"  - {s}" for s in reply.suggestions)
    return out


@main.command()
@now_option
def chat(now_text: str | None) -> None:
    """Interactive console: the same replies the Slack bot gives, as text. Ctrl-D or 'quit' to leave."""
    from bot.answering import answer

    settings = _settings()
    k = open_kb(settings)
    click.echo("strikebot console — ask about NHS strikes, ballots, pay offers and their impact. "
               "Type 'quit' to leave.")
    while True:
        try:
            line = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo("")
            return
        if line.strip().lower() in ("quit", "exit", "bye"):
            return
        if not line.strip():
            continue
        now = resolve_now(now_text)
        click.echo("bot> " + render_console(answer(line, k, now=now)).replace("\n", "\n     ") + "\n")


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with scores and failures.")
@now_option
def eval_cmd(file: Path, as_json: bool, now_text: str | None) -> None:
    """Run an evaluation set (JSONL) and print the three scores and each failure. Exit status 1 when any answer
    is wrong (so a script or CI can stop on it), 2 when the file is not an evaluation set."""
    from bot.evaluation import EvalFileError, run_eval

    try:
        scores = run_eval(file, open_kb(_settings()), now=resolve_now(now_text) if now_text else None)
    except EvalFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(scores.to_json(), ensure_ascii=False))
        sys.exit(1 if scores.wrong else 0)
    for o in scores.outcomes:
        if o.verdict in ("wrong", "missed"):
            click.echo(f"FAIL {o.id} [{o.verdict}] {o.question}\n     {o.why}\n     -> {o.answer.status}: "
                       + o.answer.text.replace("\n", " | ")[:400])
    click.echo(f"answered correctly: {scores.answered_ok}/{scores.answerable} ({scores.answered_rate:.1%})")
    click.echo(f"declined correctly: {scores.declined_ok}/{scores.unanswerable} ({scores.declined_rate:.1%})")
    click.echo(f"wrong answers: {scores.wrong}")
    sys.exit(1 if scores.wrong else 0)


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """What `make run` starts: build the knowledge base if needed, then the Slack bot when SLACK_BOT_TOKEN is
    configured, otherwise the local console."""
    settings = _settings()
    open_kb(settings)
    if settings.slack_configured and "serve" in main.commands:
        ctx.invoke(main.commands["serve"])
    else:
        click.echo("No Slack tokens in .env: starting the local console (see README to connect Slack).", err=True)
        ctx.invoke(chat)


def _register_features() -> None:
    from bot.cli_reminders import register as register_reminders
    from bot.slack.cli import register as register_slack

    register_slack(main, kb)
    register_reminders(main)


_register_features()

if __name__ == "__main__":  # pragma: no cover
    main()
