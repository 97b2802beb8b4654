"""Case report forms as data: forms, their items, and the laboratory panel.

A form's data is a JSON object; an item named ``head.erythema`` lives at
``{"head": {"erythema": ...}}``. A form with an ``instrument`` is scored by that
instrument and contributes derived facts (see :mod:`psotrial.protocol.facts`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["INSTRUMENTS", "Choice", "FormSpec", "ItemSpec", "ItemType", "LabTestSpec"]

ItemType = Literal["integer", "decimal", "text", "date", "datetime", "choice", "boolean"]

INSTRUMENTS = ("pasi", "bsa", "dlqi", "itch", "zung_sas", "zung_sds", "labs", "demographics")
Instrument = Literal["pasi", "bsa", "dlqi", "itch", "zung_sas", "zung_sds", "labs", "demographics"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One allowed answer of a choice item: the stored code and its label."""

    code: int | str
    label: str


class ItemSpec(_Strict):
    """One item of a form: its type, unit, range, whether required, and its choices.

    ``nullable`` items accept ``null`` as an answer (e.g. a last-use date of a therapy
    never used); an absent key is always "missing", never "none".
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
    label: str
    type: ItemType
    unit: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = True
    nullable: bool = False
    choices: tuple[Choice, ...] = ()
    example: Any = None

    @model_validator(mode="after")
    def _check(self) -> ItemSpec:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("choices are given exactly when type is 'choice'")
        if (self.min is not None or self.max is not None) and self.type not in (
            "integer",
            "decimal",
        ):
            raise ValueError(f"min/max apply to integer and decimal items, not {self.type!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    @property
    def choice_codes(self) -> tuple[int | str, ...]:
        """The stored codes of the choices, in order."""
        return tuple(choice.code for choice in self.choices)


class LabTestSpec(_Strict):
    """A laboratory test of the panel with its SI unit and default reference range.

    The record carries the range the site's laboratory reports (``lln``/``uln``); the
    defaults here prefill the form and document what the protocol expects.
    """

    code: str = Field(pattern=r"^[A-Z][A-Z0-9]{1,7}$")
    name: str
    unit: str
    lln: Decimal | None = None
    uln: Decimal | None = None
    example: Decimal


class FormSpec(_Strict):
    """A case report form: its items, and the instrument that scores it, if any."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    instrument: Instrument | None = None
    repeating: bool = False
    # Collected whenever it happens, at any visit after enrolment (adverse events, early
    # termination), besides the visits that list it.
    any_visit: bool = False
    items: tuple[ItemSpec, ...] = ()
    lab_tests: tuple[LabTestSpec, ...] = ()
    copyright: str | None = None

    @model_validator(mode="after")
    def _check(self) -> FormSpec:
        if (self.instrument == "labs") != bool(self.lab_tests):
            raise ValueError("lab_tests are given exactly when instrument is 'labs'")
        names = [item.name for item in self.items]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate item names: {', '.join(duplicates)}")
        return self

    def item(self, name: str) -> ItemSpec | None:
        """The item called ``name``, or None."""
        return next((item for item in self.items if item.name == name), None)

    def lab_test(self, code: str) -> LabTestSpec | None:
        """The laboratory test with ``code``, or None."""
        return next((test for test in self.lab_tests if test.code == code), None)
