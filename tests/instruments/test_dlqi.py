"""Tests for psotrial.instruments.dlqi; vectors D1-D11 are domain.md §3.2."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import ResponseOutOfRangeError
from psotrial.instruments.dlqi import (
    DLQI_COPYRIGHT,
    compute_dlqi,
    compute_dlqi_band,
    compute_dlqi_mcid,
)

NR = "not_relevant"
SIMPLE = ("q1", "q2", "q3", "q4", "q5", "q6", "q8", "q9", "q10")


def answers(value: object, **overrides: object) -> dict[str, object]:
    """Every simple item answered ``value``; item 7 and any others set by keyword."""
    return dict.fromkeys(SIMPLE, value) | overrides


@pytest.mark.parametrize(
    ("vector", "responses", "total"),
    [
        ("D1", answers(0, q7a="no", q7b=0), 0),
        ("D2", answers(3, q7a="yes"), 30),
        ("D3", answers(0, q7a="no", q7b=2), 2),
        ("D4", answers(0, q7a="no", q7b=1), 1),
        ("D5", answers(0, q7a=NR), 0),
        ("D6", answers(NR, q1=2, q2=1, q7a=NR), 3),
        ("D7", answers(2, q9=None, q7a="no", q7b=2), 18),
    ],
)
def test_compute_dlqi_domain_vectors(vector: str, responses: dict[str, object], total: int) -> None:
    assert compute_dlqi(responses).total == total, vector


def test_compute_dlqi_d7_one_missing_item_scores_zero() -> None:
    result = compute_dlqi(answers(2, q9=None, q7a="no", q7b=2))
    assert result.missing == ("q9",)
    assert result.items["q9"] is None
    assert result.reason is None
    assert result.subscales["personal_relationships"] is None


def test_compute_dlqi_d8_two_missing_items_not_scored() -> None:
    result = compute_dlqi(answers(1, q9=None, q10=None, q7a="no", q7b=1))
    assert result.total is None
    assert result.band is None
    assert result.missing == ("q9", "q10")
    assert (
        result.reason == "2 items unanswered: q9, q10 (DLQI is not scored with 2 or more missing)"
    )


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "no effect"),
        (1, "no effect"),
        (2, "small effect"),
        (5, "small effect"),
        (6, "moderate effect"),
        (10, "moderate effect"),
        (11, "very large effect"),
        (20, "very large effect"),
        (21, "extremely large effect"),
        (30, "extremely large effect"),
    ],
)
def test_compute_dlqi_band_d9_boundaries(total: int, band: str) -> None:
    assert compute_dlqi_band(total) == band


def test_compute_dlqi_d10_subscales_and_dict() -> None:
    responses = {
        "q1": 3,
        "q2": 2,
        "q3": 1,
        "q4": 0,
        "q5": 2,
        "q6": NR,
        "q7a": "no",
        "q7b": 1,
        "q8": 1,
        "q9": 0,
        "q10": 3,
    }
    assert compute_dlqi(responses).to_dict() == {
        "total": 13,
        "band": "very large effect",
        "subscales": {
            "symptoms_feelings": 5,
            "daily_activities": 1,
            "leisure": 2,
            "work_school": 1,
            "personal_relationships": 1,
            "treatment": 3,
        },
        "items": {
            "q1": 3,
            "q2": 2,
            "q3": 1,
            "q4": 0,
            "q5": 2,
            "q6": 0,
            "q7": 1,
            "q8": 1,
            "q9": 0,
            "q10": 3,
        },
        "missing": [],
        "reason": None,
    }


@pytest.mark.parametrize(
    ("baseline", "value", "improved"),
    [(14, 10, True), (14, 11, False), (14, 18, False), (4, 0, True)],
)
def test_compute_dlqi_mcid_d11(baseline: int, value: int, improved: bool) -> None:
    assert compute_dlqi_mcid(baseline, value) is improved


def test_compute_dlqi_mcid_custom_threshold() -> None:
    assert compute_dlqi_mcid(14, 11, mcid=3) is True


@pytest.mark.parametrize(
    ("q7", "score"),
    [
        ({"q7a": "yes"}, 3),
        ({"q7a": "yes", "q7b": 1}, 3),
        ({"q7a": NR}, 0),
        ({"q7a": NR, "q7b": 2}, 0),
        ({"q7a": "no", "q7b": 0}, 0),
        ({"q7a": "no", "q7b": 2.0}, 2),
        ({"q7a": "no"}, None),
        ({"q7a": "no", "q7b": None}, None),
        ({"q7b": 2}, None),
        ({"q7a": None}, None),
    ],
)
def test_compute_dlqi_item7_branching(q7: dict[str, object], score: int | None) -> None:
    result = compute_dlqi(answers(1) | q7)
    assert result.items["q7"] == score
    assert result.subscales["work_school"] == score
    assert ("q7" in result.missing) is (score is None)


def test_compute_dlqi_absent_key_is_missing() -> None:
    responses = answers(1, q7a="yes")
    del responses["q4"]
    result = compute_dlqi(responses)
    assert result.missing == ("q4",)
    assert result.total == 11


def test_compute_dlqi_empty_form_not_scored() -> None:
    result = compute_dlqi({})
    assert result.total is None
    assert result.reason is not None
    assert result.reason.startswith("10 items unanswered: q1, q2, q3")


@pytest.mark.parametrize(
    ("responses", "field", "message"),
    [
        (answers(0, q1=NR, q7a="yes"), "q1", "integer 0-3"),
        (answers(0, q2=NR, q7a="yes"), "q2", "integer 0-3"),
        (answers(0, q3=4, q7a="yes"), "q3", "0-3 or 'not_relevant'"),
        (answers(0, q5=2.5, q7a="yes"), "q5", "0-3 or 'not_relevant'"),
        (answers(0, q6=-1, q7a="yes"), "q6", "0-3"),
        (answers(0, q8="a lot", q7a="yes"), "q8", "0-3 or 'not_relevant'"),
        (answers(0, q10=True, q7a="yes"), "q10", "0-3"),
        (answers(0, q7a="maybe"), "q7a", "yes, no, not_relevant"),
        (answers(0, q7a="Yes"), "q7a", "yes, no, not_relevant"),
        (answers(0, q7a="no", q7b=3), "q7b", "0-2"),
        (answers(0, q7a="no", q7b=NR), "q7b", "0-2"),
        (answers(0, q7=3), "q7", "q7a, q7b"),
        (answers(0, q11=0), "q11", "q1, q2"),
    ],
)
def test_compute_dlqi_malformed_input_names_field(
    responses: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ResponseOutOfRangeError, match=message) as caught:
        compute_dlqi(responses)
    assert caught.value.field == field


def test_compute_dlqi_rejects_non_mapping() -> None:
    with pytest.raises(ResponseOutOfRangeError, match="q7a"):
        compute_dlqi([0] * 10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("function", "args", "field"),
    [
        (compute_dlqi_band, (31,), "total"),
        (compute_dlqi_band, (-1,), "total"),
        (compute_dlqi_band, (True,), "total"),
        (compute_dlqi_mcid, (31, 10), "baseline"),
        (compute_dlqi_mcid, (14, 10.5), "value"),
        (compute_dlqi_mcid, (14, 10, 0), "mcid"),
    ],
)
def test_compute_dlqi_band_and_mcid_reject_bad_totals(
    function: Callable[..., object], args: tuple[object, ...], field: str
) -> None:
    with pytest.raises(ResponseOutOfRangeError) as caught:
        function(*args)
    assert caught.value.field == field


def test_dlqi_copyright_is_the_required_line() -> None:
    assert DLQI_COPYRIGHT == "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992."


simple_answer = st.one_of(st.none(), st.integers(0, 3))
form = st.fixed_dictionaries(
    {
        item: simple_answer if item in ("q1", "q2") else st.one_of(simple_answer, st.just(NR))
        for item in SIMPLE
    }
    | {
        "q7a": st.sampled_from([None, "yes", "no", NR]),
        "q7b": st.one_of(st.none(), st.integers(0, 2)),
    }
)


@given(form)
def test_compute_dlqi_total_within_0_30_when_scored(responses: dict[str, object]) -> None:
    result = compute_dlqi(responses)
    assert len(result.items) == 10
    if len(result.missing) >= 2:
        assert result.total is None
        assert result.reason is not None
    else:
        assert result.total is not None
        assert 0 <= result.total <= 30
        assert result.total == sum(score or 0 for score in result.items.values())
        assert result.band == compute_dlqi_band(result.total)
