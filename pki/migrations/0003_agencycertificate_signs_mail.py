from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pki", "0002_signatures"),
    ]

    operations = [
        migrations.AddField(
            model_name="agencycertificate",
            name="signs_mail",
            field=models.BooleanField(
                default=False, help_text="Thư cổng gửi nhân danh cơ quan được ký S/MIME bằng chứng thư này.",
                verbose_name="ký thư điện tử (S/MIME)",
            ),
        ),
        migrations.AddConstraint(
            model_name="agencycertificate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("signs_mail", True)), fields=("agency",),
                name="pki_one_mail_certificate_per_agency",
                violation_error_message="Mỗi cơ quan chỉ có một chứng thư số dùng để ký thư điện tử.",
            ),
        ),
    ]
