"""Questionnaire wording beside the protocol: item captions per language, copyright notices.

The protocol says *what* is collected (items, types, codes); the wording file says how a
form shows it to site staff, in English and Simplified Chinese. The validated DLQI and Zung
wording is licensed, so the built-in file holds short neutral captions of our own; sites
use their licensed validated questionnaire on paper or tablet and transcribe the answers.

Shape (``src/psotrial/protocols/wording/<protocol>.yaml``)::

    notice: {en: "...", zh: "..."}
    forms:
      dlqi:
        title: {en: "...", zh: "..."}
        instructions: {en: "...", zh: "..."}
        copyright: "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992"
        choices: {"3": {en: Very much, zh: 非常多}}     # by choice code, for every item
        items:
          q1: {en: "Itch, soreness, pain or stinging", zh: "..."}

Every text needs ``en``; a language without a text falls back to English. Parsing is pure
(a dict in, a :class:`Wording` out); the web layer reads the file.

Example:
    >>> wording = parse_wording({"forms": {"itch": {"items": {"vas_mm": {"en": "Itch"}}}}})
    >>> wording.item_text("itch", "vas_mm", "zh")
    'Itch'
    >>> wording.item_text("itch", "other", "en") is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from psotrial.errors import ProtocolError
from psotrial.protocol.model import Protocol

__all__ = ["WORDING_LANGUAGES", "FormWording", "Wording", "parse_wording"]

WORDING_LANGUAGES = ("en", "zh")

Text = dict[str, str]


def _check_text(text: Text) -> Text:
    unknown = sorted(set(text) - set(WORDING_LANGUAGES))
    if unknown:
        raise ValueError(
            f"unknown language {unknown[0]!r}; expected: {', '.join(WORDING_LANGUAGES)}"
        )
    if not text.get("en", "").strip():
        raise ValueError("an English text ('en') is required")
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FormWording(_Strict):
    """How one form is worded: title, instructions, copyright, item and choice captions."""

    title: Text | None = None
    instructions: Text | None = None
    copyright: str | None = None
    choices: dict[str, Text] = {}
    items: dict[str, Text] = {}

    @field_validator("title", "instructions")
    @classmethod
    def _text(cls, value: Text | None) -> Text | None:
        return None if value is None else _check_text(value)

    @field_validator("choices", "items")
    @classmethod
    def _texts(cls, value: dict[str, Text]) -> dict[str, Text]:
        for text in value.values():
            _check_text(text)
        return value


class Wording(_Strict):
    """The wording of a protocol's forms."""

    notice: Text | None = None
    forms: dict[str, FormWording] = {}

    @field_validator("notice")
    @classmethod
    def _text(cls, value: Text | None) -> Text | None:
        return None if value is None else _check_text(value)

    def form(self, code: str) -> FormWording:
        """The wording of form ``code`` (empty when the file says nothing about it)."""
        return self.forms.get(code, FormWording())

    def item_text(self, form: str, item: str, language: str) -> str | None:
        """The caption of ``item`` in ``language`` (English when not translated), or None."""
        return _pick(self.form(form).items.get(item), language)

    def choice_text(self, form: str, code: object, language: str) -> str | None:
        """The caption of a choice code in ``language``, or None."""
        return _pick(self.form(form).choices.get(str(code)), language)

    def title(self, form: str, language: str) -> str | None:
        """The form's title in ``language``, or None."""
        return _pick(self.form(form).title, language)

    def instructions(self, form: str, language: str) -> str | None:
        """The form's instructions in ``language``, or None."""
        return _pick(self.form(form).instructions, language)

    def notice_text(self, language: str) -> str | None:
        """The file's notice (about licensed questionnaires) in ``language``, or None."""
        return _pick(self.notice, language)


def _pick(text: Text | None, language: str) -> str | None:
    if text is None:
        return None
    return text.get(language) or text["en"]


def parse_wording(
    data: object, *, source: str = "wording", protocol: Protocol | None = None
) -> Wording:
    """Validate a wording document; with ``protocol``, every form, item and choice named
    must exist in it.

    Raises:
        ProtocolError: every problem, each with its path.
    """
    if not isinstance(data, Mapping):
        raise ProtocolError(source, [("", "expected a mapping with keys notice, forms")])
    try:
        wording = Wording.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(part) for part in error["loc"]), error["msg"]) for error in exc.errors()
        ]
        raise ProtocolError(source, problems) from None
    if protocol is not None:
        problems = list(_unknown_names(wording, protocol))
        if problems:
            raise ProtocolError(source, problems)
    return wording


def _unknown_names(wording: Wording, protocol: Protocol) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    forms = protocol.forms_by_code
    for code, form_wording in wording.forms.items():
        spec = forms.get(code)
        if spec is None:
            problems.append((f"forms.{code}", f"unknown form; forms are: {', '.join(forms)}"))
            continue
        names = [item.name for item in spec.items]
        for name in form_wording.items:
            if name not in names:
                problems.append(
                    (f"forms.{code}.items.{name}", f"unknown item; items are: {', '.join(names)}")
                )
        codes = {str(choice.code) for item in spec.items for choice in item.choices}
        for choice in form_wording.choices:
            if choice not in codes:
                problems.append(
                    (
                        f"forms.{code}.choices.{choice}",
                        f"unknown choice code; codes are: {', '.join(sorted(codes))}",
                    )
                )
    return problems
