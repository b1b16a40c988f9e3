from django.db import migrations


def refold(apps, schema_editor):
    from core.text import fold

    Agency = apps.get_model("agencies", "Agency")
    for agency in Agency.objects.all():
        agency.search_text = fold(f"{agency.name} {agency.short_name} {agency.code} {agency.official_email}")
        agency.save(update_fields=["search_text"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_agency_code_ascii_only")]
    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
