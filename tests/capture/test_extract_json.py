"""The set-based JSON flattening of load_captured equals the per-entry reference.

``_flatten_json`` rewrites stored canonical JSON so polars decodes every scalar as its own
text; whatever it cannot represent goes through ``loads_exact`` + ``flatten_values``. On any
stored document the rows must be those of the reference, in the same order.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.capture.extract import _SAMPLE, _flatten_json, _stored_values
from psotrial.jsoncodec import dumps_canonical, loads_exact
from psotrial.sdtm.source import flatten_values
from psotrial.sdtm.values import LongValues

# Stored text never holds NUL: capture refuses it (protocol/answers.read_item), so neither
# reader has to agree on it.
stored_text = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6)
keys = st.sampled_from(["a", "b", "q1", "q10", "ALT", "value", "x.y", "é", "a-b", "a_b"])
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=3, max_value=10**6, min_value=-(10**6)
    ),
    stored_text,
    st.sampled_from(["1.5", "null", "true", ':1,"', '\\"', "{}", "[1]"]),
    st.lists(st.one_of(st.integers(-5, 5), st.booleans(), st.none(), stored_text), max_size=3),
)
documents = st.recursive(
    st.dictionaries(keys, scalars, max_size=5),
    lambda children: st.dictionaries(keys, st.one_of(scalars, children), max_size=4),
    max_leaves=12,
)


def _reference(ids: list[int], texts: list[str]) -> list[tuple[int, str, str | None]]:
    return [
        (entry_id, path, value)
        for entry_id, text in zip(ids, texts, strict=True)
        for path, value in flatten_values(loads_exact(text))
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["f1", "f2"]), documents), min_size=1, max_size=12))
def test_flattening_equals_the_per_entry_reference(entries: list[tuple[str, dict]]) -> None:
    ids = list(range(100, 100 + len(entries)))
    texts = [dumps_canonical(document) for _, document in entries]
    out = _flatten_json(
        pl.Series(ids, dtype=pl.Int64),
        pl.Series([form for form, _ in entries]),
        pl.Series(texts),
        "item",
    )
    assert out.rows() == _reference(ids, texts)


def test_exact_decimals_exponents_and_stored_nulls() -> None:
    # One of each case the rewrite must keep or hand over: a decimal's own digits, an
    # exponent (rendered without one), a stored null (a row) against an absent key (none).
    texts = [
        dumps_canonical({"a": Decimal("16.25"), "b": None, "c": {"d": 3, "e": True}}),
        dumps_canonical({"a": 1e-05, "c": {"d": -0.0}}),
        dumps_canonical({"a": "x\\"}),
    ]
    out = _flatten_json(pl.Series([1, 2, 3]), pl.Series(["f", "f", "f"]), pl.Series(texts), "item")
    assert out.rows() == [
        (1, "a", "16.25"),
        (1, "b", None),
        (1, "c.d", "3"),
        (1, "c.e", "true"),
        (2, "a", "0.00001"),
        (2, "c.d", "-0.0"),
        (3, "a", "x\\"),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["f1", "f2"]), documents), min_size=1, max_size=12),
    st.integers(min_value=1, max_value=3),
)
def test_decoded_wide_values_equal_the_pivot_of_the_long_rows(
    entries: list[tuple[str, dict]], step: int
) -> None:
    # What SDTM selects from the decoded forms is what the pivot of the long rows gives,
    # for any subset of the entries; where the pivot refuses (two paths joining to one
    # dotted text in one entry), so does the selection.
    ids = list(range(100, 100 + len(entries)))
    texts = [dumps_canonical(document) for _, document in entries]
    forms = [form for form, _ in entries]
    series = (pl.Series(ids, dtype=pl.Int64), pl.Series(forms), pl.Series(texts))
    decoded = _stored_values([series], "item")
    long = LongValues(decoded.long(), "item")
    names = [*sorted(set(long.frame.get_column("item"))), "absent"]
    chosen = pl.DataFrame({"entry_id": ids[::step]}, schema={"entry_id": pl.Int64})
    try:
        expected = long.wide(chosen, names).select("entry_id", *names)
    except pl.exceptions.PolarsError:
        with pytest.raises(pl.exceptions.PolarsError):
            _stored_values([series], "item").wide(chosen, names)
        return
    # A fresh holder per read: each decodes only the forms it is asked for.
    assert _stored_values([series], "item").wide(chosen, names).rows() == expected.rows()
    only = sorted(set(forms))[:1]
    in_form = [i for i, form in zip(ids, forms, strict=True) if form in only]
    chosen_in_form = chosen.filter(pl.col("entry_id").is_in(in_form))
    assert (
        _stored_values([series], "item").wide(chosen_in_form, names, forms=only).rows()
        == long.wide(chosen_in_form, names).select("entry_id", *names).rows()
    )
    answered = _stored_values([series], "item").answered(names)
    assert sorted(answered.rows()) == sorted(long.answered(names).rows())


@settings(max_examples=150, deadline=None)
@given(documents, st.lists(documents, min_size=1, max_size=8))
def test_flattening_past_the_schema_sample_equals_the_reference(
    first: dict, later: list[dict]
) -> None:
    # A form's schema is inferred from its first _SAMPLE entries and kept only if no later
    # entry has a key outside it: later entries with other keys, or another shape, must
    # still give the reference rows.
    texts = [dumps_canonical(first)] * (_SAMPLE + 1) + [dumps_canonical(d) for d in later]
    ids = list(range(len(texts)))
    out = _flatten_json(
        pl.Series(ids, dtype=pl.Int64), pl.Series(["f"] * len(texts)), pl.Series(texts), "item"
    )
    assert out.rows() == _reference(ids, texts)
