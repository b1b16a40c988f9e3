from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SavedSearch


class SavedSearchForm(forms.ModelForm):
    class Meta:
        model = SavedSearch
        fields = ["name", "email_daily"]
        widgets = {"name": forms.TextInput(attrs={"class": "form-control form-control-sm"})}
        labels = {"name": _("Tên tìm kiếm")}
