"""Saving and submitting in one go (the form's "Submit return"): all or nothing."""

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from monitoring import actions
from monitoring.choices import ReturnStatus
from monitoring.models import Value
from tests.monitoring.factories import monitoring_setup, quarter

pytestmark = pytest.mark.django_db


def test_a_refused_submission_saves_no_figures_either():
    s = monitoring_setup()
    ret = actions.return_start(organisation=s.provider, partnership=s.partnership,
                               period=s.period, by=s.staff)
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(DomainError, match="Treatment completions is required"):
        actions.return_save_and_submit(monitoring_return=ret, values={"starts": "10"},
                                       expected_version=ret.version, by=s.staff)
    ret.refresh_from_db()
    assert (ret.status, ret.version) == (ReturnStatus.DRAFT, 1)
    assert not Value.objects.filter(monitoring_return=ret).exists()
    assert AuditEvent.objects.count() == audit_rows


def test_warnings_are_listed_on_the_error_and_a_note_lets_it_through():
    s = monitoring_setup()
    for q in (1, 2):  # two approved quarters of history around 10 starts
        period = quarter(2024, q)
        ret = actions.return_start(organisation=s.provider, partnership=s.partnership,
                                   period=period, by=s.staff)
        actions.return_save_and_submit(monitoring_return=ret,
                                       values={"starts": "10", "completions": "4"},
                                       expected_version=ret.version, by=s.staff)
        actions.return_approve(monitoring_return=ret, by=s.manager)
    ret = actions.return_start(organisation=s.provider, partnership=s.partnership,
                               period=s.period, by=s.staff)
    figures = {"starts": "40", "completions": "4"}
    with pytest.raises(DomainError) as refused:
        actions.return_save_and_submit(monitoring_return=ret, values=figures,
                                       expected_version=ret.version, by=s.staff)
    assert ret.version == 1  # the caller's object forgets the rolled-back save
    assert [w.split(":")[0] for w in refused.value.warnings] == ["Treatment starts"]
    assert not Value.objects.filter(monitoring_return=ret).exists()

    actions.return_save_and_submit(monitoring_return=ret, values=figures,
                                   expected_version=ret.version, by=s.staff,
                                   warning_note="A new prison wing opened this quarter.")
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.warning_note == "A new prison wing opened this quarter."
