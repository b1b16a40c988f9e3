import re

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
