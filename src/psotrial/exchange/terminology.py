"""Read the vendored CDISC controlled terminology shipped in the package.

The file is ``psotrial/data/cdisc-ct-2025-03-28.json`` (a subset of NCI EVS CDISC SDTM CT
2025-03-28; see ``psotrial/data/README.md`` and ``tools/build_ct_subset.py``). The model and
the parsing are pure (:mod:`psotrial.sdtm.terminology`); this module only reads the bytes.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from psotrial.sdtm.terminology import Terminology, parse_terminology

__all__ = ["CT_FILE", "CT_VERSION", "load_terminology"]

CT_VERSION = "2025-03-28"
CT_FILE = f"cdisc-ct-{CT_VERSION}.json"


@lru_cache(maxsize=1)
def load_terminology() -> Terminology:
    """The vendored terminology, parsed once per process (it is immutable).

    Example:
        >>> load_terminology().codelist("NY").term("Y").code
        'C49488'
    """
    text = files("psotrial").joinpath("data", CT_FILE).read_text(encoding="utf-8")
    return parse_terminology(text)
