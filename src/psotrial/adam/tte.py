"""Time-to-event parameters (admiral ``derive_param_tte``, ``event_source``, ``censor_source``).

One record per participant with a start date: the earliest event among the event sources
(CNSR = 0), otherwise the latest censoring date among the censor sources (CNSR >= 1, the
CDISC convention; ADaMIG ADTTE). AVAL = ADT - STARTDT + 1 in days (admiral
``derive_vars_duration`` with ``add_one = TRUE``), so an event on the start day lasts 1 day.
Ties between sources go to the source listed first. The chosen source sets EVNTDESC (events)
or CNSDTDSC (censoring) and SRCDOM/SRCVAR/SRCSEQ for traceability.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from psotrial.adam._frame import require_columns, temp_name
from psotrial.errors import DerivationError, NotFoundError

__all__ = ["CensorSource", "EventSource", "derive_param_tte"]


@dataclass(frozen=True)
class EventSource:
    """Where events come from: a dataset, a filter, the event date and its description.

    ``seq_var`` names the dataset's sequence variable copied to SRCSEQ (ASEQ, AESEQ).
    """

    dataset_name: str
    date: str
    description: str
    filter: pl.Expr | None = None
    seq_var: str | None = None
    censor: int = 0
    set_values_to: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class CensorSource(EventSource):
    """Where censoring dates come from; ``censor`` >= 1 is stored in CNSR."""

    censor: int = 1


_SUBJECT = ("STUDYID", "USUBJID")


def derive_param_tte(
    dataset_adsl: pl.DataFrame,
    *,
    source_datasets: Mapping[str, pl.DataFrame],
    event_conditions: Sequence[EventSource],
    censor_conditions: Sequence[CensorSource],
    set_values_to: Mapping[str, object],
    start_date: str = "TRTSDT",
    subject_keys: Sequence[str] = _SUBJECT,
) -> pl.DataFrame:
    """Build one time-to-event record per participant of ``dataset_adsl`` with a start date.

    Args:
        dataset_adsl: one record per participant with ``subject_keys`` and ``start_date``
            (pass a derived frame to start elsewhere, e.g. the first PASI-50 response).
        source_datasets: the datasets the sources name; each needs ``subject_keys``.
        event_conditions: event sources (CNSR 0).
        censor_conditions: censoring sources (CNSR >= 1).
        set_values_to: constant variables of the parameter, e.g. PARAMCD and PARAM.

    Returns:
        subject keys, the ``set_values_to`` variables, STARTDT, ADT, AVAL, CNSR, EVNTDESC,
        CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ. A participant with no event and no censoring
        date gets no record (admiral behaviour).

    Raises:
        NotFoundError: a source names a dataset not in ``source_datasets``.
        MissingVariablesError: a key, date or sequence variable is absent.
        DerivationError: an event source with ``censor`` != 0 or a censor source with 0.

    Example:
        >>> from datetime import date
        >>> adsl = pl.DataFrame({"STUDYID": ["S"] * 2, "USUBJID": ["1", "2"],
        ...     "TRTSDT": [date(2026, 1, 1)] * 2})
        >>> visits = pl.DataFrame({"STUDYID": ["S"] * 3, "USUBJID": ["1", "1", "2"],
        ...     "ADT": [date(2026, 1, 29), date(2026, 2, 26), date(2026, 1, 29)],
        ...     "RESP": ["N", "Y", "N"]})
        >>> out = derive_param_tte(adsl, source_datasets={"V": visits},
        ...     event_conditions=[EventSource("V", "ADT", "RESPONSE", pl.col("RESP") == "Y")],
        ...     censor_conditions=[CensorSource("V", "ADT", "LAST VISIT")],
        ...     set_values_to={"PARAMCD": "TTRESP"})
        >>> out.select("USUBJID", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC").rows()
        [('1', 57, 0, 'RESPONSE', None), ('2', 29, 1, None, 'LAST VISIT')]
    """
    require_columns(dataset_adsl, [*subject_keys, start_date])
    for source in event_conditions:
        if source.censor != 0:
            raise DerivationError(f"event source {source.description!r}: censor must be 0")
    for source in censor_conditions:
        if source.censor < 1:
            raise DerivationError(f"censor source {source.description!r}: censor must be >= 1")
    starts = dataset_adsl.filter(pl.col(start_date).is_not_null()).select(
        [*subject_keys, pl.col(start_date).alias("STARTDT")]
    )
    rank = temp_name(starts, "rank")
    events = _candidates(source_datasets, event_conditions, subject_keys, rank)
    censors = _candidates(source_datasets, censor_conditions, subject_keys, rank)
    first_event = (
        events.sort([*subject_keys, "ADT", rank], maintain_order=True)
        .group_by(list(subject_keys), maintain_order=True)
        .first()
    )
    last_censor = (
        censors.sort(
            [*subject_keys, "ADT", rank],
            descending=[False] * len(subject_keys) + [False, True],
            maintain_order=True,
        )
        .group_by(list(subject_keys), maintain_order=True)
        .last()
    )
    censored_only = last_censor.join(
        first_event.select(subject_keys), on=list(subject_keys), how="anti"
    )
    chosen = pl.concat([first_event, censored_only], how="diagonal_relaxed").drop(rank)
    out = starts.join(chosen, on=list(subject_keys), how="inner", maintain_order="left")
    constants = [pl.lit(value).alias(name) for name, value in set_values_to.items()]
    out = out.with_columns(
        *constants,
        ((pl.col("ADT") - pl.col("STARTDT")).dt.total_days() + 1).cast(pl.Int64).alias("AVAL"),
        pl.when(pl.col("CNSR") == 0).then(pl.col("DESC")).alias("EVNTDESC"),
        pl.when(pl.col("CNSR") != 0).then(pl.col("DESC")).alias("CNSDTDSC"),
    ).drop("DESC")
    order = [
        *subject_keys,
        *set_values_to,
        "STARTDT",
        "ADT",
        "AVAL",
        "CNSR",
        "EVNTDESC",
        "CNSDTDSC",
        "SRCDOM",
        "SRCVAR",
        "SRCSEQ",
    ]
    extra = [c for c in out.columns if c not in order]
    return out.select([*order, *extra])


def _candidates(
    source_datasets: Mapping[str, pl.DataFrame],
    sources: Sequence[EventSource],
    subject_keys: Sequence[str],
    rank: str,
) -> pl.DataFrame:
    frames = []
    extra_names = sorted({name for source in sources for name in source.set_values_to})
    for position, source in enumerate(sources):
        if source.dataset_name not in source_datasets:
            raise NotFoundError("source dataset", source.dataset_name, source_datasets)
        data = source_datasets[source.dataset_name]
        needed = [*subject_keys, source.date] + ([source.seq_var] if source.seq_var else [])
        require_columns(data, needed)
        if source.filter is not None:
            data = data.filter(source.filter)
        seq = pl.col(source.seq_var).cast(pl.Int64) if source.seq_var else pl.lit(None, pl.Int64)
        frames.append(
            data.filter(pl.col(source.date).is_not_null()).select(
                *subject_keys,
                pl.col(source.date).cast(pl.Date).alias("ADT"),
                pl.lit(source.censor, pl.Int64).alias("CNSR"),
                pl.lit(source.description, pl.String).alias("DESC"),
                pl.lit(source.dataset_name, pl.String).alias("SRCDOM"),
                pl.lit(source.date, pl.String).alias("SRCVAR"),
                seq.alias("SRCSEQ"),
                pl.lit(position, pl.Int64).alias(rank),
                *(pl.lit(source.set_values_to.get(name)).alias(name) for name in extra_names),
            )
        )
    if not frames:
        return pl.DataFrame(
            schema={
                **dict.fromkeys(subject_keys, pl.String),
                "ADT": pl.Date,
                "CNSR": pl.Int64,
                "DESC": pl.String,
                "SRCDOM": pl.String,
                "SRCVAR": pl.String,
                "SRCSEQ": pl.Int64,
                rank: pl.Int64,
            }
        )
    return pl.concat(frames, how="diagonal_relaxed")
