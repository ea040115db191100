"""Channels: where a citizen came from (a poster, a flyer, an ad, the mayor's letter), as the
source their first `/start` carried, so that staff can see which channel brought whom."""

import re

# Telegram allows [A-Za-z0-9_-], up to 64 characters, in a start payload; the bot keeps 32.
SOURCE_LENGTH = 32
_NOT_IN_SOURCE = re.compile(r"[^A-Za-z0-9_-]")
# The payloads that link to an idea rather than name a channel: `/start i_<share code>`, and
# `/start idea_12` in links shared before ideas had codes.
SHARED_IDEA_PREFIX = "i_"
IDEA_PREFIX = "idea_"


def clean_source(payload: str | None) -> str:
    """A deep-link payload as a source name: anyone can type /start with anything after it."""
    return _NOT_IN_SOURCE.sub("", payload or "")[:SOURCE_LENGTH]
