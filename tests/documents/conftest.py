import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from documents.models import DocumentType, Recipient
from documents.services import outgoing as services
from tests import factories


def pdf_bytes(pages=1, text="Văn bản thử"):
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(pages):
        page.drawString(72, 760, f"{text} – trang {number + 1}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def pdf_upload(name="van-ban.pdf", pages=1, data=None):
    return SimpleUploadedFile(name, data if data is not None else pdf_bytes(pages), content_type="application/pdf")


def enable_totp(user):
    """Give a user TOTP two-factor authentication, as if they had set it up; returns the secret."""
    return factories.totp_enable(user)


@pytest.fixture
def portal_agency(db):
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")
    factories.make_unit(agency, "Văn phòng", "VP")
    return agency


@pytest.fixture
def email_agency(db):
    return factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", domain="nghean.gov.vn",
                                 uses_portal=False)


def make_draft(drafter, signer, *recipients, doc_type=DocumentType.CONG_VAN, summary="V/v triển khai Chỉ thị 34",
               secrecy="", urgency="", attachments=(), pages=1):
    """A draft by `drafter` for `signer`, with recipients given as dicts of recipient_add arguments."""
    outgoing = services.outgoing_create(
        membership=drafter, main_file=pdf_upload(pages=pages), attachments=list(attachments), doc_type=doc_type,
        summary=summary, secrecy=secrecy, urgency=urgency, drafting_unit=drafter.unit, signer=signer, archive_copies=2,
    )
    for recipient in recipients:
        services.recipient_add(membership=drafter, outgoing=outgoing, **recipient)
    return outgoing


def to_agency(agency, role=Recipient.Role.NOI_NHAN):
    return {"kind": Recipient.Kind.AGENCY, "agency": agency, "role": role}


def to_email(email, name="Công ty TNHH Thử nghiệm"):
    return {"kind": Recipient.Kind.EMAIL, "email": email, "name": name}


def approved(drafter, signer, *recipients, **kwargs):
    outgoing = make_draft(drafter, signer, *recipients, **kwargs)
    services.outgoing_submit(membership=drafter, outgoing=outgoing)
    return factories.approve(signer, outgoing)


@pytest.fixture
def mfa(leader, clerk):
    enable_totp(leader.user)
    enable_totp(clerk.user)


@pytest.fixture
def kontum(db):
    """An agency on the portal other than the fixtures' Bộ Nội vụ: Kon Tum receives."""
    return factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")


@pytest.fixture
def kontum_staff(kontum):
    office = factories.make_unit(kontum, "Văn phòng", "VP")
    culture = factories.make_unit(kontum, "Phòng Khoa giáo – Văn xã", "KGVX")
    return {
        "office": office, "culture": culture,
        "clerk": factories.make_member(kontum, "clerk", unit=office, position="Văn thư"),
        "leader": factories.make_member(kontum, "leader", unit=office, position="Chủ tịch"),
        "lead": factories.make_member(kontum, "specialist", unit=culture, position="Chuyên viên"),
        "helper": factories.make_member(kontum, "specialist", unit=office, position="Chuyên viên"),
        "bystander": factories.make_member(kontum, "specialist", position="Chuyên viên"),
    }


def issued_by_bnv_clerk(email="vanthu@congty.vn", name="Công ty Đông Á"):
    """Bộ Nội vụ (certificate, specialist, minister, a clerk with TOTP) issues a document to one e-mail address:
    (the clerk's membership, their TOTP secret, the issued document)."""
    from pki.demo import issue_certificate

    ministry = factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")
    office = factories.make_unit(ministry, "Văn phòng Bộ", "VP")
    issue_certificate(ministry)
    specialist = factories.make_member(ministry, "specialist", unit=office)
    leader = factories.make_member(ministry, "leader", unit=office, position="Bộ trưởng")
    clerk = factories.make_member(ministry, "clerk", unit=office, position="Văn thư",
                                  user=factories.make_user("vanthu@moha.gov.vn", full_name="Đỗ Văn Thư"))
    secret = factories.totp_enable(clerk.user)
    outgoing = services.outgoing_issue(membership=clerk, outgoing=approved(specialist, leader, to_email(email, name)))
    return clerk, secret, outgoing
