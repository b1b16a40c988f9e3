from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from reports.figures import month_facts_refresh, month_facts_refresh_stale, split_ranges, usage_reports_warm
from reports.periods import current_half_year


class Command(BaseCommand):
    help = ("Compute the usage report's monthly facts marked stale and count the current half-year's reports of "
            "the trees they changed into the cache (what the beat does); with --agency also the months never "
            "computed of the current and previous half-year of the agency and every agency under it (after a bulk "
            "load).")

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="the code of the agency whose tree is computed")

    def handle(self, *args, agency=None, **options):
        agencies = month_facts_refresh_stale()
        done = 0
        if agency:
            root = Agency.objects.filter(code=agency).first()
            if root is None:
                raise CommandError(f"no agency {agency}")
            period = current_half_year()
            months, _ranges = split_ranges([period.previous(), period], True)
            tree = root.descendant_ids()
            done = month_facts_refresh(tree, months)
            agencies.update(tree)  # its report is counted into the cache even when no month needed computing
        reports = usage_reports_warm(agencies)
        self.stdout.write(f"{len(agencies)} agencies with stale months computed ({done} agency-months of the tree "
                          f"never computed), {reports} reports of the current half-year counted into the cache")
