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


def _pin_field(label, **kwargs):
    return forms.CharField(
        label=label, min_length=6, max_length=12, strip=True,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "pattern": "[0-9]{6,12}"}, render_value=False
        ),
        **kwargs,
    )


class _NewPinMixin:
    """A new PIN typed twice."""

    new_pin_field = "pin"

    def clean(self):
        cleaned = super().clean()
        pin, again = cleaned.get(self.new_pin_field), cleaned.get(f"{self.new_pin_field}_again")
        if pin and again and pin != again:
            self.add_error(f"{self.new_pin_field}_again", _("Hai lần nhập mã PIN không khớp nhau."))
        return cleaned


class PersonalCertificateUploadForm(_NewPinMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp chứng thư số cá nhân (.p12, .pfx)"),
        help_text=_("Tệp PKCS#12 chứa chứng thư số của bạn kèm khóa bí mật, do tổ chức cung cấp dịch vụ chứng thực cấp."),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.pfx,application/x-pkcs12"}),
    )
    password = forms.CharField(
        label=_("Mật khẩu của tệp"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    pin = _pin_field(
        _("Mã PIN ký mới"),
        help_text=_("Từ 6 đến 12 chữ số. Bạn nhập mã này mỗi lần ký; cổng không lưu mã PIN nên không ai lấy lại được."),
    )
    pin_again = _pin_field(_("Nhập lại mã PIN ký"))


class PinChangeForm(_NewPinMixin, forms.Form):
    new_pin_field = "new_pin"

    old_pin = _pin_field(_("Mã PIN ký hiện tại"))
    new_pin = _pin_field(_("Mã PIN ký mới"), help_text=_("Từ 6 đến 12 chữ số."))
    new_pin_again = _pin_field(_("Nhập lại mã PIN ký mới"))


class TokenForm(forms.Form):
    token_label = forms.CharField(
        label=_("Nhãn thiết bị ký số"), max_length=32,
        help_text=_("Tên (nhãn) của token hoặc HSM gắn vào máy chủ, như phần mềm của thiết bị hiển thị."),
    )
    key_label = forms.CharField(label=_("Nhãn khóa trên thiết bị"), max_length=100)


class PersonalTokenForm(TokenForm):
    pin = forms.CharField(
        label=_("Mã PIN của thiết bị"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
        help_text=_("Dùng một lần để đọc chứng thư số trên thiết bị; cổng không lưu mã PIN."),
    )


class SignatureImageForm(forms.Form):
    image = forms.FileField(
        label=_("Ảnh chữ ký (PNG nền trong suốt)"),
        help_text=_("Chữ ký màu xanh trên nền trong suốt, tệp PNG tối đa 1 MB, mỗi chiều không quá 2000 điểm ảnh."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,.png"}),
    )


class SealImageForm(forms.Form):
    image = forms.FileField(
        label=_("Ảnh con dấu (PNG nền trong suốt)"),
        help_text=_("Con dấu màu đỏ trên nền trong suốt, tệp PNG tối đa 1 MB, mỗi chiều không quá 2000 điểm ảnh."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,.png"}),
    )
    diameter_mm = forms.IntegerField(
        label=_("Đường kính con dấu (mm)"), min_value=20, max_value=60, initial=36,
        help_text=_("Đường kính thật của con dấu; ảnh được in đúng kích thước này trên văn bản."),
    )
