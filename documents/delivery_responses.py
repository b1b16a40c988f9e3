"""What a delivery's last answer means, in a sentence a clerk reads. The raw answer (an SMTP reply such as
"550 5.1.1 <x@y.vn>: Recipient address rejected", or the portal's own note) stays in Delivery.response."""

import re

from django.utils.translation import gettext as _

SMTP_REPLY = re.compile(r"\s*([245])(\d\d)[ -]?(?:([245])\.(\d{1,3})\.(\d{1,3}))?(.*)", re.S)
NO_SUCH_ADDRESS = re.compile(r"user unknown|unknown user|no such user|does not exist|not exist|not found|"
                             r"invalid recipient|recipient address rejected|mailbox unavailable|unrouteable|"
                             r"no mailbox", re.I)


def _smtp_sentence(code, enhanced, text):
    if code.startswith("2"):
        if "EmlFileBackend" in text or "written by" in text:
            return _("Chưa cấu hình máy chủ thư: thư đã được lưu thành tệp .eml trên máy chủ của cổng")
        return _("Máy chủ thư đã nhận")
    if code.startswith("4"):
        if code == "452" or enhanced.startswith("4.2.2"):
            return _("Hộp thư nơi nhận tạm thời đầy; cổng sẽ gửi lại")
        return _("Máy chủ thư tạm thời chưa nhận; cổng sẽ gửi lại")
    if enhanced.startswith("5.1.") or code in ("550", "551", "553") and NO_SUCH_ADDRESS.search(text):
        return _("Máy chủ từ chối: địa chỉ không tồn tại")
    if code == "552" or enhanced.startswith("5.2.2"):
        return _("Máy chủ từ chối: hộp thư nơi nhận đã đầy")
    if code == "554" and not enhanced or enhanced.startswith("5.7."):
        return _("Máy chủ từ chối: thư bị chặn (chính sách chống thư rác hoặc bảo mật của nơi nhận)")
    if enhanced.startswith("5.3.4") or "too large" in text.lower():
        return _("Máy chủ từ chối: thư quá lớn")
    return _("Máy chủ từ chối nhận thư")


def response_sentence(response):
    """One sentence for the clerk; "" when there is no answer yet."""
    if not response:
        return ""
    match = SMTP_REPLY.match(response)
    if match:
        code = match.group(1) + match.group(2)
        enhanced = ".".join(match.group(i) for i in (3, 4, 5)) if match.group(3) else ""
        return _smtp_sentence(code, enhanced, match.group(6))
    if response.startswith("Không kết nối được máy chủ thư"):
        return _("Không kết nối được máy chủ thư; cổng sẽ gửi khi máy chủ trả lời lại")
    if response.startswith("Máy chủ thư không kết nối được trong"):
        return _("Máy chủ thư không kết nối được quá lâu; thư không được gửi")
    if response.startswith("Mất kết nối máy chủ thư"):
        return _("Mất kết nối với máy chủ thư trước khi gửi xong; cổng sẽ gửi lại")
    if response.startswith("Không nhận được trả lời của máy chủ thư"):
        return _("Máy chủ thư không xác nhận đã nhận thư")
    if response == "Đã chuyển vào cổng của cơ quan nhận":
        return _("Đã chuyển vào cổng của cơ quan nhận")
    return response
