"""What the portal sends can be trusted and delivered: real messages of issued documents, caught by a real
SMTP server, are DKIM-signed (dkimpy verifies them against a DNS server the test runs), S/MIME-signed when
the agency has a mail certificate (`openssl smime -verify` accepts them), and score low with SpamAssassin."""

import email
import re
import subprocess
from email import policy

import dkim
import pytest
from cryptography.hazmat.primitives import serialization

from agencies import mail_auth
from documents import mail_delivery
from pki.demo import demo_ca_certificate
from pki.demo_mail import issue_mail_certificate
from tests.dns import publish
from tests.documents.conftest import to_email
from tests.public.conftest import to_citizen

pytestmark = pytest.mark.django_db
SPAM_LIMIT = 2.0


def sent_messages(smtp_sink, outgoing):
    assert mail_delivery.send_emails(list(outgoing.deliveries.values_list("pk", flat=True))) == []
    found = {}
    for message in smtp_sink.messages():
        with open(message["path"], "rb") as handle:
            found[message["to"][0]] = handle.read()
    return found


def parsed(raw):
    return email.message_from_bytes(raw, policy=policy.default)


def openssl_verify(raw, tmp_path):
    ca = tmp_path / "demo-ca.pem"
    ca.write_bytes(demo_ca_certificate().public_bytes(serialization.Encoding.PEM))
    message = tmp_path / "message.eml"
    message.write_bytes(raw)
    return subprocess.run(["openssl", "smime", "-verify", "-CAfile", str(ca), "-in", str(message),
                           "-out", str(tmp_path / "content.eml")], capture_output=True, text=True)


def spam_score(raw, tmp_path):
    """SpamAssassin's score for `raw`, local tests only (-L), no Bayes learning, HOME in tmp_path."""
    result = subprocess.run(["spamassassin", "-L", "-t", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"],
                            input=raw, capture_output=True, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                            timeout=120, check=True)
    status = re.search(rb"^X-Spam-Status: (\w+), score=(-?[\d.]+) required=[\d.]+ tests=(.*?)\s+autolearn",
                       result.stdout, re.MULTILINE | re.DOTALL)
    return float(status.group(2)), re.sub(rb"\s+", b"", status.group(3)).decode()


@pytest.fixture
def dkim_agency(certified, test_dns):
    key = mail_auth.dkim_key_create(agency=certified)
    publish(test_dns, key)
    return key


def test_document_email_is_dkim_signed_for_the_agency_domain_and_verifies(issue, smtp_sink, dkim_agency):
    outgoing = issue(to_email("vanthu@congty.vn"))
    raw = sent_messages(smtp_sink, outgoing)["vanthu@congty.vn"]
    assert raw.startswith(b"DKIM-Signature: ")
    signature = parsed(raw)["DKIM-Signature"]
    assert f"s={dkim_agency.selector}" in signature and "d=moha.gov.vn" in signature
    assert dkim.verify(raw, dnsfunc=mail_auth.dkim_dnsfunc)
    # A changed byte in the attachment breaks it: the body hash covers the PDF.
    index = raw.rindex(b"Content-Disposition: attachment")
    tampered = raw[:index + 400] + (b"B" if raw[index + 400:index + 401] != b"B" else b"C") + raw[index + 401:]
    assert not dkim.verify(tampered, dnsfunc=mail_auth.dkim_dnsfunc)


def test_a_deployment_whose_relay_signs_turns_portal_dkim_off(issue, smtp_sink, dkim_agency, settings):
    settings.DKIM_SIGN = False
    raw = sent_messages(smtp_sink, issue(to_email("vanthu@congty.vn")))["vanthu@congty.vn"]
    assert b"DKIM-Signature" not in raw


def test_smime_signed_document_email_passes_openssl_and_dkim_over_the_smime_message(
        issue, smtp_sink, dkim_agency, tmp_path):
    certificate = issue_mail_certificate(dkim_agency.agency)
    assert certificate.signs_mail and not certificate.is_active  # the seal certificate still signs documents
    outgoing = issue(to_email("vanthu@congty.vn"))
    raw = sent_messages(smtp_sink, outgoing)["vanthu@congty.vn"]
    message = parsed(raw)
    assert message.get_content_type() == "multipart/signed"
    assert message.get_param("protocol") == "application/pkcs7-signature"
    result = openssl_verify(raw, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr
    inner = parsed((tmp_path / "content.eml").read_bytes())
    assert inner.get_content_type() == "multipart/mixed"
    assert [part.get_filename() for part in inner.iter_attachments()] == [f.name for f in outgoing.files.all()]
    assert dkim.verify(raw, dnsfunc=mail_auth.dkim_dnsfunc)
    body_start = raw.index(b"Content-Transfer-Encoding: base64", raw.index(b"text/plain"))
    tampered = raw[:body_start] + raw[body_start:].replace(b"\r\n\r\n", b"\r\n\r\nX", 1)
    assert openssl_verify(tampered, tmp_path).returncode != 0


def test_without_a_mail_certificate_there_is_no_smime(issue, smtp_sink, certified):
    raw = sent_messages(smtp_sink, issue(to_email("vanthu@congty.vn")))["vanthu@congty.vn"]
    assert parsed(raw).get_content_type() == "multipart/mixed" and b"DKIM-Signature" not in raw


@pytest.mark.parametrize("smime", [False, True], ids=["dkim", "dkim+smime"])
def test_document_and_citizen_emails_score_well_below_the_spam_threshold(
        issue, smtp_sink, dkim_agency, tmp_path, smime, settings):
    settings.SITE_URL = "https://congvanban.gov.vn"
    if smime:
        issue_mail_certificate(dkim_agency.agency)
    outgoing = issue(to_email("vanthu@congty.vn"), to_citizen("dan@example.com"))
    for address, raw in sent_messages(smtp_sink, outgoing).items():
        score, rules = spam_score(raw, tmp_path)
        print(f"SpamAssassin {address} smime={smime}: {score} {rules}")
        assert score < SPAM_LIMIT, (address, score, rules)


def test_spamassassin_does_count_what_the_portal_gets_right(issue, smtp_sink, dkim_agency, tmp_path, settings):
    """The control: the same message without its Date and Message-ID scores higher, so the low score above
    is SpamAssassin judging these messages, not a run that scores everything zero."""
    settings.SITE_URL = "https://congvanban.gov.vn"
    raw = sent_messages(smtp_sink, issue(to_email("vanthu@congty.vn")))["vanthu@congty.vn"]
    stripped = re.sub(rb"^(Date|Message-ID): .*\r\n", b"", raw, flags=re.MULTILINE)
    assert spam_score(stripped, tmp_path)[0] > spam_score(raw, tmp_path)[0] + 1.0


def test_document_email_headers_text_part_and_size(issue, smtp_sink, certified, settings):
    """Date and Message-ID always; no Auto-Submitted (a person issued the document and a reply is welcome;
    the recipient's own intake must take it as correspondence, not as a machine notice); no List-Unsubscribe
    (an official document is not a list one can leave)."""
    settings.SITE_URL = "https://congvanban.gov.vn"
    outgoing = issue(to_email("vanthu@congty.vn"))
    raw = sent_messages(smtp_sink, outgoing)["vanthu@congty.vn"]
    message = parsed(raw)
    assert message["Date"].datetime is not None
    assert re.fullmatch(r"<doc\d+\.d\d+\.\w+@moha\.gov\.vn>", message["Message-ID"])
    assert message["Auto-Submitted"] is None and message["List-Unsubscribe"] is None
    text = message.get_body(("plain",)).get_content()
    for expected in (outgoing.notation, outgoing.summary, "Bộ Nội vụ", "Kiểm tra tính xác thực tại: "
                     f"https://congvanban.gov.vn/v/{outgoing.verify_code}"):
        assert expected in text
    assert "</" not in text and "<p>" not in text  # plain text, no markup
    pdfs = sum(len(part.get_content()) for part in message.iter_attachments())
    assert len(raw) < pdfs * 4 / 3 * 1.03 + 8_000  # base64 and the text: nothing else of weight


def test_portal_notifications_are_auto_generated_and_carry_no_list_unsubscribe(admin_member, settings):
    """No List-Unsubscribe anywhere: the digest is a duty reminder about overdue documents (Directive 34),
    with no opt-out to point to; invitations and resets are one-off."""
    from django.core import mail

    from accounts.services import invitation_send
    from core.mail_headers import PolicyEmailMessage

    invitation_send(admin_member)
    invitation = mail.outbox[-1].message()
    assert invitation["Auto-Submitted"] == "auto-generated" and invitation["List-Unsubscribe"] is None
    assert invitation["Date"] and invitation["Message-ID"]
    # The overdue digest and allauth's mail are PolicyEmailMessages from the portal's own address too.
    digest = PolicyEmailMessage("Văn bản quá hạn", "…", settings.DEFAULT_FROM_EMAIL, ["a@moha.gov.vn"]).message()
    assert digest["Auto-Submitted"] == "auto-generated" and digest["List-Unsubscribe"] is None
    written = PolicyEmailMessage("Trả lời", "Kính gửi ông", "vanphong@moha.gov.vn", ["dan@example.com"]).message()
    assert written["Auto-Submitted"] is None


def citizen_reply(agency):
    """The reply to a citizen's question exactly as intake.questions.reply_build makes it."""
    from types import SimpleNamespace

    from intake.questions import reply_build

    asked = SimpleNamespace(subject="Hỏi về thủ tục cấp giấy phép", message_id="<q1@gmail.com>", raw=None,
                            sender_name="Trần Thị Dân", sender_email="tran.dan@gmail.com")
    return reply_build(SimpleNamespace(message=asked, agency=agency),
                       "Kính gửi bà Dân,\nHồ sơ gồm đơn đề nghị và bản sao giấy tờ tùy thân.\n"
                       "Bà có thể nộp trực tiếp hoặc qua Cổng dịch vụ công.\nTrân trọng.")


def test_reply_to_a_citizen_is_dkim_signed_not_auto_submitted_and_scores_low(
        smtp_sink, dkim_agency, settings, tmp_path):
    settings.DKIM_INNER_EMAIL_BACKEND = settings.EMAIL_BACKEND  # the sink's SMTP backend, behind DKIM
    settings.EMAIL_BACKEND = "agencies.mail_auth.DkimEmailBackend"
    citizen_reply(dkim_agency.agency).send()
    with open(smtp_sink.messages()[0]["path"], "rb") as handle:
        raw = handle.read()
    message = parsed(raw)
    assert dkim.verify(raw, dnsfunc=mail_auth.dkim_dnsfunc) and f"s={dkim_agency.selector}" in message["DKIM-Signature"]
    assert message["In-Reply-To"] == "<q1@gmail.com>" and message["Date"] and message["Message-ID"]
    assert message["Auto-Submitted"] is None and message["List-Unsubscribe"] is None
    score, rules = spam_score(raw, tmp_path)
    print(f"SpamAssassin citizen reply: {score} {rules}")
    assert score < SPAM_LIMIT, (score, rules)
