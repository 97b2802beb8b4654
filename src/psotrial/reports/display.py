"""Numbers as the report prints them: rounded half away from zero, never banker's rounding.

Clinical tables round 47.25 to 47.3 (stack.md "Rounding"); Python's ``round`` and polars'
default give 47.2. A float is first read as the shortest decimal that round-trips
(``repr``), which is the value the analysis meant, then rounded exactly with
:func:`psotrial.exact.round_half_up`. Missing values print as an en dash.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from psotrial.exact import round_half_up

__all__ = ["MISSING", "format_ci", "format_number", "format_p", "format_pct", "format_range"]

MISSING = "–"


def _exact(value: float | int | Decimal | Fraction) -> Decimal | Fraction:
    if isinstance(value, Decimal | Fraction):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value))


def format_number(value: float | int | Decimal | Fraction | None, places: int = 1) -> str:
    """``value`` rounded half away from zero to ``places`` decimals; None prints a dash.

    Example:
        >>> [format_number(v) for v in (47.25, -47.25, 0.05, 2, None)]
        ['47.3', '-47.3', '0.1', '2.0', '–']
        >>> format_number(2.675, 2)
        '2.68'
    """
    if value is None:
        return MISSING
    if isinstance(value, float) and value != value:  # NaN: not a number to print
        return MISSING
    rounded = round_half_up(_exact(value), places)
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.0"
    return f"{rounded:.{places}f}"


def format_pct(fraction: float | None, places: int = 1) -> str:
    """A 0-1 proportion as a percentage (no sign).

    Example:
        >>> format_pct(0.4725), format_pct(None)
        ('47.3', '–')
    """
    if fraction is None:
        return MISSING
    return format_number(_exact(fraction) * 100, places)


def format_ci(low: float | None, high: float | None, places: int = 1, *, scale: int = 1) -> str:
    """An interval ``(low, high)``; ``scale=100`` turns 0-1 bounds into percentages.

    Example:
        >>> format_ci(0.0, 0.5218, scale=100)
        '(0.0, 52.2)'
        >>> format_ci(None, 3.0)
        '–'
    """
    if low is None or high is None:
        return MISSING
    return (
        f"({format_number(_exact(low) * scale, places)}, "
        f"{format_number(_exact(high) * scale, places)})"
    )


def format_range(low: float | None, high: float | None, places: int = 1) -> str:
    """A range ``low to high`` (for IQR and min-max; "to" reads better than a dash).

    Example:
        >>> format_range(-12.5, 80.25)
        '-12.5 to 80.3'
    """
    if low is None or high is None:
        return MISSING
    return f"{format_number(low, places)} to {format_number(high, places)}"


def format_p(p: float | None) -> str:
    """A p-value to 3 decimals, or ``< 0.001``.

    Example:
        >>> format_p(0.0625), format_p(0.0004), format_p(1.0)
        ('0.063', '< 0.001', '1.000')
    """
    if p is None:
        return MISSING
    if p < 0.001:
        return "< 0.001"
    return format_number(p, 3)
