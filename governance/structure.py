"""Reading a partnership's governance structure: its bodies as a tree (the board with the working
groups that report to it), each with its chair, current seats and recent decisions. The
structure page, the API and the partnership page's panel read from here so they agree.

Why a fixed number of queries: the structure page is read by every member of a partnership and
by its commissioners; bodies, seats and decisions come in three queries however many there
are, and the tree is put together in Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from core import clock
from partnerships.models import Organisation

from .models import Body, BodySeat, Decision

#: Decisions shown for each body on the structure page (the body page shows them all).
RECENT_DECISIONS = 3


@dataclass
class Node:
    """A body and the bodies that report to it (``depth`` 0 for a body reporting to none)."""

    body: Body
    depth: int
    children: list[Node] = field(default_factory=list)


def bodies_of(partnership: Any) -> QuerySet[Body]:
    """The partnership's bodies with their chair, current seats and decisions."""
    today = clock.today()
    return (partnership.governance_bodies
            .select_related("chair", "chair__organisation", "reports_to")
            .prefetch_related(
                Prefetch("seats", queryset=BodySeat.objects.current(today)
                         .select_related("organisation"), to_attr="current_seats"),
                Prefetch("decisions", queryset=Decision.objects.order_by("-decided_on", "-id"),
                         to_attr="all_decisions")))


def tree(bodies: list[Body]) -> list[Node]:
    """Roots first (current before ended, then by name), each followed by what reports to it.
    A body whose ``reports_to`` is not in ``bodies`` is shown as a root."""
    ordered = sorted(bodies, key=lambda b: (b.ended_on is not None, b.name.lower()))
    ids = {b.pk for b in ordered}
    children: dict[int | None, list[Body]] = {}
    for body in ordered:
        parent = body.reports_to_id if body.reports_to_id in ids else None
        children.setdefault(parent, []).append(body)

    def build(body: Body, depth: int, seen: frozenset[int]) -> Node:
        node = Node(body=body, depth=depth)
        for child in children.get(body.pk, []):
            if child.pk not in seen:  # the actions refuse loops; never recurse forever anyway
                node.children.append(build(child, depth + 1, seen | {child.pk}))
        return node

    return [build(body, 0, frozenset({body.pk})) for body in children.get(None, [])]


def flatten(nodes: list[Node]) -> list[Node]:
    """The tree in reading order (each body followed by those that report to it)."""
    out: list[Node] = []
    for node in nodes:
        out.append(node)
        out.extend(flatten(node.children))
    return out


def recent_decisions(body: Body) -> list[Decision]:
    """The body's latest decisions (``bodies_of`` prefetched them)."""
    return list(getattr(body, "all_decisions", body.decisions.all()))[:RECENT_DECISIONS]


def chair_choices(partnership: Any) -> QuerySet[User]:
    """Who may chair a body: active users of the partnership's current member organisations."""
    members = (partnership.memberships.active_on(clock.today())
               .values("organisation_id"))
    return (User.objects.filter(is_active=True, organisation_id__in=members)
            .select_related("organisation").order_by("organisation__name", "username"))


def member_organisations(partnership: Any) -> QuerySet[Organisation]:
    """The partnership's current member organisations, by name (who may hold a seat)."""
    members = (partnership.memberships.active_on(clock.today())
               .values("organisation_id"))
    return Organisation.objects.filter(pk__in=members).order_by("name")


def current_bodies(partnership: Any, today: Any = None) -> list[Body]:
    """The partnership's current bodies by name, in one query (the partnership page's panel)."""
    return list(Body.objects.filter(partnership=partnership).current(today)
                .only("id", "name", "kind", "partnership_id").order_by("name"))
