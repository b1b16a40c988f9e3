from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Liên thông văn bản (edXML)")

    def ready(self):
        from documents import extensions

        from . import panels, tasks, transport

        panels.register()

        # The one sender of peer deliveries, of incoming statuses to other installations, and of revisions.
        if tasks.peer_send not in extensions.PEER_SEND:
            extensions.PEER_SEND.append(tasks.peer_send)
        if transport.status_queue not in extensions.INCOMING_STATUS:
            extensions.INCOMING_STATUS.append(transport.status_queue)
        if transport.revision_queue not in extensions.REVISION_SENT:
            extensions.REVISION_SENT.append(transport.revision_queue)
