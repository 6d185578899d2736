"""Send end-of-order notices for orders that have ended while treatment continues.

Run daily (or by hand after set-up): it finds open cases whose order ended before today, whose
treatment continues and whose agencies have not been told yet, and sends every involved agency
a notice naming who is responsible from now on (the organisation of the open accepted treatment
referral, or the lead agency). Prints case references only. Safe to run any number of times:
a case that has its notices is not picked up again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.errors import DomainError
from referrals.actions import orders_end_due
from referrals.models import Case


class Command(BaseCommand):
    help = ("Send end-of-order notices for open cases whose order has ended while treatment "
            "continues.")

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(case: Case, outcome: list[Any] | DomainError) -> None:
            if isinstance(outcome, DomainError):
                self.stderr.write(f"  {case.reference}: not sent — {outcome.text}")
                return
            responsible = outcome[0].responsible_organisation if outcome else "nobody"
            self.stdout.write(f"  {case.reference}: {len(outcome)} notice"
                              f"{'' if len(outcome) == 1 else 's'} sent (responsible: "
                              f"{responsible})")

        done = orders_end_due(progress=progress)
        sent = sum(1 for _, outcome in done if not isinstance(outcome, DomainError))
        noun = "case" if sent == 1 else "cases"
        self.stdout.write(self.style.SUCCESS(f"Sent end-of-order notices for {sent} {noun}."))
        if sent != len(done):
            self.stdout.write(self.style.WARNING(f"{len(done) - sent} could not be sent; see "
                                                 "above."))
