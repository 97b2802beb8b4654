"""The values stored in form entries (their data, or their scores), as SDTM reads them (PURE).

:class:`~psotrial.sdtm.source.Captured` documents them as a long frame, one row per
``(entry_id, path, value)``; SDTM wants them wide, one row per entry and one column per
path. Two holders give both:

* :class:`LongValues` holds the long frame (literal rows in tests) and pivots it;
* :class:`DecodedValues` holds each form's entries as decoded by
  :func:`psotrial.capture.extract.load_captured`: a wide frame per form, one column per
  leaf of the form's JSON, so SDTM selects columns instead of pivoting millions of long
  rows back, and the long frame is built only if something asks for it.

A stored JSON ``null`` is a row with a null value in the long frame, and an absent key is
no row; the wide frames keep the difference with :data:`NULL_MARK` (a stored null) against
null (absent), and every wide result gives null for both, as the pivot of the long frame
does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import polars as pl

__all__ = [
    "NULL_MARK",
    "DecodedBatch",
    "DecodedForm",
    "DecodedValues",
    "Decoder",
    "EntryValues",
    "LongValues",
]

NULL_MARK = "\x00"
"""A stored JSON null in a wide frame (no stored text holds NUL: capture refuses it)."""


class EntryValues:
    """The stored values of form entries; ``key`` names the path column (``item``, ``name``)."""

    key: str

    def long(self) -> pl.DataFrame:
        """``entry_id``, ``key``, ``value``: one row per stored scalar, in entry order and,
        within an entry, in stored key order."""
        raise NotImplementedError

    def wide(
        self, entries: pl.DataFrame, names: Sequence[str], *, forms: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """``entries`` (with ``entry_id``) and one text column per path of ``names``, in
        that order: the value stored at the path, null if it is null or absent.
        ``forms``, if given, are the forms of ``entries`` (only those are read)."""
        raise NotImplementedError

    def answered(self, names: Sequence[str], *, forms: Sequence[str] | None = None) -> pl.DataFrame:
        """``entry_id``, ``key``: the entries that store a value (a null included) at each
        path of ``names`` (of the ``forms`` if given)."""
        raise NotImplementedError


class LongValues(EntryValues):
    """Values held as the long frame itself."""

    def __init__(self, frame: pl.DataFrame, key: str) -> None:
        self.frame = frame
        self.key = key

    def long(self) -> pl.DataFrame:
        return self.frame

    def wide(
        self, entries: pl.DataFrame, names: Sequence[str], *, forms: Sequence[str] | None = None
    ) -> pl.DataFrame:
        return _pivot(self.frame, entries, self.key, names)

    def answered(self, names: Sequence[str], *, forms: Sequence[str] | None = None) -> pl.DataFrame:
        return self.frame.filter(pl.col(self.key).is_in(list(names))).select("entry_id", self.key)


@dataclass(frozen=True)
class DecodedForm:
    """The entries of one form (of one batch) whose JSON decoded with one schema.

    ``frame`` has ``row`` (the entry's position in its batch), ``entry_id`` and one text
    column ``c<i>`` per leaf, whose path (the keys from the top) is ``paths[i]``: the
    stored text of the scalar, :data:`NULL_MARK` for a stored null, null when absent.
    Columns are numbered, not named by path: a key may be ``row``, and two paths
    (``"x.y"`` and x -> y) may join to the same dotted text.
    """

    frame: pl.DataFrame
    paths: tuple[tuple[str, ...], ...]

    @cached_property
    def dotted(self) -> dict[str, list[str]]:
        """The columns of each dotted path."""
        columns: dict[str, list[str]] = {}
        for i, path in enumerate(self.paths):
            columns.setdefault(".".join(path), []).append(f"c{i}")
        return columns

    def long(self, key: str) -> pl.DataFrame:
        """``row``, ``rank``, ``entry_id``, ``key``, ``value`` (stored nulls still marked);
        ``rank`` is the stored order within an entry: keys sorted at each level, depth
        first."""
        if not self.paths:
            return _empty_long(key)
        order = sorted(range(len(self.paths)), key=lambda i: self.paths[i])
        ranks = {f"c{i}": rank for rank, i in enumerate(order)}
        dotted = {f"c{i}": ".".join(path) for i, path in enumerate(self.paths)}
        return (
            self.frame.unpivot(
                index=["row", "entry_id"], variable_name="column", value_name="value"
            )
            .filter(pl.col("value").is_not_null())
            .select(
                "row",
                pl.col("column").replace_strict(ranks, return_dtype=pl.Int64).alias("rank"),
                "entry_id",
                pl.col("column").replace_strict(dotted, return_dtype=pl.String).alias(key),
                "value",
            )
        )


@dataclass(frozen=True)
class DecodedBatch:
    """Entries as decoded: the forms decoded wide, and the long rows (``row``, ``rank``,
    ``entry_id``, key, ``value``) of the entries decoded one by one."""

    forms: tuple[DecodedForm, ...]
    slow: pl.DataFrame


Decoder = Callable[[pl.DataFrame, str], DecodedBatch]
"""Decodes the stored texts of one form's entries of a batch (``row``, ``entry_id``,
``text``) for the path column ``key``."""


class DecodedValues(EntryValues):
    """Values held as stored text, each form decoded (by ``decode``) the first time it is
    read: a form no one reads (most forms' scores) is never decoded.

    ``batches`` are frames of ``row`` (the position in the batch), ``entry_id``, ``form``
    and ``text``, in entry order.
    """

    def __init__(self, batches: Sequence[pl.DataFrame], key: str, decode: Decoder) -> None:
        self.key = key
        self._decode = decode
        self._batches = [
            batch.partition_by("form", maintain_order=True, as_dict=True, include_key=False)
            for batch in batches
        ]
        self._decoded: dict[tuple[int, str], DecodedBatch] = {}

    def _form(self, number: int, form: str, texts: pl.DataFrame) -> DecodedBatch:
        if (number, form) not in self._decoded:
            self._decoded[number, form] = self._decode(texts, self.key)
        return self._decoded[number, form]

    def _forms(self, forms: Sequence[str] | None) -> list[DecodedBatch]:
        return [
            self._form(number, str(form), texts)
            for number, batch in enumerate(self._batches)
            for (form,), texts in batch.items()
            if forms is None or form in forms
        ]

    def long(self) -> pl.DataFrame:
        return self._long

    @cached_property
    def _long(self) -> pl.DataFrame:
        frames = []
        for number, batch in enumerate(self._batches):
            parts = [
                part
                for (form,), texts in batch.items()
                for part in _batch_long(self._form(number, str(form), texts), self.key)
            ]
            if parts:
                frames.append(
                    pl.concat(parts)
                    .sort("row", "rank")
                    .select("entry_id", self.key, pl.col("value").replace(NULL_MARK, None))
                )
        schema = {"entry_id": pl.Int64(), self.key: pl.String(), "value": pl.String()}
        return pl.concat(frames).cast(pl.Schema(schema)) if frames else pl.DataFrame(schema=schema)

    def wide(
        self, entries: pl.DataFrame, names: Sequence[str], *, forms: Sequence[str] | None = None
    ) -> pl.DataFrame:
        wanted = list(names)
        pieces: list[pl.DataFrame] = []
        long: list[pl.DataFrame] = []
        for batch in self._forms(forms):
            for form in batch.forms:
                found = {name: form.dotted[name] for name in wanted if name in form.dotted}
                if any(len(columns) > 1 for columns in found.values()):
                    # Two paths with one dotted text: the pivot decides (and refuses an
                    # entry holding both), as for the long frame.
                    long.append(form.long(self.key).select("entry_id", self.key, "value"))
                elif found:
                    pieces.append(
                        form.frame.select(
                            "entry_id",
                            *(_unmark(pl.col(c)).alias(name) for name, [c] in found.items()),
                        )
                    )
            if batch.slow.height:
                long.append(batch.slow.select("entry_id", self.key, "value"))
        ids = entries.select("entry_id")
        if long:
            rows = (
                pl.concat(long)
                .filter(pl.col(self.key).is_in(wanted))
                .join(ids, on="entry_id", how="semi")
            )
            if rows.height:
                pieces.append(
                    rows.with_columns(_unmark(pl.col("value"))).pivot(
                        on=self.key, index="entry_id", values="value", aggregate_function=None
                    )
                )
        wide = entries
        if pieces:
            found_frame = pl.concat(pieces, how="diagonal").join(ids, on="entry_id", how="semi")
            wide = entries.join(found_frame, on="entry_id", how="left", maintain_order="left")
        present = set(wide.columns)
        return wide.with_columns(
            pl.lit(None, dtype=pl.String).alias(name) for name in wanted if name not in present
        ).select(*entries.columns, *wanted)

    def answered(self, names: Sequence[str], *, forms: Sequence[str] | None = None) -> pl.DataFrame:
        wanted = list(names)
        parts = [pl.DataFrame(schema={"entry_id": pl.Int64(), self.key: pl.String()})]
        for batch in self._forms(forms):
            for form in batch.forms:
                parts.extend(
                    form.frame.filter(pl.col(column).is_not_null()).select(
                        "entry_id", pl.lit(name, dtype=pl.String).alias(self.key)
                    )
                    for name in wanted
                    for column in form.dotted.get(name, [])
                )
            parts.append(
                batch.slow.filter(pl.col(self.key).is_in(wanted)).select("entry_id", self.key)
            )
        return pl.concat(parts)


def _unmark(value: pl.Expr) -> pl.Expr:
    return pl.when(value != NULL_MARK).then(value)


def _batch_long(batch: DecodedBatch, key: str) -> list[pl.DataFrame]:
    return [batch.slow, *(form.long(key) for form in batch.forms)]


LONG_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.UInt32(),
    "rank": pl.Int64(),
    "entry_id": pl.Int64(),
    "value": pl.String(),
}


def _empty_long(key: str) -> pl.DataFrame:
    return pl.DataFrame(schema=LONG_SCHEMA | {key: pl.String()}).select(
        "row", "rank", "entry_id", key, "value"
    )


def _pivot(
    long: pl.DataFrame, entries: pl.DataFrame, key: str, names: Sequence[str]
) -> pl.DataFrame:
    wanted = long.join(entries.select("entry_id"), on="entry_id", how="semi")
    if names:
        wanted = wanted.filter(pl.col(key).is_in(list(names)))
    if wanted.is_empty():
        wide = entries
    else:
        pivoted = wanted.pivot(on=key, index="entry_id", values="value", aggregate_function=None)
        wide = entries.join(pivoted, on="entry_id", how="left")
    absent = [
        pl.lit(None, dtype=pl.String).alias(name) for name in names if name not in wide.columns
    ]
    return wide.with_columns(absent) if absent else wide
