"""Loading protocols: built-ins by name, files by path, and every problem reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from psotrial.errors import NotFoundError, ProtocolError
from psotrial.protocol import list_protocols, load_protocol, parse_protocol
from psotrial.protocol.loader import _read

BASE_TEXT = _read("nct03745417")[0]


def test_list_protocols_has_both_builtins() -> None:
    assert list_protocols() == ["nct03265613", "nct03745417"]


def test_load_protocol_nct03745417_identity_and_arm() -> None:
    protocol = load_protocol("nct03745417")
    assert protocol.identity.registry_id == "NCT03745417"
    assert protocol.identity.target_enrollment == 5
    arm = protocol.arm()
    assert arm.dosing.cells_per_kg == 2_000_000
    assert arm.infusion_visits == ("W0", "W2", "W4", "W6", "W8")
    assert [v.code for v in protocol.visits] == [
        "SCR", "W0", "W2", "W4", "W6", "W8", "W12", "W16", "W20", "W24",
    ]  # fmt: skip
    assert [site.code for site in protocol.sites] == ["GZ01"]


def test_load_protocol_sister_extends_base() -> None:
    sister = load_protocol("NCT03265613")
    base = load_protocol("nct03745417")
    assert sister.identity.registry_id == "NCT03265613"
    assert sister.arm().dosing.cells_per_kg == 500_000
    assert sister.arm().infusion_visits == ("W0", "W4", "W8")
    assert sister.criteria == base.criteria
    assert sister.forms == base.forms
    assert [o.title for o in sister.outcomes] == [o.title for o in base.outcomes]


def test_load_protocol_unknown_name_lists_builtins() -> None:
    with pytest.raises(NotFoundError, match="nct03745417"):
        load_protocol("nct00000000")


def test_load_protocol_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"nope\.yaml"):
        load_protocol(tmp_path / "nope.yaml")


def test_load_protocol_from_path_equals_builtin(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(BASE_TEXT, encoding="utf-8")
    assert load_protocol(path) == load_protocol("nct03745417")


def test_parse_protocol_yaml_syntax_error_names_line() -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol("identity: [unclosed\n", source="broken.yaml")
    assert str(caught.value).startswith("broken.yaml: line 2")


def test_parse_protocol_reports_every_problem_with_path() -> None:
    text = (
        BASE_TEXT.replace("cells_per_kg: 2000000", "cells_per_kg: lots")
        .replace("window_before: 27", "window_before: -1")
        .replace('{fact: pasi.total, op: ">", value: 7}', '{fact: pasi.total, op: "=>", value: 7}')
    )
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, source="bad.yaml")
    paths = [path for path, _ in caught.value.problems]
    assert paths == [
        "arms[0].dosing.cells_per_kg",
        "visits[0].window_before",
        "criteria[0].rule.all[1].any[0].op",
    ]
    message = str(caught.value)
    assert "bad.yaml: arms[0].dosing.cells_per_kg: Input should be a valid integer" in message
    assert "Input should be '>', '>=', '<', '<=', '==' or '!=' (got '=>')" in message


def test_parse_protocol_unknown_field_is_refused() -> None:
    text = BASE_TEXT.replace("  target_enrollment: 5", "  target_enrollment: 5\n  colour: blue")
    with pytest.raises(ProtocolError, match=r"identity\.colour: unexpected field"):
        parse_protocol(text, source="x.yaml")


def test_parse_protocol_top_level_must_be_mapping() -> None:
    with pytest.raises(ProtocolError, match="expected a mapping"):
        parse_protocol("- a\n- b\n", source="list.yaml")


def test_parse_protocol_extends_unknown_base() -> None:
    with pytest.raises(ProtocolError, match=r"extends: expected a built-in protocol"):
        parse_protocol("extends: nct99999999\n", source="child.yaml")


def test_parse_protocol_extends_replaces_sections_whole() -> None:
    child = parse_protocol(
        "extends: nct03745417\nidentity:\n"
        + "\n".join(
            f"  {line}"
            for line in (
                "registry_id: NCT00000001",
                "title: Synthetic test protocol",
                "short_title: TEST",
                "phase: Phase 1",
                "sponsor: Nobody (synthetic)",
                "condition: Psoriasis",
                "design: single group",
                "masking: none",
                "target_enrollment: 3",
            )
        ),
        source="child.yaml",
    )
    assert child.identity.registry_id == "NCT00000001"
    assert child.identity.other_ids == ()  # not merged from the base's identity
    assert child.visits == load_protocol("nct03745417").visits
