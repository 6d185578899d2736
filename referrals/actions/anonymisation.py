"""Retention: anonymising a closed case once its retention period has passed, removing what
identifies the person from the case's records and from their audit history. Which cases are due
is decided in ``referrals.retention``."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model

from core import audit, clock
from core.errors import DomainError
from core.models import AuditEvent

from ..choices import CaseStatus, Gender
from ..models import (
    Anonymisation,
    Assessment,
    Case,
    CaseConference,
    CaseHistoryEntry,
    EndOfOrderNotice,
    Person,
    PersonIdentifier,
    Referral,
)


@transaction.atomic
def case_anonymise(*, case: Any, retention_months: int) -> Any:
    """Remove what identifies the person from a closed case past retention (initials, year of
    birth, identifiers, free text of referrals/assessments/conference outcomes), record what was
    removed and when (``Anonymisation``), and audit it.

    Also blanks those values in the audit history of the case's records, which would otherwise
    keep them. The person's own details and identifiers stay while another of their cases is
    not yet anonymised (that case still needs them). What aggregate reporting counts stays:
    references, dates, order type, statuses and the rows themselves. Idempotent: a case
    already anonymised is left alone and its ``Anonymisation`` returned."""
    removed_text = "[removed]"
    # Lock the case so two runs of the retention task cannot both anonymise it.
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.anonymised_on is not None:
        case.anonymised_on = locked.anonymised_on
        return Anonymisation.objects.filter(case=locked).first()
    if locked.status != CaseStatus.CLOSED:
        raise DomainError(f"Case {locked.reference} is open; only closed cases are anonymised.")

    removed: list[dict[str, Any]] = []
    # model → (ids of its rows on this case, fields whose audited values are personal)
    scrub_history: dict[type[Model], tuple[list[int], tuple[str, ...]]] = {}

    def note(field: str, count: int) -> None:
        if count:
            removed.append({"field": field, "count": count})

    # Free text on the case's records becomes "[removed]" (rows and counts stay).
    text_fields: list[tuple[type[Referral | Assessment | CaseConference | EndOfOrderNotice
                                 | CaseHistoryEntry],
                            str, str]] = [
        (Referral, "referral", "reason"), (Referral, "referral", "decline_reason"),
        (Assessment, "assessment", "summary"),
        (CaseConference, "conference", "outcome"),
        (EndOfOrderNotice, "end_of_order_notice", "text"),
        # Why a conference was moved or cancelled (issue 16).
        (CaseHistoryEntry, "history", "reason")]
    for model, label, field in text_fields:
        rows = model.objects.filter(case=locked)
        ids, fields = scrub_history.get(model, (list(rows.values_list("pk", flat=True)), ()))
        scrub_history[model] = (ids, (*fields, field))
        note(f"{label}.{field}", rows.exclude(**{field: ""}).exclude(**{field: removed_text})
             .update(**{field: removed_text}))

    # Why the case was reopened (free text) lives only in its audit history.
    scrub_history[Case] = ([locked.pk], ("reopen_reason",))

    # The person: only once none of their cases still needs them.
    person = Person.objects.select_for_update().get(pk=locked.person_id)
    still_needed = (Case.objects.filter(person=person, anonymised_on__isnull=True)
                    .exclude(pk=locked.pk).exists())
    if not still_needed:
        note("person.initials", int(bool(person.initials)))
        note("person.year_of_birth", int(person.year_of_birth is not None))
        note("person.gender", int(person.gender != Gender.NOT_STATED))
        Person.objects.filter(pk=person.pk).update(initials="", year_of_birth=None,
                                                   gender=Gender.NOT_STATED)
        scrub_history[Person] = ([person.pk], ("initials", "year_of_birth", "gender"))
        identifiers = PersonIdentifier.objects.filter(person=person)
        scrub_history[PersonIdentifier] = (list(identifiers.values_list("pk", flat=True)),
                                           ("value",))
        note("person.identifiers", identifiers.delete()[0])

    # The audit history of those records holds the same values: blank them there too.
    events = []
    for scrubbed, (ids, fields) in scrub_history.items():
        if not ids:
            continue
        ct = ContentType.objects.get_for_model(scrubbed, for_concrete_model=True)
        for event in AuditEvent.objects.filter(content_type=ct,
                                               object_id__in=[str(i) for i in ids]):
            changed = False
            for field in set(fields) & set(event.changes or {}):
                values = [v if v in (None, "", removed_text) else removed_text
                          for v in event.changes[field]]
                if values != event.changes[field]:
                    event.changes[field], changed = values, True
            if changed:
                events.append(event)
    AuditEvent.objects.bulk_update(events, ["changes"], batch_size=500)
    note("audit_history.rows", len(events))

    before = audit.snapshot(locked)
    locked.anonymised_on = clock.today()
    locked.save(update_fields=["anonymised_on", "modified_on"])
    audit.record(instance=locked, action=AuditEvent.Action.UPDATE, by=None, before=before,
                 summary=f"Anonymised after {retention_months} months")
    case.anonymised_on = locked.anonymised_on
    return Anonymisation.objects.create(case=locked, removed=removed,
                                        retention_months=retention_months)
