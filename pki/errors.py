"""Errors raised while signing; their message tells the clerk what to do next."""

from django.utils.translation import gettext_lazy as _
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator import errors as cv_errors


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


class CertificateRevoked(SigningError):
    default_message = _(
        "Chứng thư số đã bị thu hồi nên không dùng để ký được nữa. "
        "Đề nghị liên hệ tổ chức cung cấp dịch vụ chứng thực để được cấp chứng thư số mới."
    )


class CertificateUntrusted(SigningError):
    default_message = _(
        "Chứng thư số không do tổ chức cung cấp dịch vụ chứng thực tin cậy cấp nên không dùng để ký được."
    )


class RevocationUnavailable(SigningError):
    default_message = _(
        "Không kiểm tra được tình trạng thu hồi của chứng thư số (dịch vụ OCSP/CRL không phản hồi). "
        "Văn bản chưa được ký; hãy thử lại sau ít phút."
    )


class TimestampUnavailable(SigningError):
    default_message = _(
        "Không lấy được dấu thời gian từ dịch vụ cấp dấu thời gian (TSA). "
        "Văn bản chưa được ký; hãy thử lại sau ít phút."
    )


def _causes(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


# What pyHanko and its certificate validator raise while signing, most telling first.
_SIGNING_FAILURES = [
    (cv_errors.RevokedError, CertificateRevoked),
    (TimestampRequestError, TimestampUnavailable),
    ((cv_errors.InsufficientRevinfoError, cv_errors.OCSPFetchError, cv_errors.CRLFetchError), RevocationUnavailable),
    ((cv_errors.ExpiredError, cv_errors.NotYetValidError), CertificateExpired),
    (cv_errors.PathError, CertificateUntrusted),
]


def signing_error_from(exc):
    """The SigningError to show for an exception raised while signing with pyHanko: revoked, untrusted,
    expired, revocation status or timestamp unavailable (looked for along its causes), else a generic one."""
    causes = _causes(exc)
    mine = next((cause for cause in causes if isinstance(cause, SigningError)), None)
    if mine is not None:
        return mine
    for kinds, error in _SIGNING_FAILURES:
        if any(isinstance(cause, kinds) for cause in causes):
            if error is CertificateExpired:
                return error(_("Chứng thư số đã hết hạn hoặc chưa có hiệu lực nên không dùng để ký được."))
            return error()
    return SigningError()


class InvalidImage(SigningError):
    default_message = _(
        "Ảnh chữ ký hoặc ảnh con dấu không đọc được. Đề nghị tải lên lại ảnh PNG nền trong suốt rồi thử lại."
    )


class NotPrepared(SigningError):
    default_message = _(
        "Tệp văn bản chưa được chuẩn bị để ký (thiếu ô số, ký hiệu, ngày ban hành và ô con dấu). "
        "Đề nghị trình ký lại văn bản."
    )


class AlreadyPrepared(SigningError):
    default_message = _("Tệp văn bản đã được chuẩn bị để ký; không chuẩn bị lại lần nữa.")


class AlreadySigned(SigningError):
    default_message = _("Văn bản đã có chữ ký số của người có thẩm quyền; không ký lại lần nữa.")


class SignerSignatureMissing(SigningError):
    default_message = _(
        "Văn bản chưa có chữ ký số hợp lệ của người có thẩm quyền nên chưa đóng dấu ban hành được. "
        "Đề nghị người có thẩm quyền ký duyệt văn bản trước."
    )


class SigningFieldsMissing(SigningError):
    default_message = _(
        "Tệp văn bản đã ký không còn ô trống để ghi số, ký hiệu, ngày ban hành hoặc để đóng dấu "
        "(đã được ghi hoặc bị xóa). Đề nghị trình ký lại văn bản."
    )


class RemoteSignatureInvalid(SigningError):
    default_message = _(
        "Chữ ký nhận về từ dịch vụ ký số từ xa không khớp với chứng thư số của người ký. "
        "Văn bản chưa được ký; hãy ký lại."
    )


# --- key stores (pki.keystores): the person's own certificate and PIN, tokens ---------------------------

class PersonalCertificateMissing(CertificateMissing):
    default_message = _(
        "Bạn chưa có chứng thư số cá nhân để ký văn bản. Hãy vào trang “Chữ ký số của tôi” để tải lên "
        "chứng thư số (tệp .p12) và đặt mã PIN ký, hoặc đăng ký thiết bị ký số (token)."
    )


class PersonalCertificateExpired(CertificateExpired):
    default_message = _(
        "Chứng thư số cá nhân của bạn đã hết hạn hoặc chưa có hiệu lực nên không ký được. "
        "Hãy tải lên chứng thư số mới tại trang “Chữ ký số của tôi”."
    )


class WrongPin(SigningError):
    default_message = _("Mã PIN ký không đúng.")


class PinLocked(SigningError):
    default_message = _("Đã nhập sai mã PIN ký quá số lần cho phép; chức năng ký tạm thời bị khóa.")


class KeyStoreUnavailable(SigningError):
    default_message = _(
        "Không kết nối được thiết bị ký số (token, HSM). Hãy kiểm tra thiết bị đã được cắm và cấu hình đúng, "
        "rồi thử lại."
    )
