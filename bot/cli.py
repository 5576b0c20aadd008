"""`strikebot` command line: kb build/check/stats/gaps, ask, chat, eval, serve, run, reminders, state.

Entry point only: loads `.env`, turns domain errors into one clear message and an exit status
(1 = bad input, 2 = bad configuration), never a traceback for an expected problem.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from pathlib import Path

import click

from bot.build import BuildError, build, check
from bot.clock import DateParseError, fmt_curated, parse_now
from bot.config import DEFAULT_DATA_DIR, DEFAULT_KNOWLEDGE_DIR, ConfigError, Settings, load_settings
from bot.knowledge import KnowledgeBase, KnowledgeBaseMissing


class CliError(Exception):
    """An expected operational problem: `message` (one line naming it and what to do) and the exit `code`
    (1 = bad input or a failed action, 2 = bad configuration or usage). The main group prints it without a
    traceback (with -v it re-raises, for the traceback)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class StrikebotGroup(click.Group):
    """The main group: turns CliError and unexpected database errors into one line and an exit status."""

    def invoke(self, ctx: click.Context):  # noqa: ANN201
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # a state database error arrives as SQLAlchemy's DBAPIError; SQLAlchemy is imported only by the
            # commands that open the state database, so if it is not loaded no such error can be raised
            sa_exc = sys.modules.get("sqlalchemy.exc")
            database = isinstance(exc, sqlite3.DatabaseError) or (sa_exc is not None and
                                                                  isinstance(exc, sa_exc.DBAPIError))
            if ctx.params.get("verbose") or not (database or isinstance(exc, CliError)):
                raise
            if isinstance(exc, CliError):
                click.echo(str(exc), err=True)
                ctx.exit(exc.code)
            detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
            click.echo(f"Database problem: {detail}. Check STRIKEBOT_KB and STRIKEBOT_STATE (run with -v for the "
                       "details).", err=True)
            ctx.exit(1)


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
        # (click names the option itself: "Invalid value for --now: 'garbage' is not ISO 8601 …")
        raise click.BadParameter(str(exc).removeprefix("--now ").strip(), param_hint="--now") from exc


def open_kb(settings: Settings, *, build_if_missing: bool = True) -> KnowledgeBase:
    """Open the knowledge base; if there is none, build it from knowledge/ first (saying so on stderr).
    Raises CliError (exit 2) when the file is not a strikebot knowledge base (e.g. the state database)."""
    try:
        return _checked_kb(settings.kb_path)
    except KnowledgeBaseMissing:
        if not build_if_missing:
            click.echo(f"No knowledge base at {settings.kb_path}. Build it with: strikebot kb build", err=True)
            sys.exit(1)
    default = (DEFAULT_DATA_DIR / "knowledge.sqlite").expanduser().resolve()
    if settings.kb_path != default:  # a path set in STRIKEBOT_KB: a typo there must not build a second KB somewhere
        raise CliError(f"No knowledge base at {settings.kb_path} (STRIKEBOT_KB). Build it there with `strikebot kb "
                       f"build --out {settings.kb_path}`, or leave STRIKEBOT_KB empty to use {default}.", code=2)
    click.echo(f"No knowledge base at {settings.kb_path}; building it from {DEFAULT_KNOWLEDGE_DIR} …", err=True)
    _do_build(DEFAULT_KNOWLEDGE_DIR, settings.kb_path)
    return _checked_kb(settings.kb_path)


def _checked_kb(path: Path) -> KnowledgeBase:
    try:
        kb = KnowledgeBase.open(path)
        kb.organisations()  # a state database or any other SQLite file fails here, not mid-answer
        return kb
    except sqlite3.DatabaseError as exc:
        raise CliError(f"{path} (STRIKEBOT_KB) is not a strikebot knowledge base ({exc}). Point STRIKEBOT_KB at "
                       "the file `strikebot kb build` writes (default data/knowledge.sqlite), or run "
                       "`strikebot kb build` to make one there.", 2) from exc


def open_state(settings: Settings, *, deferred_checkpoints: bool = False):  # noqa: ANN201 - StateStore (late import)
    """Open (and migrate) the runtime-state database (STRIKEBOT_STATE: a SQLite file or a postgresql:// URL);
    `deferred_checkpoints` as for StateStore (the serving process).
    Raises CliError naming it (a URL's password masked) and what to do: exit 2 when it is read-only, not a
    state database, not creatable or a URL of another kind; exit 1 when its server cannot be reached."""
    from bot.state import StateConfigError, StateStore, StateUnavailable, is_url, redact

    target = settings.state_path
    try:
        return StateStore(target, deferred_checkpoints=deferred_checkpoints)
    except StateConfigError as exc:
        raise CliError(str(exc), 2) from exc
    except StateUnavailable as exc:
        if is_url(target):
            raise CliError(f"{exc} (STRIKEBOT_STATE). Check the server is running and the URL's host, port, "
                           "user, password and database.", 1) from exc
        if "readonly" in exc.reason or "unable to open" in exc.reason:
            raise CliError(f"The state database {target} (STRIKEBOT_STATE) cannot be opened for writing "
                           f"({exc.reason}). Make the file and its folder writable by the user running strikebot, "
                           "or point STRIKEBOT_STATE at a writable copy.", 2) from exc
        raise CliError(f"{redact(target)} (STRIKEBOT_STATE) is not a strikebot state database ({exc.reason}). "
                       "Point STRIKEBOT_STATE at the state file (default data/state.sqlite); never at the knowledge "
                       "base.", 2) from exc
    except OSError as exc:
        raise CliError(f"Cannot create the state database {target} (STRIKEBOT_STATE): {exc.strerror or exc}. "
                       "Choose a folder you can write to.", 2) from exc


def _do_build(source: Path, out: Path) -> dict[str, int]:
    try:
        return build(source, out)
    except OSError as exc:
        blocker = next((p for p in Path(out).absolute().parents if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else f"{exc.strerror or exc} in {Path(out).parent}"
        raise CliError(f"Cannot write the knowledge base to {out}: {why}. Choose an --out (or STRIKEBOT_KB) in a "
                       "folder you can write to; the existing knowledge base was left as it was.", 2) from exc
    except BuildError as exc:
        click.echo("\n".join(exc.problems), err=True)
        click.echo(f"Build failed: {len(exc.problems)} problem(s); the existing knowledge base was left as it was.",
                   err=True)
        sys.exit(1)


@click.group(cls=StrikebotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to stderr (and show tracebacks).")
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
    """Counts per table, newest as-of date, curated-through date and sources by publisher."""
    k = open_kb(_settings())
    counts = k.counts()
    if as_json:
        click.echo(json.dumps({"tables": counts, "newest_as_of": k.newest_as_of_text(),
                               "curated_through": k.curated_through_text(),
                               "sources_by_publisher": k.sources_by_publisher()}))
        return
    for t, n in counts.items():
        click.echo(f"{t:14} {n:6}")
    click.echo(f"newest as-of  {k.newest_as_of_text()}")
    click.echo(f"curated to    {k.curated_through_text()}")
    click.echo("sources by publisher:")
    for pub, n in k.sources_by_publisher().items():
        click.echo(f"  {n:4}  {pub}")


@main.command()
@click.argument("question", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (status, text, confidence, …).")
@click.option("--quote", is_flag=True, help="Print one sentence with attribution, ready to quote in a story.")
@now_option
def ask(question: tuple[str, ...], as_json: bool, quote: bool, now_text: str | None) -> None:
    """Answer one QUESTION and print the reply (exit 1 with --quote when there is nothing to quote)."""
    from bot.answering import answer

    now = resolve_now(now_text)
    text = " ".join(question)
    if not text.strip():
        raise CliError('Nothing asked: give a question, e.g. strikebot ask "when is the next strike?"', 1)
    # (a greeting is answered as one, except with --json or --quote: then it is a question with nothing to show)
    quick = None if as_json or quote else small_talk_text(text)
    if quick:
        click.echo(quick)
        return
    kb_ = open_kb(_settings())
    reply = answer(text, kb_, now=now)
    if quote:
        from bot.quoting import quote_for

        q = quote_for(reply, kb_, now)
        if q is None:
            raise CliError("Nothing to quote: that answer has no single figure, date or result"
                           + (" (I could not answer it)" if reply.status == "no_answer" else "")
                           + ". Ask about one strike, ballot or figure.", 1)
        if as_json:
            click.echo(json.dumps({"quote": q.text, "source": {"url": q.source.url, "title": q.source.title,
                                   "publisher": q.source.publisher, "published": q.source.published}},
                                  ensure_ascii=False))
        else:
            click.echo(f"{q.text}\nSource: {q.source.title} ({q.source.publisher}, "
                       f"{fmt_curated(q.source.published)}) {q.source.url}")
        return
    if as_json:
        click.echo(json.dumps(reply.to_json(), ensure_ascii=False))
    else:
        click.echo(render_console(reply))


def small_talk_text(text: str) -> str | None:
    """The console's reply to a greeting, thanks or 'help' (bot.smalltalk), else None."""
    from bot import help as help_mod
    from bot.smalltalk import REPLIES, small_talk

    kind = small_talk(text)
    if kind == "help":
        return help_mod.cli_text()
    return REPLIES[kind] if kind else None


@main.command("help")
def help_cmd() -> None:
    """What strikebot can do, on the command line and in Slack (the same list as `/strikebot help`)."""
    from bot import help as help_mod

    click.echo(help_mod.cli_text())


@main.command()
@click.argument("kind", type=click.Choice(["totals", "strikes"]))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PNG file to write.")
@now_option
def chart(kind: str, out: Path, now_text: str | None) -> None:
    """Draw a PNG chart: `totals` (the curated running totals over time, each strike marked) or `strikes`
    (appointments rescheduled per strike), as the bot could have at --now."""
    from bot import charts

    now = resolve_now(now_text)
    data = charts.chart_data(kind, open_kb(_settings()), now)
    image = charts.png(charts.draw(data))
    try:
        out.write_bytes(image)
    except OSError as exc:
        raise CliError(f"Cannot write {out}: {exc.strerror or exc}. Choose an --out you can write to.", 2) from exc
    srcs = "; ".join(f"{s.publisher} ({fmt_curated(s.published)})" for s in data.sources)
    click.echo(f"Wrote {out} ({charts.WIDTH_PX}×{charts.HEIGHT_PX}): {data.title}, {len(data.points)} values"
               + (f", as of {fmt_curated(data.as_of)}" if data.as_of else "") + (f". Sources: {srcs}" if srcs else ""))


def render_console(reply) -> str:  # noqa: ANN001
    """The console rendering of an Answer: headline first, then the detail, then the sources (as the Slack
    reply lays them out); suggestions for a no_answer."""
    out = reply.text
    headline = getattr(reply, "headline", "")
    if reply.status == "answered" and headline and reply.body and reply.text.startswith(reply.body):
        sources = reply.text[len(reply.body):].strip("\n")
        detail = reply.detail if reply.detail and reply.detail.strip() != headline else ""
        out = "\n".join(x for x in (headline, detail, sources) if x)
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
        quick = small_talk_text(line)
        if quick:
            click.echo("bot> " + quick.replace("\n", "\n     ") + "\n")
            continue
        now = resolve_now(now_text)
        click.echo("bot> " + render_console(answer(line, k, now=now)).replace("\n", "\n     ") + "\n")


@main.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with scores and failures.")
@click.option("--raise-floor", "floor_name", metavar="NAME",
              help="Record these scores as set NAME's floor in tests/eval_floors.json where they beat it "
                   "(the floors `make test` holds the engine to; they only ever rise).")
@now_option
def eval_cmd(file: Path, as_json: bool, floor_name: str | None, now_text: str | None) -> None:
    """Run an evaluation set (JSONL) and print the three scores and each failure. Exit status 1 when any answer
    is wrong (so a script or CI can stop on it), 2 when the file is not an evaluation set."""
    from bot.evaluation import EvalFileError, raised_floor, run_eval

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
    if floor_name:
        floors_path = Path(__file__).resolve().parent.parent / "tests" / "eval_floors.json"
        floors = json.loads(floors_path.read_text()) if floors_path.exists() else {}
        entry = floors.get(floor_name, {})
        entry = {"file": entry.get("file", str(file)), "floor": raised_floor(scores, entry.get("floor"))}
        floors[floor_name] = entry
        floors_path.write_text(json.dumps(floors, indent=2) + "\n")
        click.echo(f"floor for {floor_name}: {entry['floor']}")
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
