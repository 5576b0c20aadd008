"""Greetings, thanks and requests for help: recognised before the answering engine, in the adapters' layer.

Pure (no Slack, no SQL). Such messages get a one-line reply and are never logged as knowledge gaps: "hi" is not
a question the curators failed to cover. Only whole messages made of these words count, so "thanks, and when
is the next strike?" still goes to the engine.
"""

from __future__ import annotations

import re
from typing import Literal

GREETINGS = {"hi", "hello", "hey", "hiya", "morning", "good morning", "good afternoon", "good evening", "yo",
             "howdy", "hi there", "hello there", "hey there"}
THANKS = {"thanks", "thank you", "thx", "ta", "cheers", "thanks a lot", "many thanks", "thank you very much",
          "thanks very much", "great thanks", "perfect thanks", "brilliant thanks", "ok thanks", "thanks so much"}
HELP = {"help", "what can you do", "what do you do", "how do i use you", "commands", "usage"}
Kind = Literal["greeting", "thanks", "help"]

REPLIES = {
    "greeting": "Hello! Ask me about NHS strikes, ballots, pay offers or their impact, e.g. “latest totals?” "
                "— or say “help”.",
    "thanks": "You're welcome.",
}


def small_talk(text: str) -> Kind | None:
    """'greeting', 'thanks' or 'help' when the whole message is one (case, punctuation, emoji and the bot's name
    ignored), else None: small_talk('Thanks!') == 'thanks', small_talk('hi when is the vote?') is None."""
    words = re.sub(r"[^\w\s']", " ", (text or "").lower()).replace("strikebot", " ").split()
    phrase = " ".join(w.strip("'") for w in words)
    if not phrase:
        return None
    for kind, table in (("greeting", GREETINGS), ("thanks", THANKS), ("help", HELP)):
        if phrase in table or (kind != "help" and phrase.rstrip("s") in table):
            return kind  # type: ignore[return-value]
    return None
