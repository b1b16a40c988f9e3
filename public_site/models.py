from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Download(models.Model):
    """One download of a reply's file: by its citizen recipient from their account, by a staff member, or by
    whoever holds the lookup code (no account, or an account that is not the recipient's)."""

    class By(models.TextChoices):
        CITIZEN = "citizen", _("Công dân nhận văn bản")
        STAFF = "staff", _("Cán bộ")
        CODE = "code", _("Người có mã tra cứu")

    delivery = models.ForeignKey("documents.Delivery", verbose_name=_("lượt gửi"), on_delete=models.CASCADE,
                                 related_name="downloads")
    file = models.ForeignKey("documents.OutgoingFile", verbose_name=_("tệp"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(_("thời điểm tải"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tài khoản"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    by = models.CharField(_("người tải"), max_length=10, choices=By.choices, default=By.CODE)

    class Meta:
        verbose_name = _("lượt tải văn bản")
        verbose_name_plural = _("lượt tải văn bản")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["delivery", "at"])]

    def __str__(self):
        return f"{self.delivery} – {self.at:%Y-%m-%d %H:%M}"
