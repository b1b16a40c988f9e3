from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    # The Python package cannot be called `public`: that name belongs to atpublic, which aiosmtpd imports
    # (the SMTP sink of the tests). The app keeps the label `public` for its tables and migrations.
    name = "public_site"
    label = "public"
    verbose_name = _("Công dân và công chúng")
