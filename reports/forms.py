import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .periods import Period, current_half_year, half_year

DATE_INPUT = {"placeholder": "dd/mm/yyyy", "autocomplete": "off"}


def _start_of(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


class PeriodFilterForm(forms.Form):
    start = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs=DATE_INPUT))
    end = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs=DATE_INPUT))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        return data


class IncidentResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Cách đã khắc phục"), max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class UsageReportForm(forms.Form):
    """A half-year (default: the current one), or any range of dates; the whole tree or one agency."""

    # The scope names whole agencies ("… và các cơ quan trực thuộc"): its menu gets a wide column.
    wide_fields = ("agency",)

    year = forms.IntegerField(label=_("Năm"), required=False, min_value=2000, max_value=2100)
    half = forms.ChoiceField(label=_("Kỳ"), required=False, choices=[
        ("1", _("6 tháng đầu năm")), ("2", _("6 tháng cuối năm")), ("range", _("Khoảng ngày tự chọn"))])
    start = forms.DateField(label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs=DATE_INPUT))
    end = forms.DateField(label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs=DATE_INPUT))
    agency = forms.ChoiceField(label=_("Phạm vi"), required=False)
    # Computed from the documents, not from the monthly totals: only when asked (about a second for a province).
    evaluation = forms.BooleanField(label=_("Kèm đánh giá theo đơn vị, cán bộ"), required=False)

    def __init__(self, *args, own, children, **kwargs):
        super().__init__(*args, **kwargs)
        default = current_half_year()
        self.fields["year"].initial, self.fields["half"].initial = default.start.year, str(default.half)
        self.fields["agency"].choices = [
            ("", _("%(name)s và các cơ quan trực thuộc") % {"name": own.name}),
            ("self", _("Riêng %(name)s") % {"name": own.name}),
            *[(str(child.pk), child.name) for child in children],
        ]

    def clean(self):
        data = super().clean()
        if data.get("half") == "range":
            if not (data.get("start") and data.get("end")):
                raise forms.ValidationError(_("Hãy chọn ngày bắt đầu và ngày kết thúc."))
            if data["start"] > data["end"]:
                raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
            if (data["end"] - data["start"]).days > 3 * 366:
                raise forms.ValidationError(_("Khoảng thời gian báo cáo tối đa 3 năm."))
        return data

    def period(self):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("half") == "range":
            return Period(data["start"], data["end"])
        if data.get("half") in ("1", "2"):
            return half_year(data.get("year") or timezone.localdate().year, int(data["half"]))
        return current_half_year()
