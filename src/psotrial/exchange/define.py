"""Define-XML 2.1: the metadata that describes an SDTM or ADaM submission, built with odmlib.

One document per standard (``define-sdtm.xml``, ``define-adam.xml``), following the CDISC
Define-XML 2.1 specification (section numbers below refer to it) and docs/cdisc.md section 4:

- ``def:Standards``: SDTMIG 3.4 or ADaMIG 1.3, and CDISC/NCI CT 2025-03-28 (the ADaM
  codelists DTYPE, PARAMTYP... come from ADaM CT 2024-03-29, the package they were taken from);
- one ``ItemGroupDef`` per dataset (class, structure, keys as ``KeySequence``, ``def:leaf``
  to ``dm.xpt``), one ``ItemDef`` per variable (type, length from the data, label,
  ``def:Origin``: collected values name their CRF item ``form.item``, derived ones point to a
  ``MethodDef`` holding the variable's computation, predecessors name their source);
- ``CodeList``: the terms actually used, each with its NCI C-code as ``Alias
  Context="nci:ExtCodeID"``; sponsor values of extensible codelists marked
  ``def:ExtendedValue="Yes"``; sponsor-defined codelists (Zung, itch VAS) ``def:IsNonStandard``;
- value-level metadata (section 5.3.6): for each test code of a findings dataset (``--TESTCD``)
  or parameter of a BDS dataset (``PARAMCD``), the type, length and unit of ``--ORRES``,
  ``--STRESC``, ``--STRESN``, ``AVAL`` and ``AVALC`` under a ``WhereClauseDef``.

ADaM numeric dates (``*DT``, ``*DTM``) are ``integer`` with ``def:DisplayFormat`` ``DATE9.`` /
``DATETIME20.``, as written by :func:`psotrial.exchange.xpt.write_xpt`; SDTM ``--DTC`` are
ISO 8601 text (``date``/``datetime``). :func:`validate_define` checks a document against the
Define-XML 2.1 schema bundled with odmlib; :func:`render_define_html` renders it for people.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

import odmlib.define_2_1.model as define_model
import odmlib.odm_1_3_2.model as odm_model
import odmlib.schema_manager as schemas
import polars as pl
import xmlschema
from lxml import etree
from odmlib.ns_registry import NamespaceRegistry

from psotrial.errors import FieldError
from psotrial.exchange.terminology import CT_VERSION, load_terminology
from psotrial.protocol import Protocol
from psotrial.sdtm.metadata import DatasetSpec, Variable
from psotrial.sdtm.terminology import Codelist, Terminology

__all__ = [
    "Purpose",
    "build_define",
    "render_define_html",
    "validate_define",
]

Purpose = Literal["Tabulation", "Analysis"]
_IG = {"Tabulation": ("SDTMIG", "3.4", "SDTM"), "Analysis": ("ADaMIG", "1.3", "ADaM")}
_SDTM_CT = CT_VERSION
_ADAM_CT = "2024-03-29"
# Dictionaries outside CDISC CT: the AE terms are CTCAE v5.0 terms, coded to MedDRA 20.1.
_EXTERNAL = {
    "MEDDRA": ("MedDRA", "20.1"),
    "WHODRUG": ("WHODrug Global", "B3 2025-03-01"),
    "ISO3166": ("ISO 3166-1 alpha-3", "2020"),
    "ISO 3166": ("ISO 3166-1 alpha-3", "2020"),
}
_VLM_TARGETS = ("ORRES", "STRESC", "STRESN")
_NS_DEF = "http://www.cdisc.org/ns/def/v2.1"
_NS_ODM = "http://www.cdisc.org/ns/odm/v1.3"
_NS_XLINK = "http://www.w3.org/1999/xlink"


@dataclass(frozen=True, slots=True)
class _Context:
    purpose: Purpose
    frames: Mapping[str, pl.DataFrame]
    terminology: Terminology


def build_define(
    specs: Sequence[DatasetSpec],
    *,
    purpose: Purpose,
    protocol: Protocol,
    frames: Mapping[str, pl.DataFrame] | None = None,
    terminology: Terminology | None = None,
    created: datetime | None = None,
    file_format: str = "xpt",
) -> bytes:
    """Build the Define-XML 2.1 document for ``specs``; returns UTF-8 XML bytes.

    Args:
        specs: the datasets, in the order they should be listed.
        purpose: ``Tabulation`` (SDTM) or ``Analysis`` (ADaM).
        protocol: names the study (registry ID, title).
        frames: the datasets' data by name; lengths, codelist terms and value-level
            metadata are taken from it (without it, lengths come from the specs).
        terminology: the CT to look codelists up in (default: the vendored subset).
        created: the document's ``CreationDateTime`` (default: now).
        file_format: extension of the dataset files the ``def:leaf`` elements point to.

    Raises:
        FieldError: ``purpose`` is not Tabulation or Analysis.
    """
    if purpose not in _IG:
        raise FieldError("purpose", f"expected Tabulation or Analysis, got {purpose!r}")
    _register_namespaces()
    ig_name, ig_version, kind = _IG[purpose]
    context = _Context(purpose, frames or {}, terminology or load_terminology())
    study_id = protocol.identity.registry_id

    item_groups = [_item_group(spec, context, file_format) for spec in specs]
    item_defs: list[Any] = []
    methods: list[Any] = []
    value_lists: list[Any] = []
    where_clauses: list[Any] = []
    used_codelists: dict[str, list[tuple[str, Variable]]] = {}
    for spec in specs:
        vlm = _value_level(spec, context)
        for variable in spec.variables:
            item_defs.append(_item_def(spec, variable, context, vlm.get(variable.name)))
            if (method := _method(spec, variable)) is not None:
                methods.append(method)
            if variable.codelist:
                used_codelists.setdefault(variable.codelist, []).append((spec.name, variable))
        for value_list, defs, clauses in vlm.values():
            value_lists.append(value_list)
            item_defs.extend(defs)
            where_clauses.extend(clauses)
    where_clauses = list({w.OID: w for w in where_clauses}.values())
    codelists = [_codelist(key, uses, context) for key, uses in used_codelists.items()]

    standards = [
        define_model.Standard(
            OID="STD.IG", Name=ig_name, Type="IG", Version=ig_version, Status="Final"
        ),
        define_model.Standard(
            OID="STD.CT.SDTM",
            Name="CDISC/NCI",
            Type="CT",
            PublishingSet="SDTM",
            Version=_SDTM_CT,
            Status="Final",
        ),
    ]
    if purpose == "Analysis":
        standards.append(
            define_model.Standard(
                OID="STD.CT.ADAM",
                Name="CDISC/NCI",
                Type="CT",
                PublishingSet="ADaM",
                Version=_ADAM_CT,
                Status="Final",
            )
        )
    mdv = define_model.MetaDataVersion(
        OID=f"MDV.{study_id}.{kind}",
        Name=f"{study_id} {kind}",
        Description=f"{kind} datasets of {study_id} (synthetic data)",
        DefineVersion="2.1.0",
        Standards=define_model.Standards(Standard=standards),
        ValueListDef=value_lists,
        WhereClauseDef=where_clauses,
        ItemGroupDef=item_groups,
        ItemDef=item_defs,
        CodeList=codelists,
        MethodDef=methods,
    )
    study = define_model.Study(
        OID=f"ST.{study_id}",
        GlobalVariables=define_model.GlobalVariables(
            StudyName=define_model.StudyName(_content=study_id),
            StudyDescription=define_model.StudyDescription(_content=protocol.identity.title),
            ProtocolName=define_model.ProtocolName(_content=study_id),
        ),
        MetaDataVersion=mdv,
    )
    when = (created or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    odm = define_model.ODM(
        FileOID=f"DEF.{study_id}.{kind}",
        FileType="Snapshot",
        ODMVersion="1.3.2",
        Context="Submission",
        CreationDateTime=when.isoformat(),
        Originator="psotrial",
        SourceSystem="psotrial",
        SourceSystemVersion=_version(),
        Study=study,
    )
    # odmlib writes one line with the registered prefixes (odm default, def, xlink); indent
    # it for people reading the file
    text = odm.to_xml_string(xml_declaration=False)
    root = etree.fromstring(text.encode("utf-8"), parser=etree.XMLParser(remove_blank_text=True))
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8"))


def validate_define(xml: bytes) -> list[str]:
    """Problems of ``xml`` against the Define-XML 2.1 schema odmlib bundles; [] when valid.

    Example:
        >>> validate_define(b"<ODM/>")[0].startswith("/ODM:")
        True
    """
    try:
        document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    problems = []
    for error in _schema().iter_errors(document):
        path = error.path or "/"
        problems.append(f"{path}: {error.reason or error.message}")
    return problems


def render_define_html(xml: bytes) -> str:
    """A stylesheet-free HTML page for people: one table per dataset, then the value-level
    metadata, codelists and methods. Every text is escaped."""
    root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False))
    ns = {"odm": _NS_ODM, "def": _NS_DEF, "xlink": _NS_XLINK}
    mdv = root.find(".//odm:MetaDataVersion", ns)
    if mdv is None:
        raise FieldError("define", "no MetaDataVersion: is this a Define-XML document?")
    items: dict[str, Any] = {str(i.get("OID")): i for i in mdv.findall("odm:ItemDef", ns)}
    methods: dict[str, Any] = {str(m.get("OID")): m for m in mdv.findall("odm:MethodDef", ns)}
    study = root.findtext(".//odm:StudyName", default="", namespaces=ns)
    title = f"{study}: {mdv.get('Name', '')}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title></head><body>",
        f"<h1>{_e(title)}</h1>",
        f"<p>{_e(mdv.get('Description', ''))}. Define-XML {_e(mdv.get(_q('DefineVersion')))}, "
        f"created {_e(root.get('CreationDateTime'))}.</p>",
        "<h2>Standards</h2><ul>",
    ]
    for std in mdv.findall("def:Standards/def:Standard", ns):
        publishing = std.get("PublishingSet")
        out.append(
            f"<li>{_e(std.get('Name'))} {_e(publishing or '')} {_e(std.get('Version'))}</li>"
        )
    out.append(
        '</ul><h2>Datasets</h2><table border="1"><tr><th>Dataset</th><th>Label</th>'
        "<th>Class</th><th>Structure</th><th>Keys</th><th>Location</th></tr>"
    )
    groups = mdv.findall("odm:ItemGroupDef", ns)
    for group in groups:
        keys = sorted(
            (int(ref.get("KeySequence", "0")), items[str(ref.get("ItemOID"))].get("Name", ""))
            for ref in group.findall("odm:ItemRef", ns)
            if ref.get("KeySequence")
        )
        leaf = group.find("def:leaf", ns)
        href = leaf.get(f"{{{_NS_XLINK}}}href", "") if leaf is not None else ""
        out.append(
            f'<tr><td><a href="#{_e(group.get("Name"))}">{_e(group.get("Name"))}</a></td>'
            f"<td>{_e(_description(group, ns))}</td>"
            f"<td>{_e(_class(group, ns))}</td><td>{_e(group.get(_q('Structure')))}</td>"
            f"<td>{_e(', '.join(name for _, name in keys))}</td>"
            f'<td><a href="{_e(href)}">{_e(href)}</a></td></tr>'
        )
    out.append("</table>")
    for group in groups:
        out.append(
            f'<h2 id="{_e(group.get("Name"))}">{_e(group.get("Name"))}: '
            f"{_e(_description(group, ns))}</h2>"
        )
        out.append(
            '<table border="1"><tr><th>Variable</th><th>Label</th><th>Type</th>'
            "<th>Length</th><th>Format</th><th>Mandatory</th><th>Codelist</th>"
            "<th>Origin</th><th>Source / method</th><th>Value level</th></tr>"
        )
        for ref in group.findall("odm:ItemRef", ns):
            item = items[str(ref.get("ItemOID"))]
            origin = item.find("def:Origin", ns)
            codelist = item.find("odm:CodeListRef", ns)
            vlm = item.find("def:ValueListRef", ns)
            method = methods.get(str(ref.get("MethodOID")))
            detail = _description(origin, ns) if origin is not None else ""
            if method is not None:
                detail = _description(method, ns)
            out.append(
                f"<tr><td>{_e(item.get('Name'))}</td><td>{_e(_description(item, ns))}</td>"
                f"<td>{_e(item.get('DataType'))}</td><td>{_e(item.get('Length', ''))}</td>"
                f"<td>{_e(item.get(_q('DisplayFormat'), ''))}</td>"
                f"<td>{_e(ref.get('Mandatory'))}</td>"
                f"<td>{_e(codelist.get('CodeListOID') if codelist is not None else '')}</td>"
                f"<td>{_e(origin.get('Type') if origin is not None else '')} "
                f"{_e(origin.get('Source', '') if origin is not None else '')}</td>"
                f"<td>{_e(detail)}</td>"
                f"<td>{_e(vlm.get('ValueListOID') if vlm is not None else '')}</td></tr>"
            )
        out.append("</table>")
    out.extend(_value_lists_html(mdv, items, ns))
    out.extend(_codelists_html(mdv, ns))
    if methods:
        out.append(
            '<h2>Methods</h2><table border="1"><tr><th>Method</th><th>Type</th>'
            "<th>Description</th></tr>"
        )
        for oid, method in methods.items():
            out.append(
                f"<tr><td>{_e(oid)}</td><td>{_e(method.get('Type'))}</td>"
                f"<td>{_e(_description(method, ns))}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# ---- building -----------------------------------------------------------------------------


def _register_namespaces() -> None:
    # odmlib keeps prefixes in a process-wide registry; is_reset wipes it, so set all three.
    NamespaceRegistry(prefix="odm", uri=_NS_ODM, is_default=True, is_reset=True)  # type: ignore[no-untyped-call]
    NamespaceRegistry(prefix="def", uri=_NS_DEF)  # type: ignore[no-untyped-call]
    NamespaceRegistry(prefix="xlink", uri=_NS_XLINK)  # type: ignore[no-untyped-call]


def _text(value: str) -> Any:
    return define_model.Description(
        TranslatedText=[define_model.TranslatedText(_content=value, lang="en")]
    )


def _alias(code: str) -> list[Any]:
    return [define_model.Alias(Context="nci:ExtCodeID", Name=code)]


def _item_group(spec: DatasetSpec, context: _Context, file_format: str) -> Any:
    leaf_id = f"LF.{spec.name}"
    href = f"{spec.name.lower()}.{file_format}"
    refs = []
    for order, variable in enumerate(spec.variables, start=1):
        attributes: dict[str, Any] = {
            "ItemOID": _item_oid(spec, variable),
            "Mandatory": "Yes" if variable.core == "Req" else "No",
            "OrderNumber": order,
        }
        if variable.name in spec.keys:
            attributes["KeySequence"] = spec.keys.index(variable.name) + 1
        if _method_text(variable) is not None:
            attributes["MethodOID"] = _method_oid(spec, variable)
        refs.append(odm_model.ItemRef(**attributes))
    single = spec.structure.lower().startswith("one record per subject")
    extra: dict[str, Any] = {}
    if context.purpose == "Tabulation":
        extra["Domain"] = spec.name[4:] if spec.name.startswith("SUPP") else spec.name
    return define_model.ItemGroupDef(
        OID=f"IG.{spec.name}",
        Name=spec.name,
        Repeating="No" if single else "Yes",
        IsReferenceData="Yes" if spec.dataset_class.upper() == "TRIAL DESIGN" else "No",
        SASDatasetName=spec.name,
        **extra,
        Purpose=context.purpose,
        Structure=spec.structure,
        ArchiveLocationID=leaf_id,
        StandardOID="STD.IG",
        Description=_text(spec.label),
        ItemRef=refs,
        # SDTMIG says "Special-Purpose"; Define-XML 2.1 enumerates "SPECIAL PURPOSE".
        Class=define_model.Class(Name=spec.dataset_class.upper().replace("-", " ")),
        leaf=define_model.leaf(ID=leaf_id, href=href, title=define_model.title(_content=href)),
    )


def _item_oid(spec: DatasetSpec, variable: Variable) -> str:
    return f"IT.{spec.name}.{variable.name}"


def _method_oid(spec: DatasetSpec, variable: Variable) -> str:
    return f"MT.{spec.name}.{variable.name}"


def _method_text(variable: Variable) -> str | None:
    if variable.method:
        return variable.method
    if variable.origin == "Derived" and variable.source:
        return f"Derived from {variable.source}"
    return None


def _method(spec: DatasetSpec, variable: Variable) -> Any | None:
    text = _method_text(variable)
    if text is None:
        return None
    return define_model.MethodDef(
        OID=_method_oid(spec, variable),
        Name=f"Algorithm to derive {spec.name}.{variable.name}",
        Type="Computation",
        Description=_text(text),
    )


def _is_numeric_date(variable: Variable, column: pl.Series | None, purpose: Purpose) -> bool:
    if variable.type not in ("date", "datetime"):
        return False
    if column is not None and column.dtype != pl.Null:
        return column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime)
    suffix = "DT" if variable.type == "date" else "DTM"
    return purpose == "Analysis" and variable.name.endswith(suffix)


def _column(spec: DatasetSpec, name: str, context: _Context) -> pl.Series | None:
    frame = context.frames.get(spec.name)
    if frame is None or name not in frame.columns:
        return None
    return frame[name]


def _type_attributes(
    variable: Variable, column: pl.Series | None, purpose: Purpose
) -> dict[str, Any]:
    if _is_numeric_date(variable, column, purpose):
        fmt = "DATE9." if variable.type == "date" else "DATETIME20."
        return {"DataType": "integer", "Length": 8, "DisplayFormat": fmt}
    if variable.type in ("date", "datetime"):
        return {"DataType": variable.type}
    if variable.type == "text" and variable.name.endswith("DTC"):
        # SDTM --DTC: ISO 8601 text, complete or partial (Define-XML 2.1 section 4.3.1)
        return {"DataType": "datetime"}
    if variable.type in ("integer", "float"):
        attributes: dict[str, Any] = {"DataType": variable.type, "Length": 8}
        if variable.type == "float" and column is not None:
            digits = _decimals(column)
            if digits is not None:
                attributes["SignificantDigits"] = digits
        return attributes
    return {"DataType": "text", "Length": _text_length(variable, column)}


def _text_length(variable: Variable, column: pl.Series | None) -> int:
    if column is not None:
        # an all-null column is written one byte wide
        return (
            _max_bytes(column) if column.dtype == pl.String else 1
        )  # an all-null column is written one byte wide
    return variable.length or 200


def _decimals(values: Iterable[Any]) -> int | None:
    found: int | None = None
    for value in values:
        if value is None:
            continue
        try:
            exponent = Decimal(str(value)).normalize().as_tuple().exponent
        except InvalidOperation:
            continue
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        found = places if found is None else max(found, places)
    return found


def _origin(variable: Variable) -> list[Any]:
    kind = variable.origin
    attributes: dict[str, Any] = {"Type": kind}
    if kind == "Collected":
        attributes["Source"] = "Investigator"
    description = None
    # a derived variable's computation is its MethodDef; its origin needs no description
    if variable.source and kind != "Derived":
        description = f"CRF item {variable.source}" if kind == "Collected" else variable.source
    if description is not None:
        attributes["Description"] = _text(description)
    return [define_model.Origin(**attributes)]


def _item_def(
    spec: DatasetSpec, variable: Variable, context: _Context, vlm: tuple[Any, ...] | None
) -> Any:
    column = _column(spec, variable.name, context)
    attributes = _type_attributes(variable, column, context.purpose)
    extra: dict[str, Any] = {}
    if variable.codelist:
        extra["CodeListRef"] = define_model.CodeListRef(
            CodeListOID=_codelist_oid(variable.codelist)
        )
    extra["Origin"] = _origin(variable)
    if vlm is not None:
        extra["ValueListRef"] = define_model.ValueListRef(ValueListOID=vlm[0].OID)
    return define_model.ItemDef(
        OID=_item_oid(spec, variable),
        Name=variable.name,
        **attributes,
        SASFieldName=variable.name,
        Description=_text(variable.label),
        **extra,
    )


# ---- value-level metadata -----------------------------------------------------------------


def _value_level(
    spec: DatasetSpec, context: _Context
) -> dict[str, tuple[Any, list[Any], list[Any]]]:
    """Per result variable: (ValueListDef, its ItemDefs, its WhereClauseDefs)."""
    frame = context.frames.get(spec.name)
    if frame is None:
        return {}
    names = spec.variable_names
    prefix = spec.name[:2]
    if f"{prefix}TESTCD" in names:
        key, test, unit = f"{prefix}TESTCD", f"{prefix}TEST", f"{prefix}ORRESU"
        targets = [f"{prefix}{suffix}" for suffix in _VLM_TARGETS]
    elif "PARAMCD" in names:
        key, test, unit = "PARAMCD", "PARAM", "AVALU"
        targets = ["AVAL", "AVALC"]
    else:
        return {}
    if key not in frame.columns:
        return {}
    codes = [c for c in frame[key].unique(maintain_order=True).to_list() if c is not None]
    result: dict[str, tuple[Any, list[Any], list[Any]]] = {}
    for target in targets:
        if target not in names or target not in frame.columns:
            continue
        variable = spec.variable(target)
        refs, defs, clauses = [], [], []
        for order, code in enumerate(codes, start=1):
            rows = frame.filter(pl.col(key) == code)
            if rows[target].null_count() == len(rows):
                continue
            where_oid = f"WC.{spec.name}.{key}.{code}"
            clauses.append(
                define_model.WhereClauseDef(
                    OID=where_oid,
                    RangeCheck=[
                        define_model.RangeCheck(
                            Comparator="EQ",
                            SoftHard="Soft",
                            ItemOID=f"IT.{spec.name}.{key}",
                            CheckValue=[define_model.CheckValue(_content=str(code))],
                        )
                    ],
                )
            )
            item_oid = f"IT.{spec.name}.{target}.{code}"
            refs.append(
                define_model.ItemRef(
                    ItemOID=item_oid,
                    OrderNumber=order,
                    Mandatory="No",
                    WhereClauseRef=[define_model.WhereClauseRef(WhereClauseOID=where_oid)],
                )
            )
            defs.append(_value_item(spec, variable, rows, code, item_oid, test, unit))
        if refs:
            value_list = define_model.ValueListDef(OID=f"VL.{spec.name}.{target}", ItemRef=refs)
            result[target] = (value_list, defs, clauses)
    return result


def _value_item(
    spec: DatasetSpec,
    variable: Variable,
    rows: pl.DataFrame,
    code: str,
    item_oid: str,
    test: str,
    unit: str,
) -> Any:
    column = rows[variable.name].drop_nulls()
    attributes: dict[str, Any]
    if column.dtype == pl.String:
        numbers = [_number(v) for v in column.to_list()]
        if all(n is not None for n in numbers):
            places = _decimals(numbers)
            kind = "integer" if not places else "float"
            attributes = {"DataType": kind, "Length": _max_bytes(column)}
            if kind == "float":
                attributes["SignificantDigits"] = places
        else:
            attributes = {"DataType": "text", "Length": _max_bytes(column)}
    else:
        places = _decimals(column.to_list())
        integral = all(float(v).is_integer() for v in column.to_list())
        attributes = {"DataType": "integer" if integral else "float", "Length": 8}
        if not integral and places is not None:
            attributes["SignificantDigits"] = places
    label = str(code)
    if test in rows.columns and (names := rows[test].drop_nulls().unique().to_list()):
        label = f"{code}: {names[0]}"
    if unit in rows.columns and (units := sorted(rows[unit].drop_nulls().unique().to_list())):
        label += f" ({', '.join(str(u) for u in units)})"
    return define_model.ItemDef(
        OID=item_oid,
        Name=variable.name,
        **attributes,
        SASFieldName=variable.name,
        Description=_text(f"{variable.label} for {label}"),
        Origin=_origin(variable),
    )


def _max_bytes(column: pl.Series) -> int:
    longest = column.str.len_bytes().max()
    return max(1, int(longest)) if isinstance(longest, int) else 1


def _number(value: str) -> Decimal | None:
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ---- codelists ----------------------------------------------------------------------------


def _codelist_oid(key: str) -> str:
    return "CL." + "".join(ch if ch.isalnum() else "_" for ch in key)


def _values_used(uses: Sequence[tuple[str, Variable]], context: _Context) -> list[str]:
    seen: dict[str, None] = {}
    for dataset, variable in uses:
        frame = context.frames.get(dataset)
        if frame is None or variable.name not in frame.columns:
            continue
        for value in frame[variable.name].drop_nulls().unique(maintain_order=True).to_list():
            seen[str(value)] = None
    return sorted(seen)


def _decodes(uses: Sequence[tuple[str, Variable]], context: _Context) -> dict[str, str]:
    """Test names for test codes (``RSTESTCD`` -> ``RSTEST``, ``PARAMCD`` -> ``PARAM``)."""
    pairs: dict[str, str] = {}
    for dataset, variable in uses:
        frame = context.frames.get(dataset)
        if variable.name.endswith("TESTCD"):
            partner = variable.name[: -len("CD")]
        elif variable.name == "PARAMCD":
            partner = "PARAM"
        else:
            continue
        if frame is None or partner not in frame.columns or variable.name not in frame.columns:
            continue
        for code, name in frame.select(variable.name, partner).drop_nulls().unique().iter_rows():
            pairs.setdefault(str(code), str(name))
    return pairs


def _codelist(key: str, uses: Sequence[tuple[str, Variable]], context: _Context) -> Any:
    oid = _codelist_oid(key)
    data_type = "integer" if all(v.type == "integer" for _, v in uses) else "text"
    external = _EXTERNAL.get(key.upper())
    if external is not None:
        return define_model.CodeList(
            OID=oid,
            Name=external[0],
            DataType="text",
            ExternalCodeList=define_model.ExternalCodeList(
                Dictionary=external[0], Version=external[1]
            ),
        )
    values = _values_used(uses, context)
    decodes = _decodes(uses, context)
    codelist = context.terminology.get(key)
    if codelist is None:
        return _sponsor_codelist(oid, key, values, decodes, data_type)
    if not values:
        # No record uses it (an empty dataset): list the codelist's permitted values.
        values = list(codelist.values)
    return _ct_codelist(oid, codelist, values, decodes, data_type)


def _sponsor_codelist(
    oid: str, key: str, values: Sequence[str], decodes: Mapping[str, str], data_type: str
) -> Any:
    if decodes:
        items = [
            define_model.CodeListItem(
                CodedValue=value,
                OrderNumber=order,
                Decode=define_model.Decode(
                    TranslatedText=[
                        define_model.TranslatedText(_content=decodes.get(value, value), lang="en")
                    ]
                ),
            )
            for order, value in enumerate(values, start=1)
        ]
        return define_model.CodeList(
            OID=oid,
            Name=f"{key} (sponsor-defined)",
            DataType=data_type,
            IsNonStandard="Yes",
            CodeListItem=items,
        )
    enumerated = [
        define_model.EnumeratedItem(CodedValue=value, OrderNumber=order)
        for order, value in enumerate(values, start=1)
    ]
    return define_model.CodeList(
        OID=oid,
        Name=f"{key} (sponsor-defined)",
        DataType=data_type,
        IsNonStandard="Yes",
        EnumeratedItem=enumerated,
    )


def _ct_codelist(
    oid: str, codelist: Codelist, values: Sequence[str], decodes: Mapping[str, str], data_type: str
) -> Any:
    standard = "STD.CT.ADAM" if codelist.standard == "ADaM" else "STD.CT.SDTM"
    items: list[Any] = []
    for order, value in enumerate(values, start=1):
        term = codelist.term(value)
        attributes: dict[str, Any] = {"CodedValue": value, "OrderNumber": order}
        if term is None and codelist.extensible:
            attributes["ExtendedValue"] = "Yes"
        if decodes:
            attributes["Decode"] = define_model.Decode(
                TranslatedText=[
                    define_model.TranslatedText(_content=decodes.get(value, value), lang="en")
                ]
            )
        if term is not None:
            attributes["Alias"] = _alias(term.code)
        items.append(attributes)
    if decodes:
        return define_model.CodeList(
            OID=oid,
            Name=codelist.name,
            DataType=data_type,
            StandardOID=standard,
            CodeListItem=[define_model.CodeListItem(**a) for a in items],
            Alias=_alias(codelist.code),
        )
    return define_model.CodeList(
        OID=oid,
        Name=codelist.name,
        DataType=data_type,
        StandardOID=standard,
        EnumeratedItem=[define_model.EnumeratedItem(**a) for a in items],
        Alias=_alias(codelist.code),
    )


# ---- validation and rendering helpers -----------------------------------------------------


@cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(schemas.get_schema_path("define", "2.1")))


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("psotrial")
    except Exception:  # not installed as a distribution (a source checkout)
        return "0"


def _q(name: str) -> str:
    return f"{{{_NS_DEF}}}{name}"


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _description(element: Any, ns: Mapping[str, str]) -> str:
    return str(element.findtext("odm:Description/odm:TranslatedText", default="", namespaces=ns))


def _class(group: Any, ns: Mapping[str, str]) -> str:
    found = group.find("def:Class", ns)
    return "" if found is None else str(found.get("Name", ""))


def _value_lists_html(mdv: Any, items: Mapping[str, Any], ns: Mapping[str, str]) -> list[str]:
    lists = mdv.findall("def:ValueListDef", ns)
    if not lists:
        return []
    clauses = {w.get("OID"): w for w in mdv.findall("def:WhereClauseDef", ns)}
    out = [
        '<h2>Value-level metadata</h2><table border="1"><tr><th>Value list</th>'
        "<th>Where</th><th>Type</th><th>Length</th><th>Description</th></tr>"
    ]
    for value_list in lists:
        for ref in value_list.findall("odm:ItemRef", ns):
            item = items[str(ref.get("ItemOID"))]
            wheres = []
            for clause_ref in ref.findall("def:WhereClauseRef", ns):
                clause = clauses[clause_ref.get("WhereClauseOID")]
                for check in clause.findall("odm:RangeCheck", ns):
                    target = items.get(check.get(_q("ItemOID")))
                    values = [v.text or "" for v in check.findall("odm:CheckValue", ns)]
                    name = target.get("Name") if target is not None else check.get(_q("ItemOID"))
                    wheres.append(f"{name} {check.get('Comparator')} {', '.join(values)}")
            out.append(
                f"<tr><td>{_e(value_list.get('OID'))}</td><td>{_e('; '.join(wheres))}</td>"
                f"<td>{_e(item.get('DataType'))}</td><td>{_e(item.get('Length', ''))}</td>"
                f"<td>{_e(_description(item, ns))}</td></tr>"
            )
    out.append("</table>")
    return out


def _codelists_html(mdv: Any, ns: Mapping[str, str]) -> list[str]:
    codelists = mdv.findall("odm:CodeList", ns)
    if not codelists:
        return []
    out = [
        '<h2>Codelists</h2><table border="1"><tr><th>Codelist</th><th>Name</th>'
        "<th>NCI code</th><th>Value</th><th>Decode</th><th>NCI term code</th></tr>"
    ]
    for codelist in codelists:
        alias = codelist.find("odm:Alias", ns)
        code = alias.get("Name") if alias is not None else ""
        external = codelist.find("odm:ExternalCodeList", ns)
        if external is not None:
            out.append(
                f"<tr><td>{_e(codelist.get('OID'))}</td><td>{_e(codelist.get('Name'))}</td>"
                f'<td></td><td colspan="3">external dictionary {_e(external.get("Dictionary"))} '
                f"{_e(external.get('Version'))}</td></tr>"
            )
        entries = codelist.findall("odm:CodeListItem", ns) + codelist.findall(
            "odm:EnumeratedItem", ns
        )
        for entry in entries:
            term = entry.find("odm:Alias", ns)
            decode = entry.findtext("odm:Decode/odm:TranslatedText", default="", namespaces=ns)
            extended = " (sponsor extension)" if entry.get(_q("ExtendedValue")) == "Yes" else ""
            out.append(
                f"<tr><td>{_e(codelist.get('OID'))}</td><td>{_e(codelist.get('Name'))}</td>"
                f"<td>{_e(code)}</td><td>{_e(entry.get('CodedValue'))}{_e(extended)}</td>"
                f"<td>{_e(decode)}</td><td>{_e(term.get('Name') if term is not None else '')}"
                "</td></tr>"
            )
    out.append("</table>")
    return out
