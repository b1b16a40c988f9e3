"""The archived documents list's filters (words of the notation, summary or issuer; type, year, box, file)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models.common import DocumentType

from .models import ArchivedDocument


class ArchivedFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm"), method="search")
    doc_type = django_filters.ChoiceFilter(label=_("Loại văn bản"), choices=DocumentType.choices)
    year = django_filters.NumberFilter(label=_("Năm"), field_name="doc_date", lookup_expr="year")
    box = django_filters.CharFilter(label=_("Hộp số"))
    file_ref = django_filters.CharFilter(label=_("Hồ sơ số"))

    class Meta:
        model = ArchivedDocument
        fields = ["q", "doc_type", "year", "box", "file_ref"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(Q(summary__icontains=word) | Q(notation__icontains=word)
                                       | Q(number__iexact=word) | Q(issuer__icontains=word))
        return queryset
