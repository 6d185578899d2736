"""Every write to monitoring returns: start, save figures, submit, send back, approve, correct.

Each action is one transaction: it validates (raising ``DomainError`` and changing nothing on
bad input), saves, and writes its audit row before committing. Permissions come from
``monitoring.rules``; views, the API, uploads and the admin call these and never re-implement them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core import audit, clock
from core.actions import audited_create, audited_update
from core.display import govuk_date
from core.errors import DomainError, full_clean
from core.models import AuditEvent
from notifications.events import notify

from . import computed, validation
from .choices import Frequency, ReturnStatus
from .models import (
    CrossMetricRule,
    Metric,
    MonitoringReturn,
    Query,
    ReportingPeriod,
    ReturnRequirement,
    Value,
    due_days,
    period_bounds,
)
from .querysets import return_metrics, return_submission_opens_on
from .recipients import return_providers, return_reviewers, reviewer_phrase

if TYPE_CHECKING:
    from accounts.models import User


def _locked(monitoring_return: MonitoringReturn) -> MonitoringReturn:
    """The stored row, locked for this transaction, so checks see what is really there."""
    return (MonitoringReturn.objects.select_for_update()
            .select_related("period", "organisation", "partnership")
            .get(pk=monitoring_return.pk))


def _refresh_caller(original: MonitoringReturn, saved: MonitoringReturn) -> MonitoringReturn:
    """Reload the caller's object, so it is not left stale after the locked copy was saved."""
    if original is not saved:
        original.refresh_from_db()
    return original


def _shown(value: Any) -> Any:
    return None if value is None else str(value)


def require_editor(user: User, ret: MonitoringReturn) -> None:
    """Refuse (``DomainError``) unless ``user`` may change ``ret``'s figures now. Public so an
    upload can refuse before reading a file, in the same words as the save itself."""
    if ret.status == ReturnStatus.APPROVED:
        raise DomainError(f"This return was approved on {govuk_date(ret.approved_at)} and is "
                          "locked. Start a correction to change its figures.")
    if ret.status not in ReturnStatus.editable():
        raise DomainError(f"This return is {ret.get_status_display().lower()}; it can be "
                          "changed only when it is a draft or returned for correction.",
                          code=("already_submitted" if ret.status == ReturnStatus.SUBMITTED
                                else "locked"))
    if not user.has_perm("monitoring.edit_return", ret):
        raise DomainError(f"Only provider staff of {ret.organisation} can change its returns.")


def already_submitted(error: DomainError, *, monitoring_return: MonitoringReturn,
                      by: User) -> bool:
    """Whether ``error`` refused a submission only because the return is already submitted,
    to someone who may submit it: a repeated Submit (a double click, a retry after a lost
    answer) that pages and the API answer as done rather than as a mistake. Nothing was
    changed and no second audit row written: the action refused under the row lock."""
    return (getattr(error, "code", None) == "already_submitted"
            and by.has_perm("monitoring.edit_return", monitoring_return))


# -- notifications of events --------------------------------------------------------------------


def _what(ret: MonitoringReturn) -> str:
    """The return in a message: organisations, partnership and period, never a person."""
    return f"{ret.organisation}'s monitoring return to {ret.partnership} for {ret.period.label}"


def _return_url(ret: MonitoringReturn, page: str = "monitoring:return") -> str:
    return reverse(page, args=[ret.pk])


def _notify_submitted(ret: MonitoringReturn, by: User, again: bool) -> None:
    """Tell the lead partner's reviewers a return waits for them (each submission once: the
    occurrence names the return's version, which the submission just made)."""
    correction = ret.revision > 1
    subject = (f"{'Corrected return' if correction else 'Return'} to review: "
               f"{ret.organisation}, {ret.period.label}")
    body = (f"{_what(ret)} was {'resubmitted' if again else 'submitted'}"
            + (f" (correction, revision {ret.revision})" if correction else "")
            + " and is waiting for your review. Approve it or send it back with your queries.")
    notify(kind="return_submitted", occurrence=f"return-{ret.pk}:rev-{ret.version}:submitted",
           recipients=return_reviewers(ret), subject=subject, body=body,
           url=_return_url(ret, "monitoring:return-review"), obj=ret, actor=by)


def _notify_sent_back(ret: MonitoringReturn, by: User, figures: int, whole: bool) -> None:
    """Tell the provider's returns staff their return came back, and how much is queried."""
    queried = [f"{figures} figure{'s' if figures != 1 else ''} queried"] if figures else []
    if whole:
        queried.append("a comment on the whole return")
    body = (f"{_what(ret)} was sent back for correction by {reviewer_phrase(ret)}: "
            f"{' and '.join(queried)}. Read the queries, correct the figures and submit it "
            "again.")
    notify(kind="return_sent_back", occurrence=f"return-{ret.pk}:rev-{ret.version}:sent-back",
           recipients=return_providers(ret),
           subject=f"Return sent back: {ret.organisation}, {ret.period.label}", body=body,
           url=_return_url(ret), obj=ret, actor=by)


def _notify_approved(ret: MonitoringReturn, by: User) -> None:
    """Tell the provider's returns staff their return was approved (its figures now count)."""
    notify(kind="return_approved", occurrence=f"return-{ret.pk}:rev-{ret.version}:approved",
           recipients=return_providers(ret),
           subject=f"Return approved: {ret.organisation}, {ret.period.label}",
           body=f"{_what(ret)} was approved by {reviewer_phrase(ret)}. Its figures are now "
                "locked and reported.", url=_return_url(ret), obj=ret, actor=by)


def _notify_corrected(old: MonitoringReturn, new: MonitoringReturn, by: User) -> None:
    """Tell the provider's other returns staff and the reviewers that an approved return is
    being corrected: the approved figures stand until the correction is approved."""
    occurrence = f"return-{old.pk}:corrected-rev-{new.revision}"
    subject = f"Approved return being corrected: {old.organisation}, {old.period.label}"
    # The reason is typed free text: it stays on the page, out of emails.
    body = (f"A correction (revision {new.revision}) of {_what(old)} was started after it was "
            "approved. The approved figures stand until the correction is submitted and "
            "approved; the return's page says why it is being corrected.")
    notify(kind="return_corrected", occurrence=occurrence, recipients=return_providers(old),
           subject=subject, body=body, url=_return_url(new), obj=new, actor=by)
    notify(kind="return_corrected", occurrence=occurrence, recipients=return_reviewers(old),
           subject=subject, body=body, url=_return_url(old), obj=old, actor=by)


# -- figures filled in from casework -------------------------------------------------------------


def _computed_metrics(ret: MonitoringReturn) -> list[Metric]:
    """The metrics of ``ret`` filled in from elsewhere whose source is registered (a source no
    longer registered leaves its stored figure as it was rather than clearing it)."""
    return [m for m in return_metrics(ret)
            if m.computed_from and computed.source(m.computed_from) is not None]


def _refresh_computed(ret: MonitoringReturn, by: User | None) -> dict[str, list[Any]]:
    """Work out the return's computed figures again and store them as its ``Value`` rows, with
    one audit row naming what changed; ``ret`` is locked and editable. The version goes up only
    when a figure changed, so opening an unchanged draft never makes a colleague's open form
    stale. Answers the changes (metric code → [before, after])."""
    metrics = _computed_metrics(ret)
    if not metrics:
        return {}
    request = computed.ComputeRequest(organisation_id=ret.organisation_id,
                                      partnership_id=ret.partnership_id,
                                      starts_on=ret.period.starts_on, ends_on=ret.period.ends_on)
    existing = {v.metric_id: v for v in ret.values.filter(metric__in=[m.pk for m in metrics])}
    changes: dict[str, list[Any]] = {}
    for metric in metrics:
        number = computed.compute(metric.computed_from, organisation_id=ret.organisation_id,
                                  partnership_id=ret.partnership_id,
                                  starts_on=ret.period.starts_on, ends_on=ret.period.ends_on,
                                  request=request)
        current = existing.get(metric.pk)
        if number is not None:
            number = number.quantize(Decimal("0.0001"))
        if current is None and number is not None:
            Value.objects.create(monitoring_return=ret, metric=metric, number=number)
            changes[metric.code] = [None, number]
        elif current is not None and number is None:
            current.delete()
            changes[metric.code] = [current.number, None]
        elif current is not None and (current.number, current.text) != (number, ""):
            changes[metric.code] = [current.number if current.number is not None
                                    else current.text, number]
            current.number, current.text = number, ""
            current.save(update_fields=["number", "text"])
    if changes:
        ret.version += 1
        ret.save(update_fields=["version", "modified_on"])
        count = len(changes)
        audit.record(instance=ret, action=AuditEvent.Action.UPDATE, by=by,
                     changes={k: [_shown(a), _shown(b)] for k, (a, b) in changes.items()},
                     summary=f"Filled in {count} figure{'s' if count != 1 else ''} from "
                             "casework")
    return changes


def computed_values_refresh(*, monitoring_return: MonitoringReturn,
                            by: User) -> MonitoringReturn:
    """Work out again the figures a draft (or a return sent back for correction) takes from
    casework, when it is opened: the provider sees today's counts, never types them. A
    submitted or approved return is left exactly as it is: what was reviewed stays what is
    reported. Nothing is locked or written when the return asks for no such figure."""
    if (monitoring_return.status not in ReturnStatus.editable()
            or not _computed_metrics(monitoring_return)):
        return monitoring_return
    with transaction.atomic():
        ret = _locked(monitoring_return)
        if ret.status not in ReturnStatus.editable():
            return _refresh_caller(monitoring_return, ret)
        if not (by.has_perm("monitoring.edit_return", ret)
                or by.has_perm("monitoring.start_return", ret.organisation)):
            raise DomainError(f"Only provider staff of {ret.organisation} can change its "
                              "returns.")
        _refresh_computed(ret, by)
    return _refresh_caller(monitoring_return, ret)


# -- periods -------------------------------------------------------------------------------------


@transaction.atomic
def periods_ensure(*, start: datetime.date, end: datetime.date, by: User | None = None,
                   frequency: str = Frequency.QUARTERLY) -> list[ReportingPeriod]:
    """The periods of ``frequency`` covering ``start``–``end``, creating the missing ones with
    their due date (period end + ``MONITORING_DUE_DAYS``, default 28)."""
    if end < start:
        raise DomainError("The end date is before the start date.", field="end")
    periods = []
    day = start
    while day <= end:
        starts_on, ends_on = period_bounds(frequency, day)
        period = ReportingPeriod.objects.filter(frequency=frequency, starts_on=starts_on).first()
        if period is None:
            period = ReportingPeriod(frequency=frequency, starts_on=starts_on, ends_on=ends_on,
                                     due_on=ends_on + datetime.timedelta(days=due_days()))
            audited_create(instance=period, by=by, summary="Added period")
        periods.append(period)
        day = ends_on + datetime.timedelta(days=1)
    return periods


# -- the return workflow -------------------------------------------------------------------------


@transaction.atomic
def return_get_or_start(*, organisation: Any, partnership: Any, period: ReportingPeriod,
                        by: User) -> tuple[MonitoringReturn, bool]:
    """The return an organisation owes a partnership for a period, opening it as a draft if
    nobody has yet: ``(return, created)``.

    Starting is safe to repeat and to race: a double click, or two colleagues at once, get the
    one return (revision 1; the unique key ``return_unique_revision``). The check before the
    insert cannot see a row another transaction has not committed yet, so the insert runs in a
    savepoint and, if the database refuses it as a duplicate, the other request's row is read
    and answered instead of a server error. Only an audit row for the one real start is written.
    """
    if not by.has_perm("monitoring.start_return", organisation):
        raise DomainError(f"Only provider staff of {organisation} can start its returns.")
    if ReturnRequirement.objects.owed(organisation=organisation, partnership=partnership,
                                      period=period) is None:
        raise DomainError(f"{organisation} does not owe {partnership} a return for {period}.")
    key = {"organisation": organisation, "partnership": partnership, "period": period,
           "revision": 1}
    existing = MonitoringReturn.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            ret = MonitoringReturn(organisation=organisation, partnership=partnership,
                                   period=period)
            # The unique key is left to the insert: checked here too, a lost race would be a
            # validation error rather than the IntegrityError answered below.
            full_clean(ret, validate_constraints=False)
            ret.save()
            audit.record(instance=ret, action=AuditEvent.Action.CREATE, by=by,
                         summary="Started return")
            _refresh_computed(ret, by)
    except IntegrityError:
        existing = MonitoringReturn.objects.filter(**key).first()
        if existing is None:  # refused for another reason: not a lost race
            raise
        return existing, False
    return ret, True


def return_start(*, organisation: Any, partnership: Any, period: ReportingPeriod,
                 by: User) -> MonitoringReturn:
    """Open the draft return an organisation owes a partnership for a period, or answer the one
    already started (``return_get_or_start``)."""
    return return_get_or_start(organisation=organisation, partnership=partnership,
                               period=period, by=by)[0]


@transaction.atomic
def return_save_values(*, monitoring_return: MonitoringReturn, values: dict[str, str],
                       expected_version: int, by: User) -> MonitoringReturn:
    """Save figures (metric code → text as typed; empty text clears a figure).

    ``expected_version`` is the version the user opened: if someone saved since, nothing is
    saved. Every bad figure is reported at once, naming its metric; nothing is saved then.
    """
    ret = _locked(monitoring_return)
    require_editor(by, ret)
    if expected_version != ret.version:
        raise DomainError("Someone else saved this return since you opened it. Open it again "
                          "to see their changes, then make yours; nothing was saved.",
                          code="stale")
    metrics = {m.code: m for m in return_metrics(ret)}
    errors, parsed = [], {}
    for code, raw in values.items():
        metric = metrics.get(code)
        if metric is None:
            errors.append(f"“{code}” is not a figure this return asks for.")
            continue
        if metric.computed_from:
            errors.append(f"{metric.name} is filled in from casework, so it cannot be typed "
                          "in: it is worked out again when the return is submitted.")
            continue
        try:
            parsed[code] = validation.parse_value(metric, raw)
        except ValueError as exc:
            errors.append(f"{metric.name}: {exc}.")
    if errors:
        raise DomainError(" ".join(errors), code="invalid_values")
    existing = {v.metric.code: v for v in ret.values.select_related("metric")}
    changes: dict[str, list[Any]] = {}
    for code, (number, text) in parsed.items():
        current = existing.get(code)
        empty = number is None and text == ""
        old = current.display if current else None
        if current is not None and empty:
            current.delete()
            changes[code] = [old, None]
        elif current is None and not empty:
            Value.objects.create(monitoring_return=ret, metric=metrics[code], number=number,
                                 text=text)
            changes[code] = [None, number if number is not None else text]
        elif current is not None and (current.number, current.text) != (number, text):
            current.number, current.text = number, text
            current.save(update_fields=["number", "text"])
            changes[code] = [old, current.display]
    ret.version += 1
    ret.save(update_fields=["version", "modified_on"])
    audit.record(instance=ret, action=AuditEvent.Action.UPDATE, by=by,
                 changes={k: [_shown(a), _shown(b)] for k, (a, b) in changes.items()},
                 summary=f"Saved {len(changes)} figure{'s' if len(changes) != 1 else ''}")
    return _refresh_caller(monitoring_return, ret)


def return_check(monitoring_return: MonitoringReturn) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` for submitting the return as it is stored now."""
    metrics = list(return_metrics(monitoring_return))
    by_id = {m.pk: m for m in metrics}
    values = {v.metric_id: v for v in monitoring_return.values.all()}
    # A figure from casework with nothing to count (a percentage of no releases) stays empty:
    # the provider cannot type it, so it never blocks a submission.
    errors = [f"{m.name} is required." for m in metrics
              if m.is_required and m.pk not in values and not m.computed_from]
    numbers = {mid: v.number for mid, v in values.items() if v.number is not None}
    requirement = ReturnRequirement.objects.owed(
        organisation=monitoring_return.organisation_id,
        partnership=monitoring_return.partnership_id, period=monitoring_return.period)
    in_scope = Q(framework__isnull=True)
    if requirement is not None:
        in_scope |= Q(framework__in=requirement.frameworks.all())
    rules = CrossMetricRule.objects.filter(in_scope, is_active=True).distinct()
    errors += validation.rule_errors(rules, numbers)
    warnings = validation.value_warnings(monitoring_return, numbers, by_id) if numbers else []
    return errors, warnings


def require_submission_open(monitoring_return: MonitoringReturn,
                            today: datetime.date | None = None) -> None:
    """Refuse (``DomainError``, code ``not_open``) before the return's submission opens: the
    day after its period ends, or earlier if a framework says so
    (``models.submission_opens_on``). Drafts can be saved before then."""
    opens = return_submission_opens_on(monitoring_return)
    if (today or clock.today()) < opens:
        raise DomainError(f"You can submit this return from {govuk_date(opens)}. You can save "
                          "a draft now.", code="not_open")


def _require_submittable(ret: MonitoringReturn, warning_note: str) -> list[str]:
    """Refuse a return whose stored figures cannot be submitted: errors block it; warnings need
    ``warning_note`` saying why the figures are right. Answers the warnings."""
    require_submission_open(ret)
    errors, warnings = return_check(ret)
    if errors:
        raise DomainError("The return cannot be submitted: " + " ".join(errors),
                          code="invalid_values")
    if warnings and not warning_note.strip():
        error = DomainError("Some figures look unusual. Check them, or add a note explaining "
                            "them: " + " ".join(warnings), field="warning_note",
                            code="warnings")
        error.warnings = warnings  # type: ignore[attr-defined]  # each listed on the form
        raise error
    return warnings


@transaction.atomic
def return_submit(*, monitoring_return: MonitoringReturn, by: User,
                  warning_note: str = "",
                  expected_version: int | None = None) -> MonitoringReturn:
    """Submit a draft (or a corrected returned return) to its reviewer. Refused before its
    submission opens; errors block it; warnings need ``warning_note`` saying why the figures
    are right. ``expected_version`` (the version the user checked): refused if the figures
    were saved since, so what is submitted is what they checked."""
    ret = _locked(monitoring_return)
    require_editor(by, ret)
    if expected_version is not None and expected_version != ret.version:
        raise DomainError("Someone else saved this return since you checked it. Check the "
                          "figures again before you submit them; nothing was submitted.",
                          code="stale")
    _refresh_computed(ret, by)  # the figures from casework as they stand at submission
    warnings = _require_submittable(ret, warning_note)
    ret.queries.filter(resolved=False).update(resolved=True)
    now = timezone.now()
    again = ret.first_submitted_at is not None
    audited_update(instance=ret, by=by,
                   summary="Resubmitted return" if again else "Submitted return",
                   status=ReturnStatus.SUBMITTED, submitted_at=now, submitted_by=by,
                   first_submitted_at=ret.first_submitted_at or now,
                   warning_note=warning_note.strip() if warnings else "", version=ret.version + 1)
    _notify_submitted(ret, by, again=again)
    return _refresh_caller(monitoring_return, ret)


def _save_all_or_nothing(monitoring_return: MonitoringReturn, values: dict[str, str],
                         expected_version: int, by: User,
                         then: Callable[[MonitoringReturn], MonitoringReturn]) -> MonitoringReturn:
    """Save figures and run ``then`` on the saved return in one transaction: if ``then`` refuses,
    the figures are not saved either, so the stored draft stays as it was and the form can show
    what was typed against it."""
    try:
        with transaction.atomic():
            ret = return_save_values(monitoring_return=monitoring_return, values=values,
                                     expected_version=expected_version, by=by)
            return then(ret)
    except DomainError:
        monitoring_return.refresh_from_db()  # the save was rolled back: forget its version
        raise


def return_save_and_check(*, monitoring_return: MonitoringReturn, values: dict[str, str],
                          expected_version: int, by: User,
                          warning_note: str = "") -> MonitoringReturn:
    """Save figures on the way to "check your answers", all or nothing: saved (as a draft) only
    if the return could then be submitted as it stands — its submission open, no errors, and a
    note if any figure looks unusual. Refused, nothing is saved, so the form shows what was
    typed against the draft as it was. The submission itself is ``return_submit``, from the
    check page."""
    def checked(ret: MonitoringReturn) -> MonitoringReturn:
        _require_submittable(ret, warning_note)
        return ret

    return _save_all_or_nothing(monitoring_return, values, expected_version, by, checked)


def return_save_and_submit(*, monitoring_return: MonitoringReturn, values: dict[str, str],
                           expected_version: int, by: User,
                           warning_note: str = "") -> MonitoringReturn:
    """Save figures and submit in one go, all or nothing (for scripts and tests; the pages go
    through ``return_save_and_check`` and the check page): if the submission is refused
    (errors, warnings without a note), the figures are not saved either."""
    return _save_all_or_nothing(
        monitoring_return, values, expected_version, by,
        lambda ret: return_submit(monitoring_return=ret, by=by, warning_note=warning_note))


#: Each review verb as "can be …" needs it: "send back" is irregular ("sent back").
_PAST_PARTICIPLES = {"approve": "approved", "send back": "sent back"}


def _require_reviewer(user: User, ret: MonitoringReturn, verb: str) -> None:
    if getattr(user, "organisation_id", None) == ret.organisation_id:
        raise DomainError(f"You cannot {verb} your own organisation's return; "
                          f"{reviewer_phrase(ret)} reviews it.")
    if not user.has_perm("monitoring.review_return", ret):
        raise DomainError(f"Only a partnership manager of {ret.partnership}'s lead partner can "
                          f"{verb} its returns.")
    if ret.status != ReturnStatus.SUBMITTED:
        raise DomainError(f"Only a submitted return can be {_PAST_PARTICIPLES[verb]}; this one "
                          f"is {ret.get_status_display().lower()}.")


@transaction.atomic
def return_approve(*, monitoring_return: MonitoringReturn, by: User) -> MonitoringReturn:
    """Approve a submitted return: its figures are then locked and reported."""
    ret = _locked(monitoring_return)
    _require_reviewer(by, ret, "approve")
    audited_update(instance=ret, by=by, summary="Approved return", status=ReturnStatus.APPROVED,
                   approved_at=timezone.now(), approved_by=by, version=ret.version + 1)
    _notify_approved(ret, by)
    return _refresh_caller(monitoring_return, ret)


@transaction.atomic
def return_send_back(*, monitoring_return: MonitoringReturn, by: User, comment: str = "",
                     metric_comments: dict[str, str] | None = None) -> MonitoringReturn:
    """Return a submitted return for correction, with a comment on the whole return and/or on
    individual figures (metric code → comment), so the provider sees exactly what is queried."""
    ret = _locked(monitoring_return)
    _require_reviewer(by, ret, "send back")
    metric_comments = {k: v.strip() for k, v in (metric_comments or {}).items() if v.strip()}
    if not comment.strip() and not metric_comments:
        raise DomainError("Say what needs correcting, on the whole return or on a figure.",
                          field="comment")
    metrics = {m.code: m for m in return_metrics(ret)}
    unknown = sorted(set(metric_comments) - set(metrics))
    if unknown:
        raise DomainError(f"This return does not ask for {', '.join(unknown)}.")
    if comment.strip():
        audited_create(instance=Query(monitoring_return=ret, text=comment.strip(), raised_by=by),
                       by=by, summary="Queried the return")
    for code, text in metric_comments.items():
        query = Query(monitoring_return=ret, metric=metrics[code], text=text, raised_by=by)
        audited_create(instance=query, by=by, summary=f"Queried {metrics[code].name}")
    audited_update(instance=ret, by=by, summary="Returned for correction",
                   status=ReturnStatus.RETURNED, version=ret.version + 1)
    _notify_sent_back(ret, by, figures=len(metric_comments), whole=bool(comment.strip()))
    return _refresh_caller(monitoring_return, ret)


@transaction.atomic
def return_correct(*, approved_return: MonitoringReturn, by: User,
                   reason: str) -> MonitoringReturn:
    """Start a correction of an approved return: a new draft revision with the same figures.
    The approved revision is kept (and reported) until the correction is approved."""
    old = _locked(approved_return)
    if old.status != ReturnStatus.APPROVED:
        raise DomainError("Only an approved return needs a correction; change this one "
                          "directly.")
    if not by.has_perm("monitoring.start_return", old.organisation):
        raise DomainError(f"Only provider staff of {old.organisation} can correct its returns.")
    if not reason.strip():
        raise DomainError("Say why the figures are being corrected.", field="reason")
    later = MonitoringReturn.objects.filter(organisation=old.organisation_id,
                                            partnership=old.partnership_id, period=old.period_id,
                                            revision__gt=old.revision).first()
    if later is not None:
        raise DomainError(f"Revision {later.revision} already corrects this return; change "
                          "that one.")
    correction = MonitoringReturn(organisation=old.organisation, partnership=old.partnership,
                                  period=old.period, revision=old.revision + 1, replaces=old,
                                  correction_reason=reason.strip())
    new = audited_create(instance=correction, by=by,
                         summary=f"Started correction: {reason.strip()}")
    Value.objects.bulk_create([Value(monitoring_return=new, metric_id=v.metric_id,
                                     number=v.number, text=v.text) for v in old.values.all()])
    _refresh_computed(new, by)
    _notify_corrected(old, new, by)
    return new
