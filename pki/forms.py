from django import forms
from django.utils.translation import gettext_lazy as _


class CertificateUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp chứng thư số (.p12, .pfx)"),
        help_text=_("Tệp PKCS#12 chứa chứng thư số của cơ quan kèm khóa bí mật, do tổ chức cung cấp dịch vụ chứng thực cấp."),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu của tệp"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
