"""Admin for users: Django's user admin plus each user's organisation and role.

Permissions come from ``accounts.rules`` (platform admins manage users). User changes are not
written to the registry's audit trail: it records partnership data, and a snapshot of a user
would copy the password hash into it.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group

from core.admin import RegistryPermissionsMixin

from .models import User

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
