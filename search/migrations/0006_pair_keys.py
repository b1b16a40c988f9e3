"""PostgreSQL: the word-pairs index (0005) holds a 64-bit hash of each pair, the agency as its seed
(search_pair_keys), instead of the pair's text prefixed with the agency. The same pairs are found (a hash that two
pairs share only adds a candidate, and LIKE keeps the phrases whole and in order, search/selectors.py), but building
and writing the index costs less than half: its keys are compared as integers instead of by the collation, there is no
text to build per pair, and the pairs are not made distinct first (GIN does that of each entry's keys itself). Measured
on the bench's entries: the index of 20,000 entries built in 2.5 s instead of 6.0 s (bench/README.md "Pages").
hashtextextended is the hash of hash partitioning: the same on every PostgreSQL release and machine. Built
CONCURRENTLY, the old index dropped after; SQLite has neither."""

import importlib

from django.db import migrations

FUNCTION = """CREATE OR REPLACE FUNCTION search_pair_keys(agency_id bigint, summary_words text, body_words text)
RETURNS bigint[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array(SELECT hashtextextended(p.first || ' ' || p.second, agency_id)
                 FROM (VALUES (string_to_array(btrim(coalesce(summary_words, '')), ' ')),
                              (string_to_array(btrim(coalesce(body_words, '')), ' '))) AS x(w),
                      unnest(x.w[:array_length(x.w, 1) - 1], x.w[2:]) AS p(first, second))
$$"""
INDEX = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS search_entry_pair_keys_idx ON search_entry"
         " USING gin (search_pair_keys(agency_id, summary_words, body_words))")
PREVIOUS = importlib.import_module("search.migrations.0005_word_pairs")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(INDEX)
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS search_entry_agency_pairs_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_agency_pairs(bigint, text, text)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        PREVIOUS.forward(apps, schema_editor)
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS search_entry_pair_keys_idx")
        schema_editor.execute("DROP FUNCTION IF EXISTS search_pair_keys(bigint, text, text)")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("search", "0005_word_pairs")]
    operations = [migrations.RunPython(forward, backward)]
