"""PostgreSQL triggers that mark an agency's month stale in reports_factmonth when a document, a delivery
or a lead assignment that the report counts changes (see reports.models.FactMonth and reports.figures).

Conditions live in the function bodies, not in WHEN clauses, so that later column changes of the documents
tables are not blocked by a dependency on these triggers. SQLite (development) keeps no monthly facts and
computes the report from the documents each time, so it gets no triggers.
"""

from django.db import migrations

TZ = "Asia/Ho_Chi_Minh"

FORWARD = f"""
CREATE OR REPLACE FUNCTION reports_mark_stale(agency bigint, at timestamptz) RETURNS void AS $$
BEGIN
    IF agency IS NULL OR at IS NULL THEN
        RETURN;
    END IF;
    -- DO UPDATE (not DO NOTHING) takes the row lock: a refresh that clears the mark waits for this change.
    INSERT INTO reports_factmonth (agency_id, month, stale)
    VALUES (agency, date_trunc('month', at AT TIME ZONE '{TZ}')::date, true)
    ON CONFLICT (agency_id, month) DO UPDATE SET stale = true;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_outgoing_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.status, OLD.issued_at, OLD.agency_id, OLD.drafting_unit_id, OLD.doc_type,
            OLD.also_on_paper) IS NOT DISTINCT FROM (NEW.status, NEW.issued_at, NEW.agency_id,
            NEW.drafting_unit_id, NEW.doc_type, NEW.also_on_paper) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN PERFORM reports_mark_stale(OLD.agency_id, OLD.issued_at); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_mark_stale(NEW.agency_id, NEW.issued_at); END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_delivery_changed() RETURNS trigger AS $$
DECLARE
    document record;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.outgoing_id, OLD.channel, OLD.is_citizen, OLD.status = 'sent')
            IS NOT DISTINCT FROM (NEW.outgoing_id, NEW.channel, NEW.is_citizen, NEW.status = 'sent') THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        SELECT agency_id, issued_at INTO document FROM documents_outgoing WHERE id = OLD.outgoing_id;
        PERFORM reports_mark_stale(document.agency_id, document.issued_at);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT agency_id, issued_at INTO document FROM documents_outgoing WHERE id = NEW.outgoing_id;
        PERFORM reports_mark_stale(document.agency_id, document.issued_at);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_incoming_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.agency_id, OLD.arrived_at, OLD.doc_type, OLD.source, OLD.status,
            OLD.registered_at, OLD.completed_at, OLD.due_date) IS NOT DISTINCT FROM (NEW.agency_id,
            NEW.arrived_at, NEW.doc_type, NEW.source, NEW.status, NEW.registered_at, NEW.completed_at,
            NEW.due_date) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN PERFORM reports_mark_stale(OLD.agency_id, OLD.arrived_at); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM reports_mark_stale(NEW.agency_id, NEW.arrived_at); END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION reports_assignment_changed() RETURNS trigger AS $$
DECLARE
    document record;
BEGIN
    IF TG_OP = 'UPDATE' AND (OLD.incoming_id, OLD.role, OLD.unit_id, OLD.member_id, OLD.is_current)
            IS NOT DISTINCT FROM (NEW.incoming_id, NEW.role, NEW.unit_id, NEW.member_id, NEW.is_current) THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.role = 'lead' THEN
        SELECT agency_id, arrived_at INTO document FROM documents_incoming WHERE id = OLD.incoming_id;
        PERFORM reports_mark_stale(document.agency_id, document.arrived_at);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.role = 'lead' THEN
        SELECT agency_id, arrived_at INTO document FROM documents_incoming WHERE id = NEW.incoming_id;
        PERFORM reports_mark_stale(document.agency_id, document.arrived_at);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER reports_outgoing_changed AFTER INSERT OR UPDATE OR DELETE ON documents_outgoing
    FOR EACH ROW EXECUTE FUNCTION reports_outgoing_changed();
CREATE TRIGGER reports_delivery_changed AFTER INSERT OR UPDATE OR DELETE ON documents_delivery
    FOR EACH ROW EXECUTE FUNCTION reports_delivery_changed();
CREATE TRIGGER reports_incoming_changed AFTER INSERT OR UPDATE OR DELETE ON documents_incoming
    FOR EACH ROW EXECUTE FUNCTION reports_incoming_changed();
CREATE TRIGGER reports_assignment_changed AFTER INSERT OR UPDATE OR DELETE ON documents_assignment
    FOR EACH ROW EXECUTE FUNCTION reports_assignment_changed();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS reports_outgoing_changed ON documents_outgoing;
DROP TRIGGER IF EXISTS reports_delivery_changed ON documents_delivery;
DROP TRIGGER IF EXISTS reports_incoming_changed ON documents_incoming;
DROP TRIGGER IF EXISTS reports_assignment_changed ON documents_assignment;
DROP FUNCTION IF EXISTS reports_outgoing_changed(), reports_delivery_changed(), reports_incoming_changed(),
    reports_assignment_changed(), reports_mark_stale(bigint, timestamptz);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0001_initial"),
        ("documents", "0004_outgoing_also_on_paper"),
    ]

    operations = [migrations.RunPython(forward, backward)]
