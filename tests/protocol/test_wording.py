"""Questionnaire wording beside the protocol: the built-in file and the parser's checks."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from psotrial.errors import ProtocolError
from psotrial.protocol import load_protocol
from psotrial.protocol.wording import Wording, parse_wording

PROTOCOL = load_protocol("nct03745417")
DLQI_COPYRIGHT = "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992"


def _built_in() -> Wording:
    path = resources.files("psotrial") / "protocols" / "wording" / "nct03745417.yaml"
    return parse_wording(yaml.safe_load(path.read_text("utf-8")), protocol=PROTOCOL)


def test_built_in_wording_covers_every_questionnaire_item_in_both_languages() -> None:
    wording = _built_in()
    for form in ("dlqi", "zung_sas", "zung_sds"):
        spec = PROTOCOL.form(form)
        for item in spec.items:
            english = wording.item_text(form, item.name, "en")
            chinese = wording.item_text(form, item.name, "zh")
            assert english is not None
            assert chinese is not None
            assert chinese != english
            # Captions, not the licensed validated question text.
            assert len(english) <= 60
        for choice in {c.code for item in spec.items for c in item.choices}:
            assert wording.choice_text(form, choice, "zh") is not None


def test_dlqi_copyright_notice_and_licence_note() -> None:
    wording = _built_in()
    assert wording.form("dlqi").copyright == DLQI_COPYRIGHT
    notice = wording.notice_text("en")
    assert notice is not None
    assert "licensed" in notice
    assert wording.notice_text("zh") != notice


def test_wording_file_is_package_data() -> None:
    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    data = tomllib.loads(pyproject.read_text("utf-8"))
    assert "protocols/wording/*.yaml" in data["tool"]["setuptools"]["package-data"]["psotrial"]


def test_missing_translation_falls_back_to_english() -> None:
    wording = parse_wording({"forms": {"itch": {"title": {"en": "Itch"}}}}, protocol=PROTOCOL)
    assert wording.title("itch", "zh") == "Itch"
    assert wording.title("pasi", "zh") is None
    assert wording.item_text("itch", "vas_mm", "en") is None


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ({"notice": {"fr": "x", "en": "y"}}, "notice", "unknown language 'fr'"),
        ({"notice": {"zh": "只有中文"}}, "notice", "English text ('en') is required"),
        (
            {"forms": {"dlqi": {"items": {"q99": {"en": "x"}}}}},
            "forms.dlqi.items.q99",
            "unknown item",
        ),
        ({"forms": {"nope": {}}}, "forms.nope", "unknown form"),
        (
            {"forms": {"dlqi": {"choices": {"7": {"en": "x"}}}}},
            "forms.dlqi.choices.7",
            "unknown choice",
        ),
        ({"forms": {"dlqi": {"colour": "red"}}}, "forms.dlqi.colour", "Extra inputs"),
    ],
)
def test_malformed_wording_names_the_path(data: dict[str, Any], path: str, message: str) -> None:
    with pytest.raises(ProtocolError) as raised:
        parse_wording(data, source="w.yaml", protocol=PROTOCOL)
    assert any(where == path and message in text for where, text in raised.value.problems), (
        raised.value.problems
    )
