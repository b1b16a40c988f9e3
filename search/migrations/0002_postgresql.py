"""PostgreSQL's part of the index: a text search configuration without accents, the trigger that keeps
Entry.vector from the folded words, and its GIN index. SQLite (make run) has none of these and searches the
same folded words with LIKE only: same results, no index."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'search_vn') THEN
            CREATE TEXT SEARCH CONFIGURATION search_vn (COPY = simple);
            ALTER TEXT SEARCH CONFIGURATION search_vn ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
        END IF;
    END $$""",
    """CREATE OR REPLACE FUNCTION search_entry_vector() RETURNS trigger AS $$
    BEGIN
        NEW.vector := strip(to_tsvector('search_vn', coalesce(NEW.summary_words, '') || ' ' ||
                                                     coalesce(NEW.body_words, '')));
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER search_entry_vector_trigger BEFORE INSERT OR UPDATE OF summary_words, body_words
       ON search_entry FOR EACH ROW EXECUTE FUNCTION search_entry_vector()""",
    "CREATE INDEX IF NOT EXISTS search_entry_vector_idx ON search_entry USING gin (vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS search_entry_vector_idx",
    "DROP TRIGGER IF EXISTS search_entry_vector_trigger ON search_entry",
    "DROP FUNCTION IF EXISTS search_entry_vector()",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS search_vn",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
