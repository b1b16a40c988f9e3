"""Every message the portal sends reads back exactly: parsed with the standard library's strict parser, and
with its RFC 2047 decoder, subject, display names and attachment names are the text the portal meant, for
long Vietnamese subjects and every Vietnamese letter (a fold never eats a space)."""

import email
import unicodedata
from email.header import decode_header, make_header
from email.policy import strict

import pytest

from accounts.services import invitation_send
from documents import mail_delivery as delivery
from documents.models import Urgency
from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_email

pytestmark = pytest.mark.django_db

BASES = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
LETTERS = [letter for letter in (unicodedata.normalize("NFC", case + tone) for base in BASES + "đ" for tone in TONES
                                 for case in (base, base.upper())) if len(letter) == 1 and not letter.isascii()]
LETTERS = list(dict.fromkeys(LETTERS))


def words(letters, size=4):
    return " ".join("".join(letters[i:i + size]) for i in range(0, len(letters), size))


def test_the_vietnamese_alphabet_here_is_complete():
    assert len(LETTERS) == 134  # 12 vowels × 5 tones + ă â ê ô ơ ư đ, lower and upper case


def strict_parse(raw):
    return email.message_from_bytes(raw, policy=strict)


def rfc2047_subject(raw):
    """The Subject as an RFC 2047 reader (email.header's decoder) unfolds and decodes it."""
    lines = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.lower().startswith(b"subject:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
        end += 1
    text = b"\r\n".join([lines[start][len(b"subject:"):], *lines[start + 1:end]]).decode("ascii").strip()
    return str(make_header(decode_header(text)))


def received(sink_or_dir, backend):
    if backend == "smtp":
        return [open(m["path"], "rb").read() for m in sink_or_dir.messages()]
    return [path.read_bytes() for path in sorted(sink_or_dir.glob("*.eml"))]


@pytest.fixture(params=["smtp", "eml"])
def outbox(request, tmp_path, settings):
    """Where the messages end up: a real SMTP server (aiosmtpd), or the .eml files of the default set-up."""
    if request.param == "smtp":
        return "smtp", request.getfixturevalue("smtp_sink")
    settings.EMAIL_BACKEND = "core.mail.EmlFileBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return "eml", tmp_path / "mail"


@pytest.mark.parametrize("half", [0, 1])
def test_long_vietnamese_subject_names_and_file_names_read_back_exactly(half, outbox, agency, certified, specialist,
                                                                       leader, clerk):
    backend, where = outbox
    letters = LETTERS[half * 67:(half + 1) * 67]
    agency.name = f"Bộ Nội vụ {words(letters[:20], 5)}"
    agency.save(update_fields=["name"])
    summary = f"V/v báo cáo {words(letters)} về thư điện tử cơ quan"
    names = [words(letters[:34], 3), f"Ủy ban nhân dân tỉnh {words(letters[34:], 2)}"]
    annex = unicodedata.normalize("NFD", f"Phụ lục {words(letters, 6)}.pdf")
    outgoing = approved(specialist, leader, *(to_email(f"r{i}@congty.vn", name) for i, name in enumerate(names)),
                        summary=summary, urgency=Urgency.THUONG_KHAN, attachments=[pdf_upload(annex)])
    outgoing = services.outgoing_issue(membership=clerk, outgoing=outgoing)
    assert delivery.send_emails(list(outgoing.deliveries.filter(channel="email").values_list("pk", flat=True))) == []

    expected_subject = f"[THƯỢNG KHẨN] Công văn số {outgoing.notation} – {summary}"
    assert len(expected_subject) >= 150 and len(summary) <= 120  # the subject template truncates at 120
    messages = received(where, backend)
    assert len(messages) == 2
    seen_names = []
    for raw in messages:
        assert raw.isascii()  # 7-bit: every relay takes it
        parsed = strict_parse(raw)
        assert parsed["Subject"] == expected_subject
        assert rfc2047_subject(raw) == expected_subject
        assert parsed["From"].addresses[0].display_name == agency.name
        seen_names.append(parsed["To"].addresses[0].display_name)
        assert sorted(a.get_filename() for a in parsed.iter_attachments()) == sorted([
            "van-ban.pdf", "PL-" + unicodedata.normalize("NFC", annex)])
    assert sorted(seen_names) == sorted(names)


def test_the_invitation_built_by_django_reads_back_exactly(smtp_sink, unit):
    agency = factories.make_agency("Sở Thông tin và Truyền thông tỉnh Kon Tum " + words(LETTERS, 7))
    membership = factories.make_member(agency, "clerk", user=factories.make_user("moi@kontum.gov.vn"))
    invitation_send(membership)
    raw = open(smtp_sink.messages()[0]["path"], "rb").read()
    parsed = strict_parse(raw)
    assert parsed["Subject"] == f"Lời mời tham gia Cổng trao đổi văn bản – {agency.name}"
    assert rfc2047_subject(raw) == parsed["Subject"]
    assert parsed["From"].addresses[0].display_name == "Cổng trao đổi văn bản"


def test_allauths_password_reset_reads_back_exactly(smtp_sink, client, specialist):
    client.post("/accounts/password/reset/", {"email": specialist.user.email})
    raw = open(smtp_sink.messages()[0]["path"], "rb").read()
    assert raw.isascii()
    parsed = strict_parse(raw)
    assert parsed["Subject"].startswith("[Cổng trao đổi văn bản] ")
    assert rfc2047_subject(raw) == parsed["Subject"]
    assert parsed["From"].addresses[0].display_name == "Cổng trao đổi văn bản"
