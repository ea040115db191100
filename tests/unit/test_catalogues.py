"""Every message is translated in fr, nl, de and en, with the same placeholders; every
message the code names exists, and no catalogue keeps one that nothing uses."""

import ast
import functools
import re
import string
from pathlib import Path

import pytest

from bot.runtime.i18n import read_catalogue
from locales import LANGUAGES, LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
AREAS = (
    "command|start|privacy|language|menu|help|my_ideas|status|form|staff|error|vote|results"
    "|broadcast|reminders|team|moderation|ideas|followup|analysis|committee|audit|stats"
    "|integrity"
    "|projects|progress"
    "|stand|guide"
)
KEY = re.compile(rf"^({AREAS})\.[a-z_.{{}}*]+$")


def catalogue(lang: str) -> dict[str, str]:
    """Message id -> text; a message with plural forms gives them all, one a line."""
    merged = read_catalogue(LOCALES_DIR / lang / "LC_MESSAGES")
    return {
        str(message.id[0] if message.pluralizable else message.id): "\n".join(
            str(form) for form in message.string or ()
        )
        if message.pluralizable
        else str(message.string)
        for message in merged
        if message.id
    }


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@functools.cache
def keys_named_in_code() -> frozenset[str]:
    """Message ids written in the code; an f-string id becomes a pattern with `*` for its
    variable parts. Read once: two tests ask."""
    named: set[str] = set()
    for folder in ("bot", "conversations"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            parts_of_fstrings = {
                id(part)
                for node in ast.walk(tree)
                if isinstance(node, ast.JoinedStr)
                for part in node.values
            }
            for node in ast.walk(tree):
                if id(node) in parts_of_fstrings:
                    continue
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    candidate = node.value
                elif isinstance(node, ast.JoinedStr):
                    candidate = "".join(
                        str(part.value) if isinstance(part, ast.Constant) else "*"
                        for part in node.values
                    )
                else:
                    continue
                if KEY.match(candidate):
                    named.add(candidate)
    return frozenset(named)


def matches(pattern: str, keys: set[str]) -> set[str]:
    if "*" not in pattern:
        return {pattern} & keys
    regex = re.compile(re.escape(pattern).replace(r"\*", r"[a-z_]+") + "$")
    return {key for key in keys if regex.match(key)}


REFERENCE = catalogue("en")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    messages = catalogue(lang)
    assert set(messages) == set(REFERENCE), "the same message ids as the English catalogue"
    for key, text in messages.items():
        assert text.strip(), f"{lang}: {key} is not translated"
        assert placeholders(text) == placeholders(REFERENCE[key]), f"{lang}: {key}"


def test_every_message_the_code_names_exists() -> None:
    missing = [pattern for pattern in keys_named_in_code() if not matches(pattern, set(REFERENCE))]
    assert not missing


def test_every_message_in_the_catalogues_is_used() -> None:
    named = keys_named_in_code()
    used = set().union(*(matches(pattern, set(REFERENCE)) for pattern in named))
    # Keys built from an enumeration (statuses, reasons, steps) are matched by their pattern.
    assert set(REFERENCE) - used == set()


def test_a_message_given_in_two_files_of_a_language_is_refused(tmp_path: Path) -> None:
    for name in ("messages", "staff"):
        (tmp_path / f"{name}.po").write_text(
            f'msgid "menu.open"\nmsgstr "Menu ({name})"\n', encoding="utf-8"
        )
    with pytest.raises(ValueError, match=r"'menu\.open' is already in another file"):
        read_catalogue(tmp_path)


# Each language quotes its own way: « » in French, „ “ in German, “ ” in Dutch and English.
FOREIGN_QUOTES = {"fr": "„“”", "nl": "«»„", "de": "«»”", "en": "«»„"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_quotes_its_own_way(lang: str) -> None:
    foreign = {
        key: text
        for key, text in catalogue(lang).items()
        if any(mark in text for mark in FOREIGN_QUOTES[lang])
    }
    assert foreign == {}
