"""The admin index lists what admins configure first (partnerships, organisations, agreements,
monitoring set-up, casework set-up) and users, API tokens and login throttling last."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_index_starts_with_partnerships_and_ends_with_accounts_and_axes(superuser,
                                                                          admin_client_for):
    response = admin_client_for(superuser).get(reverse("admin:index"))

    apps = [app["app_label"] for app in response.context["app_list"]]
    assert apps[:3] == ["partnerships", "monitoring", "referrals"]
    assert apps[-2:] == ["accounts", "axes"]

    partnerships = response.context["app_list"][0]["models"]
    assert [m["object_name"] for m in partnerships][:3] == [
        "Partnership", "Organisation", "Agreement"]
    monitoring = [m["object_name"] for m in response.context["app_list"][1]["models"]]
    assert monitoring[0] == "Framework"
    accounts = [m["object_name"] for m in response.context["app_list"][-2]["models"]]
    assert accounts[-1] == "ApiToken"

    html = response.content.decode()
    assert html.index("Partnerships") < html.index("Monitoring returns") < html.index(
        "Referrals and cases") < html.index("API tokens")
