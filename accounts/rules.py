"""Roles, and what belongs to accounts: users, API tokens, sign-in lockouts and entry to the
admin. The predicates by role are here for every app above accounts; the generic ones
(``is_active_user``, ``is_platform_admin``) live in ``core.rules`` and are re-exported."""

from __future__ import annotations

from typing import Any

import rules

from core.rules import is_active_user, is_platform_admin

from .models import Role

__all__ = ["is_active_user", "is_commissioner", "is_partnership_manager", "is_platform_admin",
           "is_provider_staff", "owns_token"]


@rules.predicate
def is_commissioner(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.COMMISSIONER)


@rules.predicate
def is_partnership_manager(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.PARTNERSHIP_MANAGER)


@rules.predicate
def is_provider_staff(user: Any) -> bool:
    return bool(is_active_user(user) and user.role == Role.PROVIDER_STAFF)


for model in ("user",):
    rules.add_perm(f"accounts.view_{model}", is_platform_admin)
    rules.add_perm(f"accounts.change_{model}", is_platform_admin)
    rules.add_perm(f"accounts.add_{model}", is_platform_admin)
    rules.add_perm(f"accounts.delete_{model}", is_platform_admin)
# API tokens: each user creates and revokes their own (the API tokens page); platform admins see
# every token's name, prefix and dates in the admin and may revoke any (never read a key: only
# its hash is stored). Nobody adds or edits one there.


@rules.predicate
def owns_token(user: Any, token: Any) -> bool:
    return bool(token is not None and getattr(user, "pk", None) == token.user_id)


rules.add_perm("accounts.use_api_tokens", is_active_user)
rules.add_perm("accounts.view_apitoken", is_platform_admin)
rules.add_perm("accounts.revoke_apitoken", is_active_user & (owns_token | is_platform_admin))

# Platform admins lift sign-in lockouts without being superusers.
for perm in ("axes.view_accessattempt", "axes.delete_accessattempt",
             "axes.view_accesslog", "axes.view_accessfailurelog",
             "axes.delete_accessfailurelog"):
    rules.add_perm(perm, is_platform_admin)

# Where the admin is available at all (the partnership pages themselves come later).
rules.add_perm("admin.access", is_platform_admin | is_partnership_manager)

