"""strikebot: answers NHS industrial-action questions from a curated, sourced knowledge base."""

__version__ = "0.1.0"
