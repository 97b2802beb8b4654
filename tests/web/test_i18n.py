"""Every visible string of the web application comes from the gettext catalogs.

Templates may hold no text of their own outside ``{{ _("...") }}`` (a scan of text nodes and
of the visible attributes), and every extracted message has a Chinese translation.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from psotrial.web.i18n import load_catalogs

WEB = Path(str(resources.files("psotrial.web")))
TEMPLATES = sorted((WEB / "templates").rglob("*.html"))
ROOT = Path(__file__).resolve().parents[2]

JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]*>", re.S)
VISIBLE_ATTRIBUTE = re.compile(r'\b(title|placeholder|aria-label|alt|value)="([^"]*)"', re.I)
WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
# Not prose: the product's name, units and symbols shown as they are in every language.
ALLOWED = {"psotrial", "mm", "kg", "cm", "PASI", "BSA", "DLQI", "VAS", "SAS", "SDS", "CTCAE"}


def _hard_coded(source: str) -> list[str]:
    found = []
    for name, value in VISIBLE_ATTRIBUTE.findall(source):
        if name.lower() == "value":
            continue  # form values are data, not labels
        if WORD.search(JINJA.sub("", value)):
            found.append(f'{name}="{value}"')
    text = TAG.sub(" ", SCRIPT_STYLE.sub(" ", JINJA.sub(" ", source)))
    for word in WORD.findall(text):
        if word not in ALLOWED:
            found.append(word)
    return found


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_has_no_hard_coded_text(template: Path) -> None:
    assert _hard_coded(template.read_text(encoding="utf-8")) == []


def test_scan_finds_hard_coded_text() -> None:
    assert _hard_coded('<h1>Dashboard</h1><input placeholder="Search">') == [
        'placeholder="Search"',
        "Dashboard",
    ]
    assert _hard_coded('<h1>{{ _("Dashboard") }}</h1>') == []


def test_catalog_is_current_and_fully_translated(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
            "-F", str(ROOT / "babel.cfg"), "-k", "N_", "-k", "gettext_for:2",
            "-o", str(pot), str(WEB),
        ],
        check=True,
    )  # fmt: skip
    with pot.open("rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    po = WEB / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = sorted(
        str(m.id) for m in catalog if m.id and (not m.string or m.fuzzy) and m.id in extracted
    )
    missing = sorted(str(i) for i in extracted - {m.id for m in catalog if m.id})
    assert missing == [], "run `make i18n` and translate the new messages"
    assert untranslated == [], "translate these messages in the zh catalog"


def test_chinese_catalog_loads_and_translates() -> None:
    catalogs = load_catalogs()
    assert catalogs.gettext_for("zh", "Dashboard") != "Dashboard"
    assert catalogs.gettext_for("en", "Dashboard") == "Dashboard"


def test_every_visit_and_form_of_the_built_in_protocols_is_translatable() -> None:
    from psotrial.protocol import list_protocols, load_protocol
    from psotrial.web.vocabulary import VOCABULARY

    names = {
        name
        for protocol in map(load_protocol, list_protocols())
        for name in [v.name for v in protocol.visits] + [f.name for f in protocol.forms]
    }
    assert sorted(names - set(VOCABULARY)) == []
