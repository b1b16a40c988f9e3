"""The filter of the incident list, applied by `selectors.incident_list` (the page and the traffic log's tab)."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident

from .forms import DATE_INPUT, PeriodFilterForm, _start_of

STATES = [("open", _("Chưa khắc phục")), ("resolved", _("Đã khắc phục"))]


class IncidentFilter(django_filters.FilterSet):
    start = django_filters.DateFilter(label=_("Từ ngày"), method="since", widget=forms.DateInput(attrs=DATE_INPUT))
    end = django_filters.DateFilter(label=_("Đến ngày"), method="until", widget=forms.DateInput(attrs=DATE_INPUT))
    kind = django_filters.ChoiceFilter(label=_("Loại sự cố"), choices=Incident.Kind.choices, empty_label=_("Tất cả"))
    state = django_filters.ChoiceFilter(label=_("Tình trạng"), choices=STATES, method="by_state",
                                        empty_label=_("Tất cả"))

    class Meta:
        model = Incident
        fields = ["start", "end", "kind", "state"]
        form = PeriodFilterForm  # refuses a start after the end

    def filter_queryset(self, queryset):
        # A period the form refuses filters nothing; the page shows why.
        return super().filter_queryset(queryset) if self.form.is_valid() else queryset

    def since(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=_start_of(value))

    def until(self, queryset, name, value):  # whole days, in Vietnam's time
        return queryset.filter(occurred_at__lt=_start_of(value + datetime.timedelta(days=1)))

    def by_state(self, queryset, name, value):
        return queryset.filter(resolved_at__isnull=(value == "open"))
