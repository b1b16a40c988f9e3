from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = _("Số hóa tài liệu lưu trữ")

    def ready(self):
        from ocr import signals

        from . import receivers

        signals.text_ready.connect(receivers.text_settled, dispatch_uid="archive_text_ready")
        signals.text_failed.connect(receivers.text_settled, dispatch_uid="archive_text_failed")
