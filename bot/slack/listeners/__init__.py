"""Bolt listeners, one module per Slack feature; each exposes `register(app, deps)`."""
