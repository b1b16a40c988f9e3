from django.core.management.base import BaseCommand

from agencies.directory import directory_reindex


class Command(BaseCommand):
    help = "Write the public directory's search columns of every agency again (after bulk writes)."

    def handle(self, *args, **options):
        directory_reindex()
