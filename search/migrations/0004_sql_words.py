"""PostgreSQL functions giving what search.text gives, for bulk indexing in SQL (search/bulk.py): the folded
words of a text (search_words) and the non-empty parts of an item's text, each once, joined (search_join)."""

from django.db import migrations

FORWARD = [
    """CREATE OR REPLACE FUNCTION search_words(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN w = '' THEN '' ELSE ' ' || w || ' ' END
        FROM (SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary,
                                                                normalize(coalesce(t, ''), NFC))),
                                          '[^0-9a-z]+', ' ', 'g')) AS w) folded
    $$""",
    """CREATE OR REPLACE FUNCTION search_join(parts text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(part, ' · ' ORDER BY first), '')
        FROM (SELECT part, min(i) AS first FROM unnest(parts) WITH ORDINALITY AS p(part, i)
              WHERE coalesce(part, '') <> '' GROUP BY part) once
    $$""",
]
BACKWARD = ["DROP FUNCTION IF EXISTS search_words(text)", "DROP FUNCTION IF EXISTS search_join(text[])"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_entry_agency_date")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
