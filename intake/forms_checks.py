"""Forms of the mailbox check rule, the agency's own days, and the answer to a question."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import checks
from .models import CalendarDay, MailboxCheckRule


class CheckRuleForm(forms.ModelForm):
    times = forms.CharField(
        label=_("Giờ kiểm tra"), required=False,
        help_text=_("Các giờ trong ngày làm việc, cách nhau bởi dấu phẩy, ví dụ: 8:00, 13:30, 16:30."),
    )

    class Meta:
        model = MailboxCheckRule
        # `times` is the text field above, turned into times by clean_times (the model keeps "HH:MM" strings).
        fields = ["mode", "min_per_day", "interval_hours", "day_start", "day_end", "grace_minutes",
                  "question_due_days"]
        widgets = {"day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["times"] = ", ".join(self.instance.times)

    field_order = ["mode", "times"]

    def clean_times(self):
        try:
            return checks.parse_times(self.cleaned_data["times"].split(","))
        except ValueError:
            raise forms.ValidationError(_("Giờ không hợp lệ; hãy viết dạng 8:00, 13:30.")) from None

    def clean_interval_hours(self):
        hours = self.cleaned_data["interval_hours"]
        if not 1 <= hours <= 12:
            raise forms.ValidationError(_("Số giờ phải từ 1 đến 12."))
        return hours


class CalendarDayForm(forms.ModelForm):
    date = forms.DateField(label=_("Ngày"), input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    class Meta:
        model = CalendarDay
        fields = ["date", "kind", "note"]


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Nội dung trả lời"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000,
                           help_text=_("Thư trả lời gửi từ địa chỉ thư điện tử chính thức của cơ quan, không kèm "
                                       "văn bản hay tệp nào."))
