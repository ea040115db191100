"""Catalogues and the citizen's language."""

import gettext
from io import BytesIO
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from locales import LANGUAGES, LOCALES_DIR


class CatalogueI18n(I18n):
    """aiogram's I18n, reading the .po catalogues through Babel so that no compiled file has
    to be kept in step with them. A language's messages may be split over several .po files
    (one per part of the bot); they are read as one catalogue."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.glob("*/LC_MESSAGES")):
            catalogue = read_catalogue(folder)
            compiled = BytesIO()
            write_mo(compiled, catalogue)
            compiled.seek(0)
            translations[folder.parent.name] = gettext.GNUTranslations(compiled)
        return translations


def read_catalogue(folder: Path) -> Catalog:
    """Every .po file of one language's folder, as one catalogue; an id given twice is a
    mistake that would make one of the texts disappear, so it is refused."""
    merged: Catalog | None = None
    for po_path in sorted(folder.glob("*.po")):
        with po_path.open("rb") as po_file:
            part = read_po(po_file)
        if merged is None:
            merged = part
            continue
        for message in part:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"{po_path}: {message.id!r} is already in another file")
            merged[message.id] = message
    if merged is None:
        raise FileNotFoundError(f"no catalogue in {folder}")
    return merged


def create_i18n() -> CatalogueI18n:
    return CatalogueI18n(path=LOCALES_DIR, default_locale=LANGUAGES[0], domain="messages")


def pick_language(language_code: str | None, languages: tuple[str, ...]) -> str:
    """Telegram's language code ("nl", "fr-BE", "pt-br"...) if the edition speaks it, else
    the edition's first language."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in languages:
            return base
    return languages[0]
