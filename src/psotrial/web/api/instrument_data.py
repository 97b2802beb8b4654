"""Form data in the API: for the scored instruments, the shape of ``psotrial score``.

The issue's contract: for PASI, BSA, DLQI, Zung and itch the API's ``data`` has exactly
the input shape of the matching ``psotrial score`` command, and ``scores`` holds that
command's output (``--json``). The protocol stores answers by item name (PASI's
``head.erythema``, Zung's ``q1``..``q20``), so this module translates between the two and
asks the same instrument functions as the command for the scores. It holds no scoring
rule of its own; other forms pass through with the protocol's item names and the scores
that capture stored.

* pasi: ``{"head": {"erythema", "induration", "desquamation", "area_pct"}, "upper_limbs",
  "trunk", "lower_limbs"}``; stored as ``head.erythema`` ...
* bsa: ``{"head": palms, "upper_limbs", "trunk", "lower_limbs"}``; stored the same.
* dlqi: ``{"q1".."q10" except q7, "q7a", "q7b"}``; stored the same.
* itch: ``{"vas_mm": 0-100}``; stored the same.
* zung_sas, zung_sds: ``{"scale": "SAS" | "SDS", "items": [20 answers 1-4 or null]}``;
  stored as ``q1``..``q20``.

The command also accepts a PASI region's area as a score (``area``, 0-6); the trial's form
captures the area in percent only, so ``area`` is refused as an unknown item (422).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from psotrial.errors import FieldError, FieldErrors, ScoringError
from psotrial.instruments.bsa import compute_bsa
from psotrial.instruments.dlqi import compute_dlqi
from psotrial.instruments.itch import compute_itch
from psotrial.instruments.pasi import compute_pasi
from psotrial.instruments.zung import compute_zung
from psotrial.jsoncodec import loads_exact, to_json
from psotrial.protocol import FormSpec
from psotrial.protocol.answers import nest_answers

__all__ = [
    "COMMAND_INSTRUMENTS",
    "api_data",
    "api_field",
    "api_scores",
    "form_data",
    "rename_field_errors",
]

_ZUNG_SCALES = {"zung_sas": "SAS", "zung_sds": "SDS"}
_ZUNG_ITEMS = 20

_SCORERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "pasi": lambda data: compute_pasi(data).to_dict(),
    "bsa": lambda data: compute_bsa(data).to_dict(),
    "dlqi": lambda data: compute_dlqi(data).to_dict(),
    "itch": lambda data: compute_itch(data.get("vas_mm")).to_dict(),
    "zung_sas": lambda data: compute_zung(str(data.get("scale")), data["items"]).to_dict(),
    "zung_sds": lambda data: compute_zung(str(data.get("scale")), data["items"]).to_dict(),
}
COMMAND_INSTRUMENTS = frozenset(_SCORERS)
"""Instruments whose API data and scores are those of ``psotrial score``."""


def form_data(spec: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """API ``data`` as the answers ``capture.entries.save_entry`` takes.

    Raises:
        FieldError: a Zung document that is not ``{"scale", "items": [...]}`` for its scale.
    """
    scale = _ZUNG_SCALES.get(spec.instrument or "")
    if scale is None:
        return dict(data)
    unknown = sorted(set(data) - {"scale", "items"})
    if unknown:
        raise FieldError(unknown[0], "unknown key; expected: scale, items")
    if data.get("scale") != scale:
        raise FieldError("scale", f"{spec.code} is the {scale} scale: expected {scale!r}")
    items = data.get("items", [])
    if not isinstance(items, list) or len(items) > _ZUNG_ITEMS:
        raise FieldError("items", f"expected a list of up to {_ZUNG_ITEMS} answers, each 1-4")
    # An unanswered item (null) is left out, as a missing answer is on every other form.
    return {f"q{n}": answer for n, answer in enumerate(items, start=1) if answer is not None}


def api_data(spec: FormSpec, stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers in the API's shape (JSON-ready)."""
    scale = _ZUNG_SCALES.get(spec.instrument or "")
    if scale is not None:
        if not stored:
            return {}
        return {"scale": scale, "items": [stored.get(f"q{n}") for n in range(1, _ZUNG_ITEMS + 1)]}
    data: dict[str, Any] = to_json(nest_answers(stored))
    return data


def api_scores(spec: FormSpec, stored: Mapping[str, Any], stored_scores: str) -> Any:
    """The scores the API shows for stored answers: the ``psotrial score`` output for its
    instruments, computed from the exact stored values as the command reads its file.

    Answers the instrument cannot score yet (a draft) give ``{"not_scored": reason}``, as
    capture stores them; other forms show capture's stored scores (``stored_scores``, the
    entry's JSON text, read only for them).
    """
    scorer = _SCORERS.get(spec.instrument or "")
    if scorer is None:
        return to_json(loads_exact(stored_scores))
    if not stored:
        return {}
    scale = _ZUNG_SCALES.get(spec.instrument or "")
    document: Mapping[str, Any] = (
        {"scale": scale, "items": [stored.get(f"q{n}") for n in range(1, _ZUNG_ITEMS + 1)]}
        if scale is not None
        else nest_answers(stored)
    )
    try:
        return to_json(scorer(document))
    except ScoringError as exc:
        return {"not_scored": str(exc)}


def api_field(spec: FormSpec, field: str) -> str:
    """A field named by capture (``pasi.head.erythema``) as the API names it
    (``head.erythema``; a Zung answer ``zung_sas.q5`` as ``items.4``)."""
    name = field.removeprefix(f"{spec.code}.")
    if name != field and spec.instrument in _ZUNG_SCALES and name.startswith("q"):
        number = name[1:]
        if number.isdigit():
            return f"items.{int(number) - 1}"
    return name


def rename_field_errors(spec: FormSpec, exc: FieldError | FieldErrors) -> FieldError | FieldErrors:
    """The same refusal with each field named as the API names it."""
    if isinstance(exc, FieldErrors):
        return FieldErrors([FieldError(api_field(spec, e.field), e.msg) for e in exc.errors])
    return FieldError(api_field(spec, exc.field), exc.msg)
