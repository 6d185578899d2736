"""The action log (issue 19, point 3): completing, dropping and changing actions (who may, what
is refused, the audit row), the log page with its filters, overdue tags, downloads and forms,
and the user's open actions in "Your work"."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook

from composition.selectors.your_work import your_work
from core import clock
from core.errors import DomainError
from core.models import AuditEvent
from governance import actions
from governance.choices import ActionStatus
from governance.models import ActionItem
from tests.accounts.factories import PASSWORD, ProviderStaffFactory
from tests.governance.factories import BodyFactory, governance_setup

pytestmark = pytest.mark.django_db

TEXT = "Send the revised referral pathway to every member before the next board."


def day(n: int) -> dt.date:
    return clock.today() + dt.timedelta(days=n)


@pytest.fixture
def s():
    return governance_setup()


def add(s, *, due_on=None, owner=None, organisation=None, text=TEXT, body=None):
    return actions.action_item_create(partnership=s.partnership, text=text,
                                      owner_organisation=organisation or s.member,
                                      owner=owner, due_on=due_on or day(7), body=body,
                                      by=s.manager)


def audits(item: ActionItem) -> list[str]:
    ct = ContentType.objects.get_for_model(ActionItem)
    return list(AuditEvent.objects.filter(content_type=ct, object_id=str(item.pk))
                .order_by("pk").values_list("action", flat=True))


# -- actions -------------------------------------------------------------------------------------


def test_the_owner_marks_their_action_done_with_an_audit_row(s) -> None:
    item = add(s, owner=s.member_staff)
    actions.action_item_complete(item=item, completed_on=day(0), by=s.member_staff)
    item.refresh_from_db()
    assert (item.status, item.completed_on) == (ActionStatus.DONE, day(0))
    assert audits(item) == ["create", "update"]


def test_the_owning_organisations_manager_and_the_partnerships_manager_may_complete(s) -> None:
    first, second = add(s), add(s)
    actions.action_item_complete(item=first, completed_on=day(0), by=s.member_manager)
    actions.action_item_complete(item=second, completed_on=day(-1), by=s.manager)
    assert set(ActionItem.objects.values_list("status", flat=True)) == {ActionStatus.DONE}


def test_others_may_not_complete_and_nothing_changes(s) -> None:
    item = add(s, owner=s.member_staff)
    colleague = ProviderStaffFactory(organisation=s.member)
    for user in (colleague, s.outsider, s.commissioner):
        with pytest.raises(DomainError) as refused:
            actions.action_item_complete(item=item, completed_on=day(0), by=user)
        assert refused.value.code == "forbidden"
    item.refresh_from_db()
    assert item.status == ActionStatus.OPEN
    assert audits(item) == ["create"]


def test_a_completion_date_in_the_future_is_refused(s) -> None:
    item = add(s)
    with pytest.raises(DomainError) as refused:
        actions.action_item_complete(item=item, completed_on=day(1), by=s.manager)
    assert refused.value.field == "completed_on"
    assert ActionItem.objects.get().status == ActionStatus.OPEN


def test_drop_needs_a_reason_and_a_manager(s) -> None:
    item = add(s, owner=s.member_staff)
    with pytest.raises(DomainError) as refused:
        actions.action_item_drop(item=item, reason="  ", by=s.manager)
    assert refused.value.field == "reason"
    with pytest.raises(DomainError):
        actions.action_item_drop(item=item, reason="Not needed.", by=s.member_staff)
    actions.action_item_drop(item=item, reason="The board covered it.", by=s.manager)
    item.refresh_from_db()
    assert (item.status, item.dropped_reason) == (ActionStatus.DROPPED, "The board covered it.")


def test_a_closed_action_cannot_be_completed_dropped_or_changed(s) -> None:
    item = add(s)
    actions.action_item_drop(item=item, reason="The board covered it.", by=s.manager)
    for attempt in (
            lambda: actions.action_item_complete(item=item, completed_on=day(0), by=s.manager),
            lambda: actions.action_item_drop(item=item, reason="Again.", by=s.manager),
            lambda: actions.action_item_update(item=item, by=s.manager, due_on=day(9))):
        with pytest.raises(DomainError) as refused:
            attempt()
        assert refused.value.code == "closed"


def test_update_changes_the_owner_and_due_date_with_the_same_checks_as_create(s) -> None:
    item = add(s)
    lead_staff = ProviderStaffFactory(organisation=s.lead)
    actions.action_item_update(item=item, by=s.manager, owner_organisation=s.lead,
                               owner=lead_staff, due_on=day(30), text="  A new wording. ")
    item.refresh_from_db()
    assert (item.owner_organisation, item.owner, item.due_on, item.text) == (
        s.lead, lead_staff, day(30), "A new wording.")
    with pytest.raises(DomainError) as refused:
        actions.action_item_update(item=item, by=s.manager, owner_organisation=s.non_member)
    assert refused.value.field == "owner_organisation"
    with pytest.raises(DomainError) as refused:
        actions.action_item_update(item=item, by=s.manager, owner=s.member_staff)
    assert refused.value.field == "owner"
    with pytest.raises(DomainError) as refused:
        actions.action_item_update(item=item, by=s.manager, text="")
    assert refused.value.field == "text"
    with pytest.raises(DomainError) as refused:
        actions.action_item_update(item=item, by=s.member_manager, due_on=day(3))
    assert refused.value.code == "forbidden"
    item.refresh_from_db()
    assert item.due_on == day(30)


# -- the page ------------------------------------------------------------------------------------


def url(s, *args) -> str:
    return reverse("governance:actions", args=[s.partnership.slug, *args])


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_the_log_is_not_found_for_someone_outside_the_partnership(s, client) -> None:
    assert signed_in(client, s.outsider).get(url(s)).status_code == 404


def test_an_empty_log_says_so_and_offers_managers_the_form(s, client) -> None:
    page = signed_in(client, s.manager).get(url(s)).content.decode()
    assert "No actions yet" in page and "Add an action" in page
    page = signed_in(client, s.member_staff).get(url(s)).content.decode()
    assert "No actions yet" in page and "Add an action" not in page


def test_the_log_lists_actions_with_overdue_tags_and_filters(s, client) -> None:
    board = BodyFactory(partnership=s.partnership, name="Partnership board")
    late = add(s, text="Late action", due_on=day(5))
    ActionItem.objects.filter(pk=late.pk).update(due_on=day(-3))
    add(s, text="Board action", organisation=s.lead, body=board, due_on=day(10))
    done = add(s, text="Done action")
    actions.action_item_complete(item=done, completed_on=day(0), by=s.manager)
    client = signed_in(client, s.member_staff)
    page = client.get(url(s)).content.decode()
    assert page.count("Overdue</strong>") == 1
    assert "Late action" in page and "Board action" in page and "Done action" in page
    page = client.get(url(s), {"overdue": "true"}).content.decode()
    assert "Late action" in page and "Board action" not in page
    page = client.get(url(s), {"owner_organisation": s.lead.slug}).content.decode()
    assert "Board action" in page and "Late action" not in page
    page = client.get(url(s), {"body": board.pk, "status": "open"}).content.decode()
    assert "Board action" in page and "Done action" not in page
    page = client.get(url(s), {"status": "done"}).content.decode()
    assert "Done action" in page and "Late action" not in page
    page = client.get(url(s), {"owner_organisation": s.non_member.slug})
    assert "Choose an organisation of this partnership" in page.content.decode()


def test_the_downloads_carry_the_filtered_rows(s, client) -> None:
    add(s, text="=HYPERLINK(\"x\")", organisation=s.lead)
    add(s, text="Member action")
    client = signed_in(client, s.member_staff)
    export = url(s).rstrip("/") + "/download.csv"
    response = client.get(export, {"owner_organisation": s.member.slug})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content)
                                       .decode("utf-8-sig"))))
    assert rows[0][:4] == ["Action", "Owner organisation", "Owner", "Due on"]
    assert [r[0] for r in rows[1:]] == ["Member action"]
    response = client.get(url(s).rstrip("/") + "/download.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(cells) == ["=HYPERLINK(\"x\")", "Member action"]
    assert client.get(url(s).rstrip("/") + "/download.pdf").status_code == 404


def test_the_log_costs_the_same_queries_for_many_rows(s, client,
                                                      django_assert_max_num_queries) -> None:
    for n in range(30):
        add(s, text=f"Action {n}", owner=s.member_staff if n % 2 else None)
    client = signed_in(client, s.member_staff)
    client.get(url(s))
    with django_assert_max_num_queries(16):
        assert client.get(url(s)).status_code == 200


def test_a_manager_adds_an_action_through_the_form(s, client) -> None:
    client = signed_in(client, s.manager)
    due = day(14)
    response = client.post(reverse("governance:action-new", args=[s.partnership.slug]), {
        "text": "Share the training calendar", "owner_organisation": s.member.pk,
        "owner": s.member_staff.pk, "due_on_day": due.day, "due_on_month": due.month,
        "due_on_year": due.year})
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.owner, item.due_on, item.created_by) == (s.member_staff, due, s.manager)


def test_the_add_form_shows_errors_and_is_refused_to_members(s, client) -> None:
    new = reverse("governance:action-new", args=[s.partnership.slug])
    page = signed_in(client, s.manager).post(new, {}).content.decode()
    assert "Say what needs to be done" in page and "govuk-error-summary" in page
    assert signed_in(client, s.member_staff).post(new, {}).status_code == 403
    assert not ActionItem.objects.exists()


def test_the_owner_marks_done_on_the_page_and_others_get_403(s, client) -> None:
    item = add(s, owner=s.member_staff)
    complete = reverse("governance:action-complete", args=[s.partnership.slug, item.pk])
    today = clock.today()
    data = {"completed_on_day": today.day, "completed_on_month": today.month,
            "completed_on_year": today.year}
    colleague = ProviderStaffFactory(organisation=s.member)
    assert signed_in(client, colleague).post(complete, data).status_code == 403
    detail = signed_in(client, s.member_staff).get(
        reverse("governance:action", args=[s.partnership.slug, item.pk])).content.decode()
    assert "Mark as done" in detail and "Drop the action" not in detail
    assert client.post(complete, data).status_code == 302
    assert ActionItem.objects.get().status == ActionStatus.DONE


def test_a_manager_drops_with_a_reason_on_the_page(s, client) -> None:
    item = add(s)
    drop = reverse("governance:action-drop", args=[s.partnership.slug, item.pk])
    client = signed_in(client, s.manager)
    assert "Say why the action is dropped" in client.post(drop, {}).content.decode()
    assert client.post(drop, {"reason": "Covered elsewhere"}).status_code == 302
    assert ActionItem.objects.get().status == ActionStatus.DROPPED


# -- Your work -----------------------------------------------------------------------------------


def test_your_work_lists_the_users_open_actions_overdue_first(s) -> None:
    later = add(s, owner=s.member_staff, text="Later", due_on=day(20))
    late = add(s, owner=s.member_staff, text="Late", due_on=day(2))
    ActionItem.objects.filter(pk=late.pk).update(due_on=day(-2))
    add(s, text="The organisation's")
    done = add(s, owner=s.member_staff, text="Done")
    actions.action_item_complete(item=done, completed_on=day(0), by=s.manager)
    (section,) = [x for x in your_work(s.member_staff).sections if x.key == "actions"]
    assert [i.text for i in section.items] == ["Late", "Later"]
    assert [i.tag for i in section.items] == ["Overdue", ""]
    assert later.partnership.name in section.items[1].detail
    (section,) = [x for x in your_work(s.member_manager).sections if x.key == "actions"]
    assert section.count == 3  # the organisation's, as its partnership manager
    assert not [x for x in your_work(s.outsider).sections if x.key == "actions"]


def test_the_actions_section_costs_two_queries_however_many(s,
                                                            django_assert_num_queries) -> None:
    from composition.selectors.your_work import open_actions

    for n in range(12):
        add(s, owner=s.member_staff, text=f"Action {n}")
    with django_assert_num_queries(2):
        section = open_actions(s.member_staff, clock.today())
    assert section is not None and section.count == 12 and len(section.items) == 5
