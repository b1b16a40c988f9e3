from django import forms
from django.utils.translation import gettext_lazy as _

ACCEPT = ".pdf,.png,.jpg,.jpeg,.gif,.webp,.tif,.tiff,.bmp,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp"


def _file_field():
    return forms.FileField(label=_("Tệp"), widget=forms.FileInput(attrs={"accept": ACCEPT}),
                           help_text=_("PDF, ảnh hoặc tài liệu văn phòng (Word, Excel, PowerPoint, OpenDocument) "
                                       "không có macro."))


class PaperForm(forms.Form):
    title = forms.CharField(label=_("Tên tài liệu"), max_length=500)
    file = _file_field()
    paper_copies = forms.BooleanField(label=_("Có phát bản giấy tại cuộc họp"), required=False)


class PaperVersionForm(forms.Form):
    file = _file_field()
    note = forms.CharField(label=_("Ghi chú phiên bản"), max_length=500, required=False,
                           help_text=_("Điều gì thay đổi so với phiên bản trước."))

    def __init__(self, *args, paper=None, **kwargs):
        if paper is not None:
            kwargs.setdefault("auto_id", f"paper-{paper.pk}-%s")
        super().__init__(*args, **kwargs)
