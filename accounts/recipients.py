"""Who works where, for messages: the active staff of organisations by role, found with one query
whatever their number. The reminder sweeps of every app above accounts ask these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import cast

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Role, User


def active_users() -> QuerySet[User]:
    """Active users, without the organisation join the default manager adds."""
    return User.objects.select_related(None).filter(is_active=True)


def staff_of(organisation_ids: Iterable[int], roles: Iterable[str]) -> dict[int, list[User]]:
    """Active users in ``roles`` of each organisation: ``organisation id → users``. One query."""
    ids = set(organisation_ids)
    found: dict[int, list[User]] = defaultdict(list)
    if not ids:
        return found
    for user in active_users().filter(role__in=list(roles), organisation_id__in=ids) \
            .order_by("pk"):
        # organisation_id__in leaves out users without an organisation.
        found[cast(int, user.organisation_id)].append(user)
    return found


#: The roles that hold cases: who hears of a case's conferences and referrals.
CASEWORKER_ROLES = (Role.PROVIDER_STAFF, Role.PARTNERSHIP_MANAGER)


def caseworkers_of(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """Provider staff and partnership managers (those who hold cases) of each organisation."""
    return staff_of(organisation_ids, CASEWORKER_ROLES)


def caseworkers() -> QuerySet[User]:
    """Every active caseworker (``CASEWORKER_ROLES``) with an organisation, unordered: what a
    set-based sweep starts from, joining it through ``organisation`` to what it reminds about,
    so that a row is one person to tell (``notifications.actions.notification_insert_from``),
    with who counts as a caseworker said here only."""
    return active_users().filter(role__in=CASEWORKER_ROLES, organisation__isnull=False) \
        .order_by()


def managers_else_caseworkers() -> QuerySet[User]:
    """Every active partnership manager with an organisation, and the other caseworkers of an
    organisation that has no active partnership manager, unordered: for a set-based sweep
    escalating to an organisation's managers, so that an organisation without one still
    hears through those who hold its cases rather than nobody."""
    managers = active_users().filter(role=Role.PARTNERSHIP_MANAGER,
                                     organisation_id=OuterRef("organisation_id"))
    return caseworkers().filter(Q(role=Role.PARTNERSHIP_MANAGER) | ~Exists(managers))


def partnership_managers_of(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """Partnership managers of each organisation: those who sign its agreements and speak for
    it in its partnerships, so they hear what happens to them."""
    return staff_of(organisation_ids, [Role.PARTNERSHIP_MANAGER])


def returns_staff_of(organisation_ids: Iterable[int]) -> dict[int, list[User]]:
    """Provider staff of each organisation: those who prepare and submit its monitoring returns
    (``monitoring.edit_return``), as the due and overdue reminders reach them."""
    return staff_of(organisation_ids, [Role.PROVIDER_STAFF])


def platform_admins() -> list[User]:
    """Active platform admins: the reviewers of last resort, for what no organisation's staff
    may decide (a lead partner's own monitoring return). One query."""
    return list(active_users().filter(role=Role.PLATFORM_ADMIN).order_by("pk"))
