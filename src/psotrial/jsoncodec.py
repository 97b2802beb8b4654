"""JSON for clinical values: exact decimals in, canonical text out.

Stored form data, audit values and signatures all use :func:`dumps_canonical`, so the same
content always gives the same text (and the same hash). Decimals are written through their
shortest float repr, which reproduces any value of up to 15 significant digits exactly
(item reading refuses more), and read back as ``Decimal`` by :func:`loads_exact`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["dumps_canonical", "loads_exact", "to_json"]


def to_json(value: Any) -> Any:
    """Make a value JSON-ready: Decimal to number, dates to ISO 8601, tuples to lists."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value


def dumps_canonical(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(to_json(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def loads_exact(text: str) -> Any:
    """Parse JSON with every non-integer number as an exact ``Decimal``."""
    return json.loads(text, parse_float=Decimal)
