"""What ``bench/perf.py`` measures: one module per page, endpoint or job, each beside the
hand-written SQL baseline that produces the same output.

A target module defines:

- ``TITLE``: what it is, in the table's words ("Partnership page").
- ``AIM``: the largest acceptable ratio (target median / baseline median), e.g. ``3.0``.
- ``cases(conn) -> list[Case]``: the subjects to time, chosen from the data (the median
  partnership, the largest one...), so the same target means the same thing at any scale.
  ``conn`` is a plain psycopg connection (autocommit) to the bench database.
- ``baseline(conn, case) -> str | bytes``: what a careful developer would write by hand for the
  same output: plain SQL on ``conn`` fetching every field the page or endpoint shows (not less),
  and the output built from the rows (an HTML string of the same visible content for a page,
  ``json.dumps`` of the identical JSON for an endpoint, the same notification rows for a job).
  It includes the request's own lookups a hand-written handler also needs (the session and
  its user, the user's organisation and permissions).
- optionally ``check(case, output, baseline_output) -> None``: raises ``AssertionError`` when
  the baseline's output is not the same as the target's (``perf.py --check`` runs it once per
  case), so a baseline cannot quietly fetch less than the page shows.

A case is either a request (``url`` requested by ``user`` with Django's test client, the whole
stack but the network) or a call (``call()``, e.g. a reminder sweep), with an optional
``reset()`` run before each timed repetition, outside the timing.

Optionally ``ITERATIONS``: a cap on the timed rounds for a slow case (a sweep that writes
thousands of rows); ``perf.py --case-budget`` also lowers them for any slow case. The runner
signs each request's ``user`` in with the test client's ``force_login`` and puts the session key
in ``case.params["session_key"]`` before the first run; ``headers`` may be given by name
(``Accept``) or as WSGI keys (``HTTP_ACCEPT``). Modules whose name starts with an underscore are
helpers (or the ``_health`` example) and run only when named in ``--only``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    """One thing to time, and its size (``rows``: the rows it shows or writes, for the
    table's "queries at two sizes" column)."""

    label: str
    rows: int
    url: str = ""
    user: str = ""
    call: Callable[[], Any] | None = None
    reset: Callable[[], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
