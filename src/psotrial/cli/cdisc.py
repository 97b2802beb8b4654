"""``psotrial export sdtm|adam|define``: CDISC datasets and their Define-XML, from the database.

Each command reads the configured database (``PSOTRIAL_DATABASE_URL``) in one transaction:
it loads what was captured, builds the SDTM datasets (and from them the ADaM datasets),
checks every dataset against its spec and the file format, records the export as an audit
event, and only then writes the files; a refusal leaves the folder as it was. Until logins
exist, the commands act as ``system``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._choices import DATASET_FORMATS, DEFAULT_MAX_SHIFT_DAYS
from psotrial.cli._db import open_database, study_protocol
from psotrial.cli.records import ShiftDates, ShiftDays, date_shift_for
from psotrial.errors import ExportError, FieldError

# The builders, polars, pandas (XPT) and xmlschema (Define-XML) load when a command runs,
# not when `psotrial --help` lists the commands (issue 7: start-up time).
if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.orm import Session

    from psotrial.adam import Imputation as ImputationMethod
    from psotrial.protocol import Protocol
    from psotrial.sdtm.metadata import DatasetSpec

__all__ = ["export_adam", "export_define", "export_sdtm"]

Out = Annotated[Path, typer.Option("--out", help="Folder to write into (created if missing).")]
Format = Annotated[
    str, typer.Option("--format", help=f"File format: {', '.join(DATASET_FORMATS)}.")
]
Imputation = Annotated[
    str,
    typer.Option(
        "--imputation",
        help="Missing PASI response: nri (non-responder), locf, or none.",
    ),
]


def export_sdtm(
    out: Out = Path("sdtm"),
    fmt: Format = "xpt",
    shift_dates: ShiftDates = False,
    shift_days: ShiftDays = DEFAULT_MAX_SHIFT_DAYS,
) -> None:
    """Export the SDTM datasets (SDTMIG 3.4), one file per dataset (dm.xpt, ...);
    ``--shift-dates`` moves every participant's dates for external sharing."""
    from psotrial.capture.deidentify import shift_dataset_dates
    from psotrial.db.engine import transaction

    _check_format(fmt)
    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        shift = date_shift_for(opened, shift_dates, shift_days)
        with transaction(opened.factory) as session:
            frames, specs = _sdtm(session, protocol)
            if shift is not None:
                frames = {name: shift_dataset_dates(f, shift) for name, f in frames.items()}
            paths = _write(session, "sdtm", frames, specs, out, fmt)
    _report("SDTM", frames, paths, fmt, out)


def export_adam(
    out: Out = Path("adam"), fmt: Format = "xpt", imputation: Imputation = "nri"
) -> None:
    """Export the ADaM datasets (ADaMIG 1.3), built from SDTM, one file per dataset."""
    from psotrial.db.engine import transaction

    _check_format(fmt)
    _check_imputation(imputation)
    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            sdtm_frames, _ = _sdtm(session, protocol)
            frames, specs = _adam(sdtm_frames, protocol, imputation)
            paths = _write(session, "adam", frames, specs, out, fmt)
    _report("ADaM", frames, paths, fmt, out)


def export_define(
    out: Out = Path("define"), fmt: Format = "xpt", imputation: Imputation = "nri"
) -> None:
    """Write define-sdtm.xml and define-adam.xml (Define-XML 2.1) with an HTML page each."""
    from psotrial.capture.exports import record_export
    from psotrial.capture.records import atomic_file
    from psotrial.db.engine import transaction
    from psotrial.exchange.define import render_define_html

    _check_format(fmt)
    _check_imputation(imputation)
    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            sdtm_frames, sdtm_specs = _sdtm(session, protocol)
            adam_frames, adam_specs = _adam(sdtm_frames, protocol, imputation)
            documents = {
                "define-sdtm": _define(sdtm_specs, sdtm_frames, "Tabulation", protocol, fmt),
                "define-adam": _define(adam_specs, adam_frames, "Analysis", protocol, fmt),
            }
            out.mkdir(parents=True, exist_ok=True)
            paths = [out / f"{stem}.{ext}" for stem in documents for ext in ("xml", "html")]
            record_export(session, actor=SYSTEM, kind="define", paths=paths, fmt="xml")
            for stem, xml in documents.items():
                with atomic_file(out / f"{stem}.xml") as handle:
                    handle.write(xml)
                with atomic_file(out / f"{stem}.html") as handle:
                    handle.write(render_define_html(xml).encode("utf-8"))
    counts = ", ".join(
        f"{stem}.xml ({len(specs)} datasets)"
        for stem, specs in (("define-sdtm", sdtm_specs), ("define-adam", adam_specs))
    )
    typer.echo(f"wrote {counts} and their .html to {out}; both valid against Define-XML 2.1")


def _check_format(fmt: str) -> None:
    if fmt not in DATASET_FORMATS:
        raise FieldError("format", f"expected one of {', '.join(DATASET_FORMATS)}, got {fmt!r}")


def _check_imputation(imputation: str) -> None:
    from psotrial.adam import IMPUTATIONS

    if imputation not in IMPUTATIONS:
        raise FieldError(
            "imputation", f"expected one of {', '.join(IMPUTATIONS)}, got {imputation!r}"
        )


def _specs(specs: Any) -> dict[str, DatasetSpec]:
    if isinstance(specs, Mapping):
        return dict(specs)
    return {spec.name: spec for spec in specs}


def _sdtm(
    session: Session, protocol: Protocol
) -> tuple[dict[str, pl.DataFrame], dict[str, DatasetSpec]]:
    from psotrial.capture.deidentify import load_identifiers, mask_dataset_text
    from psotrial.capture.extract import load_captured
    from psotrial.sdtm import SDTM_SPECS, build_sdtm

    captured = load_captured(session, protocol)
    # Free text leaves masked (AETERM, CMTRT, ...): SDTM, and the ADaM built from it.
    identifiers = load_identifiers(session)
    frames = {
        name: mask_dataset_text(frame, identifiers)[0]
        for name, frame in build_sdtm(captured, protocol).items()
    }
    return frames, _specs(SDTM_SPECS)


def _adam(
    sdtm_frames: Mapping[str, pl.DataFrame], protocol: Protocol, imputation: str
) -> tuple[dict[str, pl.DataFrame], dict[str, DatasetSpec]]:
    from psotrial.adam import ADAM_SPECS, build_adam

    _check_imputation(imputation)
    method = cast("ImputationMethod", imputation)
    frames = build_adam(sdtm_frames, protocol, imputation=method)
    return dict(frames), _specs(ADAM_SPECS)


def _write(
    session: Session,
    kind: str,
    frames: Mapping[str, pl.DataFrame],
    specs: Mapping[str, DatasetSpec],
    out: Path,
    fmt: str,
) -> list[Path]:
    from psotrial.capture.exports import record_export
    from psotrial.exchange.datasets import write_datasets

    # the audit event goes first, in this transaction: if writing fails, it rolls back
    planned = [out / f"{name.lower()}.{fmt}" for name in frames]
    rows = {name: frame.height for name, frame in frames.items()}
    record_export(session, actor=SYSTEM, kind=kind, paths=planned, fmt=fmt, rows=rows)
    return write_datasets(frames, specs, out, fmt)


def _define(
    specs: Mapping[str, DatasetSpec],
    frames: Mapping[str, pl.DataFrame],
    purpose: Any,
    protocol: Protocol,
    fmt: str,
) -> bytes:
    from psotrial.exchange.define import build_define, validate_define

    ordered: Sequence[DatasetSpec] = [specs[name] for name in frames if name in specs]
    xml = build_define(ordered, purpose=purpose, protocol=protocol, frames=frames, file_format=fmt)
    problems = validate_define(xml)
    if problems:
        shown = "\n".join(problems[:10])
        raise ExportError(
            f"the {purpose} Define-XML does not validate against the Define-XML 2.1 schema "
            f"({len(problems)} problems; nothing written):\n{shown}"
        )
    return xml


def _report(
    standard: str, frames: Mapping[str, pl.DataFrame], paths: Sequence[Path], fmt: str, out: Path
) -> None:
    rows = sum(frame.height for frame in frames.values())
    typer.echo(f"exported {len(paths)} {standard} datasets ({rows} records) as {fmt} to {out}")
    for name, frame in frames.items():
        typer.echo(f"  {name.lower()}.{fmt}  {frame.height} records")
