"""Every command of the README, through the real CLI: JSON contracts, tables, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py

P3 = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area": 4},
}


def run_json(cli: Run, *argv: str, stdin: Any = None) -> Any:
    status, out, err = cli(*argv, "--json", stdin=stdin)
    assert status == 0, err
    return json.loads(out)


def test_score_pasi_json(cli: Run) -> None:
    result = run_json(cli, "score", "pasi", "-", stdin=P3)
    assert result["pasi"] == 22.6
    assert result["regions"]["lower_limbs"]["score"] == 14.4
    assert result["warnings"] == []


def test_score_pasi_table(cli: Run) -> None:
    status, out, _ = cli("score", "pasi", "-", stdin=P3)
    assert status == 0
    assert "PASI 22.6" in out


def test_score_pasi_file_argument(cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "pasi.json"
    path.write_text(json.dumps(P3), encoding="utf-8")
    assert run_json(cli, "score", "pasi", str(path))["pasi"] == 22.6


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("score", "pasi", "-"), {"head": {"erythema": 5}}, "head.erythema"),
        (("score", "pasi", "-"), "{not json", "standard input is not valid JSON"),
        (("score", "pasi", "-"), "[1, 2]", "expected a JSON object"),
        (("score", "pasi", "/nonexistent/x.json"), None, "cannot read /nonexistent/x.json"),
        (("score", "zung", "-"), {"scale": "HADS", "items": [1] * 20}, "SAS"),
        (("score", "itch", "-"), {"vas_mm": 101}, "vas_mm"),
        (("labs", "grade", "-"), {"test": "PLT", "value": 70, "unit": "mg"}, "mg"),
        (("labs", "grade", "-"), {"test": "TSH", "value": 1, "unit": "mU/L"}, "TSH"),
        (("response", "-"), {"baseline": 0, "values": [{"visit": "W12", "pasi": 0}]}, "baseline"),
        (("dose", "--weight-kg", "-3"), None, "weight_kg"),
        (("schedule", "--first-infusion", "tomorrow"), None, "--first-infusion"),
        (("protocol", "show", "nct00000000"), None, "unknown protocol 'nct00000000'"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    cli: Run, argv: tuple[str, ...], stdin: Any, message: str
) -> None:
    status, out, err = cli(*argv, stdin=stdin)
    assert status == 2
    assert out == ""
    assert err.startswith("psotrial: error: ")
    assert err.count("\n") == 1
    assert message in err


def test_nan_literal_in_json_is_refused(cli: Run) -> None:
    status, _, err = cli("score", "itch", "-", stdin='{"vas_mm": NaN}')
    assert status == 2
    assert "NaN is not a number psotrial accepts" in err


def test_score_dlqi_json(cli: Run) -> None:
    answers = {"q1": 3, "q2": 2, "q3": 1, "q4": 0, "q5": 2, "q6": "not_relevant",
               "q7a": "no", "q7b": 1, "q8": 1, "q9": 0, "q10": 3}  # fmt: skip
    result = run_json(cli, "score", "dlqi", "-", stdin=answers)
    assert result["total"] == 13
    assert result["band"] == "very large effect"
    assert result["subscales"]["symptoms_feelings"] == 5
    assert result["missing"] == []


def test_score_zung_json(cli: Run) -> None:
    result = run_json(cli, "score", "zung", "-", stdin={"scale": "SDS", "items": [1] * 20})
    assert (result["raw"], result["index"], result["index_display"]) == (50, 62.5, 62)


def test_score_bsa_json(cli: Run) -> None:
    palms = {"head": 6, "upper_limbs": 0, "trunk": 6, "lower_limbs": 0}
    result = run_json(cli, "score", "bsa", "-", stdin=palms)
    assert result["bsa_pct"] == 12
    assert result["regions"]["trunk"]["pasi_area"] == 2
    assert result["regions"]["head"]["pasi_area"] == 4


def test_score_itch_json(cli: Run) -> None:
    assert run_json(cli, "score", "itch", "-", stdin={"vas_mm": 62})["band"] == "moderate"


def test_labs_grade_json(cli: Run) -> None:
    result = run_json(
        cli, "labs", "grade", "-",
        stdin={"test": "HGB", "value": 95, "unit": "g/L", "lln": 115, "uln": 150},
    )  # fmt: skip
    assert result == {
        "grades": [
            {"term": "Anemia", "grade": 2},
            {"term": "Hemoglobin increased", "grade": 0},
        ]
    }


def test_labs_grade_without_range_is_null(cli: Run) -> None:
    result = run_json(
        cli, "labs", "grade", "-", stdin={"test": "PLT", "value": 100, "unit": "10^9/L"}
    )
    assert result == {"grades": [{"term": "Platelet count decreased", "grade": None}]}


def test_response_json(cli: Run) -> None:
    document = {
        "baseline": 20.0,
        "values": [
            {"visit": "W4", "pasi": 12.0},
            {"visit": "W8", "pasi": 8.0},
            {"visit": "W12", "pasi": 5.0},
            {"visit": "W16", "pasi": 10.5},
        ],
    }
    result = run_json(cli, "response", "-", stdin=document)
    assert result["visits"][2] == {
        "visit": "W12", "pasi": 5.0, "improvement_pct": 75.0, "pasi50": True, "pasi75": True,
        "pasi90": False, "pasi100": False,
    }  # fmt: skip
    assert result["relapse"] == {
        "protocol": {"relapsed": True, "visit": "W16"},
        "npf": {"relapsed": False, "visit": None},
    }
    assert result["rebound"] == {"rebound": False, "visit": None}


def test_eligibility_example_round_trip(cli: Run, tmp_path: Path) -> None:
    status, example, _ = cli("eligibility", "--example")
    assert status == 0
    record = json.loads(example)
    assert record["forms"]["labs"]["PLT"] == {
        "value": 210,
        "unit": "10^9/L",
        "lln": 125,
        "uln": 350,
    }
    path = tmp_path / "record.json"
    path.write_text(example, encoding="utf-8")
    result = run_json(cli, "eligibility", str(path))
    assert result["eligible"] is True
    assert len(result["criteria"]) == 13
    status, table, _ = cli("eligibility", str(path))
    assert "ELIGIBLE" in table


def test_eligibility_reports_failed_criterion(cli: Run) -> None:
    _, example, _ = cli("eligibility", "--example")
    record = json.loads(example)
    record["forms"]["labs"]["PLT"]["value"] = 74.9
    result = run_json(cli, "eligibility", "-", stdin=record)
    assert result["eligible"] is False
    [ex05] = [c for c in result["criteria"] if c["id"] == "EX05"]
    assert ex05["status"] == "not_met"
    assert "labs.PLT.value 74.9 < 75.0" in ex05["reason"]


def test_eligibility_schema_describes_forms(cli: Run) -> None:
    status, out, _ = cli("eligibility", "--schema")
    schema = json.loads(out)
    assert status == 0
    forms = schema["properties"]["forms"]["properties"]
    assert forms["pasi"]["properties"]["head"]["properties"]["erythema"]["maximum"] == 4
    assert forms["labs"]["properties"]["PLT"]["properties"]["unit"] == {"const": "10^9/L"}


def test_eligibility_needs_a_source(cli: Run) -> None:
    status, _, err = cli("eligibility")
    assert status == 2
    assert "--schema or --example" in err


def test_schedule_json(cli: Run) -> None:
    result = run_json(cli, "schedule", "--first-infusion", "2026-03-02")
    w12 = next(v for v in result["visits"] if v["code"] == "W12")
    assert (w12["target"], w12["earliest"], w12["latest"], w12["day"]) == (
        "2026-05-25", "2026-05-22", "2026-05-28", 85,
    )  # fmt: skip
    assert [v["infusion"] for v in result["visits"]][:6] == [None, 1, 2, 3, 4, 5]


def test_schedule_sister_protocol(cli: Run) -> None:
    result = run_json(
        cli, "schedule", "--first-infusion", "2026-03-02", "--protocol", "nct03265613",
        "--weight-kg", "60",
    )  # fmt: skip
    doses = [(v["code"], v.get("planned_cells")) for v in result["visits"] if v["infusion"]]
    assert doses == [("W0", 30_000_000), ("W4", 30_000_000), ("W8", 30_000_000)]


def test_dose_json(cli: Run) -> None:
    result = run_json(cli, "dose", "--weight-kg", "61.5")
    assert result["cells_per_infusion"] == 123_000_000
    assert result["total_cells"] == 615_000_000


def test_protocol_show_json_shape(cli: Run) -> None:
    result = run_json(cli, "protocol", "show")
    assert list(result) == [
        "identity", "sites", "epochs", "arms", "visits", "forms", "criteria", "outcomes",
        "settings",
    ]  # fmt: skip
    assert result["sites"] == [
        {"code": "GZ01", "name": "Guangdong Provincial Hospital of Traditional Chinese Medicine"}
    ]
    assert result["identity"]["registry_id"] == "NCT03745417"
    ex05 = next(c for c in result["criteria"] if c["id"] == "EX05")
    assert {"fact": "labs.PLT.value", "op": "<", "value": 75.0, "times": 1, "plus": 0} in ex05[
        "rule"
    ]["any"]


def test_protocol_show_table(cli: Run) -> None:
    status, out, _ = cli("protocol", "show", "nct03265613")
    assert status == 0
    assert "NCT03265613" in out
    assert "500,000 cells/kg IV at W0, W4, W8" in out


def test_protocol_validate_good_and_bad(cli: Run, tmp_path: Path) -> None:
    from psotrial.protocol.loader import _read

    good = tmp_path / "good.yaml"
    good.write_text(_read("nct03745417")[0], encoding="utf-8")
    status, out, _ = cli("protocol", "validate", str(good))
    assert status == 0
    assert "valid (NCT03745417: 10 visits, 19 forms, 13 criteria, 8 outcomes)" in out

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        _read("nct03745417")[0]
        .replace("cells_per_kg: 2000000", "cells_per_kg: -1")
        .replace("epoch: SCREENING", "epoch: PRE"),
        encoding="utf-8",
    )
    status, out, err = cli("protocol", "validate", str(bad))
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}: arms[0].dosing.cells_per_kg: Input should be greater")
    assert len(lines) == 1  # cross-references are checked once the types are right
    assert "1 problem(s) found" in err


def test_protocol_list(cli: Run) -> None:
    status, out, _ = cli("protocol", "list")
    assert (status, out.split()) == (0, ["nct03265613", "nct03745417"])


def test_help_lists_every_command(cli: Run) -> None:
    status, out, _ = cli("--help")
    assert status == 0
    for command in ("protocol", "score", "labs", "eligibility", "response", "schedule", "dose"):
        assert command in out
