"""MonthFact counts exchanges with other installations (issue 15): two counters, and every month computed
before them is marked stale so that the next report computes it again with them."""

from django.db import migrations, models


def mark_all_stale(apps, schema_editor):
    apps.get_model("reports", "FactMonth").objects.update(stale=True)


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_incident_moved_to_incidents"),
    ]

    operations = [
        migrations.AddField(model_name="monthfact", name="peer", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="monthfact", name="peer_delivered",
                            field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(mark_all_stale, migrations.RunPython.noop),
    ]
