from django.core.management.base import BaseCommand, CommandError

from agencies.services import agencies_import_csv


class Command(BaseCommand):
    help = "Import agencies and units from a UTF-8 CSV file; nothing is imported when any row is bad."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        try:
            with open(path, "rb") as handle:
                report = agencies_import_csv(handle.read())
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            for line, message in report.errors:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(f"{len(report.errors)} error(s); nothing was imported.")
        self.stdout.write(self.style.SUCCESS(
            f"agencies: {report.agencies_created} created, {report.agencies_updated} updated; "
            f"units: {report.units_created} created, {report.units_updated} updated"
        ))
