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
