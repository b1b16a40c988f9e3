from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Văn bản")

    def ready(self):
        # A signature confirmed on the signer's phone approves the draft (pki knows nothing of documents).
        from intake.automatic import on_automatic_mail
        from pki.remote.selectors import remote_readers
        from pki.remote.services import on_remote_finished

        from .bounces import mail_report_received
        from .services.outgoing import REMOTE_PURPOSE, outgoing_remote_finished
        from .views.signing import remote_may_read

        on_remote_finished(REMOTE_PURPOSE)(outgoing_remote_finished)
        remote_readers(REMOTE_PURPOSE)(remote_may_read)
        # Bounces and auto-replies read from an agency mailbox (intake knows nothing of deliveries).
        on_automatic_mail(mail_report_received)
        # The files' text (ocr): its state on the incoming page, and who may correct a page of it.
        from .ocr_text import register as ocr_text_register

        ocr_text_register()
        # Tables render cells without re-reading each render function's signature per cell.
        from core.tables2 import cache_signatures

        cache_signatures()
