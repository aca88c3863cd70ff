"""The translation catalogs: every message in the code is translated into Norwegian Bokmål,
Danish and German, nothing is fuzzy, and every placeholder survives translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "eventplanner" / "translations"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "_ln": (1, 2), "lazy_ngettext": (1, 2)}


def messages_in_the_code() -> set[str]:
    with open(ROOT / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return messages_in_the_code()


@pytest.mark.parametrize("language", ["nb", "da", "de"])
def test_every_message_is_translated_and_none_is_fuzzy(extracted, language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    missing, untranslated, fuzzy = [], [], []
    for message_id in sorted(extracted):
        entry = catalog.get(message_id)
        if entry is None:
            missing.append(message_id)
        elif entry.fuzzy:
            fuzzy.append(message_id)
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            untranslated.append(message_id)
    assert not missing, f"{language}: run `make messages`, then translate: {missing[:10]}"
    assert not untranslated, f"{language}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy (check, then remove the flag): {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["nb", "da", "de"])
def test_translations_keep_every_placeholder(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file, locale=language)
    problems = [(message.id, [str(error) for error in errors])
                for message, errors in catalog.check() if errors]
    assert not problems, problems[:10]
