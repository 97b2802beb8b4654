"""A SHA-256 fingerprint of the analysed ADaM datasets, printed on the report's title page.

Anyone holding the same datasets (``psotrial export adam --format parquet`` and the same
``--imputation``) can recompute it and know the report was computed from exactly them.

Canonical serialisation (version 1), fed to SHA-256 as UTF-8 bytes:

1. the line ``psotrial-adam-digest v1``;
2. for each dataset in ascending order of name (ADAE, ADLB, ADPASI, ...): the line
   ``## NAME``, then the dataset as CSV: every column in the dataset's column order
   (the ADaM spec's), every value cast to text by polars (dates ISO 8601, integers in
   decimal, floats in their shortest round-trip form such as ``17.0`` or ``0.1``), each
   value and header name in double quotes (a quote doubled), a missing value as ``\\N``
   without quotes, fields separated by ``,``, lines ended by ``\\n``; rows sorted by the
   text of every column from left to right (missing last), so the digest does not depend
   on the order in which the rows were built.

Example:
    >>> import polars as pl
    >>> frame = pl.DataFrame({"USUBJID": ["B", "A"], "AVAL": [1.5, None]})
    >>> compute_adam_digest({"ADX": frame}) == compute_adam_digest({"ADX": frame.reverse()})
    True
    >>> len(compute_adam_digest({"ADX": frame}))
    64
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import polars as pl

__all__ = ["DIGEST_VERSION", "canonical_adam", "compute_adam_digest"]

DIGEST_VERSION = "psotrial-adam-digest v1"


def canonical_adam(adam: Mapping[str, pl.DataFrame]) -> bytes:
    """The canonical serialisation of the datasets (see the module docstring)."""
    parts = [f"{DIGEST_VERSION}\n"]
    for name in sorted(adam):
        frame = adam[name]
        text = frame.select(pl.all().cast(pl.String))
        if text.width and text.height:
            text = text.sort(text.columns, nulls_last=True, maintain_order=True)
        parts.append(f"## {name}\n")
        parts.append(text.write_csv(quote_style="non_numeric", null_value="\\N"))
    return "".join(parts).encode("utf-8")


def compute_adam_digest(adam: Mapping[str, pl.DataFrame]) -> str:
    """The SHA-256 hex digest of :func:`canonical_adam`."""
    return hashlib.sha256(canonical_adam(adam)).hexdigest()
