from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from reports.figures import month_facts_refresh, month_facts_refresh_stale, split_ranges
from reports.periods import current_half_year


class Command(BaseCommand):
    help = ("Compute the usage report's monthly facts marked stale (what the beat does), and with --agency those "
            "never computed of the current and previous half-year of the agency and every agency under it (after a "
            "bulk load).")

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="the code of the agency whose tree is computed")

    def handle(self, *args, agency=None, **options):
        done = month_facts_refresh_stale()
        if agency:
            root = Agency.objects.filter(code=agency).first()
            if root is None:
                raise CommandError(f"no agency {agency}")
            period = current_half_year()
            months, _ranges = split_ranges([period.previous(), period], True)
            done += month_facts_refresh(root.descendant_ids(), months)
        self.stdout.write(f"{done} agency-months computed")
