"""The filter of the mailbox list, applied by `selectors.inbound_list`."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import InboundMessage


class InboundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=InboundMessage.Status.choices,
                                         empty_label=_("Tất cả"))

    class Meta:
        model = InboundMessage
        fields = ["status"]
