"""The filters of the document lists: the selectors apply them, so a list, its export and any later API filter
the same way."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import DocumentType, Incoming, Outgoing


class OutgoingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm"), method="search")
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Outgoing.Status.choices)
    doc_type = django_filters.ChoiceFilter(label=_("Loại văn bản"), choices=DocumentType.choices)
    year = django_filters.NumberFilter(label=_("Năm"))

    class Meta:
        model = Outgoing
        fields = ["q", "status", "doc_type", "year"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(notation__icontains=word))
        return queryset


class IncomingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm"), method="search")
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), choices=Incoming.Status.choices)
    source = django_filters.ChoiceFilter(label=_("Nguồn"), choices=Incoming.Source.choices)

    class Meta:
        model = Incoming
        fields = ["q", "status", "source"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(notation__icontains=word)
                                       | Q(sender_name__icontains=word))
        return queryset
