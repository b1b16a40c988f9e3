from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from agencies.models import Unit


class MemberChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"})
    filterable = True

    def label_from_instance(self, obj):
        return f"{obj.user.full_name} – {obj.position or obj.role_labels()}"


class LeaderField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.full_name} – {obj.position or obj.role_labels()}"


class EntryForm(forms.Form):
    """One entry: a day of the schedule's week, from–to or all day, and who, where, what."""

    day = forms.DateField(label=_("Ngày"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))
    all_day = forms.BooleanField(label=_("Cả ngày"), required=False)
    time_from = forms.TimeField(label=_("Từ giờ"), required=False,
                                widget=forms.TimeInput(attrs={"placeholder": "08:00"}, format="%H:%M"))
    time_to = forms.TimeField(label=_("Đến giờ"), required=False,
                              widget=forms.TimeInput(attrs={"placeholder": "10:30"}, format="%H:%M"))
    content = forms.CharField(label=_("Nội dung"), widget=forms.Textarea(attrs={"rows": 3}))
    chair = LeaderField(label=_("Lãnh đạo chủ trì"), required=False, queryset=Membership.objects.none())
    chair_name = forms.CharField(label=_("Chủ trì (ghi như in trên lịch)"), required=False, max_length=255,
                                 help_text=_("Ví dụ: Đ/c Nguyễn Văn A, Chủ tịch UBND. Để trống: tên lãnh đạo chủ trì."))
    leaders = MemberChoiceField(label=_("Lãnh đạo dự"), required=False, queryset=Membership.objects.none())
    units = forms.ModelMultipleChoiceField(label=_("Đơn vị tham dự"), required=False, queryset=Unit.objects.none(),
                                           widget=forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"}))
    people = MemberChoiceField(label=_("Cán bộ tham dự"), required=False, queryset=Membership.objects.none())
    participants = forms.CharField(label=_("Thành phần khác"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    place = forms.CharField(label=_("Địa điểm"), required=False, max_length=255)
    online_link = forms.URLField(label=_("Đường dẫn họp trực tuyến"), required=False, assume_scheme="https")
    preparing_unit = forms.ModelChoiceField(label=_("Đơn vị chuẩn bị"), required=False, queryset=Unit.objects.none())
    notes = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_internal = forms.BooleanField(label=_("Nội bộ (không công khai)"), required=False,
                                     help_text=_("Không đăng trên trang công khai và không in trong lịch gửi ra ngoài."))

    def __init__(self, *args, schedule, **kwargs):
        super().__init__(*args, **kwargs)
        self.schedule = schedule
        members = Membership.objects.active().filter(agency=schedule.agency_id).select_related("user")
        leaders = members.filter(is_leader=True)
        units = Unit.objects.filter(agency=schedule.agency_id, is_active=True)
        self.fields["chair"].queryset = self.fields["leaders"].queryset = leaders
        self.fields["people"].queryset = members
        self.fields["units"].queryset = self.fields["preparing_unit"].queryset = units
        self.fields["units"].filterable = True

    @classmethod
    def initial_for(cls, entry):
        start = timezone.localtime(entry.starts_at)
        return {
            "day": start.date(), "all_day": entry.all_day,
            "time_from": None if entry.all_day else start.time(),
            "time_to": timezone.localtime(entry.ends_at).time() if entry.ends_at and not entry.all_day else None,
            "content": entry.content, "chair": entry.chair, "chair_name": entry.chair_name,
            "leaders": list(entry.leaders.all()), "units": list(entry.units.all()), "people": list(entry.people.all()),
            "participants": entry.participants, "place": entry.place, "online_link": entry.online_link,
            "preparing_unit": entry.preparing_unit, "notes": entry.notes, "is_internal": entry.is_internal,
        }

    def clean(self):
        data = super().clean()
        day = data.get("day")
        if day is not None and not (self.schedule.week_start <= day < self.schedule.week_start + timedelta(days=7)):
            self.add_error("day", ValidationError(_("Ngày phải nằm trong tuần từ %(start)s đến %(end)s.") % {
                "start": f"{self.schedule.week_start:%d/%m/%Y}",
                "end": f"{self.schedule.week_start + timedelta(days=6):%d/%m/%Y}"}))
        if not data.get("all_day") and not data.get("time_from"):
            self.add_error("time_from", _("Hãy ghi giờ bắt đầu, hoặc chọn “Cả ngày”."))
        if data.get("time_from") and data.get("time_to") and data["time_to"] < data["time_from"]:
            self.add_error("time_to", _("Giờ kết thúc phải sau giờ bắt đầu."))
        return data

    def entry_data(self):
        """The service's keyword arguments: aware start and end in the portal's time zone."""
        data = self.cleaned_data
        zone = timezone.get_default_timezone()
        day, all_day = data["day"], data["all_day"]
        starts_at = datetime.combine(day, time.min if all_day else data["time_from"], tzinfo=zone)
        ends_at = None if all_day or not data.get("time_to") else datetime.combine(day, data["time_to"], tzinfo=zone)
        chair = data.get("chair")
        return {
            "starts_at": starts_at, "ends_at": ends_at, "all_day": all_day, "content": data["content"],
            "chair": chair, "chair_name": data["chair_name"] or (f"{chair.user.full_name}, {chair.position}".rstrip(", ")
                                                               if chair else ""),
            "leaders": data["leaders"], "units": data["units"], "people": data["people"],
            "participants": data["participants"], "place": data["place"], "online_link": data["online_link"],
            "preparing_unit": data.get("preparing_unit"), "notes": data["notes"], "is_internal": data["is_internal"],
        }


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến trả lại"), widget=forms.Textarea(attrs={"rows": 2}))
