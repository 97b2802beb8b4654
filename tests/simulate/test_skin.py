"""Synthetic skin and questionnaires: forms that score back to what was drawn."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest

from psotrial.instruments import REGIONS, compute_bsa, compute_dlqi, compute_pasi, compute_zung
from psotrial.simulate.questionnaires import draw_dlqi_answers, draw_zung_answers
from psotrial.simulate.skin import draw_skin, examine_skin, involvement_step


def test_involvement_step_is_a_terminating_half_palm_grid() -> None:
    assert {region: involvement_step(region) for region in REGIONS} == {
        "head": Fraction(5),
        "upper_limbs": Fraction(5, 2),
        "trunk": Fraction(5),
        "lower_limbs": Fraction(5, 4),
    }


@pytest.mark.parametrize("factor", [1.0, 0.5, 0.1, 0.0, 1.4])
def test_examine_skin_pasi_and_bsa_agree(factor: float) -> None:
    rng = random.Random(11)
    for _ in range(40):
        exam = examine_skin(rng, draw_skin(rng), factor)
        pasi = compute_pasi(exam.pasi)
        bsa = compute_bsa(exam.bsa)
        assert pasi.tenths == exam.tenths
        assert pasi.warnings == ()
        assert bsa.bsa_pct == exam.bsa_pct
        for region in REGIONS:
            assert bsa.regions[region].involvement_pct == exam.pasi[region]["area_pct"]
            assert bsa.regions[region].pasi_area == pasi.regions[region].area
            assert exam.bsa[region] % Decimal("0.5") == 0


def test_examine_skin_follows_the_severity_factor() -> None:
    rng = random.Random(5)
    ratios = []
    for _ in range(200):
        skin = draw_skin(rng)
        baseline = examine_skin(rng, skin, 1.0).tenths
        ratios.append(examine_skin(rng, skin, 0.5).tenths / baseline)
    assert 0.45 < sum(ratios) / len(ratios) < 0.6


@pytest.mark.parametrize("total", [0, 1, 7, 15, 29, 30])
def test_draw_dlqi_answers_scores_back_to_the_total(total: int) -> None:
    rng = random.Random(total)
    for _ in range(20):
        assert compute_dlqi(draw_dlqi_answers(rng, total)).total == total


@pytest.mark.parametrize(("scale", "raw"), [("SAS", 20), ("SAS", 40), ("SDS", 45), ("SDS", 80)])
def test_draw_zung_answers_scores_back_to_the_raw_score(scale: str, raw: int) -> None:
    answers = draw_zung_answers(random.Random(raw), scale, raw)
    assert compute_zung(scale, [answers[f"q{n}"] for n in range(1, 21)]).raw == raw


def test_draw_answers_refuse_impossible_totals() -> None:
    with pytest.raises(ValueError, match="0-30"):
        draw_dlqi_answers(random.Random(0), 31)
    with pytest.raises(ValueError, match="20-80"):
        draw_zung_answers(random.Random(0), "SAS", 19)
