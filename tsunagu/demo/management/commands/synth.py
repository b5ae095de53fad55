"""`tsunagu synth`: fill the database with synthetic municipalities, persons and consultations.

For benchmarks and capacity planning only: it refuses to run on a production settings module.
The same seed on an empty database gives the same data.
"""

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.schedules import MAX_SPAN_DAYS
from tsunagu.synth.generate import Plan, generate

# Places' sessions are materialized by the calendar rules, which span at most MAX_SPAN_DAYS.
MAX_FISCAL_YEARS = MAX_SPAN_DAYS // 366


def _positive(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if value < 0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Generate synthetic data (deterministic) for benchmarks; never on production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipalities", type=_positive, required=True)
        parser.add_argument("--persons", type=_positive, required=True, help="in total")
        parser.add_argument("--consultations", type=_positive, required=True, help="in total")
        parser.add_argument(
            "--family-members", type=_positive, default=None, help="default: persons / 5"
        )
        parser.add_argument("--seed", type=int, default=20180401)
        parser.add_argument("--first-fiscal-year", type=int, default=2015)
        parser.add_argument("--fiscal-years", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "TSUNAGU_PRODUCTION", False):
            raise CommandError("synth never runs on production settings")
        if options["municipalities"] < 1:
            raise CommandError("--municipalities must be at least 1")
        if not 1 <= options["fiscal_years"] <= MAX_FISCAL_YEARS:
            raise CommandError(f"--fiscal-years must be from 1 to {MAX_FISCAL_YEARS}")
        plan = Plan(
            municipalities=options["municipalities"],
            persons=options["persons"],
            consultations=options["consultations"],
            family_members=options["family_members"],
            seed=options["seed"],
            first_fiscal_year=options["first_fiscal_year"],
            fiscal_years=options["fiscal_years"],
            progress=sys.stderr,
        )
        result = generate(plan)
        self.stdout.write(
            f"{len(result.municipality_ids):,} municipalities, {result.persons:,} persons, "
            f"{result.family_members:,} family members, {result.cases:,} cases, "
            f"{result.consultations:,} consultations, {result.places:,} places with "
            f"{result.sessions:,} sessions, {result.attendance:,} attendances and "
            f"{result.reservations:,} reservations in {result.seconds:.1f} s"
        )
