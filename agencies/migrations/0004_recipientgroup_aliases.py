from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0003_refold_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="recipientgroup",
            name="aliases",
            field=models.TextField(
                blank=True,
                help_text="Mỗi dòng một cách viết thường gặp, ví dụ “Các Bộ, cơ quan ngang Bộ, cơ quan thuộc CP”; "
                "khi dán khối “Nơi nhận”, dòng viết như vậy được nhận là nhóm này.",
                verbose_name="cách viết khác của tên nhóm",
            ),
        ),
    ]
