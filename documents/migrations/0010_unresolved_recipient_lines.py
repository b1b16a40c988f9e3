import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import core.fields

KINDS = [("agency", "Cơ quan"), ("unit", "Đơn vị trong cơ quan"), ("group", "Nhóm cơ quan"),
         ("email", "Địa chỉ thư điện tử"), ("citizen", "Công dân, doanh nghiệp"), ("paper", "Chỉ gửi bản giấy")]


class Migration(migrations.Migration):
    """Paper-only recipients, and the pasted “Nơi nhận” lines that matched nothing, kept with their draft."""

    dependencies = [
        ("documents", "0009_noi_nhan_as_written"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="recipient",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=10),
        ),
        migrations.AlterField(
            model_name="noinhanalias",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=10),
        ),
        migrations.RemoveConstraint(
            model_name="recipient",
            name="recipient_target_matches_kind",
        ),
        migrations.AddConstraint(
            model_name="recipient",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("agency__isnull", False), ("kind", "agency")),
                    models.Q(("kind", "unit"), ("unit__isnull", False)),
                    models.Q(("group__isnull", False), ("kind", "group")),
                    models.Q(("kind__in", ["email", "citizen"]), models.Q(("email", ""), _negated=True)),
                    models.Q(("kind", "paper"), models.Q(("name", ""), _negated=True)),
                    _connector="OR",
                ),
                name="recipient_target_matches_kind",
            ),
        ),
        migrations.CreateModel(
            name="UnresolvedRecipientLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", core.fields.NFCCharField(max_length=500, verbose_name="dòng đã dán")),
                ("position", models.PositiveSmallIntegerField(default=0, verbose_name="thứ tự")),
                ("state", models.CharField(choices=[("open", "Chưa xử lý"), ("mapped", "Đã ghép nơi nhận"),
                                                    ("dismissed", "Đã bỏ qua, có lý do")],
                                           default="open", max_length=10, verbose_name="tình trạng")),
                ("dismiss_reason", models.TextField(blank=True, verbose_name="lý do bỏ qua")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("settled_at", models.DateTimeField(blank=True, null=True, verbose_name="thời điểm xử lý")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                 to=settings.AUTH_USER_MODEL)),
                ("outgoing", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                               related_name="unresolved_lines", to="documents.outgoing")),
                ("recipient", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                                related_name="source_lines", to="documents.recipient",
                                                verbose_name="nơi nhận đã ghép")),
                ("settled_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                                 related_name="+", to=settings.AUTH_USER_MODEL,
                                                 verbose_name="người xử lý")),
            ],
            options={
                "verbose_name": "dòng nơi nhận chưa khớp",
                "verbose_name_plural": "dòng nơi nhận chưa khớp",
                "ordering": ["position", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("outgoing", "text"), name="unresolved_line_once_per_draft"),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("settled_at__isnull", True), ("state", "open")),
                            models.Q(("settled_at__isnull", False), ("state", "mapped")),
                            models.Q(("settled_at__isnull", False), ("state", "dismissed"),
                                     models.Q(("dismiss_reason", ""), _negated=True)),
                            _connector="OR",
                        ),
                        name="unresolved_line_settled_consistently",
                    ),
                ],
            },
        ),
    ]
