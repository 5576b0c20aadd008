"""`strikebot reminders …` commands (subscribe, unsubscribe, list, plan, send-due), registered onto main."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    """Add the `reminders` group to `main`."""
