"""A folder of datasets, one file per dataset: ``dm.xpt``, ``adsl.parquet``, ``rs.csv``.

:func:`write_datasets` checks every dataset before it writes any file, so a refused export
leaves the folder as it was; each file is written atomically. :func:`read_datasets` reads
such a folder back (by extension), keyed by the upper-case dataset name; the conformance
checks and the tests read exports through it.

XPT is the submission format (SAS XPORT v5; see :mod:`psotrial.exchange.xpt`); Parquet keeps
every polars type exactly; CSV is for people and spreadsheets (UTF-8, ISO 8601 dates, empty
cell for missing). A CSV carries no types, so reading one infers them from the whole file
unless ``specs`` say what each variable is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal, get_args

import polars as pl

from psotrial.capture.records import atomic_file
from psotrial.errors import ExportError, FieldError, NotFoundError
from psotrial.exchange.xpt import check_columns, check_xpt, read_xpt, write_xpt
from psotrial.sdtm.metadata import DatasetSpec

__all__ = ["DATASET_FORMATS", "DatasetFormat", "read_datasets", "write_datasets"]

DatasetFormat = Literal["xpt", "parquet", "csv"]
DATASET_FORMATS: tuple[DatasetFormat, ...] = get_args(DatasetFormat)


def write_datasets(
    frames: Mapping[str, pl.DataFrame],
    specs: Mapping[str, DatasetSpec],
    out_dir: str | Path,
    fmt: str = "xpt",
) -> list[Path]:
    """Write each frame as ``<name lower case>.<fmt>`` into ``out_dir``.

    Every frame is checked against its spec first (for XPT, all the v5 limits; for every
    format, columns equal to the spec's variables), and only then is anything written.

    Args:
        frames: datasets by name (``"DM"``); each needs a spec of the same name.
        specs: dataset specs by name.
        out_dir: folder to write into (created when missing).
        fmt: ``xpt``, ``parquet`` or ``csv``.

    Returns:
        The written files, in the order of ``frames``.

    Raises:
        FieldError: ``fmt`` is not one of the formats.
        ExportError: a frame has no spec or breaks its spec or the format; nothing written.
    """
    if fmt not in DATASET_FORMATS:
        raise FieldError("format", f"expected one of {', '.join(DATASET_FORMATS)}, got {fmt!r}")
    for name, frame in frames.items():
        spec = specs.get(name)
        if spec is None:
            raise ExportError(
                f"dataset {name!r} has no spec; specs exist for {', '.join(sorted(specs))}"
            )
        if fmt == "xpt":
            check_xpt(frame, spec)
        else:
            check_columns(frame, spec)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, frame in frames.items():
        spec = specs[name]
        path = directory / f"{spec.name.lower()}.{fmt}"
        ordered = frame.select(spec.variable_names)
        if fmt == "xpt":
            write_xpt(ordered, spec, path)
        else:
            with atomic_file(path) as handle:
                if fmt == "parquet":
                    ordered.write_parquet(handle)
                else:
                    ordered.write_csv(handle)
        written.append(path)
    return written


def read_datasets(
    directory: str | Path, *, specs: Mapping[str, DatasetSpec] | None = None
) -> dict[str, pl.DataFrame]:
    """Read every ``.xpt``, ``.parquet`` and ``.csv`` file of ``directory``.

    Other files (``define.xml``, ``.html``) are ignored. Keys are the upper-case file stems
    (``dm.xpt`` -> ``"DM"``), in file-name order. XPT numbers come back as ``Float64``
    (XPORT has no integers) and blank characters as null.

    Args:
        directory: the folder.
        specs: when given, CSV columns named in a spec are read as its type (text stays
            text even when it looks like a number; ``*DT`` dates become ``Date``).

    Raises:
        NotFoundError: ``directory`` does not exist.
        ExportError: two files hold the same dataset (``dm.xpt`` and ``dm.csv``).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = pl.DataFrame({"STUDYID": ["NCT03745417"]}).write_csv(f"{folder}/ts.csv")
        ...     read_datasets(folder)["TS"]["STUDYID"].to_list()
        ['NCT03745417']
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise NotFoundError("dataset folder", str(folder))
    frames: dict[str, pl.DataFrame] = {}
    sources: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower().lstrip(".")
        if suffix not in DATASET_FORMATS or path.name.startswith(".") or not path.is_file():
            continue
        name = path.stem.upper()
        if name in sources:
            raise ExportError(
                f"dataset {name} is in both {sources[name].name} and {path.name}; "
                "keep one file per dataset"
            )
        sources[name] = path
        if suffix == "xpt":
            frames[name] = read_xpt(path)
        elif suffix == "parquet":
            frames[name] = pl.read_parquet(path)
        else:
            frames[name] = _read_csv(path, (specs or {}).get(name))
    return frames


def _read_csv(path: Path, spec: DatasetSpec | None) -> pl.DataFrame:
    if spec is None:
        return pl.read_csv(path, infer_schema_length=None)
    header = pl.read_csv(path, n_rows=0).columns
    overrides: dict[str, pl.DataType] = {}
    for variable in spec.variables:
        if variable.name not in header:
            continue
        if variable.type in ("integer", "float"):
            overrides[variable.name] = pl.Float64()
        elif variable.type == "date" and variable.name.endswith("DT"):
            overrides[variable.name] = pl.Date()
        elif variable.type == "datetime" and variable.name.endswith("DTM"):
            overrides[variable.name] = pl.Datetime("us")
        else:
            overrides[variable.name] = pl.String()
    return pl.read_csv(path, schema_overrides=overrides, infer_schema_length=None)
