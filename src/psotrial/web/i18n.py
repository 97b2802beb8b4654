"""Languages: English and Simplified Chinese, from gettext catalogs (Babel).

The ``.po`` files under ``locale/`` are the source; they are compiled in memory when the
application starts, so no binary ``.mo`` file is committed. English is the source language.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = ["LANGUAGES", "N_", "ROLE_NAMES", "Catalogs", "load_catalogs"]

# Code -> the language's own name, shown in the language menu.
LANGUAGES = {"en": "English", "zh": "简体中文"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a message for extraction; it is translated later, where it is shown."""
    return message


# Role names as shown in pages (``{{ _(role) }}``).
ROLE_NAMES = (
    N_("admin"),
    N_("coordinator"),
    N_("investigator"),
    N_("monitor"),
    N_("data_manager"),
    N_("statistician"),
)


@dataclass(frozen=True)
class Catalogs:
    """One translations object per language."""

    by_language: dict[str, gettext.NullTranslations]

    def get(self, language: str) -> gettext.NullTranslations:
        """The language's translations (English when the language is unknown)."""
        return self.by_language.get(language, self.by_language["en"])

    def gettext_for(self, language: str, message: str) -> str:
        """``message`` in ``language`` (extracted by ``make i18n``: keyword gettext_for:2)."""
        return self.get(language).gettext(message)


def load_catalogs() -> Catalogs:
    """Compile every ``locale/<lang>/LC_MESSAGES/messages.po`` found."""
    by_language: dict[str, gettext.NullTranslations] = {"en": gettext.NullTranslations()}
    root = resources.files("psotrial.web") / "locale"
    for language in LANGUAGES:
        po = root / language / "LC_MESSAGES" / "messages.po"
        if language == "en" or not po.is_file():
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        by_language[language] = gettext.GNUTranslations(buffer)
    return Catalogs(by_language)
