"""Full-text search on PostgreSQL: English stemming, and the GIN indexes of migration 0003 match
the expressions the search uses (an expression index is ignored if they drift apart)."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.urls import reverse

from composition.search import (
    SEARCH_CONFIG,
    organisation_search_vector,
    partnership_search_vector,
)
from partnerships.models import Membership, Organisation, Partnership
from tests.partnerships.factories import MembershipFactory, OrganisationFactory, PartnershipFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search"),
]


def query(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def test_stemming_finds_other_forms_of_a_word(client, commissioner_user):
    PartnershipFactory(name="Supported Housing Partnership")
    PartnershipFactory(name="Families First")
    client.force_login(commissioner_user)
    response = client.get(reverse("home"), {"q": "house"})
    assert [p.name for p in response.context["page"].object_list] == [
        "Supported Housing Partnership"]


def test_partnership_index_serves_the_search_expression():
    PartnershipFactory(name="Harbour")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test's transaction only
    plan = (Partnership.objects.annotate(document=partnership_search_vector())
            .filter(document=query("harbour")).explain())
    assert "partnership_search_idx" in plan


def test_organisation_index_serves_the_member_search_expression():
    MembershipFactory(organisation=OrganisationFactory(name="Harbour Trust"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = (Membership.objects.annotate(document=organisation_search_vector("organisation__"))
            .filter(document=query("harbour")).explain())
    assert "organisation_search_idx" in plan


def test_organisation_description_index_serves_the_organisation_search():
    OrganisationFactory(name="Harbour Trust", description="Runs a recovery café.")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = (Organisation.objects.annotate(
        document=SearchVector("description", config=SEARCH_CONFIG))
        .filter(document=query("recovery")).explain())
    assert "organisation_description_search_idx" in plan


def test_regions_come_with_the_page_and_reasons_only_where_the_name_lacks_the_words(
        client, commissioner_user, django_assert_max_num_queries):
    """Issue 17: the regions' names are read in the page's own query (no prefetch), in
    display order; a partnership named by the words says nothing more, even when a member's
    name has them too."""
    from tests.partnerships.factories import region

    named = PartnershipFactory(name="Kestrel Partnership")
    named.regions.set([region("wales"), region("london")])
    MembershipFactory(partnership=named, organisation=OrganisationFactory(name="Kestrel Trust"))
    other = PartnershipFactory(name="Moor Alliance")
    MembershipFactory(partnership=other, organisation=OrganisationFactory(name="Kestrel Hall"))
    client.force_login(commissioner_user)
    # Session, user, the form's two choices, the three kinds' counts, the page and the
    # header's unread count: no query for the regions.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("search"), {"q": "kestrel"})
    rows = {p.name: p for p in response.context["page"].object_list}
    assert rows["Kestrel Partnership"].region_names == ["London", "Wales"]
    assert rows["Kestrel Partnership"].match_reason is None
    assert rows["Kestrel Partnership"].matched_member_name is None
    assert str(rows["Moor Alliance"].match_reason.text) == "<mark>Kestrel</mark> Hall"
    assert "London, Wales" in response.content.decode()
