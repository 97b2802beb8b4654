"""The study as data: identity, arms, visits and windows, forms, criteria, outcomes (PURE).

``load_protocol("nct03745417")`` returns a validated :class:`Protocol`; a malformed file
raises :class:`~psotrial.errors.ProtocolError` listing every problem with its path.
"""

from psotrial.protocol.checks import check_protocol
from psotrial.protocol.crfs import Choice, FormSpec, ItemSpec, LabTestSpec
from psotrial.protocol.criteria import Criterion, Rule, iter_facts
from psotrial.protocol.loader import DEFAULT_PROTOCOL, list_protocols, load_protocol, parse_protocol
from psotrial.protocol.model import Protocol
from psotrial.protocol.outcomes import Outcome, ProtocolSettings
from psotrial.protocol.study import Arm, Dosing, Epoch, Identity, Site
from psotrial.protocol.visits import Visit

__all__ = [
    "DEFAULT_PROTOCOL",
    "Arm",
    "Choice",
    "Criterion",
    "Dosing",
    "Epoch",
    "FormSpec",
    "Identity",
    "ItemSpec",
    "LabTestSpec",
    "Outcome",
    "Protocol",
    "ProtocolSettings",
    "Rule",
    "Site",
    "Visit",
    "check_protocol",
    "iter_facts",
    "list_protocols",
    "load_protocol",
    "parse_protocol",
]
