from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core import files as core_files


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Mã tra cứu"), max_length=64, strip=True,
        help_text=_("Mã gồm 12 chữ và số in trong thư điện tử báo văn bản, ví dụ ABCD-EFGH-JKMN. "
                    "Không phân biệt chữ hoa, chữ thường; có hoặc không có dấu gạch đều được."),
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
            "placeholder": "ABCD-EFGH-JKMN", "class": "form-control-lg font-monospace",
        }),
    )


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp PDF cần kiểm tra"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    # Set when the upload comes from a document's verification page (/v/<code>): the record to compare with.
    code = forms.CharField(required=False, max_length=16, widget=forms.HiddenInput)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        core_files.check_size(upload.name, upload.size)
        if core_files.sniff(core_files.read_upload(upload)) != core_files.Kind.PDF:
            raise ValidationError(
                _("Tệp “%(name)s” không phải tệp PDF. Chỉ kiểm tra được văn bản điện tử dạng PDF.")
                % {"name": core_files.display_name(upload.name)}, code="not_pdf",
            )
        return upload

    def pdf_bytes(self):
        return core_files.read_upload(self.cleaned_data["file"])
