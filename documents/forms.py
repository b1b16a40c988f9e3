from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, RecipientGroup, Unit

from .models import Outgoing, Recipient
from .selectors import signers_for


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class OutgoingForm(forms.ModelForm):
    main_file = forms.FileField(label=_("Tệp văn bản chính (PDF)"), required=False,
                                widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}))
    attachments = MultipleFileField(label=_("Phụ lục, tài liệu kèm theo (PDF, có thể chọn nhiều tệp)"),
                                    required=False, widget=MultipleFileInput(attrs={"accept": "application/pdf,.pdf"}))

    class Meta:
        model = Outgoing
        fields = ["doc_type", "summary", "secrecy", "urgency", "drafting_unit", "signer", "archive_copies"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drafting_unit"].queryset = Unit.objects.filter(agency=agency, is_active=True)
        self.fields["signer"].queryset = signers_for(agency)
        self.fields["signer"].label_from_instance = lambda m: f"{m.user.full_name} – {m.position}"
        if not self.instance.pk:
            self.fields["main_file"].required = True

    def draft_data(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class RecipientForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Recipient.Role.choices, initial=Recipient.Role.NOI_NHAN)
    kind = forms.ChoiceField(label=_("Loại nơi nhận"), choices=Recipient.Kind.choices)
    agency = forms.ModelChoiceField(label=_("Cơ quan"), queryset=Agency.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=Unit.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Nhóm"), queryset=RecipientGroup.objects.none(), required=False)
    name = forms.CharField(label=_("Tên người nhận"), max_length=255, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    dossier = forms.CharField(label=_("Số hồ sơ (nếu có)"), max_length=100, required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = choices["agencies"]
        self.fields["unit"].queryset = choices["units"]
        self.fields["group"].queryset = choices["groups"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needed = {"agency": "agency", "unit": "unit", "group": "group", "email": "email", "citizen": "email"}
        field = needed.get(kind)
        if field and not data.get(field):
            self.add_error(field, _("Hãy chọn hoặc nhập nơi nhận."))
        if kind in ("email", "citizen") and not data.get("name"):
            self.add_error("name", _("Hãy nhập tên người hoặc tổ chức nhận."))
        return data

    def recipient_data(self):
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if v not in (None, "") or k in ("role", "kind")}


class PasteForm(forms.Form):
    text = forms.CharField(label=_("Dán khối “Nơi nhận:”"), widget=forms.Textarea(attrs={"rows": 6}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Ý kiến"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Địa chỉ thư điện tử"))
