"""What every domain builder shares: subjects with reference dates, visits, elements.

:func:`build_context` derives them once, in dependency order (subject keys, infusions,
reference dates, elements), so each domain joins the same USUBJID, RFSTDTC and EPOCH.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from psotrial.protocol import Protocol
from psotrial.sdtm.dates import derive_var_dy
from psotrial.sdtm.elements import build_elements, derive_var_epoch
from psotrial.sdtm.entries import select_entries, select_scores
from psotrial.sdtm.infusions import select_infusions
from psotrial.sdtm.sequence import derive_var_seq
from psotrial.sdtm.source import Captured
from psotrial.sdtm.subjects import build_subject_keys, derive_reference_dates
from psotrial.sdtm.visits import build_visit_map, derive_vars_visit

__all__ = ["SdtmContext", "build_context"]

_KEYS = ("participant_id", "STUDYID", "USUBJID", "SITEID", "RFSTDTC", "RFXSTDTC")


@dataclass(frozen=True)
class SdtmContext:
    """The captured data, the protocol and the derived subject-level frames."""

    captured: Captured
    protocol: Protocol
    study_id: str
    subjects: pl.DataFrame
    visit_map: pl.DataFrame
    elements: pl.DataFrame
    infusions: pl.DataFrame

    @property
    def keys(self) -> pl.DataFrame:
        """participant_id, STUDYID, USUBJID, SITEID, RFSTDTC, RFXSTDTC."""
        return self.subjects.select(_KEYS)

    def entries(self, form: str, items: Sequence[str]) -> pl.DataFrame:
        """Submitted entries of ``form`` (see :func:`~psotrial.sdtm.entries.select_entries`)."""
        return select_entries(self.captured, self.keys, form, items)

    def scores(self, entries: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
        """``entries`` with the stored scores ``names`` joined as ``score_<name>`` text columns."""
        found = select_scores(self.captured, entries.get_column("entry_id"), names)
        renamed = found.rename({name: f"score_{name}" for name in names})
        return entries.join(renamed, on="entry_id", how="left")

    def finish(
        self,
        dataset: pl.DataFrame,
        *,
        prefix: str,
        dtc: str,
        dy: str | None,
        order: Sequence[str],
        visit: bool = False,
        epoch: bool = True,
    ) -> pl.DataFrame:
        """Add DOMAIN, (VISITNUM/VISIT/VISITDY), EPOCH, --DY and --SEQ to a domain's records.

        Args:
            dataset: records with USUBJID, RFSTDTC and ``dtc`` (and ``visit_code`` if
                ``visit``).
            prefix: the domain code, e.g. ``LB``.
            dtc: the date that places the record (EPOCH, --DY).
            dy: the study day variable to add, or None.
            order: the sort within subject that --SEQ follows.
            visit: add the visit variables from TV by ``visit_code``.
            epoch: add EPOCH from SE.
        """
        frame = self.timing(
            dataset.with_columns(pl.lit(prefix).alias("DOMAIN")),
            dtc=dtc,
            dy=dy,
            visit=visit,
            epoch=epoch,
        )
        return self.sequence(frame, prefix=prefix, order=order)

    def timing(
        self,
        dataset: pl.DataFrame,
        *,
        dtc: str,
        dy: str | None,
        visit: bool = False,
        epoch: bool = True,
    ) -> pl.DataFrame:
        """Add (VISITNUM/VISIT/VISITDY and ``visit_epoch``), EPOCH and --DY (see
        :meth:`finish`)."""
        frame = dataset
        if visit:
            frame = derive_vars_visit(frame, visit_map=self.visit_map)
        if epoch:
            frame = derive_var_epoch(frame, elements=self.elements, dtc=dtc)
        if dy is not None:
            frame = derive_var_dy(frame, dtc=dtc, new_var=dy)
        return frame

    def sequence(self, frame: pl.DataFrame, *, prefix: str, order: Sequence[str]) -> pl.DataFrame:
        """Add --SEQ within subject in ``order`` (see :meth:`finish`)."""
        # participant_id is 1:1 with USUBJID and sorts far faster than text.
        by = ("participant_id",) if "participant_id" in frame.columns else ("USUBJID",)
        return derive_var_seq(frame, by_vars=by, order=order, new_var=f"{prefix}SEQ")


def build_context(captured: Captured, protocol: Protocol, study_id: str) -> SdtmContext:
    """Derive subjects (keys and reference dates), the visit map and subject elements."""
    keys = build_subject_keys(captured, study_id)
    infusions = select_infusions(captured, keys)
    subjects = derive_reference_dates(captured, keys, infusions)
    elements = build_elements(protocol, subjects, captured.visits)
    return SdtmContext(
        captured=captured,
        protocol=protocol,
        study_id=study_id,
        subjects=subjects,
        visit_map=build_visit_map(protocol),
        elements=elements,
        infusions=infusions.join(
            subjects.select("participant_id", "RFSTDTC", "RFXSTDTC"), on="participant_id"
        ),
    )
