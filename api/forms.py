from django import forms

from .models import ApiToken
from .selectors import members_for_tokens


class TokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "member", "scope"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members_for_tokens(agency)
        self.fields["member"].label_from_instance = lambda m: f"{m.user.full_name} – {m.role_labels()}"
