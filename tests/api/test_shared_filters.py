"""The search page and the partnerships API agree: the same member, funder, setting and overdue
review filters find the same partnerships, because both apply ``partnerships.filters``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from composition.search import SearchParams, search_partnerships
from partnerships.filters import PartnershipFilter

pytestmark = pytest.mark.django_db


def on_page(client, **params: object) -> set[str]:
    response = client.get(reverse("home"), params)
    assert response.status_code == 200
    return {p.slug for p in response.context["page"].object_list}


def in_api(client, **params: object) -> set[str]:
    response = client.get(reverse("partnership-list"), {"page_size": 100, **params})
    assert response.status_code == 200, response.content
    return {row["slug"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    "params",
    [
        {"member": "safe-homes"},  # a slug, as links from organisation pages carry
        {"member": "Safe Homes"},  # the whole name
        {"member": "safe ho"},  # part of the name, any case
        {"member": "PROBATION"},
        {"member": "women"},  # the hub's lead partner, Women's Centre
        {"member": "mind matters"},  # left the hub: no longer a member anywhere
        {"funder": "big-lottery"},
        {"funder": "lottery"},
        {"funder": "safe homes"},  # an organisation, but not a funder
        {"setting": "custody"},
        {"setting": "community"},
        {"member": "women", "setting": "community"},
        {"member": "probation", "setting": "community"},
    ],
)
def test_page_and_api_find_the_same_partnerships(registry, signed_in, params):
    assert on_page(signed_in, **params) == in_api(signed_in, **params)


def test_member_by_part_of_name_in_both(registry, signed_in):
    assert on_page(signed_in, member="safe ho") == {"womens-hub"}
    assert in_api(signed_in, member="safe ho") == {"womens-hub"}


def test_overdue_review_in_both(registry, signed_in):
    assert on_page(signed_in, overdue="true") == in_api(signed_in, review_overdue="true") == {
        "womens-hub"}


def test_filterset_and_selector_agree_without_http(registry, admin_user, rf):
    """The API's FilterSet and the page's selector, called directly on the same query."""
    request = rf.get("/")
    request.user = admin_user
    api = PartnershipFilter({"member": "centre"}, request=request,
                            queryset=search_partnerships(admin_user, SearchParams()))
    assert api.is_valid()
    page = search_partnerships(admin_user, SearchParams(member="centre"))
    assert {p.slug for p in api.qs} == {p.slug for p in page} == {"womens-hub"}
