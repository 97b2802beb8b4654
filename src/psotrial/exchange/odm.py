"""CDISC ODM 1.3.2 exchange: the study metadata and every captured value, with audit records.

``build_odm`` writes one file holding the protocol as metadata (a StudyEventDef per visit, a
FormDef and an ItemGroupDef per form, an ItemDef per item with its type, length, range
checks, unit and code list) and the clinical data (a SubjectData per participant, keyed by
the participant ID, or the screening number for a candidate never enrolled). Every value
carries an AuditRecord from our audit trail: who (a pseudonymous user OID), when, why, and
the audit event it came from (SourceID). ``read_odm`` reads such a file back into casebooks,
which :func:`psotrial.exchange.casebooks.import_casebooks` loads through the capture
services, so imported data is validated, scored, edit-checked and audited like typed data.

OIDs are derived from protocol codes, deterministically and reversibly:
``SE.W0`` (visit), ``F.PASI`` / ``IG.PASI`` (form), ``IT.PASI.HEAD.ERYTHEMA`` (item
``head.erythema``: item names are lower case, so upper-casing them is reversible), and
``IT.LABS.CA.VALUE`` for a laboratory result (``LLN``/``ULN`` beside it). What the protocol
forms do not hold, the file carries in two psotrial forms whose OIDs contain a dot and so
can never clash with a protocol form: ``F.PSOTRIAL.VISIT`` (the date a visit was done, in
every event) and ``F.PSOTRIAL.PARTICIPANT`` (status, planned and actual first infusion,
withdrawal; in the screening event).

Identifiers never leave (issue 5): see :mod:`psotrial.exchange.casebooks` for how users,
birth dates and investigator names are pseudonymised or generalised; the ItemDefs of the
generalised items say so in their Description. Values are exact: decimals as stored,
ISO 8601 dates and date-times; an explicit null is ``IsNull="Yes"``, a missing value has
no ItemData. The file is Transactional (every data element an ``Insert``) because
ODM keeps audit records out of Snapshot files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from psotrial.capture.actors import Actor, require
from psotrial.casebook import Casebook
from psotrial.errors import DataEntryError, FieldError
from psotrial.exchange.casebooks import (
    IDENTIFYING_ITEMS,
    PARTICIPANT_FORM,
    VISIT_FORM,
    ExchangeData,
    ExchangeForm,
    ExchangeItem,
    FormRecord,
    SubjectRecord,
    exchange_forms,
    format_value,
    load_exchange,
    parse_value,
    record_export,
    to_casebook,
)
from psotrial.protocol import Protocol

__all__ = [
    "ODM_NS",
    "build_odm",
    "export_odm",
    "item_oid",
    "parse_item_oid",
    "read_odm",
    "validate_odm",
]

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
_O = f"{{{ODM_NS}}}"


# --- OIDs ------------------------------------------------------------------------------


def item_oid(form: str, key: str) -> str:
    """The ItemDef OID of an item: upper case, dots kept (reversible).

    Example:
        >>> item_oid("pasi", "head.erythema"), item_oid("labs", "CA.value")
        ('IT.PASI.HEAD.ERYTHEMA', 'IT.LABS.CA.VALUE')
    """
    return f"IT.{form.upper()}.{key.upper()}"


def parse_item_oid(oid: str) -> tuple[str, str]:
    """The form code and item name of an item OID of a protocol form (lower case).

    Example:
        >>> parse_item_oid("IT.PASI.UPPER_LIMBS.AREA_PCT")
        ('pasi', 'upper_limbs.area_pct')
    """
    prefix, form, key = oid.split(".", 2)
    if prefix != "IT":
        raise ValueError(f"{oid!r} is not an item OID (IT.FORM.ITEM)")
    return form.lower(), key.lower()


def _form_oid(form: str, kind: str = "F") -> str:
    return f"{kind}.{form.upper()}"


# --- Writing ODM -----------------------------------------------------------------------


def export_odm(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    file_name: str = "study.odm.xml",
    now: datetime | None = None,
    include_audit: bool = True,
) -> bytes:
    """The whole database as ODM 1.3.2 (validated), with the export audited.

    Raises:
        PermissionDenied: the actor may not export.
    """
    require(actor, "export")
    now = now or datetime.now(UTC)
    data = load_exchange(session, protocol)
    xml = build_odm(data, protocol, now=now, include_audit=include_audit)
    record_export(
        session, actor=actor, fmt="odm", files=[file_name], rows=len(data.subjects), now=now
    )
    return xml


def build_odm(
    source: Session | ExchangeData,
    protocol: Protocol,
    *,
    now: datetime,
    include_audit: bool = True,
) -> bytes:
    """ODM 1.3.2 (Transactional, every element an Insert) of the protocol and the data.

    Args:
        source: a session to read, or data already loaded with :func:`load_exchange`.
        now: the file's CreationDateTime.
        include_audit: give each value its AuditRecord.

    Returns:
        UTF-8 XML, valid against the ODM 1.3.2 schema that odmlib bundles (checked).
    """
    data = load_exchange(source, protocol) if isinstance(source, Session) else source
    registry = protocol.identity.registry_id
    study_oid, mdv_oid = f"ST.{registry}", f"MDV.{registry}"
    root = etree.Element(
        _O + "ODM",
        nsmap={None: ODM_NS},  # type: ignore[dict-item]  # lxml-stubs: the default namespace
        FileType="Transactional",
        Granularity="All",
        FileOID=f"PSOTRIAL.{registry}.{now.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        CreationDateTime=now.astimezone(UTC).isoformat(timespec="seconds"),
        ODMVersion="1.3.2",
        Originator="psotrial",
        SourceSystem="psotrial",
    )
    _study(root, protocol, study_oid, mdv_oid)
    _admin(root, protocol, data, (study_oid, mdv_oid), now, include_audit)
    clinical = _sub(root, "ClinicalData", StudyOID=study_oid, MetaDataVersionOID=mdv_oid)
    forms = {form.code: form for form in exchange_forms(protocol)}
    for subject in data.subjects:
        _subject(clinical, protocol, forms, subject, include_audit)
    xml: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    validate_odm(xml)
    return xml


def _sub(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    element = etree.SubElement(parent, _O + tag, attributes)
    if text is not None:
        element.text = text
    return element


def _translated(parent: Any, tag: str, text: str) -> None:
    _sub(
        _sub(parent, tag),
        "TranslatedText",
        text,
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )


def _study(root: Any, protocol: Protocol, study_oid: str, mdv_oid: str) -> None:
    identity = protocol.identity
    study = _sub(root, "Study", OID=study_oid)
    variables = _sub(study, "GlobalVariables")
    _sub(variables, "StudyName", identity.registry_id)
    _sub(variables, "StudyDescription", identity.title)
    _sub(variables, "ProtocolName", identity.short_title)
    forms = exchange_forms(protocol)
    units = _units(forms)
    if units:
        basic = _sub(study, "BasicDefinitions")
        for unit, oid in units.items():
            mu = _sub(basic, "MeasurementUnit", OID=oid, Name=unit)
            _translated(mu, "Symbol", unit)
    mdv = _sub(study, "MetaDataVersion", OID=mdv_oid, Name=f"{identity.registry_id} CRFs")
    flow = _sub(mdv, "Protocol")
    for number, visit in enumerate(protocol.visits, start=1):
        _sub(flow, "StudyEventRef", StudyEventOID=f"SE.{visit.code}", OrderNumber=str(number),
             Mandatory="Yes")  # fmt: skip
    for visit in protocol.visits:
        event = _sub(mdv, "StudyEventDef", OID=f"SE.{visit.code}", Name=visit.name,
                     Repeating="No", Type="Scheduled", Category=visit.epoch)  # fmt: skip
        for number, code in enumerate(_event_forms(protocol, visit.code), start=1):
            mandatory = "Yes" if code == VISIT_FORM else "No"
            _sub(event, "FormRef", FormOID=_form_oid(code), OrderNumber=str(number),
                 Mandatory=mandatory)  # fmt: skip
    for form in forms:
        definition = _sub(mdv, "FormDef", OID=_form_oid(form.code), Name=form.name,
                          Repeating="Yes" if form.repeating else "No")  # fmt: skip
        if form.description:
            _translated(definition, "Description", form.description)
        _sub(definition, "ItemGroupRef", ItemGroupOID=_form_oid(form.code, "IG"), Mandatory="Yes")
    for form in forms:
        group = _sub(mdv, "ItemGroupDef", OID=_form_oid(form.code, "IG"), Name=form.name,
                     Repeating="No")  # fmt: skip
        for number, item in enumerate(form.items, start=1):
            _sub(group, "ItemRef", ItemOID=item_oid(form.code, item.key), OrderNumber=str(number),
                 Mandatory="Yes" if item.required else "No")  # fmt: skip
    lists, refs = _code_lists(forms)
    for form in forms:
        for item in form.items:
            _item_def(mdv, form.code, item, units, lists, refs)
    for oid, (item, data_type) in lists.items():
        code_list = _sub(mdv, "CodeList", OID=oid, Name=item.label, DataType=data_type)
        for number, choice in enumerate(item.choices, start=1):
            entry = _sub(code_list, "CodeListItem", CodedValue=str(choice.code),
                         OrderNumber=str(number))  # fmt: skip
            _translated(entry, "Decode", choice.label)


def _event_forms(protocol: Protocol, visit: str) -> list[str]:
    """The forms an event collects: the visit form, the participant form at screening,
    the visit's forms, and the forms collected at any visit after enrolment."""
    planned = protocol.visit(visit)
    codes = [VISIT_FORM]
    if visit == protocol.visits[0].code:
        codes.append(PARTICIPANT_FORM)
    codes += list(planned.forms)
    if visit != protocol.visits[0].code:
        codes += [f.code for f in protocol.forms if f.any_visit and f.code not in codes]
    return codes


def _units(forms: Iterable[ExchangeForm]) -> dict[str, str]:
    units: dict[str, str] = {}
    for form in forms:
        for item in form.items:
            if item.unit and item.unit not in units:
                units[item.unit] = f"MU.{len(units) + 1}"
    return units


def _code_lists(
    forms: Iterable[ExchangeForm],
) -> tuple[dict[str, tuple[ExchangeItem, str]], dict[str, str]]:
    """The code lists (OID -> first item using it, data type) and each item's list.

    Items with the same codes and labels share one list, named after its first item.
    """
    by_content: dict[tuple[tuple[str, str], ...], str] = {}
    lists: dict[str, tuple[ExchangeItem, str]] = {}
    refs: dict[str, str] = {}
    for form in forms:
        for item in form.items:
            if item.type != "choice":
                continue
            content = tuple((str(c.code), c.label) for c in item.choices)
            oid = by_content.setdefault(content, "CL." + item_oid(form.code, item.key)[3:])
            numeric = all(isinstance(c.code, int) for c in item.choices)
            lists.setdefault(oid, (item, "integer" if numeric else "text"))
            refs[item_oid(form.code, item.key)] = oid
    return lists, refs


def _item_def(
    mdv: Any,
    form: str,
    item: ExchangeItem,
    units: Mapping[str, str],
    lists: Mapping[str, tuple[ExchangeItem, str]],
    refs: Mapping[str, str],
) -> None:
    oid = item_oid(form, item.key)
    code_list = refs.get(oid)
    data_type = {"integer": "integer", "decimal": "float", "text": "text", "date": "date",
                 "datetime": "datetime", "boolean": "boolean"}.get(item.type)  # fmt: skip
    if code_list is not None:
        data_type = lists[code_list][1]
    attributes = {"OID": oid, "Name": item.key, "DataType": data_type or "text"}
    length = _length(item)
    if length is not None:
        attributes["Length"] = str(length)
    definition = _sub(mdv, "ItemDef", **attributes)
    note = IDENTIFYING_ITEMS.get((form, item.key))
    if note:
        _translated(definition, "Description", f"Identifying item: {note} on export.")
    _translated(definition, "Question", item.label)
    if item.unit:
        _sub(definition, "MeasurementUnitRef", MeasurementUnitOID=units[item.unit])
    for bound, comparator in ((item.min, "GE"), (item.max, "LE")):
        if bound is not None:
            check = _sub(definition, "RangeCheck", Comparator=comparator, SoftHard="Hard")
            _sub(check, "CheckValue", format(bound, "f"))
    if code_list is not None:
        _sub(definition, "CodeListRef", CodeListOID=code_list)
    _sub(definition, "Alias", Context="psotrial", Name=f"{form}.{item.key}")


def _length(item: ExchangeItem) -> int | None:
    if item.type == "integer":
        if item.min is None or item.max is None:
            return 15  # stored JSON keeps 15 significant digits (protocol.answers)
        return max(len(format(item.min, "f")), len(format(item.max, "f")))
    if item.type == "decimal":
        return 15
    if item.type == "choice":
        return max(len(str(choice.code)) for choice in item.choices)
    return None


def _admin(
    root: Any,
    protocol: Protocol,
    data: ExchangeData,
    ids: tuple[str, str],
    now: datetime,
    include_audit: bool,
) -> None:
    """Users referenced by an audit record (pseudonymous) and the sites as locations."""
    study_oid, mdv_oid = ids
    admin = _sub(root, "AdminData", StudyOID=study_oid)
    referenced = {
        audit.user
        for subject in data.subjects
        for record in subject.forms
        for audit in record.audit.values()
    }
    user_types = dict(data.users.values())
    for oid in sorted(referenced if include_audit else ()):
        _sub(admin, "User", OID=oid, UserType=user_types.get(oid, "Other"))
    for site in protocol.sites:
        location = _sub(admin, "Location", OID=f"LOC.{site.code}", Name=site.name,
                        LocationType="Site")  # fmt: skip
        _sub(location, "MetaDataVersionRef", StudyOID=study_oid, MetaDataVersionOID=mdv_oid,
             EffectiveDate=now.astimezone(UTC).date().isoformat())  # fmt: skip


def _subject(
    clinical: Any,
    protocol: Protocol,
    forms: Mapping[str, ExchangeForm],
    subject: SubjectRecord,
    include_audit: bool,
) -> None:
    element = _sub(clinical, "SubjectData", SubjectKey=subject.key, TransactionType="Insert")
    _sub(element, "SiteRef", LocationOID=f"LOC.{subject.site}")
    location = f"LOC.{subject.site}"
    by_visit: dict[str, list[FormRecord]] = {}
    for record in subject.forms:
        by_visit.setdefault(record.visit, []).append(record)
    screening_visit = protocol.visits[0].code
    envelope = {
        "status": subject.status,
        "planned_first_infusion": subject.planned_first_infusion,
        "first_infusion": subject.first_infusion,
        "withdrawal_date": subject.withdrawal_date,
        "withdrawal_reason": subject.withdrawal_reason,
    }
    for visit in protocol.visits:
        records = by_visit.get(visit.code, [])
        on = subject.visit_dates.get(visit.code)
        if on is None and not records:
            continue
        event = _sub(element, "StudyEventData", StudyEventOID=f"SE.{visit.code}",
                     TransactionType="Insert")  # fmt: skip
        if on is not None:
            visit_record = FormRecord(visit.code, VISIT_FORM, 0, {"date": on.isoformat()})
            _form_data(event, forms[VISIT_FORM], visit_record, location, include_audit)
        if visit.code == screening_visit:
            values = {k: v.isoformat() if isinstance(v, date) else v
                      for k, v in envelope.items() if v is not None}  # fmt: skip
            record = FormRecord(visit.code, PARTICIPANT_FORM, 0, values)
            _form_data(event, forms[PARTICIPANT_FORM], record, location, include_audit)
        for record in records:
            _form_data(event, forms[record.form], record, location, include_audit)


def _form_data(
    event: Any, form: ExchangeForm, record: FormRecord, location: str, include_audit: bool
) -> None:
    attributes = {"FormOID": _form_oid(form.code)}
    if record.repeat > 0:
        attributes["FormRepeatKey"] = str(record.repeat)
    element = _sub(event, "FormData", **attributes, TransactionType="Insert")
    group = _sub(element, "ItemGroupData", ItemGroupOID=_form_oid(form.code, "IG"),
                 TransactionType="Insert")  # fmt: skip
    for item in form.items:
        if item.key not in record.values:
            continue  # absent is "missing"; an explicit null is IsNull="Yes"
        value = record.values[item.key]
        oid = item_oid(form.code, item.key)
        if value is None:
            data = _sub(group, "ItemData", ItemOID=oid, TransactionType="Insert", IsNull="Yes")
        else:
            data = _sub(group, "ItemData", ItemOID=oid, TransactionType="Insert",
                        Value=format_value(value))  # fmt: skip
        audit = record.audit.get(item.key)
        if include_audit and audit is not None:
            trail = _sub(data, "AuditRecord", EditPoint="DBAudit", UsedImputationMethod="No")
            _sub(trail, "UserRef", UserOID=audit.user)
            _sub(trail, "LocationRef", LocationOID=location)
            _sub(trail, "DateTimeStamp", audit.at.astimezone(UTC).isoformat())
            if audit.reason:
                _sub(trail, "ReasonForChange", audit.reason)
            _sub(trail, "SourceID", f"psotrial audit event {audit.event_id}")


# --- Validating and reading ODM --------------------------------------------------------


@cache
def _schema() -> etree.XMLSchema:
    from odmlib.schema_manager import get_schema_path

    return etree.XMLSchema(etree.parse(get_schema_path("odm", "1.3.2")))


def _parse(xml: bytes) -> Any:
    if b"<!DOCTYPE" in xml[:4096] or b"<!ENTITY" in xml:
        raise DataEntryError("the ODM file declares a DOCTYPE or entities; refused (XXE)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True)
    try:
        return etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DataEntryError(f"the ODM file is not well-formed XML: {exc}") from None


def validate_odm(xml: bytes) -> None:
    """Check ``xml`` against the ODM 1.3.2 schema that odmlib bundles.

    Raises:
        DataEntryError: not valid; the first problem is named with its line.
    """
    root = _parse(xml)
    try:
        _schema().assertValid(root)
    except etree.DocumentInvalid as exc:
        raise DataEntryError(f"not valid ODM 1.3.2: {exc}") from None


def read_odm(xml: bytes, protocol: Protocol) -> dict[str, Casebook]:
    """The casebooks in an ODM 1.3.2 file written for ``protocol``, by SubjectKey.

    The file is checked against the schema, and every OID against the protocol, before
    anything is returned. AuditRecords are not replayed: the import is audited afresh.

    Raises:
        DataEntryError: not ODM 1.3.2, another study, an unknown OID, or a bad value
            (each named with its subject, event and item).
    """
    validate_odm(xml)
    root = _parse(xml)
    registry = protocol.identity.registry_id
    forms = {_form_oid(form.code): form for form in exchange_forms(protocol)}
    events = {f"SE.{visit.code}": visit.code for visit in protocol.visits}
    casebooks: dict[str, Casebook] = {}
    for clinical in root.iter(_O + "ClinicalData"):
        if clinical.get("StudyOID") != f"ST.{registry}":
            raise DataEntryError(
                f"the ODM file holds study {clinical.get('StudyOID')!r}; this database "
                f"holds ST.{registry}"
            )
        for subject in clinical.iter(_O + "SubjectData"):
            record = _read_subject(subject, forms, events, protocol)
            if record.key in casebooks:
                # A second full record would silently replace the first: refuse the file.
                raise DataEntryError(
                    f"SubjectKey {record.key!r} is listed twice; list each participant once"
                )
            casebooks[record.key] = to_casebook(record, protocol)
    return casebooks


def _read_subject(
    subject: Any,
    forms: Mapping[str, ExchangeForm],
    events: Mapping[str, str],
    protocol: Protocol,
) -> SubjectRecord:
    key = subject.get("SubjectKey")
    site_ref = subject.find(_O + "SiteRef")
    sites = {site.code for site in protocol.sites}
    site = (site_ref.get("LocationOID") or "").removeprefix("LOC.") if site_ref is not None else ""
    if site not in sites:
        site = protocol.sites[0].code if len(sites) == 1 and site_ref is None else site
        if site not in sites:
            raise DataEntryError(
                f"{key}: unknown site {site!r}; sites are {', '.join(sorted(sites))}"
            )
    visit_dates: dict[str, date] = {}
    envelope: dict[str, Any] = {}
    records: list[FormRecord] = []
    for event in subject.iter(_O + "StudyEventData"):
        visit = events.get(event.get("StudyEventOID"))
        if visit is None:
            raise DataEntryError(
                f"{key}: unknown StudyEventOID {event.get('StudyEventOID')!r}; events are "
                + ", ".join(events)
            )
        for form_data in event.iter(_O + "FormData"):
            form = forms.get(form_data.get("FormOID"))
            if form is None:
                raise DataEntryError(
                    f"{key} {visit}: unknown FormOID {form_data.get('FormOID')!r}; forms are "
                    + ", ".join(forms)
                )
            where = f"{key} {visit} {form.code}"
            values = _read_items(form_data, form, where)
            if form.code == VISIT_FORM:
                if "date" in values:
                    visit_dates[visit] = _date(values["date"], f"{where}.date")
            elif form.code == PARTICIPANT_FORM:
                envelope = values
            else:
                repeat = int(form_data.get("FormRepeatKey") or 0) if form.repeating else 0
                if form.repeating and repeat < 1:
                    raise DataEntryError(f"{where}: a repeating form needs a FormRepeatKey >= 1")
                records.append(FormRecord(visit, form.code, repeat, values))
    return SubjectRecord(
        key=key,
        site=site,
        status=envelope.get("status"),
        planned_first_infusion=_optional_date(envelope, "planned_first_infusion", key),
        first_infusion=_optional_date(envelope, "first_infusion", key),
        withdrawal_date=_optional_date(envelope, "withdrawal_date", key),
        withdrawal_reason=envelope.get("withdrawal_reason"),
        visit_dates=visit_dates,
        forms=tuple(records),
    )


def _read_items(form_data: Any, form: ExchangeForm, where: str) -> dict[str, Any]:
    items = {item_oid(form.code, item.key): item for item in form.items}
    values: dict[str, Any] = {}
    for data in form_data.iter(_O + "ItemData"):
        oid = data.get("ItemOID")
        item = items.get(oid)
        if item is None:
            raise DataEntryError(
                f"{where}: unknown ItemOID {oid!r}; the form's items are {', '.join(items)}"
            )
        if data.get("IsNull") == "Yes":
            values[item.key] = None
            continue
        text = data.get("Value")
        if text is None:
            raise DataEntryError(f"{where}.{item.key}: ItemData has neither Value nor IsNull")
        values[item.key] = parse_value(item, text, f"{where}.{item.key}")
    return values


def _date(text: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise FieldError(where, f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _optional_date(values: Mapping[str, Any], name: str, key: str) -> date | None:
    text = values.get(name)
    return None if text is None else _date(text, f"{key} {name}")
