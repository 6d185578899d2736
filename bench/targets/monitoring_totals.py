"""Partnership totals on their own: ``/api/v1/dashboards/<slug>/totals/``, the dashboards API's
sums (averages, yes counts) of each metric per period across the benchmark partnership's
organisations (``monitoring.reports.totals``, the same figures as the dashboard's "Partnership
figures" table), read by the partnership's commissioner.

Baseline: the session row with its user (one query), the partnership with the dashboard
permission (one query), the periods, the reported metrics in framework order, then ONE
aggregate (``SUM``/``COUNT`` per metric and period over the current approved returns), and
``json.dumps`` of JSON identical to the endpoint's (``check()`` compares ``json.loads``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from bench.targets import Case
from bench.targets.monitoring_grid import (
    AGGREGATE_LABELS,
    METRICS_SQL,
    NUMERIC_KINDS,
    PARTNERSHIP_SQL,
    SLUG,
    TOTALS_SQL,
    USER,
    _today,
    aggregate_of,
    quarter_label,
    session_user,
)

TITLE = "Totals (dashboards API)"
AIM = 1.5

DEFAULT_COUNT = 8  # monitoring.reports.DEFAULT_PERIOD_COUNT, the API's default

PERIODS_SQL = """
SELECT id, frequency, starts_on, ends_on, due_on FROM monitoring_reportingperiod
WHERE frequency = 'quarterly' AND starts_on <= %s ORDER BY starts_on DESC LIMIT %s
"""


def cases(conn: Any) -> list[Case]:
    """The API's default (the latest 8 quarters) and every quarter the partnership has."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(DISTINCT fm.metric_id) FROM monitoring_frameworkmetric fm "
                    "JOIN monitoring_metric m ON m.id = fm.metric_id "
                    "WHERE m.kind = ANY(%s) AND fm.framework_id IN ("
                    " SELECT rf.framework_id FROM monitoring_returnrequirement_frameworks rf"
                    " JOIN monitoring_returnrequirement r ON r.id = rf.returnrequirement_id"
                    " JOIN partnerships_partnership p ON p.id = r.partnership_id"
                    " WHERE p.slug = %s)", [list(NUMERIC_KINDS), SLUG])
        metrics = cur.fetchone()[0]
        cur.execute("SELECT count(DISTINCT r.period_id) FROM monitoring_monitoringreturn r "
                    "JOIN partnerships_partnership p ON p.id = r.partnership_id "
                    "WHERE p.slug = %s", [SLUG])
        quarters = cur.fetchone()[0]
    url = f"/api/v1/dashboards/{SLUG}/totals/"
    headers = {"HTTP_ACCEPT": "application/json"}
    return [
        Case(label=f"latest {DEFAULT_COUNT} quarters", rows=metrics * DEFAULT_COUNT, url=url,
             user=USER, headers=headers),
        Case(label=f"{quarters} quarters", rows=metrics * quarters,
             url=f"{url}?periods={quarters}", user=USER, headers=headers),
    ]


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def baseline(conn: Any, case: Case) -> str:
    query = dict(p.split("=", 1) for p in case.url.partition("?")[2].split("&") if p)
    count = int(query.get("periods", DEFAULT_COUNT))
    organisation_id = session_user(conn, case)[6]
    with conn.cursor() as cur:
        cur.execute(PARTNERSHIP_SQL, [SLUG, organisation_id])
        found = cur.fetchone()
        if found is None:
            return json.dumps({"detail": "No Partnership matches the given query."})
        partnership_id, name, slug = found
        cur.execute(PERIODS_SQL, [_today(), count])
        periods = cur.fetchall()[::-1]  # oldest first
        period_ids = [p[0] for p in periods]
        cur.execute(METRICS_SQL, [list(NUMERIC_KINDS), partnership_id])
        metrics: dict[int, tuple] = {}
        for row in cur.fetchall():
            metrics.setdefault(row[0], row)
        cur.execute(TOTALS_SQL, [partnership_id, period_ids, list(metrics)])
        totals = {(m, p): (s, n) for m, p, s, n in cur.fetchall()}
    rows = []
    for metric_id, code, metric_name, kind, unit, aggregation in metrics.values():
        aggregate = aggregate_of(kind, aggregation)
        figures = []
        for period_id in period_ids:
            total = totals.get((metric_id, period_id))
            if total is None:
                figures.append({"period": period_id, "value": None, "returns": 0})
                continue
            value = (total[0] / total[1]).quantize(Decimal("0.1")) if aggregate == "average" \
                else total[0]
            figures.append({"period": period_id, "value": _plain(value), "returns": total[1]})
        rows.append({"metric": {"code": code, "name": metric_name, "kind": kind, "unit": unit},
                     "aggregate": AGGREGATE_LABELS[aggregate], "totals": figures})
    return json.dumps({
        "partnership": {"slug": slug, "name": name},
        "periods": [{"id": pk, "frequency": frequency, "label": quarter_label(starts_on),
                     "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                     "due_on": due_on.isoformat()}
                    for pk, frequency, starts_on, ends_on, due_on in periods],
        "metrics": rows,
    }, ensure_ascii=False)


def check(case: Case, output: Any, baseline_output: Any) -> None:
    page, hand = json.loads(output), json.loads(baseline_output)
    if page != hand:
        for key in page:
            assert page[key] == hand.get(key), (
                f"{case.label}: {key} differs: endpoint {str(page[key])[:600]}, "
                f"baseline {str(hand.get(key))[:600]}")
        raise AssertionError(f"{case.label}: keys differ: {list(page)} vs {list(hand)}")
