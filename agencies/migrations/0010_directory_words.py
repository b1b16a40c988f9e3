"""DirectoryWord: each active agency's folded name from each of its words on, and its folded short name, so that a directory
search of one or two letters (too short for the trigram index of 0007) reads the agencies with a word beginning so in
order from an index on (text in byte order, agency), LIKE 'xa%' being a range of it, however big the directory.

Filled from the agencies' names here; agencies.directory keeps it current. The index is built CONCURRENTLY on
PostgreSQL, as those of 0009, plain elsewhere.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "agencies_directoryword_text_idx"
BATCH = 2000


def fill(apps, schema_editor):
    from agencies.directory import directory_words, words_write

    rows = (apps.get_model("agencies", "Agency").objects.filter(is_active=True).order_by("pk")
            .values_list("pk", "name", "short_name"))
    batch = {}
    for pk, name, short_name in rows.iterator(chunk_size=BATCH):
        batch[pk] = directory_words(name, short_name)
        if len(batch) == BATCH:
            words_write(apps, batch)
            batch = {}
    words_write(apps, batch)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON agencies_directoryword '
                              '((text COLLATE "C"), agency_id)')
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON agencies_directoryword (text, agency_id)")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ('agencies', '0009_directory_level_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DirectoryWord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=255)),
                ('agency', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                             related_name='directory_words', to='agencies.agency')),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
