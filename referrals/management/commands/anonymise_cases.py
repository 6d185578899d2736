"""Anonymise closed cases past their retention period, from the command line.

The same work as the nightly ``referrals.anonymise_due_cases`` task (both call
``referrals.retention.cases_anonymise_due``), for a first run after set-up, after a change of
retention periods, or to see with ``--dry-run`` what the next run will do. Run from a
terminal, it lists the cases first (reference, closing date, retention, due date) and asks for
"yes" before removing anything (``--no-input`` skips the question, for scripts). Prints case
references only. Safe to run any number of times.
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import clock
from referrals.retention import DueCase, cases_anonymise_due, due_cases


class Command(BaseCommand):
    help = ("Anonymise closed cases whose retention period (the longest of their protocols', "
            "or REFERRALS_DEFAULT_RETENTION_MONTHS) has run out.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="List the cases that are due; change nothing.")
        parser.add_argument("--no-input", "--noinput", action="store_false", dest="interactive",
                            help="Do not list the cases and ask before anonymising them.")
        parser.add_argument("--on", type=datetime.date.fromisoformat,
                            help="Count retention up to this date (YYYY-MM-DD) instead of "
                                 "today; not later than today.")

    def handle(self, *args: Any, dry_run: bool = False, on: datetime.date | None = None,
               interactive: bool = True, **options: Any) -> None:
        today = clock.today()
        if on is not None and on > today:
            raise CommandError(f"--on {on:%Y-%m-%d} is after today ({today:%Y-%m-%d}): "
                               "retention cannot be counted ahead.")
        if not dry_run and interactive and sys.stdin.isatty() and not self._confirmed(on):
            self.stdout.write("Nothing was changed.")
            return
        verb = "Due" if dry_run else "Anonymised"

        def progress(due: DueCase) -> None:
            self.stdout.write(f"  {verb}: {due.reference} (closed {due.closed_on:%-d %b %Y}, "
                              f"kept {due.retention_months} months, due {due.due_on:%-d %b %Y})")

        done = cases_anonymise_due(on=on, dry_run=dry_run, progress=progress)
        noun = "case" if len(done) == 1 else "cases"
        if dry_run:
            self.stdout.write(f"Dry run: {len(done)} {noun} would be anonymised; nothing "
                              "was changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Anonymised {len(done)} {noun}."))

    def _confirmed(self, on: datetime.date | None) -> bool:
        """List what is due and ask: anonymisation cannot be undone."""
        due = list(due_cases(on))
        if not due:
            return True
        for case in due:
            self.stdout.write(f"  Due: {case.reference} (closed {case.closed_on:%-d %b %Y}, kept "
                              f"{case.retention_months} months, due {case.due_on:%-d %b %Y})")
        noun = "case" if len(due) == 1 else "cases"
        answer = input(f"Anonymise these {len(due)} {noun}? This removes the person's details "
                       "for good. Type 'yes' to go on: ")
        return answer.strip().lower() == "yes"
