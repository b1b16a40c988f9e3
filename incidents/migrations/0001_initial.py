"""Incident moved here from reports: the table (reports_incident), its constraints and index stay as they were;
only Django's state changes, and the content type follows so that permissions keep pointing at it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="incidents", model="incident").exists():
        content_type.objects.filter(app_label="reports", model="incident").update(app_label="incidents")


def content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="reports", model="incident").exists():
        content_type.objects.filter(app_label="incidents", model="incident").update(app_label="reports")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("reports", "0003_incident_relay_unreachable"),
        ("agencies", "0003_refold_search_text"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Incident",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("delivery_failed", "Gửi văn bản không thành công"), ("mailbox_error", "Lỗi đọc hộp thư cơ quan"), ("signature", "Chữ ký số không hợp lệ hoặc không tin cậy"), ("overdue", "Văn bản đến quá hạn xử lý"), ("relay_unreachable", "Máy chủ thư không kết nối được")], max_length=20, verbose_name="loại sự cố")),
                        ("cause", models.TextField(verbose_name="nguyên nhân")),
                        ("occurred_at", models.DateTimeField(verbose_name="thời điểm xảy ra")),
                        ("resolved_at", models.DateTimeField(blank=True, null=True, verbose_name="thời điểm khắc phục")),
                        ("resolution", models.TextField(blank=True, verbose_name="cách khắc phục")),
                        ("subject_id", models.PositiveBigIntegerField()),
                        ("agency", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="incidents", to="agencies.agency", verbose_name="cơ quan")),
                        ("resolved_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="người khắc phục")),
                        ("subject_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype")),
                    ],
                    options={
                        "verbose_name": "sự cố",
                        "verbose_name_plural": "sự cố",
                        "db_table": "reports_incident",
                        "ordering": ["-occurred_at", "-pk"],
                        "indexes": [models.Index(fields=["agency", "-occurred_at"], name="incident_agency_occurred_idx")],
                        "constraints": [models.UniqueConstraint(condition=models.Q(("resolved_at__isnull", True)), fields=("kind", "subject_type", "subject_id"), name="one_open_incident_per_subject"), models.CheckConstraint(condition=models.Q(models.Q(("resolution", ""), ("resolved_at__isnull", True)), models.Q(("resolved_at__isnull", False), models.Q(("resolution", ""), _negated=True)), _connector="OR"), name="incident_resolution_iff_resolved")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_back),
    ]
