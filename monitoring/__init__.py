"""Metrics, frameworks, reporting periods and the one shared monitoring return."""
