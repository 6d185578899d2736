"""Monitoring pages, one module per audience: ``returns`` (providers and reviewers),
``upload`` (CSV/XLSX uploads) and ``dashboards`` (lead partners and commissioners)."""
