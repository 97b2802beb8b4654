"""Cross-reference checks a protocol must pass beyond its field types.

Each problem carries a stable ID (``PROTO-E001``...) so documentation and tests can
name it. Checks collect every problem rather than stopping at the first.

| ID         | problem                                                        |
|------------|----------------------------------------------------------------|
| PROTO-E001 | two things of one kind share a code                            |
| PROTO-E002 | a visit names an epoch that does not exist                     |
| PROTO-E003 | a visit lists a form that does not exist                       |
| PROTO-E004 | an arm's infusion visit does not exist                         |
| PROTO-E005 | a criterion's rule reads a fact that does not resolve          |
| PROTO-E006 | an outcome names a visit that does not exist                   |
| PROTO-E007 | visits are not in ascending order of study day                 |
| PROTO-E008 | the first visit (screening) lacks a form a criterion reads     |
"""

from __future__ import annotations

from collections.abc import Iterable

from psotrial.protocol.criteria import iter_facts
from psotrial.protocol.facts import check_fact
from psotrial.protocol.model import Protocol

__all__ = ["check_protocol"]

Problem = tuple[str, str]


def check_protocol(protocol: Protocol) -> list[Problem]:
    """Every cross-reference problem of ``protocol`` as ``(path, "PROTO-Ennn message")``."""
    problems: list[Problem] = []
    for kind, codes in (
        ("sites", [s.code for s in protocol.sites]),
        ("epochs", [e.code for e in protocol.epochs]),
        ("arms", [a.code for a in protocol.arms]),
        ("visits", [v.code for v in protocol.visits]),
        ("forms", [f.code for f in protocol.forms]),
        ("criteria", [c.id for c in protocol.criteria]),
        ("outcomes", [o.id for o in protocol.outcomes]),
    ):
        for code in _duplicates(codes):
            problems.append((kind, f"PROTO-E001 duplicate code {code!r}"))

    epochs = {e.code for e in protocol.epochs}
    forms = protocol.forms_by_code
    visits = {v.code for v in protocol.visits}
    for i, visit in enumerate(protocol.visits):
        if visit.epoch not in epochs:
            problems.append(
                (
                    f"visits[{i}].epoch",
                    f"PROTO-E002 unknown epoch {visit.epoch!r}; "
                    f"expected one of: {', '.join(sorted(epochs))}",
                )
            )
        for j, code in enumerate(visit.forms):
            if code not in forms:
                problems.append(
                    (
                        f"visits[{i}].forms[{j}]",
                        f"PROTO-E003 unknown form {code!r}; "
                        f"expected one of: {', '.join(sorted(forms))}",
                    )
                )
        if i and visit.day <= protocol.visits[i - 1].day:
            problems.append((f"visits[{i}].day", "PROTO-E007 visits must ascend by study day"))

    for i, arm in enumerate(protocol.arms):
        for j, code in enumerate(arm.infusion_visits):
            if code not in visits:
                problems.append(
                    (f"arms[{i}].infusion_visits[{j}]", f"PROTO-E004 unknown visit {code!r}")
                )

    screening = set(protocol.visits[0].forms)
    for i, criterion in enumerate(protocol.criteria):
        if criterion.rule is None:
            continue
        for fact in iter_facts(criterion.rule):
            problem = check_fact(forms, fact)
            if problem is not None:
                problems.append((f"criteria[{i}].rule", f"PROTO-E005 {problem}"))
            elif fact.partition(".")[0] not in screening:
                problems.append(
                    (
                        f"criteria[{i}].rule",
                        f"PROTO-E008 fact {fact!r} is read at screening "
                        f"but its form is not due at visit {protocol.visits[0].code!r}",
                    )
                )

    for i, outcome in enumerate(protocol.outcomes):
        for j, code in enumerate(outcome.visits):
            if code not in visits:
                problems.append(
                    (f"outcomes[{i}].visits[{j}]", f"PROTO-E006 unknown visit {code!r}")
                )
    return problems


def _duplicates(codes: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    repeated: list[str] = []
    for code in codes:
        if code in seen and code not in repeated:
            repeated.append(code)
        seen.add(code)
    return repeated
