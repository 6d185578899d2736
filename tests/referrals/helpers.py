"""Page and API helpers shared by the casework tests (the fixtures are in ``conftest.py``)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from rest_framework.test import APIClient

from referrals.choices import OrderType, Seriousness
from referrals.models import Case, CaseConference, Referral
from tests.referrals.factories import Casework, casework_setup, days, open_case, send_referral


def get(client: Any, user: Any, address: str, status: int = 200) -> str:
    """The page at ``address`` as ``user`` sees it, after checking its status."""
    client.force_login(user)
    response = client.get(address)
    assert response.status_code == status, response.status_code
    return response.content.decode()


def post(client: Any, user: Any, address: str, data: dict | None = None,
         status: int | None = None) -> Any:
    """A form sent as ``user``; the status is checked only when given."""
    client.force_login(user)
    response = client.post(address, data or {})
    if status is not None:
        assert response.status_code == status, response.status_code
    return response


def without_nonce(html: str) -> str:
    """A page without its per-request CSP nonce and CSRF token, to compare two answers for
    sameness."""
    html = re.sub(r'nonce="[^"]*"', 'nonce=""', html)
    return re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]*"', r'\1""', html)


def date_parts(name: str, day: datetime.date) -> dict[str, int]:
    """The day, month and year inputs of a GOV.UK date field called ``name``."""
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


@dataclass
class World:
    """A probation-led case referred to the treatment provider (sent, not yet answered)."""

    cw: Casework
    case: Case
    referral: Referral
    conference: CaseConference


def build_world() -> World:
    """The world most casework API tests start from (the ``world`` fixture)."""
    cw = casework_setup()
    case = open_case(cw, initials="J.D.", identifiers={"prison_number": "A1234BC"})
    referral = send_referral(cw, case)
    conference = case.conferences.order_by("planned_on").first()
    return World(cw=cw, case=case, referral=referral, conference=conference)


def client_of(user: Any) -> APIClient:
    """An API client signed in (by session) as ``user``."""
    client = APIClient()
    client.force_login(user)
    return client


def open_form(s: Any, **changes: Any) -> dict[str, Any]:
    """What the "Open a case" page sends for a year's community order led by probation (with
    ``changes``): the initials and prison number typed in lower case, as people do."""
    start, end = days(-10), days(355)
    data = {"partnership": s.partnership.pk, "lead_organisation": s.probation.pk,
            "order_type": OrderType.COMMUNITY_ORDER,
            "order_starts_on_day": start.day, "order_starts_on_month": start.month,
            "order_starts_on_year": start.year,
            "order_ends_on_day": end.day, "order_ends_on_month": end.month,
            "order_ends_on_year": end.year,
            "seriousness": Seriousness.LOW, "initials": "j.d", "year_of_birth": "1985",
            "gender": "male", "prison_number": "a1234bc"}
    data.update(changes)
    return data
