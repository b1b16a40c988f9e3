from django import forms
from django.utils.translation import gettext_lazy as _

from .hosts import validate_mail_host
from .models import Mailbox


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Mật khẩu"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Mật khẩu được mã hóa khi lưu và không bao giờ hiện lại. Để trống để giữ mật khẩu đã lưu."),
    )

    class Meta:
        model = Mailbox
        fields = ["host", "port", "security", "username", "password", "folder", "enabled"]
        help_texts = {
            "host": _("Ví dụ: mail.moha.gov.vn"),
            "folder": _("Thư mục được đọc; cổng chỉ đọc, không đánh dấu, không xóa thư trên máy chủ."),
        }

    def clean_host(self):
        host = self.cleaned_data["host"].strip()
        validate_mail_host(host)
        return host

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("password") and not (self.instance.pk and self.instance.has_password):
            self.add_error("password", _("Hãy nhập mật khẩu hộp thư."))
        return cleaned
