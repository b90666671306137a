"""Admin of the catalog: service items with their materials, fees and process steps, and
delivery methods.

An item and its inlines are one thing to the rules (shares of the steps sum to 100,
a township-accepted item starts at the station, ...), so they are checked together by
`services.check_item` once the item form and every inline are individually valid; a
violation is shown on the form, never as a 500. Saving goes through
`services.save_item` (one transaction, one audit event), not through the admin's own
`.save()` calls.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from yiwang.accounts.actor import request_actor
from yiwang.catalog import services
from yiwang.catalog.models import DeliveryMethod, Fee, Material, ProcessStep, ServiceItem
from yiwang.common.errors import ValidationFailed

# Where the form and the inline formsets of one admin request meet (set on the request).
_FORM = "_catalog_item_form"
_FORMSETS = "_catalog_item_formsets"


class ServiceItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown

    request: HttpRequest | None = None

    def _post_clean(self) -> None:
        # Django has copied the form's data onto the instance here; remember the form
        # so the whole-item check (run from the last inline) can read and annotate it.
        super()._post_clean()  # type: ignore[misc]
        if self.request is not None:
            setattr(self.request, _FORM, self)


class CheckedItemFormSet(forms.BaseInlineFormSet):
    """Registers itself with the request; the process-step formset runs the item check."""

    runs_item_check = False

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None:
            formsets = getattr(request, _FORMSETS, None)
            if formsets is None:
                formsets = []
                setattr(request, _FORMSETS, formsets)
            formsets.append(self)

    def clean(self) -> None:
        super().clean()
        if not self.runs_item_check or self.request is None:
            return
        form = getattr(self.request, _FORM, None)
        siblings: list[CheckedItemFormSet] = getattr(self.request, _FORMSETS, [])
        # Only a whole item is checked: the item form and every inline valid on their own.
        if form is None or form.errors or self._has_form_errors():
            return
        if any(s is not self and not s.is_valid() for s in siblings):
            return
        try:
            services.check_item(spec_from_admin(form, siblings))
        except ValidationFailed as exc:
            # "form_fields[2]" belongs to the item's form_fields; "process[1]" to the steps.
            field = str(exc.extra.get("field", "")).split("[", 1)[0]
            if field in form.fields:
                form.add_error(field, exc.detail)
                raise forms.ValidationError("事项校验未通过，请修改上方标出的字段") from exc
            raise forms.ValidationError(exc.detail) from exc

    def _has_form_errors(self) -> bool:
        return any(f.errors for f in self.forms)


class StepFormSet(CheckedItemFormSet):
    runs_item_check = True


def _live_rows(
    formsets: dict[Any, CheckedItemFormSet], model: type[models.Model]
) -> list[dict[str, Any]]:
    """The cleaned rows of the model's inline that are kept (not blank, not deleted)."""
    formset = formsets.get(model)
    if formset is None:
        return []
    rows = []
    for f in formset.forms:
        data = getattr(f, "cleaned_data", None)
        if not data or (formset.can_delete and data.get("DELETE")):
            continue
        rows.append(data)
    return rows


def spec_from_admin(form: forms.ModelForm, formsets: list[CheckedItemFormSet]) -> services.ItemSpec:
    """The item as the admin's form and inlines describe it."""
    item: ServiceItem = form.instance
    by_model = {fs.model: fs for fs in formsets}
    data = form.cleaned_data
    materials = tuple(
        services.MaterialSpec(
            code=r["code"],
            name=r["name"],
            required=r["required"],
            form=r["form"],
            copies=r["copies"],
            source=r["source"],
            license_type_code=r.get("license_type_code") or "",
            standard=r.get("standard") or "",
            sort_order=r["sort_order"],
        )
        for r in _live_rows(by_model, Material)
    )
    fees = tuple(
        services.FeeSpec(
            name=r["name"],
            standard=r["standard"],
            basis=r.get("basis") or "",
            waiver=r.get("waiver") or "",
        )
        for r in _live_rows(by_model, Fee)
    )
    steps = tuple(
        services.StepSpec(
            order=r["order"],
            code=r["code"],
            name=r["name"],
            role=r["role"].pk,
            share_percent=r["share_percent"],
        )
        for r in _live_rows(by_model, ProcessStep)
    )
    scalars = {
        name: getattr(item, name)
        for name in services.ItemSpec.__dataclass_fields__
        if name not in {"code", "department", "delivery_methods", "materials", "fees", "steps"}
    }
    return services.ItemSpec(
        code=item.code,
        department=item.department.code,
        delivery_methods=tuple(sorted(m.pk for m in data.get("delivery_methods", []))),
        materials=materials,
        fees=fees,
        steps=steps,
        **scalars,
    )


class MaterialInline(admin.TabularInline):
    model = Material
    formset = CheckedItemFormSet
    extra = 0
    fields = (
        "sort_order",
        "code",
        "name",
        "required",
        "form",
        "copies",
        "source",
        "license_type_code",
        "standard",
    )


class FeeInline(admin.TabularInline):
    model = Fee
    formset = CheckedItemFormSet
    extra = 0
    fields = ("name", "standard", "basis", "waiver")


class ProcessStepInline(admin.TabularInline):
    model = ProcessStep
    formset = StepFormSet
    extra = 0
    fields = ("order", "code", "name", "role", "share_percent")


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    form = ServiceItemForm
    # Steps last: their formset runs the whole-item check after the others are valid.
    inlines = (MaterialInline, FeeInline, ProcessStepInline)
    list_display = (
        "code",
        "name",
        "department",
        "region",
        "case_type",
        "promised_limit_days",
        "legal_limit_days",
        "visits",
        "stars",
        "is_active",
    )
    list_filter = ("is_active", "case_type", "item_type", "accept_level", "region__level")
    search_fields = ("code", "name", "department__name")
    list_select_related = ("department", "region")
    autocomplete_fields = ("department",)
    filter_horizontal = ("delivery_methods",)
    readonly_fields = ("region", "stars")
    fieldsets = (
        (None, {"fields": ("code", "basic_code", "name", "item_type", "department", "region")}),
        (
            "时限与办理",
            {
                "fields": (
                    ("legal_limit_days", "promised_limit_days"),
                    "limit_note",
                    "case_type",
                    ("visits", "stars"),
                    "visits_reason",
                    "online_depth",
                    "accept_level",
                    "special_procedures",
                    "is_active",
                )
            },
        ),
        (
            "办事指南",
            {
                "fields": (
                    "service_object",
                    "legal_basis",
                    "conditions",
                    "place",
                    "hours",
                    ("consult_phone", "complaint_phone"),
                    "result_name",
                    "delivery_methods",
                )
            },
        ),
        ("数据", {"fields": ("form_fields", "auto_rules")}),
    )

    @admin.display(description="星级")
    def stars(self, obj: ServiceItem) -> int:
        return obj.stars

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"request": request})

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        kwargs["request"] = request
        return kwargs

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The item is written with its inlines in save_related, in one service call.
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        spec = spec_from_admin(form, formsets)
        saved = services.save_item(
            spec, actor=request_actor(request), item_id=form.instance.pk if change else None
        )
        form.instance.pk = saved.pk
        form.instance.region_id = saved.region_id
        for formset in formsets:
            # What the admin's change message reads; the audit event has the details.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_item(obj, actor=request_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                services.delete_item(obj, actor=request_actor(request))

    # The delete page lists the cases that protect an item and refuses; but a case filed
    # between that check and the DELETE (an applicant submitting while the administrator
    # confirms) makes the deletion fail: ProtectedError from Django's collector, or the
    # database's foreign key at commit (IntegrityError). Either is a refusal, never a 500.
    _REFUSED = "无法删除事项：有办件正在引用它（可能刚刚有人提交申请）。请改为停用该事项。"

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ProtectedError, IntegrityError):
            self.message_user(request, self._REFUSED, messages.ERROR)
            opts = self.model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            return HttpResponseRedirect(url)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            action, name, description = actions["delete_selected"]  # type: ignore[misc]

            def delete_selected(modeladmin: Any, req: HttpRequest, queryset: Any) -> Any:
                try:
                    with transaction.atomic():  # commit here, so the foreign key is checked here
                        return action(modeladmin, req, queryset)
                except (ProtectedError, IntegrityError):
                    self.message_user(req, self._REFUSED, messages.ERROR)
                    return None

            actions["delete_selected"] = (delete_selected, name, description)
        return actions


class DeliveryMethodForm(forms.ModelForm):
    class Meta:
        model = DeliveryMethod
        fields = ("code", "name", "needs_tracking")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.check_delivery_method(
                services.DeliveryMethodSpec(
                    code=data.get("code", self.instance.code) or "",
                    name=data.get("name") or "",
                    needs_tracking=bool(data.get("needs_tracking")),
                )
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.detail) from exc
        return data


@admin.register(DeliveryMethod)
class DeliveryMethodAdmin(admin.ModelAdmin):
    form = DeliveryMethodForm
    list_display = ("code", "name", "needs_tracking")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the primary key items refer to: changing it would be a new method.
        return ("code",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.save_delivery_method(obj, actor=request_actor(request))

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # Items offering a method protect it as cases do (services.delete_delivery_method
        # refuses): the admin then shows "cannot delete" with the list, never a 500.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        label = ServiceItem._meta.verbose_name
        users = [
            f"{label}: {item.code} {item.name}（送达方式 {obj.pk}）"
            for obj in objs
            for item in services.items_using_delivery_method(obj.pk)
        ]
        return deleted, counts, perms_needed, [*protected, *users]

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_delivery_method(obj, actor=request_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                services.delete_delivery_method(obj, actor=request_actor(request))
