"""How a user wants to hear about each kind of notification by email: the one place that
resolves it, so delivery, the settings page and the API can never disagree.

Storage is ``NotificationPreference(user, kind, email, digest)``: a row whose ``kind`` is a kind
key is a per-kind override; a row whose ``kind`` is ``"area:<area>"`` is the choice for a whole
area (``kinds.AREAS``). Resolution: the kind's own row, else its area's row, else the default
(an email for each one, now). Every notification also always appears in the service.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .kinds import AREAS, KINDS
from .models import NotificationPreference

Choice = Literal["now", "digest", "none"]

NOW: Choice = "now"
DIGEST: Choice = "digest"
NONE: Choice = "none"
#: What a kind without its own row and without an area row gets.
DEFAULT: Choice = NOW

#: The three choices, in the users' words (the order the page shows them).
CHOICES: dict[str, str] = {
    NOW: "Email each one now",
    DIGEST: "A daily digest email",
    NONE: "In the service only (no email)",
}

AREA_PREFIX = "area:"


def area_key(area: str) -> str:
    """The ``NotificationPreference.kind`` that stores an area's choice."""
    return f"{AREA_PREFIX}{area}"


def choice_from_flags(email: bool, digest: bool) -> Choice:
    """A stored row's (email, digest) as one choice (digest only counts with email)."""
    if not email:
        return NONE
    return DIGEST if digest else NOW


def flags_from_choice(choice: str) -> tuple[bool, bool]:
    """A choice as the (email, digest) a row stores; an unknown choice raises ValueError."""
    if choice == NOW:
        return True, False
    if choice == DIGEST:
        return True, True
    if choice == NONE:
        return False, False
    raise ValueError(f"not a choice: {choice!r}")


def resolve(stored: Mapping[str, Choice], kind: str) -> Choice:
    """The choice that applies to ``kind`` given a user's stored rows as ``key → choice``
    (kind keys and ``area:<area>`` keys): the kind's own, else its area's, else the default.
    Pure, so a page listing every kind resolves them all from one query."""
    if kind in stored:
        return stored[kind]
    known = KINDS.get(kind)
    if known is not None and known.area and area_key(known.area) in stored:
        return stored[area_key(known.area)]
    return DEFAULT


def stored_choices(user: Any) -> dict[str, Choice]:
    """All of ``user``'s rows as ``key → choice`` (kind overrides and area choices). One
    query."""
    return {kind: choice_from_flags(email, digest) for kind, email, digest in
            NotificationPreference.objects.filter(user=user)
            .values_list("kind", "email", "digest")}


def email_choice(user: Any, kind: str) -> Choice:
    """How ``user`` wants email for a notification of ``kind``: ``"now"`` (one email each),
    ``"digest"`` (gathered into the daily digest) or ``"none"`` (in the service only). One
    query (the kind's row and its area's row)."""
    keys = [kind]
    known = KINDS.get(kind)
    if known is not None and known.area:
        keys.append(area_key(known.area))
    stored = {row_kind: choice_from_flags(email, digest) for row_kind, email, digest in
              NotificationPreference.objects.filter(user=user, kind__in=keys)
              .values_list("kind", "email", "digest")}
    return resolve(stored, kind)


def area_choices(stored: Mapping[str, Choice]) -> dict[str, Choice]:
    """Each area's choice (the default where none is stored)."""
    return {area: stored.get(area_key(area), DEFAULT) for area in AREAS}


def overrides(stored: Mapping[str, Choice]) -> dict[str, Choice]:
    """The kinds with their own choice (a per-kind row), in ``KINDS`` order."""
    return {kind: stored[kind] for kind in KINDS if kind in stored}
