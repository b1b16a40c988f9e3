"""PostgreSQL: a GIN index on the pairs of neighbouring words of each entry (search_word_pairs). Vietnamese words are
syllables: "tân" and "phú" are each in a great many items (chính phủ, phụ cấp), "tân phú" in few. The index on single
words finds every entry holding both; this one finds those where they follow each other, so a phrase of common
syllables reads few candidates (search/selectors.py `_candidates_q`). The summary's and the files' words are paired
separately, as LIKE compares them. Built CONCURRENTLY: on a large index the build takes minutes and must not stop
the writing of documents. SQLite has none (LIKE only, same results)."""

from django.db import migrations

FUNCTION = """CREATE OR REPLACE FUNCTION search_word_pairs(summary_words text, body_words text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT x.w[i] || ' ' || x.w[i + 1]), '{}')
    FROM (VALUES (string_to_array(btrim(coalesce(summary_words, '')), ' ')),
                 (string_to_array(btrim(coalesce(body_words, '')), ' '))) AS x(w)
    CROSS JOIN LATERAL generate_series(1, coalesce(array_length(x.w, 1), 0) - 1) AS i
$$"""
INDEX = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_pairs_idx ON search_entry"
         " USING gin (search_word_pairs(summary_words, body_words))")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS search_entry_pairs_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_word_pairs(text, text)")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0004_sql_words")]
    operations = [migrations.RunPython(forward, backward)]
