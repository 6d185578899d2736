"""Organisations, partnerships, memberships with history, agreements, lead agencies, funding."""
