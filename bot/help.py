"""What the bot can do, in one list: `@strikebot help`, `/strikebot help`, App Home and `strikebot help` all
render these entries, so the verbs (e.g. `remind on`/`subscribe`) never differ between surfaces.

Pure data and plain-text rendering (no Slack imports); bot.slack.blocks lays the entries out as Block Kit.
"""

from __future__ import annotations

from dataclasses import dataclass

INTRO = "strikebot answers questions about NHS strikes, ballots, pay offers and their impact, from curated, " \
        "sourced facts."

# `remind` accepts either word of each pair: Slack users say on/off, cron jobs (the CLI) subscribe/unsubscribe
REMIND_VERBS = {"on": "on", "subscribe": "on", "off": "off", "unsubscribe": "off", "list": "list"}


@dataclass(frozen=True)
class Entry:
    """One thing the bot does: its Slack usage (None = not in Slack), its command-line usage (None = Slack only)
    and what it does, in a few words."""

    slack: str | None
    cli: str | None
    does: str


ENTRIES: tuple[Entry, ...] = (
    Entry("@strikebot <question>  (or a direct message)", 'strikebot ask "<question>"',
          "a sourced answer (in Slack, in a thread)"),
    Entry("/strikebot ask <question>", 'strikebot ask --json "<question>"',
          "an answer only you see, until you share it"),
    Entry(None, 'strikebot ask --quote "<question>"', "one sentence with attribution, ready to quote"),
    Entry("/strike-totals [union or staff group]  (or /strikebot totals)", None,
          "the running total of rescheduled appointments and the newest per-strike figures"),
    Entry("/strike-totals chart", "strikebot chart totals|strikes --out FILE.png",
          "charts of the running totals and the per-strike figures"),
    Entry("/strikebot ballots", None, "open ballots and their deadlines"),
    Entry("/strikebot strikes", None, "upcoming and recent strikes"),
    Entry("/strikebot remind on|subscribe [#channel] [union or staff group …]",
          "strikebot reminders subscribe CHANNEL_ID [--union NAME]",
          "ballot-deadline reminders for a channel (admins)"),
    Entry("/strikebot remind off|unsubscribe [#channel]", "strikebot reminders unsubscribe CHANNEL_ID",
          "stop a channel's reminders (admins)"),
    Entry("/strikebot remind list", "strikebot reminders list", "every reminder subscription"),
    Entry("/strikebot help  (or @strikebot help)", "strikebot help", "this list"),
)

BUTTONS = ("Buttons under a reply: More (the detail), Show workings, Chart, Copy for a story (a sentence to quote, "
           "only you see it), Share in channel, 👍/👎 (tell the curators).")


def slack_lines() -> list[tuple[str, str]]:
    """(usage, what it does) for every Slack entry, in order."""
    return [(e.slack, e.does) for e in ENTRIES if e.slack]


def cli_text() -> str:
    """The command-line help: intro, then one 'usage — what it does' line per command."""
    lines = [INTRO, ""] + [f"  {e.cli}\n      {e.does}" for e in ENTRIES if e.cli]
    lines += ["", "Every command has --help; time-dependent ones take --now ISO8601 (no offset = London time).",
              "In Slack: " + ", ".join(e.slack.split("  ")[0] for e in ENTRIES if e.slack) + "."]
    return "\n".join(lines)
