"""The upload page's file input is named by its visible label alone (axe's
label-content-name-mismatch failed on the enhanced drop zone's button, whose
``aria-labelledby`` name left out its visible text). The browser journey test runs axe on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.html import assert_good_markup
from tests.monitoring.workflow import started

pytestmark = pytest.mark.django_db


def test_the_file_input_is_the_plain_gov_uk_file_upload_named_by_its_label(client, s):
    ret = started(s)
    client.force_login(s.staff)
    html = client.get(reverse("monitoring:return-upload", args=[ret.pk])).content.decode()
    assert '<label class="govuk-label govuk-label--m" for="id_file">Upload a file</label>' in html
    assert 'class="govuk-file-upload" id="id_file" name="file" type="file"' in html
    assert 'data-module="govuk-file-upload"' not in html
    assert "aria-label=" not in html[html.index('id="id_file"') - 200:]
    assert_good_markup(html)
