"""Drafts approved with a click before approving became the signer's own digital signature (issue 11) carry no
signer's signature, and issuing now refuses them (Decree 30 Art. 5). They go back to "submitted", so that the
named signer signs them; nothing else about them changes."""

from django.db import migrations


def back_to_signer(apps, schema_editor):
    Outgoing = apps.get_model("documents", "Outgoing")
    OutgoingFile = apps.get_model("documents", "OutgoingFile")
    signed_by_signer = OutgoingFile.objects.filter(kind="main").exclude(approved="").values("outgoing_id")
    Outgoing.objects.filter(status="approved").exclude(pk__in=signed_by_signer).update(status="submitted")


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0015_delivery_bounced"),
    ]

    operations = [
        migrations.RunPython(back_to_signer, migrations.RunPython.noop),
    ]
