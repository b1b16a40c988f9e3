"""The conclusion notice's form on the meeting page: the PDF of the notice, its summary and who signs it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.selectors import signers_for


class ConclusionForm(forms.Form):
    main_file = forms.FileField(label=_("Tệp thông báo kết luận (PDF)"),
                                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    summary = forms.CharField(label=_("Trích yếu"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Để trống: “Kết luận cuộc họp: <tên cuộc họp>”."))
    signer = forms.ModelChoiceField(label=_("Người ký"), queryset=None, required=False,
                                    help_text=_("Để trống: người đã ký giấy mời."))

    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("auto_id", "conclusion-%s")
        super().__init__(*args, **kwargs)
        self.fields["signer"].queryset = signers_for(meeting.agency)
        self.fields["signer"].label_from_instance = lambda m: f"{m.user.full_name} – {m.position}"
