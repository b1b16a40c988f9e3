"""PostgreSQL: a GIN index on the pairs of neighbouring words of each entry, each pair prefixed with the entry's agency
(search_agency_pairs). Vietnamese words are syllables: "tân" and "phú" are each in a great many items (chính phủ,
phụ cấp), "tân phú" in few. The index on single words finds every entry holding both; this one finds those of this
agency where they follow each other, so a phrase of common syllables reads few candidates, and no other agency's
(search/selectors.py `_candidates`). The summary's and the files' words are paired separately, as LIKE compares them.
Built CONCURRENTLY: on a large index the build takes minutes and must not stop the writing of documents. SQLite has
none (LIKE only, same results)."""

from django.db import migrations

FUNCTION = """CREATE OR REPLACE FUNCTION search_agency_pairs(agency_id bigint, summary_words text, body_words text)
RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT agency_id || ' ' || x.w[i] || ' ' || x.w[i + 1]), '{}')
    FROM (VALUES (string_to_array(btrim(coalesce(summary_words, '')), ' ')),
                 (string_to_array(btrim(coalesce(body_words, '')), ' '))) AS x(w)
    CROSS JOIN LATERAL generate_series(1, coalesce(array_length(x.w, 1), 0) - 1) AS i
$$"""
INDEX = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_agency_pairs_idx ON search_entry"
         " USING gin (search_agency_pairs(agency_id, summary_words, body_words))")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS search_entry_agency_pairs_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_agency_pairs(bigint, text, text)")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0004_sql_words")]
    operations = [migrations.RunPython(forward, backward)]
