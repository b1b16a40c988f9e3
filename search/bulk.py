"""Indexing outgoing and incoming documents in SQL, for bulk loads that send no signals (millions of rows in
minutes; `manage.py search_reindex --sql`). PostgreSQL only. The entries are those search.indexing writes, the
folding done by search_words() (migration 0004); tests/search/test_bulk.py compares both on Vietnamese text."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection

COLUMNS = ("kind, object_id, agency_id, doc_type, year, date, status, secrecy, issuer, notation, title, summary, "
           "body, number_key, summary_words, body_words, indexed_at, created_at")
UPSERT = "ON CONFLICT (kind, object_id) DO UPDATE SET " + ", ".join(
    f"{column} = EXCLUDED.{column}" for column in COLUMNS.split(", ")[2:-1])
SELECT = """
SELECT %(kind)s, d.id, d.agency_id, d.doc_type, coalesce(d.year, extract(year FROM d.day)::int), d.day, d.status,
    d.secrecy, left(d.issuer, 255), left(d.notation, 100), left(d.summary, 2000), j.text, coalesce(b.body, ''),
    left(replace(search_words(d.notation), ' ', ''), 100), search_words(j.text), search_words(coalesce(b.body, '')),
    now(), now()
FROM ({documents}) d
CROSS JOIN LATERAL (SELECT search_join(d.parts) AS text) j
LEFT JOIN LATERAL (
    SELECT string_agg(t.text, E'\\n' ORDER BY t.object_id, t.field) AS body
    FROM {files} f JOIN ocr_filetext t ON t.content_type_id = %(files_type)s AND t.object_id = f.id AND t.text <> ''
    WHERE f.{owner}_id = d.id) b ON true
"""
OUTGOING = """
SELECT o.id, o.agency_id, o.doc_type, o.year, (coalesce(o.issued_at, o.created_at) AT TIME ZONE %(tz)s)::date AS day,
    o.status, o.secrecy, a.name AS issuer, o.notation, o.summary,
    ARRAY[o.notation, o.summary, a.name, u.name, su.full_name, cu.full_name] AS parts
FROM documents_outgoing o JOIN agencies_agency a ON a.id = o.agency_id
LEFT JOIN agencies_unit u ON u.id = o.drafting_unit_id
LEFT JOIN accounts_membership m ON m.id = o.signer_id LEFT JOIN accounts_user su ON su.id = m.user_id
JOIN accounts_user cu ON cu.id = o.created_by_id
WHERE o.id > %(after)s AND o.id <= %(upto)s
"""
INCOMING = """
SELECT i.id, i.agency_id, i.doc_type, i.year, coalesce(i.doc_date, (i.arrived_at AT TIME ZONE %(tz)s)::date) AS day,
    i.status, i.secrecy, coalesce(s.name, i.sender_name) AS issuer, i.notation, i.summary,
    ARRAY[i.notation, i.summary, coalesce(s.name, i.sender_name), i.sender_name, i.signer_name] || ARRAY(
        SELECT h.name FROM documents_assignment x
        LEFT JOIN accounts_membership m ON m.id = x.member_id LEFT JOIN accounts_user mu ON mu.id = m.user_id
        LEFT JOIN agencies_unit xu ON xu.id = x.unit_id
        CROSS JOIN LATERAL (VALUES (1, coalesce(mu.full_name, '')), (2, coalesce(xu.name, ''))) h(n, name)
        WHERE x.incoming_id = i.id AND x.is_current ORDER BY x.role, x.id, h.n) AS parts
FROM documents_incoming i LEFT JOIN agencies_agency s ON s.id = i.sender_agency_id
WHERE i.id > %(after)s AND i.id <= %(upto)s
"""
KINDS = {
    "outgoing": (OUTGOING, "documents_outgoing", "documents_outgoingfile", "outgoing", ("documents", "outgoingfile")),
    "incoming": (INCOMING, "documents_incoming", "documents_incomingfile", "incoming", ("documents", "incomingfile")),
}


def reindex_sql(kinds=None, *, batch=200_000, stdout=None):
    """Every outgoing and incoming document's entry written in SQL, `batch` ids at a time; returns the count."""
    total = 0
    with connection.cursor() as cursor:
        for kind, (documents, table, files, owner, files_model) in KINDS.items():
            if kinds and kind not in kinds:
                continue
            files_type = ContentType.objects.get_by_natural_key(*files_model).pk
            sql = (f"INSERT INTO search_entry ({COLUMNS}) "
                   + SELECT.format(documents=documents, files=files, owner=owner) + UPSERT)
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            last = cursor.fetchone()[0]
            for after in range(0, last, batch):
                cursor.execute(sql, {"kind": kind, "tz": settings.TIME_ZONE, "files_type": files_type,
                                     "after": after, "upto": after + batch})
                total += cursor.rowcount
            cursor.execute(f"DELETE FROM search_entry e WHERE kind = %s AND NOT EXISTS "
                           f"(SELECT 1 FROM {table} d WHERE d.id = e.object_id)", [kind])
            if stdout:
                stdout.write(f"{kind}: {total}")
    return total
