"""``manage.py load_demo``: load the demo registry (the five partnership shapes) and the demo
logins. Safe to run again: what exists is skipped and only the demo passwords are reset."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.data import DEMO_PASSWORD, DemoReport, load_demo, status_counts


class Command(BaseCommand):
    help = ("Load a realistic demo registry: five partnerships (lead partner with "
            "sub-contractors, multi-provider across seven prisons, a women's centre hub, a "
            "board-governed programme, an unfunded joint agreement) with their organisations, "
            "services, locations, agreements and funding, one demo login per role, and "
            "monitoring (metrics, frameworks, quarterly returns in every workflow state). "
            "Running it again creates nothing new and resets the demo passwords.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true",
            help="Load even though DEBUG is off. The demo logins share a published password, "
                 "so never do this on a production database.")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load the demo data because DEBUG is off, so this may be a "
                "production site: the demo creates logins (demo-admin is a superuser) with a "
                "published password. Run with --force only on a demo or staging database.")
        self.stdout.write(self.style.MIGRATE_HEADING("Loading the demo registry"))
        report = load_demo(log=self.stdout.write)
        self._summary(report)

    def _summary(self, report: DemoReport) -> None:
        self.stdout.write("")
        if report.total_created or report.total_changed:
            created = ", ".join(f"{n} {label}" for label, n in sorted(report.created.items()))
            self.stdout.write(self.style.SUCCESS(f"Demo loaded. Created: {created}."))
            if report.total_existing:
                self.stdout.write(f"Skipped {report.total_existing} records that already "
                                  "existed.")
        else:
            self.stdout.write(self.style.SUCCESS(
                f"The demo was already loaded: nothing new was created "
                f"({report.total_existing} records already present, all skipped). "
                "Demo passwords were reset."))

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo logins"))
        rows = [("Username", "Role", "Organisation", "Password")]
        rows += [(u.username, u.role, u.organisation, u.password) for u in report.logins]
        self._table(rows)
        self.stdout.write(f"Every demo login uses the password {DEMO_PASSWORD} "
                          "(reset on each run).")
        for login in report.logins:
            if login.try_this:
                self.stdout.write(f"  Try {login.username}: {login.try_this}")

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Registry now holds"))
        self._table([("Records", "Count"), *((label, str(n)) for label, n in status_counts())])

    def _table(self, rows: list[tuple[str, ...]]) -> None:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for number, row in enumerate(rows):
            self.stdout.write("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths,
                                                                                  strict=True))
                              .rstrip())
            if number == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
