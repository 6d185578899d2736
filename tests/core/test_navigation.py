"""The service navigation (drawn once per section: core.navigation) and the breadcrumbs (built
in Python: core.templatetags.govuk) draw what the pages drew before."""

import pytest
from django.test import override_settings
from django.urls import reverse, set_script_prefix
from django.utils.safestring import mark_safe

from core import navigation
from core.templatetags.govuk import breadcrumbs
from tests.accounts.factories import ProviderStaffFactory

pytestmark = pytest.mark.django_db

LINKS = {"your-work": "/your-work/", "search": "/search/", "directory": "/services/",
         "compare": "/partnerships/compare/", "monitoring": "/monitoring/",
         "casework": "/casework/"}


def test_each_section_marks_its_item_and_only_it():
    for section in (*LINKS, "", None, "nonsense"):
        html = str(navigation.service_navigation(section))
        for href in LINKS.values():
            assert f'href="{href}"' in html
        current = [key for key, href in LINKS.items()
                   if f'href="{href}" aria-current="true"' in html]
        assert current == ([section] if section in LINKS else [])
        assert html.count("govuk-service-navigation__item--active") == len(current)


def test_the_links_follow_the_script_prefix():
    set_script_prefix("/registry/")
    try:
        html = str(navigation.service_navigation("monitoring"))
    finally:
        set_script_prefix("/")
    assert 'href="/registry/monitoring/" aria-current="true"' in html
    assert 'href="/monitoring/"' in str(navigation.service_navigation("monitoring"))


def test_fixed_urls_are_reverse_per_script_prefix():
    assert navigation.fixed_url("notifications:list") == reverse("notifications:list")
    set_script_prefix("/registry/")
    try:
        assert navigation.fixed_url("notifications:list") == "/registry/notifications/"
    finally:
        set_script_prefix("/")
    assert navigation.fixed_url("notifications:list") == "/notifications/"


@override_settings(DEBUG=False)
def test_a_page_shows_the_navigation(client):
    client.force_login(ProviderStaffFactory())
    html = client.get(reverse("monitoring:home")).content.decode()
    assert 'href="/monitoring/" aria-current="true"' in html
    assert '<strong class="govuk-service-navigation__active-fallback">Monitoring</strong>' in html
    assert "Administration" not in html


def test_breadcrumbs_markup():
    html = str(breadcrumbs("A & B <x>", "/p/a&b/", "", "/skipped/", mark_safe("<b>s</b>"),
                           "monitoring:home"))
    assert html == (
        '\n<nav class="govuk-breadcrumbs" aria-label="Breadcrumb">\n'
        '  <ol class="govuk-breadcrumbs__list">\n'
        '    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" '
        'href="/">Home</a></li>\n'
        '    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" '
        'href="/p/a&amp;b/">A &amp; B &lt;x&gt;</a></li>\n'
        '    <li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" '
        'href="/monitoring/"><b>s</b></a></li>\n'
        '    \n  </ol>\n</nav>\n')
