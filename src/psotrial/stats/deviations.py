"""Protocol deviations visible in ADaM: out-of-window visits, missed infusions, doses. PURE.

- Out-of-window assessments: BDS records with OUTWINFL = Y (in no analysis window;
  architecture.md: flagged, never used for an analysis visit). Counted per dataset and
  parameter for the assessments themselves (ADPASI PASITOT; ADQS DLQITOT, ITCHVAS, BSA,
  SASRAW, SDSRAW), not for their items or subscores.
- Missed infusions: for each treated participant, the protocol's infusion visits whose
  window had closed by the data cut (TRTSDT + target day - 1 + days after) minus the
  infusions received (ADSL NINFUS), when positive. Infusions a participant did not get
  because they left the study count as missed.
- Dose deviations (actual vs planned cells beyond the protocol's percentage) need the dose
  of each infusion, which ADaM here does not carry: reported as not estimable.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from psotrial.protocol import Protocol
from psotrial.stats.analysis import LISTING_CAP, CountRow, Deviations, NotEstimable, OutOfWindowRow
from psotrial.stats.records import require_columns

__all__ = ["ASSESSMENT_PARAMS", "build_deviations", "build_missed_infusions"]

ASSESSMENT_PARAMS: dict[str, tuple[str, ...]] = {
    "ADPASI": ("PASITOT",),
    "ADQS": ("DLQITOT", "ITCHVAS", "BSA", "SASRAW", "SDSRAW"),
}


def build_missed_infusions(
    adsl: pl.DataFrame, protocol: Protocol, *, data_cut: date
) -> tuple[tuple[CountRow, ...], int, str | None]:
    """Per treated participant: infusions due by ``data_cut`` but not received.

    Returns:
        (rows for participants with a missed infusion, total missed, note when capped).
    """
    require_columns(adsl, ["USUBJID", "SAFFL", "TRTSDT", "NINFUS"], "ADSL")
    arm = protocol.arm(None) if len(protocol.arms) == 1 else None
    arms = {a.code: a for a in protocol.arms}
    treated = adsl.filter(pl.col("SAFFL") == "Y")
    arm_col = "ARMCD" if "ARMCD" in treated.columns else None
    due_expr = []
    for code, spec in arms.items():
        closes = [
            protocol.visit(v).day - 1 + protocol.visit(v).window_after for v in spec.infusion_visits
        ]
        count = pl.sum_horizontal(
            (pl.col("TRTSDT") + timedelta(days=d) <= pl.lit(data_cut)).cast(pl.Int64)
            for d in closes
        )
        due_expr.append((code, count))
    if arm_col is None or arm is not None:
        only = due_expr[0][1] if arm is None else next(c for k, c in due_expr if k == arm.code)
        due = only
    else:
        due = pl.lit(0)
        for code, count in due_expr:
            due = pl.when(pl.col(arm_col) == code).then(count).otherwise(due)
    missed = (
        treated.select(
            "USUBJID", (due - pl.col("NINFUS").fill_null(0)).clip(lower_bound=0).alias("M")
        )
        .filter(pl.col("M") > 0)
        .sort("USUBJID")
    )
    total = int(missed["M"].sum())
    if missed.height > LISTING_CAP:
        note = f"not listed: {missed.height} participants > {LISTING_CAP}"
        return (), total, note
    rows = tuple(CountRow(u, int(m), treated.height) for u, m in missed.iter_rows())
    return rows, total, None


def build_deviations(
    adam: dict[str, pl.DataFrame], protocol: Protocol, *, data_cut: date
) -> Deviations:
    """Out-of-window assessments, missed infusions and dose deviations."""
    counts: list[CountRow] = []
    listing: list[OutOfWindowRow] = []
    total_listed = 0
    for name, params in ASSESSMENT_PARAMS.items():
        data = adam.get(name)
        if data is None:
            continue
        require_columns(data, ["USUBJID", "PARAMCD", "OUTWINFL", "VISIT", "ADY"], name)
        out = data.filter(pl.col("OUTWINFL") == "Y", pl.col("PARAMCD").is_in(params))
        participants = data["USUBJID"].n_unique()
        for paramcd in params:
            k = int((out["PARAMCD"] == paramcd).sum())
            counts.append(CountRow(f"{name} {paramcd}", k, participants))
        total_listed += out.height
        if total_listed <= LISTING_CAP:
            listing.extend(
                OutOfWindowRow(name, u, p, v, d)
                for u, p, v, d in out.select("USUBJID", "PARAMCD", "VISIT", "ADY")
                .sort("USUBJID", "ADY")
                .iter_rows()
            )
    note = None
    if total_listed > LISTING_CAP:
        listing = []
        note = f"not listed: {total_listed} out-of-window assessments > {LISTING_CAP}"
    rows, total, missed_note = build_missed_infusions(adam["ADSL"], protocol, data_cut=data_cut)
    dose: tuple[CountRow, ...] | NotEstimable = NotEstimable(
        "ADaM carries no per-infusion dose deviation (ADSL has no NDOSDEV)"
    )
    adsl = adam["ADSL"]
    if "NDOSDEV" in adsl.columns:
        treated = adsl.filter(pl.col("SAFFL") == "Y")
        off = treated.filter(pl.col("NDOSDEV") > 0).sort("USUBJID")
        dose = tuple(
            CountRow(str(usubjid), int(count), int(ninfus))
            for usubjid, count, ninfus in off.select("USUBJID", "NDOSDEV", "NINFUS").iter_rows()
        )
    return Deviations(
        out_of_window=tuple(counts),
        out_of_window_listing=tuple(listing),
        out_of_window_note=note,
        missed_infusions=rows,
        missed_infusions_total=total,
        missed_infusions_note=missed_note,
        dose_deviations=dose,
    )
