"""Governance pages, under the partnership's address (``/partnerships/<slug>/governance/…``)."""

from __future__ import annotations

from django.urls import path  # noqa: F401

app_name = "governance"

urlpatterns: list = [
]
