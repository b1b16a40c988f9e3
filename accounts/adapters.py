from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is for citizens and businesses only; staff come in through an agency admin's invitation."""

    def save_user(self, request, user, form, commit=True):
        user.kind = User.Kind.CITIZEN
        return super().save_user(request, user, form, commit)

    def get_login_redirect_url(self, request):
        return reverse("home")
