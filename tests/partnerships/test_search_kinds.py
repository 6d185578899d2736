"""The search finds partnerships, organisations and services (issue 16), says why each matched,
and lets the user tick partnerships to compare. Runs on SQLite (word match) and PostgreSQL
(full-text search)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from composition.search.highlight import excerpt, highlight, match_reason, terms_pattern
from composition.search.kinds import search_organisations, search_services
from tests.partnerships.factories import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    region,
)
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

HOME = reverse("home")
SEARCH = reverse("search")


@pytest.fixture
def signed_in(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


def text(html: str) -> str:
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([:,.;)])", r"\1", words)


def rows(response) -> list[str]:
    return [row.name for row in response.context["page"].object_list]


def counts(response) -> dict[str, int]:
    return {kind.key: kind.count for kind in response.context["kinds"]}


@pytest.fixture
def kestrel():
    """A partnership, organisations and services that "kestrel" finds in different ways."""
    named = PartnershipFactory(name="Kestrel Partnership", summary="Quiet.")
    by_summary = PartnershipFactory(
        name="Harbour Group", summary="A group that meets weekly. It runs the kestrel project "
                                      "for people leaving prison, with help from volunteers.")
    by_member = PartnershipFactory(name="Moor Alliance", summary="Quiet.")
    trust = OrganisationFactory(name="Kestrel Trust", description="A charity.")
    MembershipFactory(partnership=by_member, organisation=trust)
    by_service = PartnershipFactory(name="Fell Network", summary="Quiet.")
    provider = OrganisationFactory(name="Fell Providers", description="Runs cafés.")
    MembershipFactory(partnership=by_service, organisation=provider)
    ServiceFactory(name="Kestrel café", description="Peer support.", provider=provider,
                   partnership=by_service)
    OrganisationFactory(name="Upland Charity", description="Works with the kestrel project.")
    ServiceFactory(name="Drop-in", description="Kestrel volunteers answer questions.",
                   provider=OrganisationFactory(name="Other Provider"))
    ServiceFactory(name="Kestrel closed service", is_active=False)
    PartnershipFactory(name="Unrelated", summary="Nothing.")
    return {"named": named, "by_summary": by_summary, "by_member": by_member,
            "by_service": by_service}


# --------------------------------------------------------------------------------------------
# All three kinds, each with its count and its own pages
# --------------------------------------------------------------------------------------------


def test_words_find_all_three_kinds_with_counts(signed_in, kestrel):
    response = signed_in.get(HOME, {"q": "kestrel"})
    assert counts(response) == {"partnerships": 4, "organisations": 4, "services": 2}
    page = text(response.content.decode())
    assert "Partnerships (4) Organisations (4) Services (2)" in page
    assert response.context["shown"].key == "partnerships"
    html = response.content.decode()
    assert 'class="moj-sub-navigation__link" aria-current="page" href="/?q=kestrel"' in html
    assert 'href="/?q=kestrel&amp;show=organisations"' in html


def test_organisations_found_by_name_description_or_service_name_first(signed_in, kestrel):
    response = signed_in.get(HOME, {"q": "kestrel", "show": "organisations"})
    # Named first; then by name: by a service's name, a service's description, a description.
    assert rows(response) == ["Kestrel Trust", "Fell Providers", "Other Provider",
                              "Upland Charity"]
    page = text(response.content.decode())
    assert "4 organisations matching “kestrel”" in page
    assert "Service: Kestrel café" in page  # why Fell Providers matched
    assert "Service: Drop-in" in page  # why Other Provider matched
    assert "Works with the kestrel project." in page  # why Upland Charity matched
    trust = response.context["page"].object_list[0]
    assert f'href="{reverse("partnerships:organisation", args=[trust.slug])}"' in (
        response.content.decode())


def test_services_found_by_name_or_description_active_only(signed_in, kestrel):
    response = signed_in.get(HOME, {"q": "kestrel", "show": "services"})
    assert rows(response) == ["Kestrel café", "Drop-in"]
    page = text(response.content.decode())
    assert "2 services matching “kestrel”" in page
    assert "Provided by Fell Providers, part of Fell Network" in page
    assert "Kestrel volunteers answer questions." in page
    assert "Partnerships found" not in page and "Compare selected" not in page


def test_each_kind_has_its_own_pages(signed_in):
    provider = OrganisationFactory(name="Provider")
    for n in range(30):
        ServiceFactory(name=f"Kestrel service {n:02d}", provider=provider)
    PartnershipFactory(name="Kestrel Partnership")
    first = signed_in.get(HOME, {"q": "kestrel", "show": "services"})
    assert len(rows(first)) == 25
    html = first.content.decode()
    assert "Showing 1 to 25 of 30" in text(html)
    assert 'href="?page=2&amp;q=kestrel&amp;show=services"' in html
    second = signed_in.get(HOME, {"q": "kestrel", "show": "services", "page": "2"})
    assert rows(second) == [f"Kestrel service {n}" for n in range(25, 30)]
    assert counts(second)["partnerships"] == 1


def test_without_words_only_partnerships_are_listed(signed_in, kestrel):
    response = signed_in.get(HOME, {"show": "services"})
    assert response.context["shown"].key == "partnerships"
    assert response.context["kinds"] == []
    assert "moj-sub-navigation" not in response.content.decode()


def test_an_unknown_kind_shows_partnerships(signed_in, kestrel):
    response = signed_in.get(SEARCH, {"q": "kestrel", "show": "wizards"})
    assert response.context["shown"].key == "partnerships"
    assert response.status_code == 200


def test_partnership_filters_still_apply_and_other_kinds_say_so(signed_in, kestrel):
    kestrel["named"].regions.set([region("wales")])
    response = signed_in.get(HOME, {"q": "kestrel", "region": "wales"})
    assert rows(response) == ["Kestrel Partnership"]
    assert counts(response)["organisations"] == 4
    other = signed_in.get(HOME, {"q": "kestrel", "region": "wales", "show": "organisations"})
    assert "The filters narrow down partnerships only" in text(other.content.decode())


def test_the_export_is_still_partnerships_only(signed_in, kestrel):
    response = signed_in.get(reverse("partnerships:search-export"), {"q": "kestrel",
                                                                     "show": "services"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Name,URL path,Status")
    assert len(lines) == 1 + 4


def test_nothing_to_anyone_signed_out(kestrel):
    assert list(search_organisations(AnonymousUser(), "kestrel")) == []
    assert list(search_services(AnonymousUser(), "kestrel")) == []


# --------------------------------------------------------------------------------------------
# Empty states
# --------------------------------------------------------------------------------------------


def test_empty_kind_points_to_the_kinds_that_matched(signed_in):
    ServiceFactory(name="Kestrel café")
    response = signed_in.get(HOME, {"q": "kestrel"})
    page = text(response.content.decode())
    assert "No partnerships matched your search for “kestrel”" in page
    assert "Your words did find 1 organisation and 1 service." in page
    organisations = signed_in.get(HOME, {"q": "zzzz", "show": "organisations"})
    assert "No organisations matched your search for “zzzz”" in text(
        organisations.content.decode())


def test_overall_empty_state(signed_in):
    PartnershipFactory(name="Harbour")
    page = text(signed_in.get(HOME, {"q": "kestrle"}).content.decode())
    assert "No partnerships matched your search for “kestrle”" in page
    assert "No organisations or services matched “kestrle” either." in page
    assert "Partnerships (0) Organisations (0) Services (0)" in page


# --------------------------------------------------------------------------------------------
# Why each result matched
# --------------------------------------------------------------------------------------------


def reasons(response) -> dict[str, str]:
    return {row.name: (f"{row.match_reason.label}: " if row.match_reason.label else "")
            + str(row.match_reason.text)
            for row in response.context["page"].object_list if row.match_reason}


def test_partnerships_say_why_they_matched(signed_in, kestrel):
    response = signed_in.get(HOME, {"q": "kestrel"})
    found = reasons(response)
    assert "Kestrel Partnership" not in found  # its name says why
    assert found["Moor Alliance"] == "Member: <mark>Kestrel</mark> Trust"
    assert found["Fell Network"] == "Service: <mark>Kestrel</mark> café"
    assert "runs the <mark>kestrel</mark> project" in found["Harbour Group"]
    html = response.content.decode()
    assert "Member: <mark>Kestrel</mark> Trust" in html


def test_reasons_cost_no_extra_query_per_row(signed_in, django_assert_max_num_queries):
    for n in range(30):
        p = PartnershipFactory(name=f"Moor {n}")
        MembershipFactory(partnership=p, organisation=OrganisationFactory(name=f"Kestrel {n}"))
    with django_assert_max_num_queries(10):
        response = signed_in.get(HOME, {"q": "kestrel"})
    assert len(reasons(response)) == 25


def test_user_text_in_a_reason_is_escaped(signed_in):
    PartnershipFactory(name="Harbour", summary='Meet at <script>alert("x")</script> kestrel hall')
    html = signed_in.get(HOME, {"q": "kestrel"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>kestrel</mark> hall" in html


def test_excerpt_is_short_and_marks_every_word():
    pattern = terms_pattern('recovery "peer support" -police')
    long = ("Word " * 40) + "Our recovery café offers peer support and more recovery. " + (
        "Tail " * 40)
    shown = excerpt(long, pattern)
    assert shown.startswith("… ") and shown.endswith(" …")
    assert shown.count("<mark>") == 3 and "<mark>peer support</mark>" in shown
    assert len(shown) < 260
    assert "police" not in str(terms_pattern("-police") or "")
    assert excerpt("Nothing here", pattern) == ""
    # Stemmed matches, as PostgreSQL's English stemming finds them.
    assert "<mark>Housing</mark>" in highlight("Housing first", terms_pattern("house"))
    assert highlight("a <b> & c", None) == "a &lt;b&gt; &amp; c"


def test_match_reason_order():
    pattern = terms_pattern("kestrel")
    assert match_reason(pattern, name="Kestrel Group", text="kestrel") is None
    assert match_reason(pattern, name="Group", text="The kestrel hall",
                        member="Kestrel Trust").label == ""
    assert match_reason(pattern, name="Group", text="", member="Kestrel Trust",
                        service="Kestrel café").label == "Member"
    assert match_reason(pattern, name="Group", service="Kestrel café").label == "Service"
    assert match_reason(None, name="Group", service="Kestrel café") is None


@pytest.mark.parametrize("q", ["-kestrel", "or", '""'])
@pytest.mark.parametrize("show", ["partnerships", "organisations", "services"])
def test_words_that_search_for_nothing_still_show_a_page(signed_in, kestrel, q, show):
    response = signed_in.get(HOME, {"q": q, "show": show})
    assert response.status_code == 200
    assert response.context["shown"].key == show
