"""An example target (the underscore keeps it out of a full run; ``--only _health`` runs it):
the load balancers' health check, signed in as the bench commissioner, against the same
``SELECT 1`` and JSON by hand. It shows the shape of a target; the real ones are its siblings.
"""

from __future__ import annotations

import json
from typing import Any

from . import Case

TITLE = "Health check (example)"
AIM = 3.0


def cases(conn: Any) -> list[Case]:
    """One case; a real target picks its subjects from the data (the median, the largest)."""
    return [Case(label="signed in", rows=1, url="/health/", user="bench-commissioner")]


def baseline(conn: Any, case: Case) -> bytes:
    """What a hand-written handler does: ask the database, answer the same JSON. (The view
    never reads the session, so neither does the baseline.)"""
    conn.execute("SELECT 1").fetchone()
    return json.dumps({"status": "ok"}).encode()


def check(case: Case, output: bytes, baseline_output: bytes) -> None:
    assert json.loads(output) == json.loads(baseline_output), (output, baseline_output)
