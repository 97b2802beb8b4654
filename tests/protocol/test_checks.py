"""Cross-reference checks: each PROTO-E rule is planted and caught."""

from __future__ import annotations

import pytest

from psotrial.errors import ProtocolError
from psotrial.protocol import parse_protocol
from psotrial.protocol.loader import _read

BASE_TEXT = _read("nct03745417")[0]


@pytest.mark.parametrize(
    ("old", "new", "rule", "path"),
    [
        (
            "  - {code: FOLLOW-UP, name: Follow-up}",
            "  - {code: TREATMENT, name: Again}",
            "PROTO-E001",
            "epochs",
        ),
        ("    epoch: SCREENING\n", "    epoch: PRESCREEN\n", "PROTO-E002", "visits[0].epoch"),
        (
            "forms: [informed_consent, demographics,",
            "forms: [informed_consent, demographix,",
            "PROTO-E003",
            "visits[0].forms[1]",
        ),
        (
            "infusion_visits: [W0, W2, W4, W6, W8]",
            "infusion_visits: [W0, W2, W4, W6, W9]",
            "PROTO-E004",
            "arms[0].infusion_visits[4]",
        ),
        (
            '{fact: labs.PLT.value, op: "<", value: 75.0}',
            '{fact: labs.PLATELETS.value, op: "<", value: 75.0}',
            "PROTO-E005",
            "criteria[7].rule",
        ),
        (
            '{fact: medical_history.allergy_history, op: "==", value: true}',
            '{fact: medical_history.hay_fever, op: "==", value: true}',
            "PROTO-E005",
            "criteria[9].rule",
        ),
        (
            "    measure: dlqi\n    visits: [W12]",
            "    measure: dlqi\n    visits: [W13]",
            "PROTO-E006",
            "outcomes[7].visits[0]",
        ),
    ],
)
def test_check_protocol_each_rule_can_fail(old: str, new: str, rule: str, path: str) -> None:
    assert old in BASE_TEXT
    text = BASE_TEXT.replace(old, new, 1)
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, source="bad.yaml")
    assert (path, rule) in [(p, m.split()[0]) for p, m in caught.value.problems]


def test_check_protocol_visits_must_ascend() -> None:
    text = BASE_TEXT.replace(
        "  - code: W16\n    name: Week 16 (follow-up)\n    epoch: FOLLOW-UP\n"
        "    week: 16\n    day: 113",
        "  - code: W16\n    name: Week 16 (follow-up)\n    epoch: FOLLOW-UP\n"
        "    week: 24\n    day: 169",
    )
    with pytest.raises(ProtocolError, match="PROTO-E007"):
        parse_protocol(text, source="bad.yaml")


def test_check_protocol_rule_form_not_at_screening() -> None:
    text = BASE_TEXT.replace(
        "vital_signs, pasi, bsa, itch, dlqi, zung_sas, zung_sds, pregnancy, labs,",
        "vital_signs, pasi, bsa, itch, dlqi, zung_sas, zung_sds, labs,",
        1,
    )
    with pytest.raises(ProtocolError, match=r"PROTO-E008 fact 'pregnancy\.test_result'"):
        parse_protocol(text, source="bad.yaml")
