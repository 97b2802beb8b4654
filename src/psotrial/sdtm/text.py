"""Character values for SDTM: protocol text made ASCII, choice codes made labels.

Protocol text (criteria, titles, visit names) is ours and is transliterated to ASCII so the
XPT writer accepts it. Free text captured on forms (AE verbatim terms, medication names,
reasons) is kept exactly as captured, never rewritten: SDTM shows what the site entered,
and the XPT writer refuses a non-ASCII value rather than altering it.
"""

from __future__ import annotations

import unicodedata

from psotrial.protocol import Protocol

__all__ = ["choice_labels", "shorten", "to_ascii"]

_REPLACEMENTS = {
    "\u00d7": "x",  # multiplication sign
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00b1": "+/-",
    "\u00a9": "(c)",
    "\u2070": "0",
    "\u2076": "6",
    "\u2079": "9",
    "\u00b2": "2",
    "\u207a": "+",
}


def to_ascii(value: str) -> str:
    """Transliterate protocol text to ASCII: known symbols spelled out, accents dropped.

    Example:
        >>> to_ascii("(B \u2212 P)/B \u00d7 100%, Ca\u00b2\u207a \u2264 2.9")
        '(B - P)/B x 100%, Ca2+ <= 2.9'
    """
    spelled = "".join(_REPLACEMENTS.get(ch, ch) for ch in value.replace("\u2212", "-"))
    decomposed = unicodedata.normalize("NFKD", spelled)
    return decomposed.encode("ascii", "ignore").decode("ascii")


def shorten(value: str, limit: int = 200) -> str:
    """Cut ``value`` at a word boundary to at most ``limit`` characters, marking the cut.

    Example:
        >>> shorten("one two three", 9)
        'one...'
    """
    if len(value) <= limit:
        return value
    cut = value[: limit - 3].rsplit(" ", 1)[0].rstrip(" ,;")
    return f"{cut}..."


def choice_labels(protocol: Protocol, form: str, item: str) -> dict[str, str]:
    """A choice item's labels keyed by the stored code rendered as text (``"2"``, ``"no"``)."""
    spec = protocol.form(form).item(item)
    if spec is None:
        return {}
    return {str(choice.code): choice.label for choice in spec.choices}
