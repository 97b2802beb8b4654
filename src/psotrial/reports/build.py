"""From the database to the report, step by step: the one pipeline the CLI and the web share.

``load_captured`` -> ``build_sdtm`` -> ``build_adam`` -> ``build_analysis`` -> figures ->
HTML -> PDF. Each step is announced through ``on_step`` so a caller can show progress
(the CLI draws a rich progress bar; the web app does not). The analysis libraries
(matplotlib, WeasyPrint, scipy, lifelines) are imported by the steps that use them.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, cast

import polars as pl
from sqlalchemy.orm import Session

from psotrial.protocol import Protocol

if TYPE_CHECKING:
    from psotrial.reports.html import ReportData

__all__ = [
    "CHUNK_PARTICIPANTS",
    "REPORT_IMPUTATIONS",
    "REPORT_STEPS",
    "Analysed",
    "BuiltReport",
    "build_analysed",
    "build_report",
    "check_report_imputation",
    "load_report_data",
]

REPORT_IMPUTATIONS = ("nri", "locf")
"""Imputation of missing responses the report may be built with (ADaM ``imputation=``)."""

REPORT_STEPS = (
    "Reading the database",
    "Building SDTM",
    "Building ADaM",
    "Computing the analysis",
    "Drawing the figures",
    "Writing the HTML",
    "Printing the PDF",
)
"""The steps announced to ``on_step``, in order."""

OnStep = Callable[[str], None]


def _ignore(step: str) -> None:
    return None


def check_report_imputation(imputation: str) -> None:
    """Refuse an imputation the report is not built with.

    Raises:
        FieldError: ``imputation`` is not one of :data:`REPORT_IMPUTATIONS`.
    """
    from psotrial.errors import FieldError

    if imputation not in REPORT_IMPUTATIONS:
        raise FieldError(
            "imputation", f"expected one of {', '.join(REPORT_IMPUTATIONS)}, got {imputation!r}"
        )


CHUNK_PARTICIPANTS = 2_000
"""Participants read and built at a time by :func:`build_analysed` (a larger study is
built in groups of this many: the same datasets, with a bounded peak memory)."""


@dataclass(frozen=True)
class Analysed:
    """The analysed datasets of a study (ADaM and SDTM IE) and what the report needs.

    ``adam`` is what ``build_analysis`` and the report's figures and listings read: every
    dataset as ``build_adam`` gives it, except ADPASI and ADQS, which keep only the
    parameters the analysis reads (``stats.build.ANALYSED_PARAMS``: 6% and 40% of their
    rows). The datasets in full, as built, are kept compressed: :meth:`full_adam` gives
    them, :meth:`compute_digest` hashes them and ``records`` counts their rows.
    """

    adam: dict[str, pl.DataFrame]
    """ADSL, ADPASI, ADQS, ADLB, ADAE, ADTTE (ADPASI and ADQS narrowed) and IE."""
    sdtm: dict[str, pl.DataFrame]
    """The SDTM datasets asked for (``keep_sdtm``), as ``build_sdtm`` gives them."""
    data_cut: date
    synthetic: bool
    records: dict[str, int]
    """Rows of each dataset in full (``adam``'s keys)."""
    packed: _PackedDatasets

    def full_adam(self) -> dict[str, pl.DataFrame]:
        """Every dataset of ``adam`` in full, as ``build_adam`` of the whole study gives it."""
        return {name: self.packed.load(name) for name in self.adam}

    def compute_digest(self) -> str:
        """:func:`~psotrial.reports.digest.compute_adam_digest` of :meth:`full_adam`,
        a group of participants at a time."""
        from psotrial.reports.digest import compute_adam_digest_of_parts

        return compute_adam_digest_of_parts({name: self.packed.loaders(name) for name in self.adam})


class _PackedDatasets:
    """Datasets held as zstd-compressed Arrow IPC, a group of subjects per piece.

    A BDS dataset in polars is mostly 16-byte string views; compressed it is about 1% of
    that (ADPASI of 2,000 participants: ~1 MB against ~270 MB), so the whole study's
    datasets cost almost nothing to keep beside the narrowed ones the analysis reads.
    """

    def __init__(self) -> None:
        self._pieces: dict[str, list[bytes]] = {}

    def add(self, datasets: Mapping[str, pl.DataFrame]) -> None:
        for name, frame in datasets.items():
            buffer = io.BytesIO()
            frame.write_ipc(buffer, compression="zstd")
            self._pieces.setdefault(name, []).append(buffer.getvalue())

    def loaders(self, name: str) -> list[Callable[[], pl.DataFrame]]:
        return [partial(_read_ipc, piece) for piece in self._pieces[name]]

    def load(self, name: str) -> pl.DataFrame:
        from psotrial.sdtm.conform import concat_sorted

        return concat_sorted([load() for load in self.loaders(name)], ["USUBJID"])


def _read_ipc(piece: bytes) -> pl.DataFrame:
    return pl.read_ipc(io.BytesIO(piece))


def _narrow(adam: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """``adam`` with ADPASI and ADQS reduced to the parameters the analysis reads."""
    from psotrial.stats.build import ANALYSED_PARAMS

    narrowed = {}
    for name, frame in adam.items():
        params = ANALYSED_PARAMS.get(name)
        if params is not None:
            # The filtered rows share the whole dataset's long-string buffers; copying
            # them out (an IPC round trip) cost 0.23 s of CPU per group of 2,000 and did
            # not lower the 10k peak RSS (1,343 MB without it).
            frame = frame.filter(pl.col("PARAMCD").is_in(params))
        narrowed[name] = frame
    return narrowed


def build_analysed(
    session: Session,
    protocol: Protocol,
    *,
    imputation: str,
    data_cut: date | None = None,
    chunk: int | None = CHUNK_PARTICIPANTS,
    keep_sdtm: Collection[str] = ("IE",),
    seconds: dict[str, float] | None = None,
    on_step: OnStep = _ignore,
) -> Analysed:
    """``load_captured`` -> ``build_sdtm`` -> ``build_adam``, ``chunk`` participants at a
    time: the datasets are those of the whole study at once, whatever ``chunk`` is.

    A study of at most ``chunk`` participants (or ``chunk=None``) is read and built at
    once. A larger one is read in groups of ``chunk`` participants taken in USUBJID order;
    each group's subject-level SDTM and its ADaM are built, and only the ADaM (narrowed,
    and compressed in full: see :class:`Analysed`) and the SDTM datasets in ``keep_sdtm``
    are kept; the groups' datasets are then appended in order, and the study-level
    datasets (TA, TE, TV, TI, TS) are built once from every subject. Every subject-level
    derivation reads one subject at a time, and the data cut is the whole study's, so the
    result is identical (tests/reports/test_build_chunks.py).

    Args:
        seconds: if given, the seconds spent in each step are added to it under
            ``load_captured``, ``build_sdtm`` and ``build_adam``.
        on_step: told the first three :data:`REPORT_STEPS` as each first begins.
    """
    from psotrial.adam import Imputation, build_adam
    from psotrial.adam.build import concat_adam
    from psotrial.capture.extract import load_captured, load_data_cut, load_participants
    from psotrial.sdtm import build_sdtm
    from psotrial.sdtm.build import (
        STUDY_DATASETS,
        build_study_sdtm,
        build_subject_sdtm,
        concat_subject_sdtm,
    )
    from psotrial.sdtm.subjects import order_subjects

    spent = seconds if seconds is not None else {}
    clock = _Clock(spent, on_step)
    mode = cast(Imputation, imputation)
    packed = _PackedDatasets()
    with clock("load_captured"):
        participants = None if chunk is None else load_participants(session, protocol)
    if participants is None or participants.height <= max(chunk or 0, 1):
        with clock("load_captured"):
            captured = load_captured(session, protocol, data_cut=data_cut)
        with clock("build_sdtm"):
            sdtm = build_sdtm(captured, protocol)
        with clock("build_adam"):
            whole = {**build_adam(sdtm, protocol, imputation=mode), "IE": sdtm["IE"]}
            packed.add(whole)
            adam = _narrow(whole)
            records = {name: frame.height for name, frame in whole.items()}
            del whole
        synthetic = bool(captured.study["synthetic"][0]) if captured.study.height else False
        kept = {name: sdtm[name] for name in keep_sdtm}
        return Analysed(adam, kept, captured.data_cut, synthetic, records, packed)
    assert chunk is not None
    with clock("load_captured"):
        cut = data_cut if data_cut is not None else load_data_cut(session, protocol)
    order = order_subjects(participants)
    subject_names = [n for n in dict.fromkeys([*keep_sdtm, "IE"]) if n not in STUDY_DATASETS]
    sdtm_parts: dict[str, list[pl.DataFrame]] = {name: [] for name in subject_names}
    adam_parts: list[dict[str, pl.DataFrame]] = []
    subjects: list[pl.DataFrame] = []
    records = {}
    synthetic = False
    for start in range(0, len(order), chunk):
        with clock("load_captured"):
            captured = load_captured(
                session, protocol, data_cut=cut, participants=order[start : start + chunk]
            )
        synthetic = bool(captured.study["synthetic"][0]) if captured.study.height else False
        with clock("build_sdtm"):
            part = build_subject_sdtm(captured, protocol)
        del captured
        with clock("build_adam"):
            group = build_adam(part.datasets, protocol, imputation=mode)
            packed.add(group)
            for name, frame in group.items():
                records[name] = records.get(name, 0) + frame.height
            adam_parts.append(_narrow(group))
            del group
        subjects.append(part.subjects)
        for name in subject_names:
            sdtm_parts[name].append(part.datasets[name])
        del part
    with clock("build_adam"):
        adam = concat_adam(adam_parts)
    del adam_parts
    with clock("build_sdtm"):
        sdtm = {name: concat_subject_sdtm(parts, name) for name, parts in sdtm_parts.items()}
        if any(name in STUDY_DATASETS for name in keep_sdtm):
            sdtm |= build_study_sdtm(protocol, pl.concat(subjects), cut)
    packed.add({"IE": sdtm["IE"]})
    records["IE"] = sdtm["IE"].height
    kept = {name: sdtm[name] for name in keep_sdtm}
    return Analysed({**adam, "IE": sdtm["IE"]}, kept, cut, synthetic, records, packed)


_STEP_NAMES = {
    "load_captured": REPORT_STEPS[0],
    "build_sdtm": REPORT_STEPS[1],
    "build_adam": REPORT_STEPS[2],
}


class _Clock:
    """Adds the seconds of each ``with clock(step):`` block to ``spent[step]``, and
    announces each step the first time it begins."""

    def __init__(self, spent: dict[str, float], on_step: OnStep) -> None:
        self._spent = spent
        self._on_step = on_step
        self._announced: set[str] = set()
        self._step = ""
        self._start = 0.0

    def __call__(self, step: str) -> _Clock:
        self._step = step
        if step not in self._announced:
            self._announced.add(step)
            self._on_step(_STEP_NAMES[step])
        return self

    def __enter__(self) -> None:
        self._start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self._start
        self._spent[self._step] = self._spent.get(self._step, 0.0) + elapsed


@dataclass(frozen=True)
class BuiltReport:
    """A rendered report: report.html (standalone), its web body, report.pdf (if asked)."""

    html: str
    body: str
    pdf: bytes | None
    digest: str
    data_cut: date | None
    synthetic: bool


def load_report_data(
    session: Session,
    protocol: Protocol,
    *,
    imputation: str,
    now: datetime,
    data_cut: date | None = None,
    on_step: OnStep = _ignore,
) -> ReportData:
    """Read the study and compute the analysis: a :class:`ReportData`.

    Args:
        session: an open session (reads only).
        protocol: the study's protocol.
        imputation: ``nri`` or ``locf`` (missing responses in ADaM).
        now: when the report is generated (printed on the title page).
        data_cut: the snapshot date (default: the latest form entry change).

    Raises:
        FieldError: ``imputation`` is not one of :data:`REPORT_IMPUTATIONS`.
    """
    from psotrial.reports.html import ReportData
    from psotrial.stats.build import build_analysis

    check_report_imputation(imputation)
    # Read, SDTM and ADaM run a group of participants at a time (a bounded memory for a
    # large study); each step is announced when it first begins.
    built = build_analysed(
        session, protocol, imputation=imputation, data_cut=data_cut, on_step=on_step
    )
    # SDTM IE joins ADaM as the one tabulation input: it holds the screen-failure reasons
    # of the CONSORT diagram, which no ADaM dataset carries. It is hashed with the rest.
    on_step(REPORT_STEPS[3])
    analysis = build_analysis(built.adam, protocol, data_cut=built.data_cut)
    return ReportData(
        analysis,
        built.adam,
        protocol,
        built.synthetic,
        now,
        records=built.records,
        digest_of=built.compute_digest,
    )


def build_report(data: ReportData, *, pdf: bool = True, on_step: OnStep = _ignore) -> BuiltReport:
    """Render the figures, the HTML (document and web body) and, with ``pdf``, the PDF."""
    from psotrial.reports.charts import build_report_figures
    from psotrial.reports.html import compute_report_digest, render_report_html
    from psotrial.reports.pdf import render_report_pdf

    on_step(REPORT_STEPS[4])
    figures = build_report_figures(data.analysis, data.adam, data.protocol)
    on_step(REPORT_STEPS[5])
    digest = compute_report_digest(data)
    html = render_report_html(data, figures=figures, digest=digest)
    body = render_report_html(data, standalone=False, figures=figures, digest=digest)
    document = None
    if pdf:
        on_step(REPORT_STEPS[6])
        document = render_report_pdf(html)
    return BuiltReport(html, body, document, digest, data.analysis.data_cut, data.synthetic)
