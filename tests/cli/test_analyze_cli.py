"""``psotrial analyze pasi``: a long PASI CSV in, responder rates out (JSON or a table)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py

PUBLIC = Path(__file__).resolve().parents[1] / "data" / "public-synthetic-psoriasis-trial-2021.csv"


@pytest.fixture(scope="module")
def public_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The public wide file written as the long CSV the command reads."""
    path = tmp_path_factory.mktemp("public") / "psoriasis-long.csv"
    with PUBLIC.open(newline="", encoding="utf-8") as source, path.open("w", newline="") as out:
        reader = csv.DictReader(source)
        writer = csv.writer(out)
        writer.writerow(["USUBJID", "ARM", "AVISIT", "AVAL"])
        visits = [name for name in reader.fieldnames or [] if name not in ("USUBJID", "TRT")]
        for row in reader:
            writer.writerows([row["USUBJID"], row["TRT"], visit, row[visit]] for visit in visits)
    return path


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pasi.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_analyze_pasi_json_on_the_public_dataset(cli: Run, public_csv: Path) -> None:
    status, out, err = cli("analyze", "pasi", str(public_csv), "--json")
    assert (status, err) == (0, "")
    arms = json.loads(out)["arms"]
    assert list(arms) == [
        "ACTIVE TREATMENT DOSE 01",
        "ACTIVE TREATMENT DOSE 02",
        "COMPARATOR TREATMENT",
    ]
    visits = ["WEEK01", "WEEK04", "WEEK08", "WEEK16", "WEEK24", "WEEK32", "WEEK40", "WEEK52"]
    assert all(list(by_visit) == visits for by_visit in arms.values())
    week16 = arms["COMPARATOR TREATMENT"]["WEEK16"]
    assert set(week16) == {"n", "pasi50", "pasi75", "pasi90", "pasi100", "mean_improvement_pct"}
    # 220 of 296 = 74.3243...%; exact 95% CI computed by Clopper-Pearson
    assert week16["n"] == 296
    assert week16["pasi75"]["count"] == 220
    assert week16["pasi75"]["pct"] == 74.32
    low, high = week16["pasi75"]["ci95"]
    assert 68.9 < low < 69.1
    assert 79.1 < high < 79.3
    assert isinstance(week16["mean_improvement_pct"], float)


def test_analyze_pasi_nri_counts_everyone_with_a_baseline(cli: Run, public_csv: Path) -> None:
    status, out, _ = cli("analyze", "pasi", str(public_csv), "--json", "--imputation", "nri")
    assert status == 0
    week16 = json.loads(out)["arms"]["COMPARATOR TREATMENT"]["WEEK16"]
    assert (week16["n"], week16["pasi75"]["count"], week16["pasi75"]["pct"]) == (300, 220, 73.33)


def test_analyze_pasi_table(cli: Run, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "USUBJID,ARM,AVISIT,AVAL\nA,UC-MSC,W0,7.6\nA,UC-MSC,W12,1.9\nB,UC-MSC,W0,9.9\n"
        "B,UC-MSC,W12,2.5\n",
    )
    status, out, err = cli("analyze", "pasi", str(path), "--baseline-visit", "W0")
    assert (status, err) == (0, "")
    assert "PASI responders (observed; baseline 'W0'" in out
    assert re.search(r"│ UC-MSC +│ W12 +│ 2 │ 2 \(100.0%\)", out)
    # 7.6 -> 1.9 is exactly 75%: one of two; 9.9 -> 2.5 is not
    assert "1 (50.0%)" in out
    assert "1.3-98.7" in out


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("USUBJID,ARM,AVISIT\nA,X,BASELINE\n", "line 1: missing column(s) AVAL"),
        ("USUBJID,ARM,AVISIT,AVAL\nA,X,BASELINE,10\nA,X,W4,n/a\n", "line 3, column AVAL"),
        (
            "USUBJID,ARM,AVISIT,AVAL\nA,X,BASELINE,10\nA,X,BASELINE,11\n",
            "line 3, columns USUBJID+AVISIT",
        ),
        ("USUBJID,ARM,AVISIT,AVAL\nA,X,W0,10\n", "no baseline rows (AVISIT = 'BASELINE')"),
    ],
)
def test_analyze_pasi_bad_input_exits_2_naming_the_place(
    cli: Run, tmp_path: Path, text: str, where: str
) -> None:
    path = write(tmp_path, text)
    status, out, err = cli("analyze", "pasi", str(path), "--json")
    assert (status, out) == (2, "")
    assert err.startswith(f"psotrial: error: {path}: ")
    assert where in err


def test_analyze_pasi_refuses_unknown_imputation(cli: Run, public_csv: Path) -> None:
    status, _, err = cli("analyze", "pasi", str(public_csv), "--imputation", "locf")
    assert status == 2
    assert "--imputation: expected one of observed, nri, got 'locf'" in err


def test_analyze_pasi_missing_file(cli: Run, tmp_path: Path) -> None:
    status, _, err = cli("analyze", "pasi", str(tmp_path / "none.csv"))
    assert status == 2
    assert "none.csv: no such file" in err
