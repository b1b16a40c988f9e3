from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from .models import Membership, Role


class CitizenSignupForm(forms.Form):
    """Extra fields allauth's sign-up asks of a citizen or business."""

    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    organization = forms.CharField(
        label=_("Tổ chức, doanh nghiệp (nếu có)"), max_length=255, required=False
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.organization = self.cleaned_data["organization"]
        user.save(update_fields=["full_name", "organization"])


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Role.choices, label=_("Vai trò"), **kwargs)


class MembershipForm(forms.ModelForm):
    """Post of a staff member in the admin's agency; roles shown as one set of checkboxes."""

    roles = RolesField()

    class Meta:
        model = Membership
        fields = ["unit", "position", "official_email", "is_chief_of_office", "is_schedule_keeper", "is_public",
                  "is_active"]

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = agency.units.filter(is_active=True)
        if self.instance.pk:
            self.initial["roles"] = self.instance.roles

    def post_data(self):
        data = {field: self.cleaned_data[field] for field in self.Meta.fields}
        data.update({field: role in self.cleaned_data["roles"] for role, field in Membership.ROLE_FIELDS.items()})
        return data


class InviteForm(MembershipForm):
    email = forms.EmailField(label=_("E-mail đăng nhập"))
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)

    field_order = ["full_name", "email", "unit", "roles", "position", "official_email", "is_chief_of_office",
                   "is_schedule_keeper", "is_public"]

    class Meta(MembershipForm.Meta):
        fields = ["unit", "position", "official_email", "is_chief_of_office", "is_schedule_keeper", "is_public"]


class InvitationAcceptForm(SetPasswordForm):
    pass
