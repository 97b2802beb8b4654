"""A study with no participants yet: every dataset builds, empty, with its columns."""

from __future__ import annotations

from typing import Any

from psotrial.adam import ADAM_SPECS, build_adam
from psotrial.capture.extract import load_captured
from psotrial.sdtm import SDTM_SPECS, build_sdtm


def test_empty_study_builds_every_sdtm_and_adam_dataset(trial: Any) -> None:
    with trial.db.factory() as session:
        captured = load_captured(session, trial.protocol)
    sdtm = build_sdtm(captured, trial.protocol)
    assert set(sdtm) == set(SDTM_SPECS)
    for name, frame in sdtm.items():
        assert frame.columns == list(SDTM_SPECS[name].variable_names), name
    assert sdtm["DM"].height == sdtm["QS"].height == 0
    assert sdtm["TS"].height > 0  # the trial design comes from the protocol
    adam = build_adam(sdtm, trial.protocol)
    for name, frame in adam.items():
        assert frame.height == 0, name
        assert frame.columns == list(ADAM_SPECS[name].variable_names), name
