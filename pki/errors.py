"""Errors raised while signing; their message tells the clerk what to do next."""

from django.utils.translation import gettext_lazy as _


class SigningError(Exception):
    """Signing cannot go ahead; str(error) is a Vietnamese message fit to show the user."""

    default_message = _("Không ký được văn bản.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class CertificateMissing(SigningError):
    default_message = _(
        "Cơ quan chưa có chứng thư số để ký văn bản. "
        "Đề nghị quản trị của cơ quan tải lên chứng thư số còn hiệu lực (trang Quản trị cơ quan › Chứng thư số)."
    )


class CertificateExpired(SigningError):
    default_message = _(
        "Chứng thư số của cơ quan đã hết hạn hoặc chưa có hiệu lực. "
        "Đề nghị quản trị của cơ quan tải lên chứng thư số còn hiệu lực (trang Quản trị cơ quan › Chứng thư số)."
    )


class InvalidPdf(SigningError):
    default_message = _(
        "Tệp không phải là PDF đọc được, hoặc đã được đặt mật khẩu. "
        "Hãy xuất lại văn bản ra PDF (không đặt mật khẩu) rồi thử lại."
    )
