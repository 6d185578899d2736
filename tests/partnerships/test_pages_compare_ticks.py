"""Comparing partnerships ticked on the search page (issue 16): a tick box per result, a compare
button, and two to four ticks required; the typed form of the compare page is unchanged."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

COMPARE = reverse("partnerships:compare")
MESSAGE = "Select between 2 and 4 partnerships to compare"


@pytest.fixture
def signed_in(client, commissioner_user):
    client.force_login(commissioner_user)
    return client


@pytest.fixture
def five():
    return [PartnershipFactory(name=f"Kestrel {n}", slug=f"kestrel-{n}") for n in range(5)]


def ticked(*slugs: str) -> list[tuple[str, str]]:
    """What the search page's compare form sends: the ticked slugs, then ``from=search``."""
    return [("p", s) for s in slugs] + [("from", "search")]


def get(client, pairs: list[tuple[str, str]]):
    return client.get(COMPARE + "?" + "&".join(f"{k}={v}" for k, v in pairs))


def test_search_results_have_a_tick_box_each_and_a_compare_button(signed_in, five):
    html = signed_in.get(reverse("search"), {"q": "kestrel"}).content.decode()
    for p in five:
        box = re.search(rf'<input [^>]*id="compare-{p.slug}"[^>]*>', html).group()
        assert 'type="checkbox"' in box and 'name="p"' in box and f'value="{p.slug}"' in box
        assert 'form="compare-form"' in box  # not the search form it sits in
        assert f"Select {p.name} to compare</span></label>" in html
    assert "govuk-checkboxes--small" in html
    form = html[html.index('<form id="compare-form"'):]
    form = form[:form.index("</form>")]
    assert f'action="{COMPARE}"' in form and 'method="get"' in form
    assert '<input type="hidden" name="from" value="search">' in form
    assert re.search(r'<button type="submit" form="compare-form"[^>]*>Compare selected '
                     r'partnerships</button>', html)


def test_two_to_four_ticks_compare(signed_in, five):
    for n in (2, 4):
        response = get(signed_in, ticked(*(p.slug for p in five[:n])))
        assert response.status_code == 200
        assert not response.context["state"].errors
        assert [c.partnership.name for c in response.context["comparison"].columns] == [
            p.name for p in five[:n]]


@pytest.mark.parametrize("n", [0, 1, 5])
def test_too_few_or_too_many_ticks_explain_and_keep_the_selection(signed_in, five, n):
    slugs = [p.slug for p in five[:n]]
    response = get(signed_in, ticked(*slugs))
    html = response.content.decode()
    assert response.status_code == 200 and response.context["comparison"] is None
    assert "govuk-error-summary" in html and "<title>Error: Compare partnerships" in html
    assert [e["text"] for e in response.context["state"].errors] == [MESSAGE]
    # The link goes to the box to fill (too few) or the first one too many.
    assert f'href="#p-{min(n, 4) + 1}"' in html
    assert [box.value for box in response.context["state"].inputs][:n] == slugs
    for slug in slugs:
        assert f'value="{slug}"' in html


def test_the_typed_form_is_unchanged(signed_in, five):
    # One prefilled name from a partnership page: no error, as before.
    response = get(signed_in, [("p", five[0].slug)])
    assert not response.context["state"].errors
    # Five typed names: the typed form's own message, not the tick message.
    response = get(signed_in, [("p", p.slug) for p in five])
    assert MESSAGE not in response.content.decode()
    assert "Choose no more than four partnerships" in response.content.decode()
