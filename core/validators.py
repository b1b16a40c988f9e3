"""Official e-mail addresses (Directive 34/2008/CT-TTg): on OFFICIAL_EMAIL_DOMAINS or a subdomain of one.
People (accounts), agencies and mail intake all ask the same rule."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_official_domain(domain, official_domains=None):
    domain = domain.lower().rstrip(".")
    for official in official_domains or settings.OFFICIAL_EMAIL_DOMAINS:
        official = official.lower().strip(".")
        if domain == official or domain.endswith("." + official):
            return True
    return False


def validate_official_email(value):
    """Official addresses must be on OFFICIAL_EMAIL_DOMAINS (the domain or a subdomain of it)."""
    domain = value.rpartition("@")[2]
    if not is_official_domain(domain):
        raise ValidationError(
            _(
                "“%(email)s” không phải địa chỉ thư điện tử công vụ: địa chỉ chính thức phải thuộc "
                "tên miền %(domains)s (hoặc tên miền con), không dùng hộp thư miễn phí hay tên miền khác."
            ),
            code="not_official_domain",
            params={"email": value, "domains": ", ".join(settings.OFFICIAL_EMAIL_DOMAINS)},
        )
