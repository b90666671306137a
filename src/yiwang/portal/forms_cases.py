"""Forms of the approval pages: input shape only. Whether an application is complete,
an action allowed or a reason given is decided by the cases services, whose errors the
views show as they are."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from yiwang.cases.choices import CaseAction, CaseStatus, SpecialProcedure
from yiwang.cases.intake import FORM_TEXT_MAX, field_specs, intake_stations, value_problem
from yiwang.common.errors import DomainError
from yiwang.common.idempotency import parse_key
from yiwang.portal.presenting import status_label

#: What a material's file input accepts (the uploads app checks the content itself).
ACCEPT_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
#: The form's own key (a uuid4 hex) is at most this long, so that the upload keys made
#: from it ("<key>-<material code>", portal.applying) stay within common.idempotency's
#: IDEMPOTENCY_KEY_MAX; it is checked by the same `parse_key` as an API header.
IDEMPOTENCY_MAX = 64
TEXT_MAX = FORM_TEXT_MAX


def _valid_key(value: str) -> None:
    try:
        parse_key(value)
    except DomainError as exc:
        raise ValidationError(exc.detail) from None


def station_choices(item: Any) -> list[tuple[str, str]]:
    """The (code, name) choices of the township stations that take in `item`
    (cases.intake.intake_stations, the rule the cases service applies); none for an
    item not taken in at stations."""
    return [(r.code, r.name) for r in intake_stations(item)]


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class ItemSearchForm(forms.Form):
    q = forms.CharField(label=_("事项名称"), max_length=100, required=False)
    region = forms.ChoiceField(label=_("所在地区"), required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    def __init__(self, *args: Any, regions: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("全省")), *regions]
        self.fields["q"].widget.attrs.update({"type": "search", "autocomplete": "off"})

    def value(self, name: str, default: Any = "") -> Any:
        """The cleaned value of one field; its default when that field is invalid (an
        unknown region or a bad page number does not throw away the rest)."""
        self.is_valid()
        return self.cleaned_data.get(name) or default


class LookupForm(forms.Form):
    case_no = forms.CharField(
        label=_("办件编号"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("查询码"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


# --------------------------------------------------------------------------- applying


def field_name(name: str) -> str:
    return f"f_{name}"


def material_field(code: str) -> str:
    return f"m_{code}"


def license_field(code: str) -> str:
    return f"l_{code}"


@dataclass(frozen=True)
class Prefill:
    """A material filled from the applicant's license library (免提交)."""

    identifier: str
    label: str


@dataclass(frozen=True)
class MaterialRow:
    field: forms.BoundField
    prefill: Prefill | None
    hidden: forms.BoundField | None


class ApplyForm(forms.Form):
    """The application for one item: the item's own form fields (data), one file per
    material, the delivery method and — for items taken in at township stations — the
    station. Built per item by `apply_form`."""

    idempotency_key = forms.CharField(
        max_length=IDEMPOTENCY_MAX, widget=forms.HiddenInput, validators=[_valid_key]
    )

    item_field_names: list[str]
    material_codes: list[str]

    item_specs: dict[str, Mapping[str, Any]]
    prefilled: dict[str, Prefill]

    def item_form(self) -> dict[str, Any]:
        """The cleaned values of the item's fields, as the cases service takes them."""
        out: dict[str, Any] = {}
        for name in self.item_field_names:
            value = _service_value(self.cleaned_data.get(field_name(name)))
            if value is not None:
                out[name] = value
        return out

    def clean(self) -> dict[str, Any]:
        """Each filled-in value against its field spec with the cases service's own rule
        (cases.intake.value_problem), so that what the page accepts the service accepts."""
        cleaned = super().clean() or {}
        for name in self.item_field_names:
            value = _service_value(cleaned.get(field_name(name)))
            if value is None:
                continue
            reason = value_problem(self.item_specs[name], value)
            if reason and field_name(name) not in self.errors:  # one message per field
                self.add_error(field_name(name), reason)
        return cleaned

    def material_files(self) -> list[tuple[str, Any]]:
        return [
            (code, self.cleaned_data[material_field(code)])
            for code in self.material_codes
            if self.cleaned_data.get(material_field(code))
        ]

    def material_bound_fields(self) -> list[forms.BoundField]:
        return [self[material_field(code)] for code in self.material_codes]

    def material_rows(self) -> list[MaterialRow]:
        """Each material's file input, with its license from the library when one is
        pre-filled (the hidden field carries its identifier)."""
        return [
            MaterialRow(
                self[material_field(code)],
                self.prefilled.get(code),
                self[license_field(code)] if code in self.prefilled else None,
            )
            for code in self.material_codes
        ]

    def material_licenses(self) -> list[tuple[str, str]]:
        """(material, license identifier) of the pre-filled materials not replaced by a
        file; the cases service checks each license again."""
        return [
            (code, str(self.cleaned_data.get(license_field(code)) or ""))
            for code in self.material_codes
            if code in self.prefilled
            and not self.cleaned_data.get(material_field(code))
            and self.cleaned_data.get(license_field(code))
        ]

    def item_bound_fields(self) -> list[forms.BoundField]:
        return [self[field_name(name)] for name in self.item_field_names]


def _service_value(value: Any) -> Any:
    """A cleaned form value as the service takes it (None: not filled in)."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _item_field(spec: Mapping[str, Any]) -> forms.Field:
    label = str(spec.get("label") or spec.get("name"))
    required = bool(spec.get("required"))
    kind = spec.get("type", "text")
    if kind == "select":
        options = [str(o) for o in spec.get("options") or []]
        return forms.ChoiceField(
            label=label, required=required, choices=[("", _("请选择")), *((o, o) for o in options)]
        )
    if kind == "number":
        return forms.FloatField(label=label, required=required, min_value=0)
    if kind == "date":
        return forms.DateField(
            label=label, required=required, widget=forms.DateInput(attrs={"type": "date"})
        )
    if kind == "boolean":
        return forms.BooleanField(label=label, required=required)
    if kind == "textarea":
        return forms.CharField(
            label=label,
            required=required,
            max_length=TEXT_MAX,
            widget=forms.Textarea(attrs={"rows": 4}),
        )
    return forms.CharField(label=label, required=required, max_length=TEXT_MAX)


def apply_form(
    item: Any,
    *,
    stations: Sequence[tuple[str, str]] = (),
    station: str = "",
    data: Any = None,
    files: Any = None,
    licenses: Mapping[str, Prefill] | None = None,
) -> ApplyForm:
    """The application form of `item` (a catalog ServiceItem with its children loaded).
    `stations` are the (code, name) choices of township stations when the item is taken
    in at one; `station` preselects the applicant's own. `licenses` are the materials
    the applicant's licenses satisfy: their file becomes optional (a file given
    replaces the license)."""
    prefilled = dict(licenses or {})
    fields: dict[str, forms.Field] = {}
    specs = field_specs(item)
    names = list(specs)
    for name, spec in specs.items():
        fields[field_name(name)] = _item_field(spec)
    codes: list[str] = []
    for m in item.materials.all():
        codes.append(m.code)
        fields[material_field(m.code)] = forms.FileField(
            label=m.name,
            required=m.required and m.code not in prefilled,
            help_text=m.standard,
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_FILES}),
        )
        if m.code in prefilled:
            fields[license_field(m.code)] = forms.CharField(
                required=False,
                max_length=120,
                widget=forms.HiddenInput,
                initial=prefilled[m.code].identifier,
            )
    methods = list(item.delivery_methods.all())
    if methods:
        fields["delivery"] = forms.ChoiceField(
            label=_("送达方式"),
            choices=[(m.code, m.name) for m in methods],
            widget=forms.RadioSelect,
            initial=methods[0].code if len(methods) == 1 else None,
        )
    if stations:
        fields["intake_region"] = forms.ChoiceField(
            label=_("受理站点（乡镇、街道便民服务站）"),
            choices=[("", _("请选择")), *stations],
            initial=station or None,
        )
    form_class = type("ItemApplyForm", (ApplyForm,), fields)
    form = form_class(data=data, files=files, initial={"idempotency_key": new_idempotency_key()})
    form.item_field_names = names
    form.item_specs = specs
    form.material_codes = codes
    form.prefilled = prefilled
    return form


# --------------------------------------------------------------------------- case actions


class ActionForm(forms.Form):
    """One action on a case, as the workbench and the centre post it. Every field but
    the action is optional here: which ones an action needs, the service says."""

    action = forms.ChoiceField(choices=CaseAction.choices)
    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    comment = forms.CharField(max_length=TEXT_MAX, required=False)
    result_text = forms.CharField(max_length=200, required=False)
    kind = forms.ChoiceField(choices=[("", ""), *SpecialProcedure.choices], required=False)
    method = forms.CharField(max_length=20, required=False)
    tracking_no = forms.CharField(max_length=40, required=False)
    carrier = forms.CharField(max_length=60, required=False)
    missing = forms.MultipleChoiceField(choices=(), required=False)

    def __init__(self, *args: Any, materials: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.material_codes = [m.code for m in materials]
        self.reasons: dict[str, str] = {}
        missing = self.fields["missing"]
        assert isinstance(missing, forms.MultipleChoiceField)
        missing.choices = [(code, code) for code in self.material_codes]

    def clean(self) -> dict[str, Any]:
        """The reason given for each missing material (a field per material, not declared
        above), held to what a declared text field takes."""
        cleaned = super().clean() or {}
        reasons: dict[str, str] = {}
        for code in cleaned.get("missing") or []:
            reason = str(self.data.get(f"reason-{code}", ""))
            try:
                ProhibitNullCharactersValidator()(reason)
            except ValidationError as exc:
                self.add_error("missing", exc)
            reasons[code] = reason[:200]
        self.reasons = reasons
        return cleaned

    def params(self) -> dict[str, Any]:
        """The service's keyword parameters for the chosen action."""
        data = self.cleaned_data
        params: dict[str, Any] = {}
        action = data["action"]
        if action == CaseAction.REQUEST_SUPPLEMENT:
            params["missing"] = [
                {"material": code, "reason": self.reasons.get(code, "")}
                for code in data.get("missing") or []
            ]
        for name in ("kind", "method", "tracking_no", "carrier", "result_text"):
            if data.get(name):
                params[name] = data[name]
        return params

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return str(_("提交的内容有误"))


#: What each action's form asks for on the workbench (the template draws them).
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    CaseAction.ACCEPT: ("comment",),
    CaseAction.REQUEST_SUPPLEMENT: ("missing", "comment"),
    CaseAction.REFUSE: ("reason",),
    CaseAction.FORWARD: ("comment",),
    CaseAction.APPROVE: ("comment", "result_text"),
    CaseAction.DENY: ("reason",),
    CaseAction.RETURN: ("reason",),
    CaseAction.SUSPEND: ("kind", "reason"),
    CaseAction.RESUME: ("comment",),
    CaseAction.EXTEND: ("reason",),
    CaseAction.ISSUE: ("result_text", "comment"),
    CaseAction.DELIVER: ("method", "comment"),
    CaseAction.WITHDRAW: ("comment",),
}

#: Actions that end the case against the applicant: their button is styled as a warning.
DANGEROUS_ACTIONS = frozenset({CaseAction.REFUSE, CaseAction.DENY, CaseAction.WITHDRAW})


def inbox_filters() -> list[tuple[str, str]]:
    """The workbench inbox filter: open cases, all, or one status."""
    return [
        ("open", str(_("未办结"))),
        ("all", str(_("全部"))),
        *((str(s.value), status_label(s)) for s in CaseStatus),
    ]
