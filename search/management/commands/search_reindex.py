from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from search import bulk, indexing
from search.models import Entry


class Command(BaseCommand):
    help = "Write the search index again from the documents, mailbox, meetings, schedules and archive."

    def add_arguments(self, parser):
        parser.add_argument("--kind", action="append", choices=Entry.Kind.values,
                            help="only this kind of item (repeatable)")
        parser.add_argument("--sql", action="store_true",
                            help="outgoing and incoming documents in SQL, for millions of rows (PostgreSQL)")

    def handle(self, *args, kind=None, sql=False, **options):
        if sql:
            if connection.vendor != "postgresql":
                raise CommandError("--sql needs PostgreSQL")
            total = bulk.reindex_sql(kind, stdout=self.stdout)
        else:
            total = indexing.reindex(kind, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"{total} items indexed"))
