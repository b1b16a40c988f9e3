from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, RecipientGroup, Unit


class AgencyProfileForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "short_name", "official_email", "address", "phone", "website"]


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "abbreviation", "official_email", "is_active"]


class GroupForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Cơ quan trong nhóm"), queryset=Agency.objects.filter(is_active=True),
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    class Meta:
        model = RecipientGroup
        fields = ["name", "aliases", "members"]
        widgets = {"aliases": forms.Textarea(attrs={"rows": 3})}


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CSV (UTF-8)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 5 MB)."))
        return upload
