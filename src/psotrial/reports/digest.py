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
from collections.abc import Callable, Mapping, Sequence

import polars as pl

__all__ = [
    "DIGEST_VERSION",
    "canonical_adam",
    "compute_adam_digest",
    "compute_adam_digest_of_parts",
]

DIGEST_VERSION = "psotrial-adam-digest v1"


def canonical_adam(adam: Mapping[str, pl.DataFrame]) -> bytes:
    """The canonical serialisation of the datasets (see the module docstring)."""
    parts = [f"{DIGEST_VERSION}\n"]
    for name in sorted(adam):
        parts.append(f"## {name}\n")
        parts.append(_csv(_sorted_text(adam[name])))
    return "".join(parts).encode("utf-8")


def compute_adam_digest(adam: Mapping[str, pl.DataFrame]) -> str:
    """The SHA-256 hex digest of :func:`canonical_adam`."""
    return hashlib.sha256(canonical_adam(adam)).hexdigest()


def compute_adam_digest_of_parts(
    parts: Mapping[str, Sequence[Callable[[], pl.DataFrame]]],
) -> str:
    """:func:`compute_adam_digest` of datasets held in parts, one part in memory at a time.

    ``parts[name]`` loads, in order, the pieces that appended make dataset ``name`` (groups
    of subjects). Each piece's rows are sorted on their own and hashed as they come, which
    is the whole dataset's order when every piece sorts before the next (groups of subjects
    in USUBJID order, USUBJID leading the row text); otherwise that dataset is put together
    and hashed whole. The digest is the same either way.

    Example:
        >>> frame = pl.DataFrame({"USUBJID": ["A", "B", "C"], "AVAL": [1.5, None, 2.0]})
        >>> pieces = {"ADX": [lambda: frame.slice(2), lambda: frame.head(2)]}
        >>> compute_adam_digest_of_parts(pieces) == compute_adam_digest({"ADX": frame})
        True
    """
    digest = hashlib.sha256(f"{DIGEST_VERSION}\n".encode())
    for name in sorted(parts):
        digest.update(f"## {name}\n".encode())
        start = digest.copy()
        if not _hash_in_order(digest, parts[name]):
            digest = start
            whole = pl.concat([load() for load in parts[name]], how="vertical")
            digest.update(_csv(_sorted_text(whole)).encode("utf-8"))
    return digest.hexdigest()


def _sorted_text(frame: pl.DataFrame) -> pl.DataFrame:
    text = frame.select(pl.all().cast(pl.String))
    if text.width and text.height:
        text = text.sort(text.columns, nulls_last=True, maintain_order=True)
    return text


def _csv(text: pl.DataFrame, *, header: bool = True) -> str:
    return text.write_csv(quote_style="non_numeric", null_value="\\N", include_header=header)


def _hash_in_order(digest: hashlib._Hash, loads: Sequence[Callable[[], pl.DataFrame]]) -> bool:
    """Hash the pieces one by one; False (stop) when a piece's rows would not all sort
    after the previous piece's: the whole dataset must then be sorted at once."""
    if not loads:
        return False
    last: pl.DataFrame | None = None
    header = True
    for load in loads:
        text = _sorted_text(load())
        if not text.width:
            return False
        if text.height:
            if last is not None and not _in_order(last, text.head(1)):
                return False
            last = text.tail(1)
        elif not header:
            continue
        digest.update(_csv(text, header=header).encode("utf-8"))
        header = False
    return True


def _in_order(before: pl.DataFrame, after: pl.DataFrame) -> bool:
    pair = pl.concat([before, after], how="vertical")
    order = pair.select(
        pl.int_range(pl.len()).sort_by(pair.columns, nulls_last=True, maintain_order=True)
    )
    return order.to_series().to_list() == [0, 1]
