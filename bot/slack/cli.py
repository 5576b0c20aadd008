"""Slack-side CLI commands (`serve`, `kb gaps`, `state purge`), registered onto the main click group."""

from __future__ import annotations

import click


def register(main: click.Group, kb_group: click.Group) -> None:
    """Add the Slack commands to `main` and `kb_group`."""
