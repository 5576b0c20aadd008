"""Slack adapter: Bolt app factory, listeners and Block Kit builders (thin; no SQL, no matching)."""
