"""The filters of the reports' lists, applied by their selectors: the incidents (`selectors.incident_list`, the page
and the traffic log's tab) and the traffic log (`selectors.traffic_list`, its page and its export)."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from documents.models import Delivery, EdxmlStatus, Incoming
from incidents.models import Incident

from .forms import DATE_INPUT, PeriodFilterForm, _start_of
from .paging import TrafficLog

STATES = [("open", _("Chưa khắc phục")), ("resolved", _("Đã khắc phục"))]
CHANNELS = [("portal", _("Trong cổng")), ("peer", _("Liên thông")), ("email", _("Thư điện tử")),
            ("paper", _("Bản giấy"))]
DIRECTIONS = [("out", _("Văn bản đi")), ("in", _("Văn bản đến"))]
STATUSES = [(_("Văn bản đi (lượt gửi)"), Delivery.Status.choices), (_("Văn bản đến"), Incoming.Status.choices)]


class PeriodFilterSet(django_filters.FilterSet):
    """From a day to a day, both whole days in Vietnam's time, over `time_field`."""

    time_field = ""
    start = django_filters.DateFilter(label=_("Từ ngày"), method="since", widget=forms.DateInput(attrs=DATE_INPUT))
    end = django_filters.DateFilter(label=_("Đến ngày"), method="until", widget=forms.DateInput(attrs=DATE_INPUT))

    class Meta:
        form = PeriodFilterForm  # refuses a start after the end

    def filter_queryset(self, queryset):
        # A period the form refuses filters nothing; the page shows why.
        return super().filter_queryset(queryset) if self.form.is_valid() else queryset

    def since(self, queryset, name, value):
        return queryset.filter(**{f"{self.time_field}__gte": _start_of(value)})

    def until(self, queryset, name, value):
        return queryset.filter(**{f"{self.time_field}__lt": _start_of(value + datetime.timedelta(days=1))})


class IncidentFilter(PeriodFilterSet):
    time_field = "occurred_at"
    kind = django_filters.ChoiceFilter(label=_("Loại sự cố"), choices=Incident.Kind.choices, empty_label=_("Tất cả"))
    state = django_filters.ChoiceFilter(label=_("Tình trạng"), choices=STATES, method="by_state",
                                        empty_label=_("Tất cả"))

    class Meta(PeriodFilterSet.Meta):
        model = Incident
        fields = ["start", "end", "kind", "state"]

    def by_state(self, queryset, name, value):
        return queryset.filter(resolved_at__isnull=(value == "open"))


class TrafficFilter(PeriodFilterSet):
    """The traffic log's filter over its two halves, deliveries and incoming documents, each a queryset of the
    log's columns (selectors.TRAFFIC_COLUMNS, which the filters name). A UNION cannot be filtered once made, so `qs`
    filters each half with the same cleaned form and then joins them. The counterpart is searched in the address
    as the viewer reads it: an address redacted for them is not searched either. The UNION is read a page at a time
(paging.TrafficLog)."""

    time_field = "log_at"
    direction = django_filters.ChoiceFilter(label=_("Chiều"), field_name="log_direction", choices=DIRECTIONS,
                                            empty_label=_("Đi và đến"))
    channel = django_filters.ChoiceFilter(label=_("Kênh"), field_name="log_channel", choices=CHANNELS,
                                          empty_label=_("Tất cả"))
    status = django_filters.ChoiceFilter(label=_("Trạng thái"), field_name="log_status", choices=STATUSES,
                                         empty_label=_("Tất cả"))
    # What the recipient said of an outgoing document's copy (edXML), in the portal or at another installation.
    remote = django_filters.ChoiceFilter(label=_("Trạng thái tại nơi nhận"), field_name="log_remote",
                                         choices=EdxmlStatus.choices, empty_label=_("Tất cả"))
    counterpart = django_filters.CharFilter(label=_("Nơi nhận hoặc nơi gửi"), method="by_counterpart",
                                            max_length=100)

    def __init__(self, data=None, *, halves, redact=None, **kwargs):
        self.halves, self.redact = halves, redact
        super().__init__(data, queryset=halves[0], **kwargs)

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self._qs = TrafficLog([self.filter_queryset(half) for half in self.halves], redact=self.redact)
        return self._qs

    def by_counterpart(self, queryset, name, value):
        # log_shown: the viewer may open the row's document (selectors, an EXISTS), or its address is not theirs to read
        return queryset.filter(Q(log_counterpart__icontains=value) | Q(log_address__icontains=value, log_shown=True))
