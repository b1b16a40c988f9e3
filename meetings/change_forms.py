from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.models import Outgoing

DATETIME_INPUT = {"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}
NOTICE_DAYS = 90


def _datetime(label):
    return forms.DateTimeField(label=label, widget=forms.DateTimeInput(attrs=DATETIME_INPUT, format="%d/%m/%Y %H:%M"),
                               help_text=_("Ví dụ: 08/12/2026 08:00"))


class NoticeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.notation} – {obj.summary}"


class ChangeForm(forms.Form):
    """What every change asks: the reason and, when the agency issued one, its notice (an issued outgoing
    document of the organiser's agency from the last NOTICE_DAYS days)."""

    reason = forms.CharField(label=_("Lý do"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    notice = NoticeChoiceField(label=_("Văn bản thông báo (nếu có)"), queryset=None, required=False,
                               empty_label=_("— Không kèm văn bản —"))

    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("auto_id", f"{self.prefix_name}-%s")
        super().__init__(*args, **kwargs)
        self.fields["notice"].queryset = (
            Outgoing.objects.filter(agency_id=meeting.agency_id, status=Outgoing.Status.ISSUED,
                                    issued_at__gte=timezone.now() - timedelta(days=NOTICE_DAYS))
            .exclude(pk=meeting.invitation_id).order_by("-issued_at"))


class PostponeForm(ChangeForm):
    prefix_name = "postpone"
    starts_at = _datetime(_("Bắt đầu (mới)"))
    ends_at = _datetime(_("Kết thúc (mới)"))
    field_order = ["starts_at", "ends_at", "reason", "notice"]


class MoveForm(ChangeForm):
    prefix_name = "move"
    place = forms.CharField(label=_("Địa điểm (mới)"), max_length=255, required=False)
    online_link = forms.URLField(label=_("Đường dẫn họp trực tuyến (mới)"), required=False, assume_scheme="https")
    field_order = ["place", "online_link", "reason", "notice"]


class UpdateForm(ChangeForm):
    prefix_name = "update"
    title = forms.CharField(label=_("Tên cuộc họp"), max_length=500)
    content = forms.CharField(label=_("Nội dung"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["title", "content", "reason", "notice"]


class CancelForm(ChangeForm):
    prefix_name = "cancel"
    reason = forms.CharField(label=_("Lý do hủy"), widget=forms.Textarea(attrs={"rows": 2}))


def change_forms(meeting):
    """The four forms, filled with the meeting as it stands."""
    return {
        "postpone": PostponeForm(meeting=meeting, initial={"starts_at": meeting.starts_at,
                                                           "ends_at": meeting.ends_at}),
        "move": MoveForm(meeting=meeting, initial={"place": meeting.place, "online_link": meeting.online_link}),
        "update": UpdateForm(meeting=meeting, initial={"title": meeting.title, "content": meeting.content}),
        "cancel": CancelForm(meeting=meeting),
    }
