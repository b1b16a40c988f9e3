from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from core.mail_headers import PolicyEmailMessage

from .models import User


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is for citizens and businesses only; staff come in through an agency admin's invitation."""

    def save_user(self, request, user, form, commit=True):
        user.kind = User.Kind.CITIZEN
        return super().save_user(request, user, form, commit)

    def get_login_redirect_url(self, request):
        return reverse("home")

    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth's messages too are built under the portal's e-mail policy (core.mail_headers)."""
        built = super().render_mail(template_prefix, email, context, headers)
        message = PolicyEmailMessage(built.subject, built.body, built.from_email, built.to, headers=built.extra_headers)
        message.content_subtype = built.content_subtype
        message.alternatives = list(getattr(built, "alternatives", []))
        return message
