"""CTCAE v5.0 grades for the protocol's laboratory tests (SI units).

Reference: NCI Common Terminology Criteria for Adverse Events (CTCAE) v5.0, 27 Nov 2017,
as transcribed term by term in pharmaverse/admiral ``data-raw/adlb_grading/ncictcaev5.json``
(commit 6eb5125a296b68eccd2f0075580b696a0900b2d3; domain.md §7.1). Each ``_Rule`` below is one
clause of that file's ``GRADE_k_CODE``; term names are spelled as in ctcae-v5-terms.csv.

Rules, decided exactly on ``Decimal`` values:

- Grade *k* when the value is strictly beyond the grade-*k* threshold (``<`` for decreases,
  ``>`` for increases). The one inclusive bound is ALT/AST grade 1 with an abnormal baseline,
  "1.5 - 3.0 x baseline", which admiral codes as ``>= 1.5*BASE``.
- The highest grade whose criterion holds wins; creatinine has x ULN and x baseline criteria.
- Grade 0 and grade 1 can only be told apart with the LLN (decreases) or ULN (increases).
  Without it the grade is ``None`` with a reason, unless a grade >= 2 is already met by a
  criterion that does not need it (admiral: ``is.na(ANRLO) ~ NA_character_`` in
  ``GRADE_1_CODE``). ALT/AST and Hemoglobin increased need the ULN for every grade.
- Grade 4 that CTCAE defines only in clinical words is never assigned from a number. Anemia
  grade 4 ("Life-threatening consequences; urgent intervention indicated") has no numeric
  criterion and admiral has no ``GRADE_4_CODE`` for it, so Hb < 80 g/L is grade 3 and the reason
  says grade 4 needs clinical judgement. Hyper-/hypocalcemia grade 4 has a number (> 3.4,
  < 1.5 mmol/L) beside "life-threatening consequences" and is assigned from it, as admiral does.
  Hemoglobin increased has no grade 4; grade 5 (death) is never derived from a value.
- ALT/AST (v5): baseline normal (not given, or <= ULN) uses x ULN; baseline > ULN uses
  x baseline.
- Creatinine: x ULN and x baseline criteria (baseline optional); without the ULN a grade 2 or 3
  met by baseline is returned and the reason says the x ULN criteria were not checked.
- Hemoglobin increased: increase above the ULN, or above the baseline when the baseline is
  above the ULN. Note: this baseline rule is admiral's CTCAE v4 criterion (ncictcaev4.json);
  admiral's v5 JSON measures above the ULN only. The two agree whenever baseline <= ULN.
- Calcium: CTCAE grades albumin-corrected calcium. With ``albumin_g_l`` the value is corrected
  by Payne's formula, corrected Ca = total Ca + 0.02 x (40 - albumin g/L) mmol/L (Payne RB et
  al., BMJ 1973;4:643-6; domain.md §7.1); without it the total calcium is graded as reported.

Missing-item rule: ``value`` and ``unit`` are required; ``lln``, ``uln``, ``baseline`` and
``albumin_g_l`` are optional and a rule that needs an absent one is not applied (see above).
Malformed input (non-numeric, negative, unknown test or unit) raises.

Example:
    >>> [g.to_dict() for g in compute_lab_grades("PLT", 74, "10^9/L")]
    [{'term': 'Platelet count decreased', 'grade': 2}]
    >>> [g.grade for g in compute_lab_grades("CA", "2.6", "mmol/L", lln="2.1", uln="2.5")]
    [1, 0]
    >>> compute_lab_grades("ALT", 100, "U/L")[0].grade is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext
from types import MappingProxyType
from typing import Literal

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError
from psotrial.exact import to_decimal

__all__ = ["CTCAE_VERSION", "LAB_TESTS", "LabGrade", "compute_lab_grades"]

CTCAE_VERSION = "5.0"

# Products and sums of finite decimals are exact at unbounded precision; nothing here divides.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)

_Ref = Literal["abs", "lln", "uln", "baseline"]


@dataclass(frozen=True)
class LabGrade:
    """One CTCAE term's grade for one lab result.

    Attributes:
        term: CTCAE v5.0 term, spelled as in the CTCAE term list.
        grade: 0-4, or ``None`` when the inputs cannot decide it (``reason`` says why).
        reason: the value graded and the criterion it met, or why there is no grade.
    """

    term: str
    grade: int | None
    reason: str

    def to_dict(self) -> dict[str, str | int | None]:
        """The stored form: ``{"term": ..., "grade": ...}``."""
        return {"term": self.term, "grade": self.grade}


@dataclass(frozen=True)
class _Rule:
    """Grade ``grade`` when the value is beyond ``ref * factor + offset`` (abs: ``offset``)."""

    grade: int
    ref: _Ref
    factor: Decimal
    offset: Decimal
    inclusive: bool = False


def _abs(grade: int, limit: str) -> _Rule:
    return _Rule(grade, "abs", Decimal(0), Decimal(limit))


def _times(grade: int, ref: _Ref, factor: str, *, inclusive: bool = False) -> _Rule:
    return _Rule(grade, ref, Decimal(factor), Decimal(0), inclusive)


def _plus(grade: int, ref: _Ref, offset: str) -> _Rule:
    return _Rule(grade, ref, Decimal(1), Decimal(offset))


@dataclass(frozen=True)
class _Term:
    name: str
    increase: bool
    rules: tuple[_Rule, ...]
    # Replaces ``rules`` when baseline > ULN (CTCAE "if baseline was abnormal").
    high_baseline_rules: tuple[_Rule, ...] = ()
    # Appended to the reason when the highest numeric grade is reached.
    ceiling_note: str = ""


def _below_lln_then(name: str, *limits: str, note: str = "") -> _Term:
    """A decrease: grade 1 below the LLN, then grades 2, 3, ... below each absolute limit."""
    rules = (_times(1, "lln", "1"), *(_abs(g, x) for g, x in enumerate(limits, start=2)))
    return _Term(name, False, rules, ceiling_note=note)


def _above_uln_then(name: str, *limits: str) -> _Term:
    """An increase: grade 1 above the ULN, then grades 2, 3, ... above each absolute limit."""
    rules = (_times(1, "uln", "1"), *(_abs(g, x) for g, x in enumerate(limits, start=2)))
    return _Term(name, True, rules)


def _aminotransferase(name: str) -> _Term:
    """x ULN if baseline was normal, x baseline if abnormal (grade 1 from 1.5 x, inclusive)."""
    return _Term(
        name,
        True,
        tuple(_times(g, "uln", x) for g, x in ((1, "1"), (2, "3"), (3, "5"), (4, "20"))),
        (
            _times(1, "baseline", "1.5", inclusive=True),
            *(_times(g, "baseline", x) for g, x in ((2, "3"), (3, "5"), (4, "20"))),
        ),
    )


_ANEMIA_GRADE_4 = (
    "grade 4 (life-threatening consequences; urgent intervention indicated) "
    "is a clinical judgement and is not graded from the value"
)
_TERMS: dict[str, tuple[_Term, ...]] = {
    "PLT": (_below_lln_then("Platelet count decreased", "75", "50", "25"),),
    "WBC": (_below_lln_then("White blood cell decreased", "3.0", "2.0", "1.0"),),
    "HGB": (
        _below_lln_then("Anemia", "100", "80", note=_ANEMIA_GRADE_4),
        _Term(
            "Hemoglobin increased",
            True,
            tuple(_plus(g, "uln", x) for g, x in ((1, "0"), (2, "20"), (3, "40"))),
            tuple(_plus(g, "baseline", x) for g, x in ((1, "0"), (2, "20"), (3, "40"))),
        ),
    ),
    "AST": (_aminotransferase("Aspartate aminotransferase increased"),),
    "ALT": (_aminotransferase("Alanine aminotransferase increased"),),
    "CREAT": (
        _Term(
            "Creatinine increased",
            True,
            (
                _times(1, "uln", "1"),
                _times(2, "uln", "1.5"),
                _times(2, "baseline", "1.5"),
                _times(3, "uln", "3"),
                _times(3, "baseline", "3"),
                _times(4, "uln", "6"),
            ),
        ),
    ),
    "CA": (
        _above_uln_then("Hypercalcemia", "2.9", "3.1", "3.4"),
        _below_lln_then("Hypocalcemia", "2.0", "1.75", "1.5"),
    ),
}

LAB_TESTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {code: tuple(term.name for term in terms) for code, terms in _TERMS.items()}
)

_ONE, _TEN = Decimal(1), Decimal(10)
_COUNT_UNITS = {"10^9/L": _ONE, "10*9/L": _ONE, "x10^9/L": _ONE, "10E9/L": _ONE, "G/L": _ONE}
_ENZYME_UNITS = {"U/L": _ONE, "IU/L": _ONE}
# test -> (SI unit, accepted spelling -> exact factor to the SI unit). Case matters: G/L is
# giga per litre, g/L grams per litre.
_UNITS: dict[str, tuple[str, dict[str, Decimal]]] = {
    "PLT": ("10^9/L", _COUNT_UNITS),
    "WBC": ("10^9/L", _COUNT_UNITS),
    "HGB": ("g/L", {"g/L": _ONE, "g/dL": _TEN}),
    "AST": ("U/L", _ENZYME_UNITS),
    "ALT": ("U/L", _ENZYME_UNITS),
    "CREAT": ("umol/L", {"umol/L": _ONE, "µmol/L": _ONE, "μmol/L": _ONE}),  # micro sign, mu
    "CA": ("mmol/L", {"mmol/L": _ONE}),
}
_PAYNE_SLOPE, _PAYNE_ALBUMIN = Decimal("0.02"), Decimal(40)


def compute_lab_grades(
    test: str,
    value: object,
    unit: str,
    *,
    lln: object | None = None,
    uln: object | None = None,
    baseline: object | None = None,
    albumin_g_l: object | None = None,
) -> tuple[LabGrade, ...]:
    """Grade one lab result against every CTCAE v5.0 term of its test.

    Args:
        test: one of ``LAB_TESTS`` (PLT, WBC, HGB, AST, ALT, CREAT, CA).
        value: the result, a number in ``unit``.
        unit: an accepted spelling of the test's unit (g/dL is converted to g/L).
        lln: lower limit of normal, in ``unit``; needed to tell grade 0 from 1 for decreases.
        uln: upper limit of normal, in ``unit``; needed for increases.
        baseline: the subject's baseline result, in ``unit`` (ALT, AST, CREAT, HGB).
        albumin_g_l: serum albumin in g/L; for CA, grades Payne-corrected calcium.
            Ignored, like ``baseline``, by tests that do not use it.

    Returns:
        One ``LabGrade`` per term, in the order of ``LAB_TESTS[test]``.

    Raises:
        ResponseOutOfRangeError: unknown test or unit (the valid ones are listed), or a
            number that is not finite or is negative.
        IncompleteResponsesError: ``value`` is None.
    """
    if test not in _TERMS:
        raise ResponseOutOfRangeError(
            "test", f"unknown lab test {test!r}; expected one of: {', '.join(_TERMS)}"
        )
    si_unit, factors = _UNITS[test]
    if unit not in factors:
        raise ResponseOutOfRangeError(
            "unit",
            f"unit {unit!r} is not accepted for {test}; expected one of: {', '.join(factors)}",
        )
    if value is None:
        raise IncompleteResponsesError("value", f"a {test} result is required")
    factor = factors[unit]
    with localcontext(_EXACT):
        reported = _non_negative(value, "value")
        number = reported * factor
        refs: dict[_Ref, Decimal | None] = {
            "lln": _reference(lln, "lln", factor),
            "uln": _reference(uln, "uln", factor),
            "baseline": _reference(baseline, "baseline", factor),
        }
        described = f"{_fmt(number)} {si_unit}"
        if factor != _ONE:
            described += f" (= {_fmt(reported)} {unit})"
        if test == "CA" and albumin_g_l is not None:
            albumin = _non_negative(albumin_g_l, "albumin_g_l")
            total, number = number, number + _PAYNE_SLOPE * (_PAYNE_ALBUMIN - albumin)
            described = (
                f"corrected calcium {_fmt(number)} mmol/L (Payne: total {_fmt(total)} "
                f"+ 0.02 × (40 − albumin {_fmt(albumin)} g/L))"
            )
        return tuple(_grade(term, number, refs, described, si_unit) for term in _TERMS[test])


def _grade(
    term: _Term, value: Decimal, refs: Mapping[_Ref, Decimal | None], described: str, unit: str
) -> LabGrade:
    rules, basis = term.rules, ""
    base, uln = refs["baseline"], refs["uln"]
    if term.high_baseline_rules and base is not None and uln is not None and base > uln:
        rules = term.high_baseline_rules
        basis = f" (baseline {_fmt(base)} > ULN {_fmt(uln)} {unit})"
    best: tuple[_Rule, Decimal] | None = None
    checked: list[tuple[_Rule, Decimal]] = []
    unchecked: list[_Rule] = []  # rules whose LLN/ULN is absent; absent baseline is optional
    for rule in rules:
        ref = refs[rule.ref] if rule.ref != "abs" else _ONE
        if ref is None:
            if rule.ref != "baseline":
                unchecked.append(rule)
            continue
        threshold = ref * rule.factor + rule.offset
        checked.append((rule, threshold))
        if _beyond(value, threshold, term, rule) and (best is None or rule.grade > best[0].grade):
            best = (rule, threshold)
    grade = best[0].grade if best else 0
    missing = sorted({rule.ref.upper() for rule in unchecked if rule.grade > grade})
    if missing and grade < 2:
        reason = (
            f"not graded: {' and '.join(missing)} not given, and {described} meets no "
            "criterion that can be checked without it"
        )
        return LabGrade(term.name, None, reason)
    if best is None:
        first, first_threshold = checked[0]
        side = "above" if term.increase else "below"
        side = f"at or {side}" if first.inclusive else side
        reason = f"grade 0: {described} is not {side} {_label(first, first_threshold, unit)}"
        return LabGrade(term.name, 0, reason + basis)
    rule, threshold = best
    op = (">" if term.increase else "<") if not rule.inclusive else ("≥" if term.increase else "≤")
    reason = f"grade {grade}: {described} {op} {_label(rule, threshold, unit)}{basis}"
    if missing:
        reason += f"; {' and '.join(missing)} not given, so criteria needing it were not checked"
    top = max(r.grade for r in rules)
    if term.ceiling_note and grade == top:
        reason += f"; {term.ceiling_note}"
    return LabGrade(term.name, grade, reason)


def _beyond(value: Decimal, threshold: Decimal, term: _Term, rule: _Rule) -> bool:
    if term.increase:
        return value >= threshold if rule.inclusive else value > threshold
    return value <= threshold if rule.inclusive else value < threshold


def _label(rule: _Rule, threshold: Decimal, unit: str) -> str:
    if rule.ref == "abs":
        return f"{_fmt(threshold)} {unit}"
    name = "baseline" if rule.ref == "baseline" else rule.ref.upper()
    if rule.offset:
        name = f"{name} + {_fmt(rule.offset)} {unit}"
    elif rule.factor != _ONE:
        name = f"{_fmt(rule.factor)} × {name}"
    return f"{name} = {_fmt(threshold)} {unit}"


def _reference(raw: object, field: str, factor: Decimal) -> Decimal | None:
    return None if raw is None else _non_negative(raw, field) * factor


def _non_negative(raw: object, field: str) -> Decimal:
    number = to_decimal(raw, field)
    if number < 0:
        raise ResponseOutOfRangeError(field, f"expected a number >= 0, got {raw!r}")
    return number


def _fmt(number: Decimal) -> str:
    return f"{number.normalize():f}"
