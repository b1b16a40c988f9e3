from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Invitee

DATETIME_INPUT = {"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}
# Minutes before the start a reminder goes to those who confirmed (meetings.reminders).
REMINDER_CHOICES = [
    (10080, _("1 tuần")), (2880, _("2 ngày")), (1440, _("1 ngày")), (240, _("4 giờ")), (120, _("2 giờ")),
    (60, _("1 giờ")), (30, _("30 phút")), (15, _("15 phút")),
]


def _datetime(label, required=True):
    return forms.DateTimeField(label=label, required=required, widget=forms.DateTimeInput(
        attrs=DATETIME_INPUT, format="%d/%m/%Y %H:%M"), help_text=_("Ví dụ: 08/12/2026 08:00"))


class MemberChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple(attrs={"class": "portal-checklist"})
    filterable = True

    def label_from_instance(self, obj):
        unit = f" ({obj.unit.name})" if obj.unit_id else ""
        return f"{obj.user.full_name} – {obj.position}{unit}" if obj.position else f"{obj.user.full_name}{unit}"


class MeetingDetailsForm(forms.Form):
    title = forms.CharField(label=_("Tên cuộc họp"), max_length=500)
    content = forms.CharField(label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = _datetime(_("Bắt đầu"))
    ends_at = _datetime(_("Kết thúc"))
    place = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    online_link = forms.URLField(label=_("Đường dẫn họp trực tuyến"), required=False, assume_scheme="https")
    chair = forms.ModelChoiceField(label=_("Lãnh đạo chủ trì"), queryset=None, required=False,
                                   empty_label=_("— Ghi tên người chủ trì bên dưới —"))
    chair_name = forms.CharField(label=_("Người chủ trì (ghi tên, chức vụ)"), max_length=255, required=False,
                                 help_text=_("Để trống khi đã chọn lãnh đạo chủ trì."))
    confirm_by = _datetime(_("Hạn xác nhận tham dự"), required=False)
    people = MemberChoiceField(label=_("Mời đích danh cán bộ của cơ quan"), queryset=None, required=False)
    reminder_minutes = forms.TypedMultipleChoiceField(
        label=_("Nhắc lịch họp trước"), choices=REMINDER_CHOICES, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people
        self.fields["chair"].queryset = people.filter(is_leader=True)
        self.fields["chair"].label_from_instance = self.fields["people"].label_from_instance

    @classmethod
    def initial_for(cls, meeting):
        if meeting is None:
            return {"reminder_minutes": [1440, 60]}
        return {
            "title": meeting.title, "content": meeting.content, "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at, "place": meeting.place, "online_link": meeting.online_link,
            "chair": meeting.chair, "chair_name": "" if meeting.chair_id else meeting.chair_name,
            "confirm_by": meeting.confirm_by, "reminder_minutes": meeting.reminder_minutes,
            "people": [i.membership for i in meeting.invitees.filter(kind=Invitee.Kind.PERSON)],
        }


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Trả lời"), widget=forms.RadioSelect, choices=[
        (Invitee.Answer.ATTEND, Invitee.Answer.ATTEND.label), (Invitee.Answer.DEPUTY, Invitee.Answer.DEPUTY.label),
        (Invitee.Answer.DECLINE, Invitee.Answer.DECLINE.label)])
    members = MemberChoiceField(label=_("Cán bộ tham dự (chọn trong danh sách)"), queryset=None, required=False)
    attendees = forms.CharField(label=_("Người tham dự (họ tên, chức vụ)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("Khi tham dự hoặc cử người dự thay."))
    reason = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Bắt buộc khi không tham dự."))

    def __init__(self, *args, invitee, members=None, **kwargs):
        kwargs.setdefault("initial", {"answer": invitee.answer or None, "attendees": invitee.attendees,
                                      "reason": invitee.reason})
        super().__init__(*args, auto_id=f"answer-{invitee.pk}-%s", **kwargs)
        if members is None:
            del self.fields["members"]
        else:
            self.fields["members"].queryset = members
            if invitee.pk and not self.is_bound:
                self.initial["members"] = list(invitee.attending_members.all())

    def answer_data(self):
        data = self.cleaned_data
        return {"answer": data["answer"], "attendees": data["attendees"], "reason": data["reason"],
                "members": list(data.get("members") or ())}
