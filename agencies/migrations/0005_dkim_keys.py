import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("agencies", "0004_recipientgroup_aliases"),
    ]

    operations = [
        migrations.CreateModel(
            name="DkimKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("domain", models.CharField(max_length=253, verbose_name="tên miền")),
                ("selector", models.CharField(max_length=63, verbose_name="selector")),
                ("private_key_encrypted", models.TextField(editable=False, verbose_name="khóa bí mật (đã mã hóa)")),
                ("public_key", models.TextField(help_text="Giá trị p= của bản ghi DNS (base64 DER).",
                                                verbose_name="khóa công khai")),
                ("state", models.CharField(choices=[("active", "đang dùng"), ("next", "khóa kế tiếp"),
                                                    ("retired", "đã thôi dùng")],
                                           max_length=10, verbose_name="trạng thái")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="thời điểm tạo")),
                ("agency", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="dkim_keys",
                                             to="agencies.agency", verbose_name="cơ quan")),
            ],
            options={
                "verbose_name": "khóa DKIM",
                "verbose_name_plural": "khóa DKIM",
                "ordering": ["agency", "domain", "-created_at"],
                "constraints": [
                    models.UniqueConstraint(fields=("domain", "selector"), name="dkim_selector_unique_in_domain"),
                    models.UniqueConstraint(condition=models.Q(("state", "active")), fields=("agency", "domain"),
                                            name="dkim_one_active_key_per_domain"),
                    models.UniqueConstraint(condition=models.Q(("state", "next")), fields=("agency", "domain"),
                                            name="dkim_one_next_key_per_domain"),
                ],
            },
        ),
    ]
