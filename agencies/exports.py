"""The public directory as CSV (opens correctly in Excel) and as vCards: each an iterator of text pieces of about
CHUNK characters, written as the rows come (selectors.directory_flat reads them a batch at a time), for a
StreamingHttpResponse: 100,000 agencies are never one string in memory."""

import functools
import io

import vobject
from django.utils import translation
from django.utils.translation import gettext as _

from core.exports import csv_writer

CHUNK = 64 * 1024


def _pieces(buffer):
    """What the buffer holds when it passes CHUNK characters, and emptied."""
    if buffer.tell() < CHUNK:
        return None
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _in_request_language(generator):
    """The pieces are written while the response is sent, after the view returned: in the request's language."""
    @functools.wraps(generator)
    def wrapper(*args, **kwargs):
        language = translation.get_language()

        def pieces():
            with translation.override(language):
                yield from generator(*args, **kwargs)
        return pieces()
    return wrapper


@_in_request_language
def directory_csv(rows):
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM tells Excel the file is UTF-8
    writer = csv_writer(buffer)
    writer.writerow([
        _("Mã định danh"), _("Cơ quan"), _("Cơ quan cấp trên"), _("Đơn vị"), _("Họ và tên"),
        _("Chức vụ"), _("Thư điện tử chính thức"), _("Điện thoại"), _("Địa chỉ"), _("Trang thông tin"),
        _("Liên thông qua hệ thống"),
    ])
    for node, unit, official in rows:
        agency = node.agency
        parent = node.path[-1] if node.path else ""
        served_by = agency.installation.name if agency.installation_id else ""
        if unit:
            writer.writerow([agency.code, agency.name, parent, unit.name, "", "", unit.official_email, "", "", "",
                             served_by])
        elif official:
            writer.writerow([
                agency.code, agency.name, parent, official.unit.name if official.unit else "",
                official.user.full_name, official.position, official.official_email, "", "", "", served_by,
            ])
        else:
            writer.writerow([
                agency.code, agency.name, parent, "", "", "", agency.official_email,
                agency.phone, agency.address, agency.website, served_by,
            ])
        if text := _pieces(buffer):
            yield text
    yield buffer.getvalue()


@_in_request_language
def directory_vcards(rows):
    cards = io.StringIO()
    for node, unit, official in rows:
        agency = node.agency
        card = vobject.vCard()
        if official:
            card.add("fn").value = official.user.full_name
            parts = official.user.full_name.rsplit(" ", 1)
            card.add("n").value = vobject.vcard.Name(family=parts[0] if len(parts) > 1 else "", given=parts[-1])
            card.add("title").value = official.position
            card.add("org").value = [agency.name] + ([official.unit.name] if official.unit else [])
            email = official.official_email
        elif unit:
            card.add("fn").value = f"{unit.name} – {agency.name}"
            card.add("n").value = vobject.vcard.Name(family=unit.name)
            card.add("org").value = [agency.name, unit.name]
            email = unit.official_email
        else:
            card.add("fn").value = agency.name
            card.add("n").value = vobject.vcard.Name(family=agency.name)
            card.add("org").value = [agency.name]
            email = agency.official_email
            if agency.phone:
                card.add("tel").value = agency.phone
            if agency.website:
                card.add("url").value = agency.website
            if agency.address:
                card.add("adr").value = vobject.vcard.Address(street=agency.address, country="Việt Nam")
        if not email:
            continue
        mail = card.add("email")
        mail.value = email
        mail.type_param = "INTERNET"
        card.add("note").value = _("Mã định danh: %(code)s") % {"code": agency.code}
        cards.write(card.serialize())
        if text := _pieces(cards):
            yield text
    yield cards.getvalue()
