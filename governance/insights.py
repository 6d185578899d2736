"""Reads of frontline insights, shared by the pages and the API so both list, filter and
offer the same things (writes are ``governance.actions.insights``).

Who sees what: anyone who may read the partnership's governance sees its insights (theme,
organisation, date, status and text, which was refused if it looked like it named someone); the
reply is for the author, and for those who triage (who wrote it), not for every member."""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Q, QuerySet

from core import clock
from referrals.models import ReferralPathway
from services.models import Service

from .choices import InsightStatus, InsightTheme
from .models import Body, Insight

TRIAGE = "governance.triage_insight"
RECORD = "governance.record_insight"


def insights_of(partnership: Any, *, theme: str = "", status: str = "",
                author: Any = None) -> QuerySet[Insight]:
    """The partnership's insights, newest first, filtered by theme and status (unknown values
    are ignored) and, for "My insights", by author; with what a list shows joined."""
    queryset = (Insight.objects.filter(partnership=partnership)
                .select_related("organisation", "pathway", "service", "agenda_body",
                                "action__owner_organisation")
                .order_by("-created_on", "-pk"))
    if theme in InsightTheme.values:
        queryset = queryset.filter(theme=theme)
    if status in InsightStatus.values:
        queryset = queryset.filter(status=status)
    if author is not None:
        queryset = queryset.filter(author_id=author.pk)
    return queryset


def pathways_for(partnership: Any) -> QuerySet[ReferralPathway]:
    """The referral pathways an insight may be about: the partnership's own."""
    return ReferralPathway.objects.filter(partnership=partnership).order_by("name")


def services_for(partnership: Any) -> QuerySet[Service]:
    """The services an insight may be about: delivered under the partnership or by one of its
    current members (the same test as ``insight_record``)."""
    members = partnership.memberships.active_on(clock.today()).values("organisation_id")
    return (Service.objects.filter(Q(partnership=partnership) | Q(provider_id__in=members))
            .select_related("provider").order_by("name", "pk").distinct())


def current_bodies(partnership: Any) -> QuerySet[Body]:
    """The boards and groups whose next agenda an insight may go on."""
    return Body.objects.filter(partnership=partnership).current().order_by("name")


def may_record(user: Any, partnership: Any) -> bool:
    """The user is staff of a current member (an insight is always an organisation's: a
    platform admin without one reads but does not record)."""
    return bool(getattr(user, "organisation_id", None)
                and rules.has_perm(RECORD, user, partnership)
                and partnership.memberships.filter(organisation_id=user.organisation_id)
                .active_on(clock.today()).exists())


def may_triage(user: Any, partnership: Any) -> bool:
    # The rules registry directly: user.has_perm() would also ask ModelBackend (queries).
    return bool(rules.has_perm(TRIAGE, user, partnership))


def sees_reply(user: Any, insight: Insight, *, triages: bool) -> bool:
    """The reply is the author's (and known to whoever may triage)."""
    return triages or (insight.author_id is not None and insight.author_id == user.pk)
