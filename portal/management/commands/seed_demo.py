"""`manage.py seed_demo [--staff N] [--reset]`: the demo province, its people and three log-ins."""
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.demo import DEFAULT_STAFF, DEMO_LOGINS, DemoError, demo_reset, demo_seed, demo_users_exist, has_roster_data


class Command(BaseCommand):
    help = (
        "Seed a deterministic demo on top of the Đắk Nông agency tree (loaded from the fixture when the tree is "
        "empty): staff, courses, training records, aggregate reports and three demo users. "
        "It never adds to existing data: when the demo is already there it only prints the log-ins; "
        "when other staff, courses or reports exist it refuses. --reset deletes them first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=DEFAULT_STAFF,
                            help=f"number of staff to create (default {DEFAULT_STAFF})")
        parser.add_argument("--reset", action="store_true",
                            help="delete ALL staff, courses, training records, aggregate reports, change records "
                                 "and the demo users, then seed again (agencies and reference data stay)")

    def handle(self, *args, staff: int, reset: bool, **options):
        # One transaction: a reset whose seeding fails deletes nothing.
        with transaction.atomic():
            self._handle(staff=staff, reset=reset)

    def _handle(self, *, staff: int, reset: bool) -> None:
        if reset:
            demo_reset()
            self.stdout.write("Deleted the previous staff, courses, records, reports and demo users.")
        elif demo_users_exist():
            self.stdout.write(self.style.WARNING(
                "The demo is already seeded: nothing was written. Use --reset to delete it and seed again."
            ))
            self._print_logins()
            return
        elif has_roster_data():
            raise CommandError(
                "The database already holds staff, courses, training records or reports that are not the demo's: "
                "seed_demo does not mix demo data into them. `seed_demo --reset` DELETES them all and seeds the demo."
            )
        try:
            result = demo_seed(staff_count=staff)
        except DemoError as error:
            raise CommandError(str(error)) from error
        if result.agencies_loaded:
            self.stdout.write(f"Loaded the Đắk Nông fixture: {result.agencies_loaded} agencies.")
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {result.staff} staff, {result.courses} courses, {result.records} training records and "
            f"{result.reports} aggregate reports in {result.seconds:.1f} s."
        ))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write("Demo log-ins (username / password):")
        for login in DEMO_LOGINS:
            scope = f", {login.agency_code}" if login.agency_code else ""
            self.stdout.write(f"  {login.username:<12} / {login.password:<13} {login.full_name} ({login.role}{scope})")
