"""What the API list targets share (not a target itself: the leading underscore): the cases
(page 1 and a middle page at 100 rows, as a client paging through the list asks for them), the
session lookup a hand-written handler makes, DRF's ``count`` / ``next`` / ``previous``
envelope, and the exact comparison of the two JSON bodies."""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from . import Case

PAGE_SIZE = 100
USER = "bench-commissioner"
HEADERS = {"HTTP_ACCEPT": "application/json"}
# The test client's host: the endpoint builds absolute links from it, and so does the baseline.
ORIGIN = "http://testserver"


def page_cases(conn: Any, path: str, count: str | int) -> list[Case]:
    """Page 1 and the middle page of ``path`` at 100 rows, from the number of rows the list
    holds (``count``: a number, or the SQL counting them), so the same target means the same
    at any scale."""
    total = count if isinstance(count, int) else conn.execute(count).fetchone()[0]
    pages = max(1, -(-total // PAGE_SIZE))
    middle = max(2, (pages + 1) // 2) if pages > 1 else 1
    cases = [Case(label="page 1, 100 rows", rows=min(total, PAGE_SIZE),
                  url=f"{path}?page_size={PAGE_SIZE}", user=USER, headers=dict(HEADERS),
                  params={"page": 1})]
    if middle > 1:
        shown = min(PAGE_SIZE, total - (middle - 1) * PAGE_SIZE)
        cases.append(Case(label=f"page {middle} of {pages} (middle), 100 rows", rows=shown,
                          url=f"{path}?page={middle}&page_size={PAGE_SIZE}", user=USER,
                          headers=dict(HEADERS), params={"page": middle}))
    return cases


def signed_in_user(conn: Any, case: Case) -> tuple[int, bool]:
    """The request's own lookup: the session row (by the runner's session key, unexpired) and its
    user, in one query; the API answers only an active user (``visible_to`` and the rules)."""
    row = conn.execute(
        "SELECT s.session_data, u.id, u.is_active, u.organisation_id, u.role"
        " FROM accounts_user u LEFT JOIN django_session s"
        "   ON s.session_key = %s AND s.expire_date > now()"
        " WHERE u.username = %s",
        (case.params.get("session_key", ""), case.user or USER)).fetchone()
    if row is None or not row[2]:
        raise PermissionError("not signed in")
    return row[1], row[2]


def today() -> datetime.date:
    """The registry's "today": the UK date (core.clock)."""
    return datetime.datetime.now(ZoneInfo("Europe/London")).date()


def envelope(path: str, page: int, count: int, results: list[Any]) -> dict[str, Any]:
    """DRF's page-number envelope: the links keep the other parameters, sorted, and page 1's
    link drops ``page``."""
    pages = max(1, -(-count // PAGE_SIZE))
    base = f"{ORIGIN}{path}"

    def link(number: int) -> str:
        query = [("page", number)] if number > 1 else []
        return f"{base}?{urlencode([*query, ('page_size', PAGE_SIZE)])}"

    return {"count": count,
            "next": link(page + 1) if page < pages else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": results}


def check(case: Case, output: Any, baseline_output: Any) -> None:
    """The endpoint's JSON and the baseline's, parsed, must be equal (every field, in order)."""
    got, want = json.loads(output), json.loads(baseline_output)
    assert got.keys() == want.keys(), (case.label, got.keys(), want.keys())
    for key in ("count", "next", "previous"):
        assert got[key] == want[key], (case.label, key, got[key], want[key])
    assert len(got["results"]) == len(want["results"]), case.label
    for index, (a, b) in enumerate(zip(got["results"], want["results"], strict=True)):
        if a != b:
            fields = [k for k in a.keys() | b.keys() if a.get(k) != b.get(k)]
            raise AssertionError(f"{case.label}: row {index} ({a.get('slug')}) differs in "
                                 f"{sorted(fields)}")
