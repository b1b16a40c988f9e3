from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Download(models.Model):
    """One download of a reply by its citizen recipient, by lookup code or from their account."""

    delivery = models.ForeignKey("documents.Delivery", verbose_name=_("lượt gửi"), on_delete=models.CASCADE,
                                 related_name="downloads")
    file = models.ForeignKey("documents.OutgoingFile", verbose_name=_("tệp"), null=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(_("thời điểm tải"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)
    user_agent = models.CharField(_("trình duyệt"), max_length=500, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("tài khoản"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("lượt tải văn bản")
        verbose_name_plural = _("lượt tải văn bản")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["delivery", "at"])]

    def __str__(self):
        return f"{self.delivery} – {self.at:%Y-%m-%d %H:%M}"
