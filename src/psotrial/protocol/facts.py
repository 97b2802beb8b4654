"""The names a criterion's rule can read, and which forms provide them.

* a form item: ``FORM.ITEM`` (``demographics.sex``, ``pasi.head.erythema``);
* a laboratory result: ``FORM.TEST.value|unit|lln|uln`` on the form whose instrument
  is ``labs`` (``labs.PLT.value``);
* a derived fact of a scored form: ``FORM.NAME`` for the names below
  (``pasi.total`` is the PASI of the form whose code is ``pasi``).
"""

from __future__ import annotations

from collections.abc import Mapping

from psotrial.protocol.crfs import FormSpec

__all__ = ["DERIVED_FACTS", "LAB_FIELDS", "check_fact"]

DERIVED_FACTS: Mapping[str, tuple[str, ...]] = {
    "pasi": ("total",),
    "bsa": ("total_pct",),
    "dlqi": ("total",),
    "zung_sas": ("raw", "index"),
    "zung_sds": ("raw", "index"),
    "demographics": ("age_years",),
}

LAB_FIELDS = ("value", "unit", "lln", "uln")


def check_fact(forms: Mapping[str, FormSpec], fact: str) -> str | None:
    """Say what is wrong with a fact name, or return None when it resolves."""
    form_code, _, rest = fact.partition(".")
    form = forms.get(form_code)
    if form is None:
        return f"fact {fact!r}: no form {form_code!r}; forms are: {', '.join(sorted(forms))}"
    if form.instrument == "labs":
        test, _, field = rest.partition(".")
        if form.lab_test(test) is None:
            tests = ", ".join(t.code for t in form.lab_tests)
            return f"fact {fact!r}: no lab test {test!r}; tests are: {tests}"
        if field not in LAB_FIELDS:
            return f"fact {fact!r}: expected {form_code}.{test}.<{'|'.join(LAB_FIELDS)}>"
        return None
    derived = DERIVED_FACTS.get(form.instrument or "", ())
    if rest in derived or form.item(rest) is not None:
        return None
    names = sorted([item.name for item in form.items] + list(derived))
    return f"fact {fact!r}: form {form_code!r} has no item {rest!r}; it has: {', '.join(names)}"
