"""Building test e-mails: ordinary ones with the standard library, odd ones byte by byte."""

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone


def build(subject="Công văn số 123/UBND-VP", body="Kính gửi: Bộ Nội vụ", sender="Văn phòng UBND <vanphong@kontum.gov.vn>",
          attachments=(), html=None, **headers):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "vanthu@moha.gov.vn"
    message["Subject"] = subject
    message["Date"] = format_datetime(headers.pop("date", timezone.now()))
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="kontum.gov.vn"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def raw(*lines):
    """A message from header and body lines (bytes or str), joined with CRLF."""
    return b"\r\n".join(line if isinstance(line, bytes) else line.encode("utf-8") for line in lines)
