"""Admin building blocks shared by every app, and the read-only audit trail.

- ``RegistryPermissionsMixin``: who may see and do what comes from the rules (each app's
  ``rules.py``), asked through ``request.user.has_perm(perm, obj)`` (the ``rules`` admin
  integration); never re-implemented here.
- ``AuditedAdminMixin``: every admin write (the object, its inlines, deletes and bulk deletes)
  goes through ``core.actions.audited_save`` / ``audited_delete``, so the audit row is written in
  the same transaction as the change. Apps override ``save_object`` to route named operations
  (ending a membership...) to their own actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from rules.contrib.admin import (
    ObjectPermissionsModelAdminMixin,
    ObjectPermissionsStackedInline,
    ObjectPermissionsTabularInline,
)

from . import audit
from .actions import audited_delete, audited_save
from .models import AuditEvent

# Set on the request when a save was refused after the forms had validated (see changeform_view).
_SAVE_ERROR_ATTR = "_registry_admin_save_error"


def error_text(exc: ValidationError) -> str:
    """A ValidationError (or DomainError) as one readable sentence or more."""
    return " ".join(str(m) for m in exc.messages)


def _describe(obj: models.Model) -> str:
    try:
        return f"{obj._meta.verbose_name.capitalize()} “{obj}”"
    except Exception:  # noqa: BLE001 - a half-filled new object may not have a readable __str__
        return obj._meta.verbose_name.capitalize()


class RegistryPermissionsMixin(ObjectPermissionsModelAdminMixin):
    """Object permissions from the rules (view/change/delete per object, add per model).

    ``rules`` has no app-level rules, so the app list shows an app to a user who may do
    anything with one of its models.
    """

    def has_module_permission(self, request: HttpRequest) -> bool:
        return any(self.get_model_perms(request).values())


class TabularInline(ObjectPermissionsTabularInline):
    """An inline whose permissions come from the rules, asked with the parent object."""

    extra = 0
    show_change_link = False


class StackedInline(ObjectPermissionsStackedInline):
    extra = 0


class ReadOnlyAdminMixin:
    """For rows that only the app's actions write (audit events, returns, reviews,
    notifications): the admin shows them and never adds, changes or deletes one, because a form
    would skip the checks and the audit trail of those actions. Put it first in the bases."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, TabularInline):
    """The read-only rows of a read-only parent (a return's figures, a review's attendance)."""

    can_delete = False


class AuditedAdminMixin:
    """Route every admin write through the audited actions.

    Django's admin wraps the add/change view in one transaction, so the object, its inlines and
    their audit rows commit together. A refusal raised at save time (after the forms validated,
    e.g. two new lead partners in one submission) rolls everything back and shows the form again
    with the message, instead of a server error.
    """

    # -- the single place objects are written; apps override to call named actions --------------
    def save_object(self, request: HttpRequest, obj: models.Model) -> models.Model:
        return audited_save(instance=obj, by=request.user)

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        audited_delete(instance=obj, by=request.user)

    # -- Django admin hooks ------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: models.Model, form: Any,
                   change: bool) -> None:
        self.save_object(request, obj)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        self.delete_object(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        # The bulk delete action is not wrapped in a transaction by Django: all or nothing here.
        with transaction.atomic(using=queryset.db):
            for obj in queryset:
                self.delete_object(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Save inlines and many-to-many links; audit link changes (e.g. regions served), which
        are written after the object's own audited save."""
        before = audit.m2m_snapshot(form.instance) if change else {}
        super().save_related(request, form, formsets, change)
        after = audit.m2m_snapshot(form.instance)
        if change:
            changed = audit.diff(before, after)
        else:  # the create row was written before the links existed
            changed = {k: v for k, v in audit.diff(None, after).items() if v[1]}
        if changed:
            audit.record(instance=form.instance, action=AuditEvent.Action.UPDATE,
                         by=request.user, changes=changed,
                         summary="Changed " + ", ".join(sorted(changed)))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)  # fills deleted/changed/new, writes nothing
        for obj in formset.deleted_objects:
            self._write_inline(obj, lambda o: self.delete_object(request, o))
        # Changed rows before new ones, so e.g. an ended role frees its place for a new one.
        for obj in instances:
            self._write_inline(obj, lambda o: self.save_object(request, o))
        formset.save_m2m()

    @staticmethod
    def _write_inline(obj: models.Model, write: Any) -> None:
        try:
            write(obj)
        except ValidationError as exc:
            # Say which row was refused: the message is shown above the whole form.
            raise ValidationError([f"{_describe(obj)}: {m}" for m in exc.messages]) from exc

    # -- save-time refusals become form errors, not 500s ----------------------------------------
    def changeform_view(self, request: HttpRequest, object_id: str | None = None,
                        form_url: str = "", extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            if request.method != "POST" or hasattr(request, _SAVE_ERROR_ATTR):
                raise
            # The transaction has rolled back; show the submitted form again with the message.
            setattr(request, _SAVE_ERROR_ATTR, exc)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, _SAVE_ERROR_ATTR, None)
        if error is None:
            return form_class

        def clean(form: Any) -> Any:
            cleaned = super(refused, form).clean()
            # (Not getattr with a default: that would read error_list, which a ValidationError
            # naming a field does not have.)
            errors = (error.error_dict if hasattr(error, "error_dict")
                      else {NON_FIELD_ERRORS: error.error_list})
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
            return cleaned

        refused = type(form_class.__name__, (form_class,), {"clean": clean})
        return refused

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as exc:
            self.message_user(request, f"Nothing was deleted: {error_text(exc)}",
                              level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None
                        ) -> HttpResponse:
        try:
            if request.method != "POST":
                return super().changelist_view(request, extra_context)
            # Actions (e.g. bulk delete with its admin log entries) commit all or nothing.
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except ValidationError as exc:  # e.g. a bulk delete refused part-way: all rolled back
            self.message_user(request, f"Nothing was changed: {error_text(exc)}",
                              level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # -- "History" goes to the audit trail ------------------------------------------------------
    def audit_filter(self, obj: models.Model) -> dict[str, Any]:
        """Query parameters selecting this object's rows in the audit trail changelist."""
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
        return {"content_type__id__exact": ct.pk, "object_id": obj.pk}

    def audit_url(self, obj: models.Model) -> str:
        from urllib.parse import urlencode

        url = reverse(f"{self.admin_site.name}:core_auditevent_changelist")
        return f"{url}?{urlencode(self.audit_filter(obj))}"

    def history_view(self, request: HttpRequest, object_id: str,
                     extra_context: dict | None = None) -> HttpResponse:
        if request.user.has_perm("core.view_auditevent"):
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_view_or_change_permission(request, obj):
                return HttpResponseRedirect(self.audit_url(obj))
        return super().history_view(request, object_id, extra_context)


class RegistryModelAdmin(AuditedAdminMixin, RegistryPermissionsMixin, admin.ModelAdmin):
    """The base of every registry admin: rules permissions and audited writes."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT fewer on big tables
    # Django 6 makes https the default scheme for typed-in web addresses; use it already.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


# -- the audit trail, read-only -------------------------------------------------------------------


class AuditPartnershipFilter(admin.SimpleListFilter):
    """Everything that happened in one partnership (linked from its change page)."""

    title = "partnership"
    parameter_name = "partnership_id"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        value = self.value()
        if not value or not value.isdigit():
            return []
        # The audit trail knows partnerships only by id; name it from its own latest row.
        label = (AuditEvent.objects
                 .filter(content_type__app_label="partnerships",
                         content_type__model="partnership", object_id=value)
                 .values_list("object_repr", flat=True).first())
        return [(value, label or f"Partnership #{value}")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(partnership_id=int(value))
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, RegistryPermissionsMixin, admin.ModelAdmin):
    """Who changed what, when. Written only by actions: nobody adds, edits or deletes rows."""

    list_display = ("occurred_at", "action", "content_type", "object_link", "actor", "summary")
    list_filter = ("action", ("content_type", admin.RelatedOnlyFieldListFilter),
                   AuditPartnershipFilter)
    list_select_related = ("actor", "content_type")
    search_fields = ("object_repr", "summary", "actor__username")
    date_hierarchy = "occurred_at"
    list_per_page = 100
    show_full_result_count = False
    fields = ("occurred_at", "actor", "api_token", "action", "content_type", "object_link",
              "object_id", "partnership_id", "summary", "changes_table")
    readonly_fields = fields

    @admin.display(description="object", ordering="object_repr")
    def object_link(self, event: AuditEvent) -> str:
        if event.action == AuditEvent.Action.DELETE:
            return event.object_repr
        ct = event.content_type
        try:
            url = reverse(f"{self.admin_site.name}:{ct.app_label}_{ct.model}_change",
                          args=[quote(event.object_id)])
        except NoReverseMatch:
            return event.object_repr
        return format_html('<a href="{}">{}</a>', url, event.object_repr)

    @admin.display(description="what changed")
    def changes_table(self, event: AuditEvent) -> str:
        changes = event.changes or {}
        if not changes:
            return "—"
        rows = format_html_join(
            "", "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            ((field, _show(values, 0), _show(values, 1)) for field, values in changes.items()),
        )
        return format_html(
            "<table><thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Before</th>"
            "<th scope=\"col\">After</th></tr></thead><tbody>{}</tbody></table>", rows)


def _show(values: Any, index: int) -> str:
    try:
        value = values[index]
    except (IndexError, KeyError, TypeError):
        return "—"
    return "—" if value in (None, "") else str(value)
