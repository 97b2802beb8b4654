"""Hostile form payloads straight to ``capture.entries.save_entry``, for every form.

Property: a payload with a wrong type, an out-of-range number, NaN or infinity, a huge or
unstorable text (NUL, lone surrogates), deep nesting, an unknown key or a missing required
item is refused with ``FieldError``/``FieldErrors`` naming the item, and nothing is written
(no form entry, no audit event); never another exception type. A valid payload (the
protocol's example answers, or any storable text in a text item) is accepted and stored
verbatim.

Each example runs in its own session, rolled back afterwards, so one accepted save does not
change the next example's starting point. Short variant in ``make test``; the long one with
``PSOTRIAL_RELIABILITY=1``.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from psotrial.capture.entries import entry_values, save_entry
from psotrial.capture.participants import register_candidate
from psotrial.db.models import AuditEvent, FormEntry, Participant
from psotrial.errors import FieldError, FieldErrors
from psotrial.protocol import FormSpec, ItemSpec, Protocol
from psotrial.protocol.answers import MAX_TEXT_CHARS, nest_answers

LONG = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
EXAMPLES = 3000 if LONG else 150


def _valid(form: FormSpec) -> dict[str, Any]:
    """The protocol's example answers of ``form`` (a complete, valid save)."""
    if form.instrument == "labs":
        return {
            t.code: {"value": t.example, "unit": t.unit, "lln": t.lln, "uln": t.uln}
            for t in form.lab_tests
        }
    return nest_answers({item.name: item.example for item in form.items})


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *groups, name = dotted.split(".")
    for group in groups:
        data = data.setdefault(group, {})
    data[name] = value


def _drop(data: dict[str, Any], dotted: str) -> None:
    *groups, name = dotted.split(".")
    for group in groups:
        data = data[group]
    del data[name]


def _deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"x": value}
    return value


# Values no item of any type accepts (they fit no type's domain).
NEVER_VALID = st.one_of(
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(float("-inf")),
    st.integers(min_value=3, max_value=3000).map(_deep),
    st.lists(st.integers(), min_size=1, max_size=5),
    st.just("x" * (MAX_TEXT_CHARS + 1)),
    st.integers(min_value=MAX_TEXT_CHARS + 1, max_value=2_000_000).map(lambda n: "é" * n),
    st.sampled_from(["nul\x00byte", "lone \ud800 surrogate", "\udfff"]),
    # Drawn as a digit count: hypothesis cannot print a 5,000-digit choice when it shrinks.
    st.integers(min_value=16, max_value=5000).map(lambda digits: -(10**digits)),
)
# Anything at all, valid or not; the oracle is "accepted, or refused naming the item".
ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=1, max_value=6000).map(lambda digits: 7 * 10**digits),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=200),
    st.sampled_from(["NaN", "Infinity", "-inf", "1e999", "12", "<script>alert(1)</script>"]),
    st.text(alphabet=st.characters(codec=None), max_size=50),
    st.dates().map(str),
    st.datetimes().map(lambda d: d.isoformat()),
    NEVER_VALID,
)


def _expect_number_or_choice(item: ItemSpec, value: Any) -> bool:
    """True where ``value`` is plainly wrong for a number or choice item (a string)."""
    return item.type in ("integer", "decimal") and isinstance(value, str)


@pytest.fixture
def places(trial: Any) -> dict[str, tuple[int, str, int]]:
    """Where each form can be saved first: (participant id, visit, repeat)."""
    protocol: Protocol = trial.protocol
    with trial.session() as session:
        enrolled = trial.enrolled(session)
        candidate = register_candidate(
            session,
            actor=trial.actors["coordinator"],
            site="GZ01",
            screening_date=date(2026, 2, 24),
            planned_first_infusion=date(2026, 3, 3),
            now=trial.now,
        )
        found: dict[str, tuple[int, str, int]] = {}
        for form in protocol.screening_forms:
            found[form.code] = (candidate.id, protocol.visits[0].code, 0)
        for form in protocol.forms:
            if form.code not in found:
                found[form.code] = (enrolled.id, "W0", 1 if form.repeating else 0)
    assert set(found) == {form.code for form in protocol.forms}
    return found


def _counts(session: Any) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(FormEntry)) or 0,
        session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    )


def _attempt(
    trial: Any, place: tuple[int, str, int], form: FormSpec, data: Any, status: str
) -> tuple[Exception | None, dict[str, Any] | None]:
    """Save in a session that is rolled back; the refusal, or the stored values."""
    participant_id, visit, repeat = place
    with trial.db.factory() as session:
        try:
            participant = session.get(Participant, participant_id)
            before = _counts(session)
            try:
                saved = save_entry(
                    session,
                    protocol=trial.protocol,
                    actor=trial.actors["coordinator"],
                    participant=participant,
                    visit=visit,
                    form=form.code,
                    data=data,
                    base_version=0,
                    status=status,
                    repeat=repeat,
                    now=trial.now,
                )
            except (FieldError, FieldErrors) as exc:
                refusal = exc
            else:
                session.flush()
                return None, entry_values(saved.entry)
            written = (bool(session.new), bool(session.dirty), _counts(session) != before)
            assert written == (False, False, False), (form.code, refusal)
            return refusal, None
        finally:
            session.rollback()


def _fields(exc: Exception) -> list[str]:
    if isinstance(exc, FieldErrors):
        return [error.field for error in exc.errors]
    assert isinstance(exc, FieldError)
    return [exc.field]


def test_save_entry_valid_examples_accepted_for_every_form(
    trial: Any, places: dict[str, tuple[int, str, int]]
) -> None:
    for form in trial.protocol.forms:
        error, stored = _attempt(trial, places[form.code], form, _valid(form), "complete")
        assert error is None, (form.code, error)
        assert stored


def test_save_entry_hostile_payloads_refused_by_field_nothing_written(
    trial: Any, places: dict[str, tuple[int, str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    protocol: Protocol = trial.protocol
    forms = [form for form in protocol.forms if form.items or form.lab_tests]
    outcomes: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not LONG,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        form=st.sampled_from(forms),
        kind=st.sampled_from(["never_valid", "anything", "extra_key", "missing", "not_a_dict"]),
        data=st.data(),
    )
    def run(form: FormSpec, kind: str, data: Any) -> None:
        payload = _valid(form)
        names = (
            [f"{t.code}.value" for t in form.lab_tests]
            if form.instrument == "labs"
            else [item.name for item in form.items]
        )
        target = data.draw(st.sampled_from(names), label="item")
        item = form.item(target)
        status = "complete"
        must_refuse = True
        if kind == "never_valid":
            value = data.draw(NEVER_VALID, label="value")
            _set(payload, target, value)
        elif kind == "anything":
            value = data.draw(ANYTHING, label="value")
            _set(payload, target, value)
            must_refuse = item is not None and _expect_number_or_choice(item, value)
        elif kind == "extra_key":
            target = data.draw(
                st.text(min_size=1, max_size=300).filter(lambda k: k not in payload), label="key"
            )
            payload[target] = data.draw(ANYTHING, label="value")
        elif kind == "missing":
            optional = item is not None and not item.required
            if form.instrument == "labs" or optional:
                return  # a panel is complete with the tests done; optional items may be absent
            _drop(payload, target)
        else:
            payload = data.draw(
                st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers())),
                label="payload",
            )
            target = form.code
        error, stored = _attempt(trial, places[form.code], form, payload, status)
        if error is None:
            outcomes["accepted"] += 1
            assert not must_refuse, (form.code, kind, target, payload)
            if kind == "anything" and item is not None and item.type == "text":
                assert stored is not None
                assert stored[target] == value
            return
        outcomes["refused"] += 1
        fields = _fields(error)
        key = target.split(".")[0] if kind == "extra_key" else target
        assert any(key in field for field in fields), (form.code, kind, target, fields)
        assert all(field.startswith(form.code) for field in fields), fields

    run()
    with capsys.disabled():
        print(
            f"\nform payloads ({trial.db.backend}): {sum(outcomes.values())} hostile payloads "
            f"over {len(forms)} forms, {outcomes['refused']} refused by field with nothing "
            f"written, {outcomes['accepted']} valid ones accepted verbatim, 0 other exceptions"
        )
