"""Rules that span rows, which the database cannot hold on both SQLite and PostgreSQL.

Models call these from ``clean()`` (so the admin shows the message by the field) and actions
call ``full_clean()`` before saving (so every other way in gets the same message).
"""

from __future__ import annotations

import datetime

from core.display import govuk_date
from core.errors import DomainError

from .choices import MemberRole


def _d(date: datetime.date | None) -> str:
    return govuk_date(date) if date else "now"


def validate_organisation(org: object) -> None:
    """A group cannot be its own member, directly or through a chain."""
    parent = getattr(org, "parent", None)
    seen = set()
    while parent is not None:
        if org.pk is not None and parent.pk == org.pk:
            raise DomainError("An organisation cannot be in a group that it heads.",
                              field="parent")
        if parent.pk in seen:
            break
        seen.add(parent.pk)
        parent = parent.parent


def validate_membership(m: object) -> None:
    """Membership dates inside the partnership's life; at most one lead partner on any date;
    no overlapping periods for the same organisation in the same role."""
    from .models import Membership

    if m.joined_on is None or m.partnership_id is None:
        return  # field validation reports the missing values
    if m.left_on and m.left_on < m.joined_on:
        raise DomainError(
            f"The membership cannot end ({_d(m.left_on)}) before it starts ({_d(m.joined_on)}).",
            field="left_on",
        )
    p = m.partnership
    if p.started_on and m.joined_on < p.started_on:
        raise DomainError(
            f"{p} started on {_d(p.started_on)}; a member cannot join before that.",
            field="joined_on",
        )
    if p.ended_on:
        if m.joined_on > p.ended_on:
            raise DomainError(f"{p} ended on {_d(p.ended_on)}; a member cannot join after that.",
                              field="joined_on")
        if m.left_on is None or m.left_on > p.ended_on:
            raise DomainError(
                f"{p} ended on {_d(p.ended_on)}; the membership must end on or before that date.",
                field="left_on",
            )
    others = Membership.objects.filter(partnership_id=m.partnership_id).exclude(pk=m.pk)
    if m.role == MemberRole.LEAD_PARTNER:
        clash = (others.filter(role=MemberRole.LEAD_PARTNER)
                 .overlapping(m.joined_on, m.left_on).select_related("organisation").first())
        if clash:
            raise DomainError(
                f"{clash.organisation} is already the lead partner from {_d(clash.joined_on)} "
                f"to {_d(clash.left_on)}. A partnership has one lead partner at a time: use "
                f"'Change the lead partner' (under Manage on the partnership page) to hand the "
                f"role over.",
                field="role",
            )
    if m.organisation_id:
        same = (others.filter(organisation_id=m.organisation_id, role=m.role)
                .overlapping(m.joined_on, m.left_on).first())
        if same:
            raise DomainError(
                f"{m.organisation} is already a {same.get_role_display().lower()} of this "
                f"partnership from {_d(same.joined_on)} to {_d(same.left_on)}.",
                field="joined_on",
            )


def membership_gap(partnership_id: int, organisation_id: int, start: datetime.date,
                   end: datetime.date | None) -> datetime.date | None:
    """The first day in [start, end) on which the organisation is not a member of the
    partnership in any role (its memberships joined end to end), or None when it is a member
    on every day. An open ``end`` needs a membership with no end."""
    from .models import Membership

    covered_to: datetime.date | None = start  # covered up to (not including) this day
    for joined_on, left_on in (Membership.objects
                               .filter(partnership_id=partnership_id,
                                       organisation_id=organisation_id)
                               .overlapping(start, end).order_by("joined_on")
                               .values_list("joined_on", "left_on")):
        if covered_to is None:
            break
        if joined_on > covered_to:
            return covered_to
        covered_to = None if left_on is None else max(covered_to, left_on)
    if covered_to is None or (end is not None and covered_to >= end):
        return None
    return covered_to


def check_lead_is_member(lr: object) -> None:
    """Refuse a lead responsibility that is not inside its organisation's membership."""
    if not lr.organisation_id or lr.starts_on is None:
        return
    gap = membership_gap(lr.partnership_id, lr.organisation_id, lr.starts_on, lr.ends_on)
    if gap == lr.starts_on:
        raise DomainError(
            f"{lr.organisation} is not a member of {lr.partnership} on "
            f"{_d(lr.starts_on)}. Add it as a member first ('Add a member', under "
            "Manage on the partnership page).",
            field="organisation",
        )
    if gap is not None:
        raise DomainError(
            f"{lr.organisation}'s membership of {lr.partnership} ends on {_d(gap)}. "
            f"Set the end date to {_d(gap)} or earlier: a lead must be a member for "
            "every day it leads.",
            field="ends_on",
        )


def validate_lead_responsibility(lr: object) -> None:
    """The lead is a member of the partnership on every day the responsibility covers (a
    former member can never be a current lead), the activity is standard or this partnership's
    own, and one lead per activity per day."""
    from .models import LeadResponsibility

    if lr.starts_on is None or lr.partnership_id is None or lr.activity_id is None:
        return
    if lr.ends_on and lr.ends_on < lr.starts_on:
        raise DomainError(
            f"The responsibility cannot end ({_d(lr.ends_on)}) before it starts "
            f"({_d(lr.starts_on)}).", field="ends_on")
    activity = lr.activity
    if activity.partnership_id and activity.partnership_id != lr.partnership_id:
        raise DomainError(f"'{activity}' is a custom activity of another partnership.",
                          field="activity")
    check_lead_is_member(lr)
    clash = (LeadResponsibility.objects
             .filter(partnership_id=lr.partnership_id, activity_id=lr.activity_id)
             .exclude(pk=lr.pk).overlapping(lr.starts_on, lr.ends_on)
             .select_related("organisation").first())
    if clash:
        raise DomainError(
            f"{clash.organisation} already leads '{activity}' from {_d(clash.starts_on)} to "
            f"{_d(clash.ends_on)}. One organisation leads an activity at a time: choose a "
            "start date after that, or end that lead first ('End lead').",
            field="starts_on",
        )


def validate_agreement(a: object) -> None:
    """A version replaces an earlier version of the same agreement in the same partnership."""
    prev = a.replaces
    if prev is None:
        return
    if prev.pk == a.pk:
        raise DomainError("A version cannot replace itself.", field="replaces")
    if prev.partnership_id != a.partnership_id or prev.reference != a.reference:
        raise DomainError(
            "A new version must replace an earlier version of the same agreement "
            f"(reference '{a.reference}' in the same partnership).", field="replaces")
    if a.version is not None and a.version <= prev.version:
        raise DomainError(
            f"Version {a.version} cannot replace version {prev.version}: number it higher.",
            field="version")
