"""Agreements in the admin: the fields that describe an agreement are edited in the form; its
life (a new version, signatures, taking effect, reviews, ending, discarding a draft) moves only
through buttons on the change page, each opening a small form that calls the same
``partnerships.actions`` the pages and the API call (ADR 0017). A raw status field would let an
admin skip the checks and lose the version chain, so status, version and "replaces" are shown,
never edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AdminTextareaWidget, AdminTextInputWidget
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from core.admin import ReadOnlyInline, TabularInline
from core.display import govuk_date
from core.errors import DomainError

from .. import actions
from ..actions.agreements import in_force_version, pending_version, unsigned_parties
from ..choices import AgreementStatus
from ..documents import ACCEPT, check_agreement_document
from ..models import Agreement, AgreementReview, Organisation, Signatory
from ..rules import MANAGE_PARTNERSHIP
from .registry import (
    PartnershipsAdmin,
    _changed_fields,
    date_column,
    name_column,
    partnership_page,
)


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "review overdue"
    parameter_name = "review_overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() == "yes":
            return queryset.review_overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=Agreement.objects.review_overdue().values("pk"))
        return queryset


class SignatoryInline(TabularInline):
    """The organisations expected to sign this version and who signed for each. A new row on
    a draft adds a party (``agreement_party_add``); filling in the signature of an unsigned
    party records it (``agreement_sign``); removing a row withdraws the party."""

    model = Signatory
    fields = ("organisation", "signed_by", "signer_role", "signed_on")
    autocomplete_fields = ("organisation",)
    verbose_name = "party"
    verbose_name_plural = "Parties and signatures"

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "organisation" and field is not None:
            # Organisations are set up on their own page: no add/edit/delete/view icons in
            # every row (they also pushed the table past 1280 pixels).
            widget = field.widget
            for flag in ("can_add_related", "can_change_related", "can_delete_related",
                         "can_view_related"):
                setattr(widget, flag, False)
        return field


class AgreementReviewInline(ReadOnlyInline):
    """The parties' reviews of this version, recorded with the "Record a review" button."""

    model = AgreementReview
    fields = ("reviewed_on", "outcome", "next_review_due", "recorded_by")
    readonly_fields = fields
    verbose_name = "review"
    verbose_name_plural = "Reviews"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Reviews are read with their agreement: whoever may see the agreement sees them.
        return request.user.has_perm("partnerships.view_agreement", obj)


# -- the lifecycle forms -------------------------------------------------------------------------


def _date(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text,
                           widget=AdminDateWidget)


def _text(label: str, *, required: bool = True, help_text: str = "",
          max_length: int = 300) -> forms.CharField:
    return forms.CharField(label=label, required=required, help_text=help_text,
                           max_length=max_length, widget=AdminTextInputWidget)


class NewVersionForm(forms.Form):
    reason = _text("Why a new version", required=False,
                   help_text="For example: new data categories. Shown in the version history.")
    title = _text("Title", required=False, max_length=200,
                  help_text="Leave as it is to keep the title.")
    document = forms.FileField(
        label="Signed document", required=False,
        help_text="PDF, DOCX or ODT. Leave empty to carry the current document forward.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}))


class SignForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(),
                                          label="Party that signed")
    signed_by = _text("Name of the person who signed", max_length=150)
    signer_role = _text("Their role", required=False, max_length=150,
                        help_text="Their job title, for example Chief Executive.")
    signed_on = _date("Date signed")

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            signatures__agreement=agreement, signatures__signed_on__isnull=True,
        ).order_by("name")


class PutIntoEffectForm(forms.Form):
    effective_on = _date("Date it takes effect",
                         help_text="Today or earlier: in effect at once, and the version it "
                                   "replaces ends. A later date: it takes effect that day.")
    reason = _text("Why it takes effect before every party has signed", required=False)
    review_due = _date("First review due", required=False,
                       help_text="Leave empty to set it from the review cycle.")

    def __init__(self, *args: Any, agreement: Agreement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not unsigned_parties(agreement):
            del self.fields["reason"]  # only asked when someone has not signed


class ReviewForm(forms.Form):
    reviewed_on = _date("Date of the review")
    outcome = forms.CharField(label="What the parties concluded", max_length=2000,
                              widget=AdminTextareaWidget(attrs={"rows": 4}))
    next_review_due = _date("Next review due", required=False,
                            help_text="Leave empty to set it from the review cycle.")


class EndForm(forms.Form):
    ended_on = _date("Date it ends")
    reason = _text("Why it is ending")


class DiscardForm(forms.Form):
    """Nothing to fill in: the page asks for confirmation."""


@dataclass(frozen=True)
class Step:
    """One lifecycle button: its label, when it is offered, its form and the action it calls."""

    slug: str
    label: str
    statuses: tuple[str, ...]
    form: type[forms.Form]
    submit: str
    perform: Callable[[Agreement, dict[str, Any], Any], tuple[str, str]]
    needs_agreement: bool = False

    def offered(self, agreement: Agreement) -> bool:
        if agreement.status not in self.statuses:
            return False
        if self.slug == "new-version":
            return pending_version(agreement) is None
        if self.slug == "sign":
            return bool(unsigned_parties(agreement))
        return True


def _change_url(agreement: Agreement) -> str:
    return reverse("admin:partnerships_agreement_change", args=[agreement.pk])


def _new_version(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    new = actions.agreement_new_version(
        agreement=agreement, by=by, reason=data["reason"],
        title=data["title"] or None, document=data["document"] or None)
    return (f"Started version {new.version} as a draft. Each party signs it; then put it "
            f"into effect. Version {agreement.version} stays in effect until the new version "
            "is put into effect.",
            _change_url(new))


def _sign(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    actions.agreement_sign(agreement=agreement, organisation=data["organisation"],
                           signed_by=data["signed_by"], signer_role=data["signer_role"],
                           signed_on=data["signed_on"], by=by)
    return (f"Recorded the signature of {data['organisation']} on "
            f"{govuk_date(data['signed_on'])}.", _change_url(agreement))


def _put_into_effect(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    actions.agreement_put_into_effect(agreement=agreement, effective_on=data["effective_on"],
                                      reason=data.get("reason") or "",
                                      review_due=data["review_due"], by=by)
    when = govuk_date(data["effective_on"])
    if agreement.status == AgreementStatus.SCHEDULED:
        return f"Version {agreement.version} is due to take effect on {when}.", \
            _change_url(agreement)
    return f"Version {agreement.version} is in effect from {when}.", _change_url(agreement)


def _review(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    review = actions.agreement_review_record(
        agreement=agreement, reviewed_on=data["reviewed_on"], outcome=data["outcome"],
        next_review_due=data["next_review_due"], by=by)
    return (f"Recorded the review of {govuk_date(review.reviewed_on)}. Next review due "
            f"{govuk_date(review.next_review_due)}.", _change_url(agreement))


def _end(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    actions.agreement_end(agreement=agreement, ended_on=data["ended_on"],
                          reason=data["reason"], by=by)
    return f"{agreement} ended on {govuk_date(data['ended_on'])}.", _change_url(agreement)


def _discard(agreement: Agreement, data: dict[str, Any], by: Any) -> tuple[str, str]:
    name = str(agreement)
    in_force = in_force_version(agreement)
    actions.agreement_draft_discard(agreement=agreement, by=by)
    if in_force is not None:
        return f"Discarded the draft {name}.", _change_url(in_force)
    return (f"Discarded the draft {name}.",
            reverse("admin:partnerships_agreement_changelist"))


PENDING = tuple(AgreementStatus.pending())
ACTIVE = (AgreementStatus.ACTIVE,)
STEPS: dict[str, Step] = {s.slug: s for s in (
    Step("new-version", "Start a new version", ACTIVE, NewVersionForm, "Start the new version",
         _new_version),
    Step("sign", "Record a signature", (*PENDING, *ACTIVE), SignForm, "Record the signature",
         _sign, needs_agreement=True),
    Step("put-into-effect", "Put into effect", PENDING, PutIntoEffectForm, "Put into effect",
         _put_into_effect, needs_agreement=True),
    Step("review", "Record a review", ACTIVE, ReviewForm, "Record the review", _review),
    Step("end", "End agreement", ACTIVE, EndForm, "End the agreement", _end),
    Step("discard", "Discard draft", PENDING, DiscardForm, "Discard this draft", _discard),
)}


# -- the agreement admin ---------------------------------------------------------------------------


@admin.register(Agreement)
class AgreementAdmin(PartnershipsAdmin):
    list_display = ("title", "version", "status", name_column("partnership", "partnership"),
                    date_column("effective_from", "in effect from"), "review_due_display")
    list_filter = ("status", "kind", ReviewOverdueFilter)
    list_select_related = ("partnership",)
    search_fields = ("title", "reference", "summary", "partnership__name",
                     "signatories__organisation__name")
    date_hierarchy = "review_due"
    autocomplete_fields = ("partnership",)
    inlines = (SignatoryInline, AgreementReviewInline)
    add_fieldsets = (
        (None, {"fields": ("partnership", "kind", "title", "summary")}),
        ("Dates", {"fields": ("effective_from", "review_due", "review_cycle_months")}),
        ("Document", {"fields": ("document",)}),
    )
    fieldsets = (
        (None, {"fields": ("partnership", "kind", "title", "reference", "version", "status",
                           "summary")}),
        ("Dates", {"fields": ("effective_from", "review_due", "review_cycle_months",
                              "expires_on")}),
        ("Document", {"fields": ("document",)}),
        ("Versions", {"fields": ("replaces", "replaced_by_version", "change_reason",
                                 "unsigned_reason")}),
    )
    # The life of a version moves through the buttons (and their actions), not the form.
    lifecycle_fields = ("partnership", "reference", "version", "status", "effective_from",
                        "document", "replaces", "replaced_by_version", "change_reason",
                        "unsigned_reason", "ended_on", "end_reason")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        if obj.status == AgreementStatus.ENDED:
            return (*self.fieldsets, ("Ending", {"fields": ("ended_on", "end_reason")}))
        return self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += self.lifecycle_fields
            if obj.status in AgreementStatus.pending():
                # The signed document of a version still being agreed may arrive later; the
                # version in effect keeps the document its parties signed.
                readonly = tuple(f for f in readonly if f != "document")
        return readonly

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        # A new draft has parties but no reviews yet.
        return self.inlines if obj is not None else (SignatoryInline,)

    def view_on_site(self, obj: Agreement) -> str | None:
        return partnership_page(obj.partnership, "agreements")

    # -- columns and read-only fields ----------------------------------------------------------

    @admin.display(description="review due", ordering="review_due")
    def review_due_display(self, obj: Agreement) -> str:
        if obj.review_due is None:
            return "—"
        date = govuk_date(obj.review_due)
        if not obj.review_overdue_on():
            return date
        return format_html('<img src="{}" alt="" width="14" height="14"> '
                           "<strong>{} — overdue</strong>",
                           static("admin/img/icon-alert.svg"), date)

    @admin.display(description="Replaced by")
    def replaced_by_version(self, obj: Agreement) -> str:
        # Not named "replaced_by": the admin would label the reverse relation "Agreement".
        newer = Agreement.objects.filter(replaces=obj).first()
        if newer is None:
            return "—"
        return format_html('<a href="{}">Version {}: {}</a>', _change_url(newer),
                           newer.version, newer)

    # -- writes: every lifecycle step through its action ---------------------------------------

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any,
                   change: bool) -> None:
        saved = self.save_object(request, obj)
        if saved is not obj and saved is not None:
            # The action built its own instance; the admin carries on with the form's one.
            for field in type(obj)._meta.concrete_fields:
                setattr(obj, field.attname, getattr(saved, field.attname))
            obj._state.adding = False
            obj._state.db = saved._state.db

    def save_object(self, request: HttpRequest, obj: models.Model) -> models.Model:
        by = request.user
        if isinstance(obj, Agreement) and obj.pk is None:
            # Adding an agreement records a draft; its parties follow in the inline.
            document = obj.document if obj.document and not obj.document._committed else None
            return actions.agreement_create(
                partnership=obj.partnership, kind=obj.kind, title=obj.title, by=by,
                summary=obj.summary, effective_from=obj.effective_from,
                review_due=obj.review_due, review_cycle_months=obj.review_cycle_months,
                document=document.file if document is not None else None)
        if isinstance(obj, Agreement) and obj.document and not obj.document._committed:
            check_agreement_document(obj.document.file)  # by content, as the actions do
        if isinstance(obj, Signatory):
            stored, changed = _changed_fields(obj)
            if stored is None and not obj.signed_on:
                return actions.agreement_party_add(agreement=obj.agreement,
                                                   organisation=obj.organisation, by=by)
            if obj.signed_on and (stored is None or (
                    stored.signed_on is None
                    and changed <= {"signed_by", "signer_role", "signed_on"})):
                return actions.agreement_sign(
                    agreement=obj.agreement, organisation=obj.organisation,
                    signed_by=obj.signed_by, signer_role=obj.signer_role,
                    signed_on=obj.signed_on, by=by)
        return super().save_object(request, obj)

    def delete_object(self, request: HttpRequest, obj: models.Model) -> None:
        if isinstance(obj, Signatory):
            actions.agreement_party_withdraw(agreement=obj.agreement,
                                             organisation=obj.organisation, by=request.user)
            return
        super().delete_object(request, obj)

    # -- the lifecycle buttons and their pages -------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        lifecycle = path("<path:object_id>/lifecycle/<slug:step>/",
                         self.admin_site.admin_view(self.lifecycle_view),
                         name="partnerships_agreement_lifecycle")
        return [lifecycle, *super().get_urls()]

    def lifecycle_buttons(self, request: HttpRequest, agreement: Agreement
                          ) -> list[dict[str, str]]:
        """The steps open to this version now, for whoever manages its partnership."""
        if not request.user.has_perm(MANAGE_PARTNERSHIP, agreement.partnership):
            return []
        return [{"label": step.label, "url": reverse("admin:partnerships_agreement_lifecycle",
                                                     args=[agreement.pk, step.slug])}
                for step in STEPS.values() if step.offered(agreement)]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> HttpResponse:
        agreement = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if agreement is not None:
            extra["lifecycle_buttons"] = self.lifecycle_buttons(request, agreement)
        return super().change_view(request, object_id, form_url, extra)

    def lifecycle_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """One lifecycle step: its form, then its action. A version the user cannot see is a
        404; one they see but do not manage is a 403; a refusal is shown next to its field."""
        chosen = STEPS.get(step)
        agreement = self.get_object(request, unquote(object_id))
        if chosen is None or agreement is None:
            raise Http404("No such agreement or step.")
        if not request.user.has_perm(MANAGE_PARTNERSHIP, agreement.partnership):
            raise PermissionDenied("Only the partnership's managers (the lead partner's "
                                   "partnership managers) and platform admins change its "
                                   "agreements.")
        kwargs: dict[str, Any] = {"agreement": agreement} if chosen.needs_agreement else {}
        if request.method == "POST":
            form = chosen.form(request.POST, request.FILES, **kwargs)
            if form.is_valid():
                try:
                    message, url = chosen.perform(agreement, form.cleaned_data, request.user)
                except DomainError as exc:
                    field = exc.field if exc.field in form.fields else None
                    form.add_error(field, exc.messages)
                    agreement.refresh_from_db()
                else:
                    self.message_user(request, message, level=messages.SUCCESS)
                    return HttpResponseRedirect(url)
        else:
            form = chosen.form(**kwargs)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"{chosen.label}: {agreement}",
            "step": chosen,
            "agreement": agreement,
            "form": form,
            "media": self.media + form.media,
            "unsigned": unsigned_parties(agreement),
            "in_force": in_force_version(agreement),
        }
        return TemplateResponse(request, "admin/partnerships/agreement/lifecycle_form.html",
                                context)
