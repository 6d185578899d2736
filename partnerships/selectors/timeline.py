"""The partnership page's membership timeline: every day the membership changed, who joined,
left or swapped roles that day, and how big the membership has been (the story behind a hub
that shrank). Built from (organisation, joined, left) spans, so no rows are loaded to count."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..choices import MemberRole
from ..models import Membership, Organisation, Partnership


@dataclass
class TimelineEvent:
    """Everything that changed in the membership on one day."""

    date: datetime.date
    joined: list[Membership] = field(default_factory=list)
    left: list[Membership] = field(default_factory=list)
    # (organisation, old role label, new role label) when one organisation swapped roles.
    role_changes: list[tuple[Organisation, str, str]] = field(default_factory=list)
    # (old lead, new lead) when the lead partner role passed that day; old is None when the
    # partnership had no lead partner the day before and a member became it.
    lead_handovers: list[tuple[Organisation | None, Organisation]] = field(
        default_factory=list)
    formed: bool = False
    ended: bool = False
    is_future: bool = False
    members_before: int = 0
    members_after: int = 0

    @property
    def shrank_by(self) -> int:
        return max(self.members_before - self.members_after, 0)

    @property
    def grew_by(self) -> int:
        return max(self.members_after - self.members_before, 0)

    @property
    def title(self) -> str:
        """A one-line headline, e.g. 'Partnership formed with 7 organisations' or '5
        organisations left'."""
        def count(n: int, what: str = "organisation") -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        parts = []
        if any(old for old, _ in self.lead_handovers):
            parts.append("Lead partner changed")
        elif self.lead_handovers:
            parts.append("New lead partner")
        if self.formed and self.joined:
            parts.append(f"Partnership formed with {count(len(self.joined))}")
        elif self.formed:
            parts.append("Partnership formed")
        elif self.joined:
            parts.append(f"{count(len(self.joined))} joined" if not parts else
                         f"{len(self.joined)} joined")
        if self.left:
            parts.append(f"{count(len(self.left))} left" if not parts else
                         f"{len(self.left)} left")
        others = [c for c in self.role_changes if c not in self.lead_role_changes]
        if others:
            parts.append(f"{count(len(others))} changed role" if not parts else
                         f"{len(others)} changed role")
        if self.ended:
            parts.append("partnership ended" if parts else "Partnership ended")
        return ", ".join(parts)

    @property
    def lead_role_changes(self) -> list[tuple[Organisation, str, str]]:
        """Role changes that are the lead handover itself (the handover line already says
        them): the new lead leaving its old role, the old lead staying on in another."""
        leads = {o.pk for old, new in self.lead_handovers if old is not None
                 for o in (old, new)}
        lead = MemberRole.LEAD_PARTNER.label
        return [c for c in self.role_changes
                if c[0].pk in leads and lead in (c[1], c[2])]

    @property
    def role_change_lines(self) -> list[tuple[Organisation, str]]:
        """Each role change in words, the handover's own ones said once: ("X", "stays on as
        a delivery partner") or ("X", "changed role from ... to ...")."""
        lead = MemberRole.LEAD_PARTNER.label
        lines = []
        for org, old, new in self.role_changes:
            if (org, old, new) in self.lead_role_changes:
                if old == lead:
                    lines.append((org, f"stays on as {new.lower()}"))
                continue
            lines.append((org, f"changed role from {old.lower()} to {new.lower()}"))
        return lines

    @property
    def leaving_reasons(self) -> list[str]:
        """The distinct notes of those who left, e.g. ['Recommissioning']."""
        return list(dict.fromkeys(m.notes for m in self.left if m.notes))


@dataclass
class MembershipSize:
    """How big the membership has been: the story behind a hub that shrank."""

    peak: int = 0
    peak_from: datetime.date | None = None
    now: int = 0
    largest_drop: TimelineEvent | None = None

    @property
    def has_shrunk(self) -> bool:
        return self.now < self.peak


def membership_events(partnership: Partnership,
                      spans: Sequence[tuple[int, datetime.date, datetime.date | None]],
                      today: datetime.date) -> list[TimelineEvent]:
    """Every day the membership changed, oldest first, with the number of organisations before
    and after it, from every membership's (organisation, joined, left): no rows are loaded.
    Who joined and left is filled in later (``describe_events``) for the days shown."""
    by_date: dict[datetime.date, TimelineEvent] = {}
    joins: dict[datetime.date, list[int]] = defaultdict(list)
    leaves: dict[datetime.date, list[int]] = defaultdict(list)

    def event(date: datetime.date) -> TimelineEvent:
        return by_date.setdefault(date, TimelineEvent(date=date))

    for organisation_id, joined_on, left_on in spans:
        event(joined_on)
        joins[joined_on].append(organisation_id)
        if left_on:
            event(left_on)
            leaves[left_on].append(organisation_id)
    if partnership.started_on:
        event(partnership.started_on).formed = True
    if partnership.ended_on:
        event(partnership.ended_on).ended = True

    active: Counter[int] = Counter()  # organisation id → memberships in force
    events = [by_date[d] for d in sorted(by_date)]
    for ev in events:
        ev.is_future = ev.date > today
        ev.members_before = len(active)
        # Joins first, so a membership that starts and stops on the same day nets to nothing.
        for organisation_id in joins[ev.date]:
            active[organisation_id] += 1
        for organisation_id in leaves[ev.date]:
            active[organisation_id] -= 1
            if active[organisation_id] <= 0:
                del active[organisation_id]
        ev.members_after = len(active)
    return events


def describe_events(events: Sequence[TimelineEvent],
                    memberships: Sequence[Membership]) -> None:
    """Fill in who joined and left on each of ``events`` from ``memberships`` (which must hold
    every membership joining or leaving on those days). An organisation that leaves one role
    and takes another on the same day is a role change, not a departure."""
    by_date = {ev.date: ev for ev in events}
    for m in sorted(memberships, key=lambda m: (m.joined_on, m.organisation.name, m.pk)):
        if m.joined_on in by_date:
            by_date[m.joined_on].joined.append(m)
        if m.left_on and m.left_on in by_date:
            by_date[m.left_on].left.append(m)
    for ev in events:
        ev.lead_handovers = _lead_handovers(ev)
        joined_orgs = {m.organisation_id: m for m in ev.joined}
        swapped = {m.organisation_id for m in ev.left} & set(joined_orgs)
        if swapped:
            for m in [m for m in ev.left if m.organisation_id in swapped]:
                new = joined_orgs[m.organisation_id]
                ev.role_changes.append((m.organisation, m.get_role_display(),
                                        new.get_role_display()))
            ev.left = [m for m in ev.left if m.organisation_id not in swapped]
            ev.joined = [m for m in ev.joined if m.organisation_id not in swapped]
        ev.joined.sort(key=lambda m: (m.role != MemberRole.LEAD_PARTNER, m.organisation.name))
        ev.left.sort(key=lambda m: m.organisation.name)


def _lead_handovers(ev: TimelineEvent) -> list[tuple[Organisation | None, Organisation]]:
    """Who handed the lead partner role to whom on the event's day (read before joins and
    departures of one organisation are folded into role changes). A lead partner joining on
    the day the partnership formed, or into a partnership that had none, hands over from no
    one: only a member taking the role (a role change) is then worth its own line."""
    old = [m.organisation for m in ev.left if m.role == MemberRole.LEAD_PARTNER]
    new = [m for m in ev.joined if m.role == MemberRole.LEAD_PARTNER]
    stayed = {m.organisation_id for m in ev.left}
    handovers: list[tuple[Organisation | None, Organisation]] = []
    for m in new:
        previous = next((o for o in old if o.pk != m.organisation_id), None)
        if previous is not None or m.organisation_id in stayed:
            handovers.append((previous, m.organisation))
    return handovers


def membership_size(events: Sequence[TimelineEvent], today: datetime.date) -> MembershipSize:
    """Peak, current size and the largest single-day drop up to ``today``, from ``events``
    (oldest first), so the page can explain a hub that shrank."""
    size = MembershipSize()
    for ev in events:
        if ev.date > today:
            break
        if ev.members_after > size.peak:
            size.peak, size.peak_from = ev.members_after, ev.date
        size.now = ev.members_after
        drop = ev.members_before - ev.members_after
        if drop > 0 and (size.largest_drop is None
                         or drop > size.largest_drop.members_before
                         - size.largest_drop.members_after):
            size.largest_drop = ev
    return size
