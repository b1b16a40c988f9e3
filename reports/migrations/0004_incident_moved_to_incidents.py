"""Incident now belongs to the incidents app (incidents/migrations/0001): removed from reports' state only,
the table stays."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_incident_relay_unreachable"),
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Incident")],
            database_operations=[],
        ),
    ]
