"""Admin for users: Django's user admin plus each user's organisation and role.

Permissions come from ``accounts.rules`` (platform admins manage users). User changes are not
written to the registry's audit trail: it records partnership data, and a snapshot of a user
would copy the password hash into it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin, RegistryPermissionsMixin
from core.errors import DomainError

from .actions import api_token_revoke
from .models import ApiToken, User

_ORGANISATION_AND_ROLE = ("Organisation and role", {"fields": ("organisation", "role")})


@admin.register(User)
class UserAdmin(RegistryPermissionsMixin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "organisation", "role",
                    "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    list_select_related = ("organisation",)
    search_fields = ("username", "first_name", "last_name", "email", "organisation__name")
    autocomplete_fields = ("organisation",)
    fieldsets = (
        DjangoUserAdmin.fieldsets[0],
        _ORGANISATION_AND_ROLE,
        *DjangoUserAdmin.fieldsets[1:],
    )
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, _ORGANISATION_AND_ROLE)


# Access follows roles (accounts.rules), not Django groups: hide groups so nobody relies on them.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdminMixin, RegistryPermissionsMixin, admin.ModelAdmin):
    """Every API token's owner, name, prefix and dates, and a way to revoke them. There is no
    key to show (only its SHA-256 is stored, and not even that is shown), and nobody adds or
    edits a token here: users create their own on their API tokens page, so no admin can hold
    a working key for someone else's account."""

    list_display = ("name", "user", "prefix", "created_at", "expires_on", "last_used_at",
                    "revoked_at", "revoked_by")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_on", "created_at")
    list_select_related = ("user", "user__organisation", "revoked_by")
    search_fields = ("name", "prefix", "user__username", "user__first_name", "user__last_name")
    date_hierarchy = "created_at"
    fields = ("user", "name", "prefix", "created_at", "expires_on", "last_used_at",
              "revoked_at", "revoked_by")
    readonly_fields = fields
    actions = ["revoke_tokens"]

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.revoke_apitoken")

    @admin.action(description="Revoke selected API tokens", permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                api_token_revoke(token=token, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{token}: {exc}", level=messages.ERROR)
            else:
                revoked += 1
        if revoked:
            self.message_user(request, f"Revoked {revoked} API token{'s' if revoked != 1 else ''}"
                                       ". Clients using them now get 401.", level=messages.SUCCESS)
        else:
            self.message_user(request, "No API token was revoked: the selected ones were "
                                       "already revoked.", level=messages.INFO)
