from django.core.management.base import BaseCommand

from search import indexing
from search.models import Entry


class Command(BaseCommand):
    help = "Write the search index again from the documents, mailbox, meetings, schedules and archive."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=Entry.Kind.values,
                            help="only this kind of item (repeatable)")

    def handle(self, *args, kind=None, **options):
        total = indexing.reindex(kind, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{total} items indexed"))
