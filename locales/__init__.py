"""The gettext catalogues, one folder per language; compiled by Babel when the bot starts."""

from pathlib import Path

LOCALES_DIR = Path(__file__).parent
LANGUAGES = ("fr", "nl", "de", "en")
