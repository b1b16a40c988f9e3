from django import forms
from django.utils.translation import gettext_lazy as _

from documents.forms import MultipleFileField, MultipleFileInput


class BatchForm(forms.Form):
    title = forms.CharField(label=_("Tên đợt nhập"), max_length=200,
                            help_text=_("Ví dụ: Phông UBND tỉnh, hộp 1–20, năm 1995–2000."))
    package = forms.FileField(
        label=_("Gói bản quét (ZIP)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text=_("Tệp ZIP gồm các bản quét (PDF, JPEG, PNG, TIFF) và, nếu không tải riêng, tệp dữ liệu."))
    metadata = forms.FileField(
        label=_("Tệp dữ liệu (CSV hoặc XLSX)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=_("Các cột: Số, Ký hiệu, Ngày văn bản, Cơ quan ban hành, Loại văn bản, Trích yếu, Hộp số, "
                    "Hồ sơ số, Tệp bản quét. Dòng 1 là tiêu đề."))
    folder = MultipleFileField(
        label=_("Hoặc chọn cả thư mục"), required=False,
        widget=MultipleFileInput(attrs={"webkitdirectory": True, "directory": True}),
        help_text=_("Thư mục chứa các bản quét và tệp dữ liệu CSV/XLSX."))

    def clean(self):
        data = super().clean()
        if not data.get("package") and not data.get("folder"):
            raise forms.ValidationError(_("Hãy chọn gói ZIP hoặc một thư mục."))
        if data.get("package") and data.get("folder"):
            raise forms.ValidationError(_("Chọn gói ZIP hoặc thư mục, không chọn cả hai."))
        return data
