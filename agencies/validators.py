import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# QCVN 102: four groups, e.g. 000.00.00.G22 (Văn phòng Chính phủ), 000.00.18.G12.
# [0-9], not \d (which takes any Unicode digit), and \Z, not $ (which lets a trailing newline through).
AGENCY_CODE_RE = re.compile(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")

validate_agency_code = RegexValidator(
    AGENCY_CODE_RE,
    _("Mã định danh phải có 13 ký tự theo dạng 000.00.00.G22 (ba nhóm số và một chữ in hoa kèm hai số)."),
    code="invalid_agency_code",
)


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
