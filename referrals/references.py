"""References for people, cases and referrals: random, short, and free of personal data, so
they can stand in URLs, logs, emails and notifications."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 5/S or 2/Z: references are read aloud and copied by hand.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"


def reference(prefix: str) -> str:
    """``<prefix>-XXXX-XXXX`` (27^8 ≈ 2.8e11 values; the fields are unique, so a clash is
    refused by the database rather than shared)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


# Module-level defaults, so migrations can name them.
def new_person_reference() -> str:
    return reference("P")


def new_case_reference() -> str:
    return reference("C")


def new_referral_reference() -> str:
    return reference("R")
