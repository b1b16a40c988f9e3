from django import forms
from django.utils.translation import gettext_lazy as _


class EnvelopeImportForm(forms.Form):
    envelope = forms.FileField(
        label=_("Tệp gói tin edXML (.edxml, .xml)"),
        help_text=_("Gói tin phải được cơ quan gửi ký số; chữ ký của gói tin và của từng tệp PDF được kiểm tra."),
        widget=forms.ClearableFileInput(attrs={"accept": ".edxml,.xml,application/xml,text/xml"}),
    )
