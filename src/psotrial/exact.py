"""Exact numbers at the boundary: every clinical value enters as a ``Decimal``.

Thresholds (PASI-75, eligibility limits, CTCAE grades) are decided on these exact values,
never on binary floats. A float given by a caller is read through its shortest repr, so
``0.1`` becomes ``Decimal("0.1")`` and not ``0.1000000000000000055511151231257827``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from psotrial.errors import ResponseOutOfRangeError, shown

__all__ = ["round_half_up", "to_decimal", "to_int"]


def to_decimal(value: object, field: str) -> Decimal:
    """Read a finite number from JSON-like input.

    Args:
        value: an int, float, Decimal or numeric string (not a bool).
        field: dotted path of the value, named in the error.

    Raises:
        ResponseOutOfRangeError: the value is not a finite number.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise ResponseOutOfRangeError(field, f"expected a number, got {shown(value)}")
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ResponseOutOfRangeError(field, f"expected a number, got {shown(value)}") from None
    if not number.is_finite():
        raise ResponseOutOfRangeError(field, f"expected a finite number, got {shown(value)}")
    return number


def to_int(value: object, field: str, low: int, high: int) -> int:
    """Read an integer in ``[low, high]``; ``3.0`` is accepted as 3, ``2.5`` is not.

    Raises:
        ResponseOutOfRangeError: not an integer, or outside the range (both named).
    """
    number = to_decimal(value, field)
    if number != number.to_integral_value():
        raise ResponseOutOfRangeError(
            field, f"expected an integer {low}-{high}, got {shown(value)}"
        )
    integer = int(number)
    if not low <= integer <= high:
        raise ResponseOutOfRangeError(
            field, f"expected an integer {low}-{high}, got {shown(value)}"
        )
    return integer


def round_half_up(value: Fraction | Decimal, places: int) -> Decimal:
    """Round an exact value half away from zero, as clinical tables do.

    Python's ``round`` rounds half to even (47.25 -> 47.2); reports use 47.3.

    Example:
        >>> round_half_up(Fraction(200, 3), 2)
        Decimal('66.67')
        >>> round_half_up(Decimal("-47.25"), 1)
        Decimal('-47.3')
    """
    scaled = Fraction(value) * 10**places
    magnitude = int(abs(scaled) + Fraction(1, 2))
    digits = -magnitude if scaled < 0 else magnitude
    return Decimal(digits).scaleb(-places)
