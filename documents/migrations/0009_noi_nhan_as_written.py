from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0008_incomingfile_content_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="outgoing",
            name="archive_text",
            field=models.CharField(blank=True, max_length=255, verbose_name="dòng “Lưu” như đã ghi"),
        ),
        migrations.AddField(
            model_name="outgoing",
            name="nhu_tren",
            field=models.BooleanField(default=False, verbose_name="khối nơi nhận có “Như trên”"),
        ),
        migrations.AddField(
            model_name="recipient",
            name="printed_as",
            field=models.CharField(blank=True, max_length=500, verbose_name="dòng in trong khối nơi nhận"),
        ),
    ]
