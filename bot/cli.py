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


def _register_features() -> None:
    from bot.cli_reminders import register as register_reminders
    from bot.slack.cli import register as register_slack

    register_slack(main, kb)
    register_reminders(main)


_register_features()

if __name__ == "__main__":  # pragma: no cover
    main()
