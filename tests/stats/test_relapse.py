"""build_relapse_rates on a literal ADPASI with hand-worked answers."""

from __future__ import annotations

import polars as pl

from psotrial.stats.relapse import build_relapse_rates

WEEKS = (2, 4, 8, 12, 16, 20)


def adpasi(rows: dict[str, tuple[float, tuple[float | None, ...]]]) -> pl.DataFrame:
    records = []
    for usubjid, (base, values) in rows.items():
        for week, value in zip(WEEKS, values, strict=False):
            if value is None:
                continue
            flag = "Y" if 2 * round(value * 10) <= round(base * 10) else "N"
            records.append(
                {"USUBJID": usubjid, "PARAMCD": "PASITOT", "ANL01FL": "Y", "DTYPE": None,
                 "FASFL": "Y", "AVISIT": f"WEEK {week}", "AVISITN": float(week),
                 "BASE": base, "AVAL": value, "CRIT1FL": flag}
            )  # fmt: skip
    return pl.DataFrame(records)


def test_build_relapse_rates_hand_worked() -> None:
    data = adpasi(
        {
            # PASI-50 at W4 (10 <= 20/2), relapse at W8 (2*11 > 20), PASI-50 again at W12,
            # follow-up relapse at W20; NPF: best 9 at W12, W20 14: 2*(20-14)=12 <= 11? no;
            # W8: best 10, 2*(20-11)=18 <= 10? no.
            "a": (20.0, (15.0, 10.0, 11.0, 9.0, 10.0, 14.0)),
            # PASI-50 only at W12 (exactly half: 2*5 = 10), no follow-up visit yet.
            "b": (10.0, (9.0, 8.0, 7.0, 5.0, None, None)),
            # never PASI-50
            "c": (30.0, (29.0, 28.0, 20.0, 16.0, 15.0, 15.1)),
            # PASI-50 at W2, NPF relapse at W16: best 2 (W12), 2*(10-6)=8 <= 8 (inclusive)
            "d": (10.0, (5.0, 4.0, 3.0, 2.0, 6.0, 5.0)),
        }
    )
    rates = build_relapse_rates(data, end_week=12)
    assert (rates.treatment_protocol.count, rates.treatment_protocol.n) == (1, 3)
    assert (rates.follow_up_protocol.count, rates.follow_up_protocol.n) == (2, 2)
    assert (rates.treatment_npf.count, rates.treatment_npf.n) == (0, 3)
    assert (rates.follow_up_npf.count, rates.follow_up_npf.n) == (1, 2)
    by_id = {p.usubjid: p for p in rates.participants}
    assert set(by_id) == {"a", "b", "d"}
    assert (by_id["a"].first_pasi50, by_id["a"].relapse_treatment) == ("WEEK 4", "WEEK 8")
    assert by_id["a"].relapse_follow_up == "WEEK 20"
    assert by_id["a"].relapse_follow_up_npf is None
    assert by_id["d"].relapse_follow_up == "WEEK 16"
    assert by_id["d"].relapse_follow_up_npf == "WEEK 16"
    assert by_id["b"].pasi50_at_end_of_treatment
    assert by_id["b"].relapse_follow_up is None
    exclusive = build_relapse_rates(data, end_week=12, npf_inclusive=False)
    assert exclusive.follow_up_npf.count == 0


def test_build_relapse_rates_caps_listing() -> None:
    data = adpasi({f"p{i:03d}": (10.0, (5.0, 5.0, 5.0, 5.0, 6.0, 6.0)) for i in range(60)})
    rates = build_relapse_rates(data, end_week=12)
    assert rates.participants == ()
    assert rates.note == "not listed: 60 achievers > 50"
    assert (rates.follow_up_protocol.count, rates.follow_up_protocol.n) == (60, 60)
