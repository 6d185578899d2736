"""Feedback (issue 19, point 6): a short structured form, a rating and a comment, from a provider
about the partnership or from a person using services or their family. The person has no
account and stays anonymous: a worker takes the feedback, or types in a paper form, so any staff
member of a current member organisation may record it (and platform admins)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import rules
from django.db import transaction

from core import clock
from core.actions import audited_create, redact_fields
from core.errors import DomainError

from ..choices import FeedbackMethod, FeedbackSource
from ..models import FeedbackResponse
from ..validators import refuse_personal_data

if TYPE_CHECKING:
    from accounts.models import User

COMMENT_MAX = 1000

#: Comments stay inside the partnership: the audit row says one was written, never what.
_REDACT = redact_fields(["comment"])


def may_record_feedback(user: Any, partnership: Any) -> bool:
    """Staff of a current member organisation, and platform admins (the same people who record
    frontline insight, so the same rule)."""
    return bool(rules.has_perm("governance.record_insight", user, partnership))


@transaction.atomic
def feedback_record(*, partnership: Any, source: str, method: str, rating: int, comment: str,
                    received_on: datetime.date, by: User,
                    about_organisation: Any = None) -> FeedbackResponse:
    """Record one feedback form as it was given (never who gave it)."""
    if not may_record_feedback(by, partnership):
        raise DomainError(f"Feedback for {partnership} is recorded by staff of its member "
                          "organisations.", code="forbidden")
    if source not in FeedbackSource.values:
        raise DomainError("Choose who the feedback is from.", field="source")
    if method not in FeedbackMethod.values:
        raise DomainError("Choose how the feedback was collected.", field="method")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("Choose a rating from 1 (very poor) to 5 (very good).", field="rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"The comment must be {COMMENT_MAX} characters or fewer.",
                          field="comment")
    try:
        refuse_personal_data(comment, field="comment")
    except DomainError:
        raise DomainError("Remove the prison number or date of birth: feedback is anonymous and "
                          "is read across the partnership. Keep the person's words without "
                          "anything that could identify them.", field="comment",
                          code="personal_data") from None
    if received_on > clock.today():
        raise DomainError("The date it was received must be today or in the past.",
                          field="received_on")
    if about_organisation is not None and not (
            partnership.memberships.filter(organisation=about_organisation)
            .active_on(received_on).exists()):
        raise DomainError(f"{about_organisation} was not a member of {partnership} when the "
                          "feedback was received.", field="about_organisation")
    response = FeedbackResponse(partnership=partnership, source=source, method=method,
                                rating=rating, comment=comment, received_on=received_on,
                                about_organisation=about_organisation, recorded_by=by)
    return audited_create(instance=response, by=by, redact=_REDACT,
                          summary=f"Recorded feedback ({FeedbackSource(source).label.lower()}) "
                                  f"for {partnership}")
