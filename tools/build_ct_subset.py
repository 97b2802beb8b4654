"""Regenerate src/psotrial/data/cdisc-ct-2025-03-28.json, the vendored CT subset.

The full NCI CDISC SDTM controlled terminology (package 2025-03-28, 1158 codelists) is
13 MB; psotrial ships only the codelists this study writes, so the repository never needs
the full file at run time. Run from the repository root:

    .venv/bin/python tools/build_ct_subset.py \
        ../shared/data/nci-cdisc-sdtm-terminology-2025-03-28.tar.xz

The archive holds ``SDTM Terminology.txt`` as NCI EVS publishes it (tab-separated: Code,
Codelist Code, Codelist Extensible (Yes/No), Codelist Name, CDISC Submission Value, CDISC
Synonym(s), CDISC Definition, NCI Preferred Term; codelist header rows have an empty
Codelist Code). A plain ``.txt`` path is accepted too.

To add a codelist: add its C-code to ``SDTM_CODELISTS`` (with ``None`` for every term, or a
tuple of submission values for a subset of a large extensible codelist), rerun, and commit
the JSON. The output is deterministic (sorted), so a diff shows exactly what changed.

ADaM CT (DTYPE, PARAMTYP, DATEFL, TIMEFL) is not in the SDTM file; its few terms are
written out in ``ADAM_CODELISTS`` below from ADaM CT 2024-03-29 (the newest ADaM package
we could read offline, via the CSV in github.com/rubentalstra/Trial-Submission-Studio,
crates/tss-standards/data/terminology/2024-03-29/ADaM_CT_2024-03-29.csv).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import sys
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "2025-03-28"
OUT = Path(__file__).resolve().parents[1] / "src" / "psotrial" / "data" / f"cdisc-ct-{PACKAGE}.json"

# Codelists this study uses (docs/cdisc.md section 7.2, plus the trial-design value lists
# TS needs). None = every term; a tuple = only these submission values (large extensible
# codelists, kept small; values outside the subset are reported as sponsor extensions).
SDTM_CODELISTS: dict[str, tuple[str, ...] | None] = {
    "C66742": None,  # NY
    "C66731": None,  # SEX
    "C74457": None,  # RACE
    "C66790": None,  # ETHNIC
    "C66781": None,  # AGEU
    "C66729": None,  # ROUTE
    "C66726": None,  # FRM
    "C71620": None,  # UNIT
    "C71113": None,  # FREQ
    "C66769": None,  # AESEV
    "C66768": None,  # OUT
    "C66767": None,  # ACN
    "C99079": None,  # EPOCH
    "C74558": None,  # DSCAT
    "C66727": None,  # NCOMPLT
    "C114118": None,  # PROTMLST
    "C66797": None,  # IECAT
    "C66789": None,  # ND
    "C66728": None,  # STENRF
    "C78736": None,  # NRIND
    "C66741": None,  # VSTESTCD
    "C67153": None,  # VSTEST
    "C66770": None,  # VSRESU
    "C71148": None,  # POSITION
    "C118971": None,  # CCCAT
    "C179936": None,  # PASI02TC
    "C179935": None,  # PASI02TN
    "C100129": None,  # QSCAT
    "C119070": None,  # DLQI1TC
    "C119069": None,  # DLQI1TN
    "C85492": None,  # METHOD
    "C66738": None,  # TSPARMCD
    "C67152": None,  # TSPARM
    "C66734": None,  # DOMAIN
    "C101832": None,  # FATESTCD
    "C101833": None,  # FATEST
    "C78734": None,  # SPECTYPE
    "C78735": None,  # EVAL
    "C99073": None,  # LAT
    "C142179": None,  # ARMNULRS
    "C66737": None,  # TPHASE
    "C99077": None,  # STYPE
    "C99076": None,  # INTMODEL
    "C66735": None,  # TBLIND
    "C66785": None,  # TCNTRL
    "C66736": None,  # TINDTP
    "C66732": None,  # SEXPOP
    "C66739": None,  # TTYPE
    # The protocol's laboratory panel (protocols/nct03745417.yaml, form "labs").
    "C65047": ("ALB", "ALT", "AST", "CA", "CREAT", "CYSTATC", "HGB", "PLAT", "WBC"),
    "C67154": (
        "Alanine Aminotransferase",
        "Albumin",
        "Aspartate Aminotransferase",
        "Calcium",
        "Creatinine",
        "Cystatin C",
        "Hemoglobin",
        "Leukocytes",
        "Platelets",
    ),
    # PASI regions and the skin (FA/RS locations).
    "C74456": (
        "ARM",
        "BODY",
        "FACE",
        "HEAD",
        "HEAD AND NECK",
        "LEG",
        "LIMB",
        "LIMB, LOWER",
        "LIMB, UPPER",
        "NECK",
        "SCALP",
        "SKIN",
        "SKIN OF THE LOWER LIMB",
        "SKIN OF THE UPPER LIMB",
        "TRUNK",
    ),
}

_ADAM_SOURCE = "ADaM CT 2024-03-29 (transcribed by hand; not in the SDTM file)"


def _adam(
    code: str, short: str, name: str, extensible: bool, terms: list[tuple[str, str, str]]
) -> dict[str, Any]:
    """One ADaM codelist; each term is (C-code, submission value, synonyms separated by ';')."""
    return {
        "code": code,
        "short_name": short,
        "name": name,
        "extensible": extensible,
        "standard": "ADaM",
        "source": _ADAM_SOURCE,
        "complete": True,
        "terms": [
            [c, v, [x.strip() for x in s.split(";") if x.strip()]]
            for c, v, s in sorted(terms, key=lambda t: t[1])
        ],
    }


ADAM_CODELISTS: list[dict[str, Any]] = [
    _adam(
        "C81224",
        "DTYPE",
        "Derivation Type",
        True,
        [
            ("C81209", "AVERAGE", "Average"),
            ("C92225", "BC", "Best Case"),
            ("C81201", "BLOCF", "Baseline Observation Carried Forward"),
            ("C132340", "BOC", "Best Observed Case"),
            ("C92226", "BOCF", "Best Observation Carried Forward"),
            ("C184383", "COPY", ""),
            ("C139176", "EXTRAP", "Extrapolation"),
            ("C170546", "HALFLLOQ", "One Half of Lower Limit of Quantification"),
            ("C81208", "INTERP", "Interpolation"),
            ("C105701", "LLOD", "Lower Limit of Detection"),
            ("C170543", "LLOQ", "Lower Limit of Quantification"),
            ("C81198", "LOCF", "Last Observation Carried Forward"),
            ("C132341", "LOV", "Last Observed Value"),
            ("C132342", "LVPD", "Last Value Prior to Dosing"),
            ("C82868", "MAXIMUM", "Maximum"),
            ("C82867", "MINIMUM", "Minimum"),
            ("C53331", "ML", "Maximum Likelihood"),
            ("C81204", "MOTH", "Mean of Other Group"),
            ("C81207", "MOV", "Mean Observed Value in a Group"),
            (
                "C204584",
                "NOCB",
                "Next Observation Carried Backward; Next Value Carried Backward; NVCB",
            ),
            ("C170545", "PHANTOM", "Phantom Record"),
            ("C81205", "POCF", "Penultimate Observation Carried Forward"),
            ("C81200", "SOCF", "Screening Observation Carried Forward"),
            ("C174264", "ULOD", "Upper Limit of Detection"),
            ("C170544", "ULOQ", "Upper Limit of Quantification"),
            ("C81203", "WC", "Worst Case"),
            ("C132343", "WOC", "Worst Observed Case"),
            ("C81199", "WOCF", "Worst Observed Value Carried Forward"),
            ("C81206", "WOV", "Worst Observed Value in a Group"),
        ],
    ),
    _adam("C81225", "PARAMTYP", "Parameter Type", False, [("C81197", "DERIVED", "")]),
    _adam(
        "C81223",
        "DATEFL",
        "Date Imputation Flag",
        False,
        [("C81212", "D", ""), ("C81211", "M", ""), ("C81210", "Y", "")],
    ),
    _adam(
        "C81226",
        "TIMEFL",
        "Time Imputation Flag",
        False,
        [
            ("C81213", "H", ""),
            ("C81214", "M", ""),
            ("C81215", "S", ""),
        ],
    ),
]


def read_nci_text(source: Path) -> str:
    """The text of ``SDTM Terminology.txt`` from the NCI archive (or the plain file)."""
    if source.suffix == ".txt":
        return source.read_text(encoding="utf-8")
    with tarfile.open(source, "r:xz") as archive:
        for member in archive.getmembers():
            if member.name.endswith("SDTM Terminology.txt"):
                handle = archive.extractfile(member)
                assert handle is not None
                return handle.read().decode("utf-8")
    raise SystemExit(f"{source}: no 'SDTM Terminology.txt' inside")


def build_subset(text: str) -> dict[str, Any]:
    """Select the study's codelists from the NCI text; refuses a codelist or term it lacks."""
    headers: dict[str, dict[str, Any]] = {}
    terms: dict[str, list[list[Any]]] = {code: [] for code in SDTM_CODELISTS}
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        code, parent = row["Code"], row["Codelist Code"]
        if not parent and code in SDTM_CODELISTS:
            headers[code] = {
                "code": code,
                "short_name": row["CDISC Submission Value"],
                "name": row["Codelist Name"],
                "extensible": row["Codelist Extensible (Yes/No)"] == "Yes",
                "standard": "SDTM",
                "source": f"NCI EVS CDISC SDTM CT {PACKAGE}",
            }
        elif parent in SDTM_CODELISTS:
            wanted = SDTM_CODELISTS[parent]
            value = row["CDISC Submission Value"]
            if wanted is None or value in wanted:
                synonyms = [s.strip() for s in row["CDISC Synonym(s)"].split(";") if s.strip()]
                terms[parent].append([code, value, synonyms])
    missing = sorted(set(SDTM_CODELISTS) - set(headers))
    if missing:
        raise SystemExit(f"codelists not in the NCI file: {', '.join(missing)}")
    codelists = []
    for code, header in headers.items():
        wanted = SDTM_CODELISTS[code]
        found = {t[1] for t in terms[code]}
        if wanted is not None and set(wanted) - found:
            raise SystemExit(f"{code}: terms not in the NCI file: {sorted(set(wanted) - found)}")
        codelists.append(
            {
                **header,
                "complete": wanted is None,
                "terms": sorted(terms[code], key=lambda t: t[1]),
            }
        )
    codelists += ADAM_CODELISTS
    codelists.sort(key=lambda c: (c["standard"], c["short_name"]))
    return {
        "package": f"CDISC Controlled Terminology {PACKAGE} (SDTM), subset for psotrial",
        "version": PACKAGE,
        "source": (
            "NCI Enterprise Vocabulary Services, CDISC SDTM Terminology "
            f"{PACKAGE} (SDTM Terminology.txt); ADaM codelists from ADaM CT 2024-03-29"
        ),
        "licence": (
            "CDISC Controlled Terminology is maintained by CDISC and published by NCI EVS "
            "as public information; reuse with attribution."
        ),
        "generated_by": "tools/build_ct_subset.py",
        "term_fields": ["code", "submission_value", "synonyms"],
        "codelists": codelists,
    }


def render(subset: dict[str, Any]) -> str:
    """JSON with one codelist header and one term per line: small, and diffs stay readable."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    lines = ["{"]
    for key, value in subset.items():
        if key != "codelists":
            lines.append(f"{dump(key)}:{dump(value)},")
    lines.append('"codelists":[')
    for i, codelist in enumerate(subset["codelists"]):
        header = {k: v for k, v in codelist.items() if k != "terms"}
        lines.append(dump(header)[:-1] + ',"terms":[')
        lines.append(",\n".join(dump(term) for term in codelist["terms"]))
        lines.append("]}" + ("," if i < len(subset["codelists"]) - 1 else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source", type=Path, help="the NCI archive (.tar.xz) or SDTM Terminology.txt"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        text = read_nci_text(args.source)
    except (OSError, lzma.LZMAError, tarfile.TarError) as exc:
        raise SystemExit(f"{args.source}: cannot read: {exc}") from None
    subset = build_subset(text)
    payload = render(subset)
    args.out.write_text(payload, encoding="utf-8")
    n_terms = sum(len(c["terms"]) for c in subset["codelists"])
    print(
        f"{args.out}: {len(subset['codelists'])} codelists, {n_terms} terms, "
        f"{len(payload.encode()) // 1024} KB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
