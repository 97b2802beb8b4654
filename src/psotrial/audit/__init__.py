"""The append-only, hash-chained audit trail: write events, verify the chain."""

from psotrial.audit.trail import (
    ABSENT,
    GENESIS,
    STATUS_ITEM,
    Change,
    append_events,
    batched_events,
    compute_event_hash,
)
from psotrial.audit.verify import VerifyReport, verify_audit

__all__ = [
    "ABSENT",
    "GENESIS",
    "STATUS_ITEM",
    "Change",
    "VerifyReport",
    "append_events",
    "batched_events",
    "compute_event_hash",
    "verify_audit",
]
