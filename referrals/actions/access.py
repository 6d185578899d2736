"""Reads of a case: each one, on a page or through the API, is logged (``CaseAccess``) and
refused to anyone who is not involved, unless a platform admin gives a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404

from core.authentication import current_api_token_id

from ..models import CaseAccess

if TYPE_CHECKING:
    from accounts.models import User


def case_read(*, case: Any, by: User, channel: str, reason: str = "") -> Any:
    """Log one read of a case (page or API) and return the log row. Platform admins, who are
    never involved, must give a reason.

    Anyone else gets ``Http404``, not a DomainError: a refusal must look exactly like a case
    that does not exist. No audit row: the access log is the record of reads, and it holds
    who, from which organisation, how and why — never anything about the person."""
    min_reason = 10  # a platform admin's reason must say something, not "x"
    reason = (reason or "").strip()
    if channel not in ("page", "api"):
        raise ValueError(f"Unknown channel {channel!r}")  # a programming error, not input
    involved = by.has_perm("referrals.view_case", case)
    if not involved and not (by.has_perm("referrals.view_case_with_reason", case)
                             and len(reason) >= min_reason):
        raise Http404("No case matches the given query.")
    return CaseAccess.objects.create(case=case, user=by, organisation_id=by.organisation_id,
                                     channel=channel, reason=reason[:300],
                                     api_token_id=current_api_token_id())
