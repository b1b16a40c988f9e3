import io
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from documents.models import DocumentType, Recipient
from documents.services import outgoing as services
from pki.demo import issue_certificate
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


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
    """Give a user TOTP two-factor authentication, as if they had set it up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    return TOTP.activate(user, generate_totp_secret()).instance


@pytest.fixture
def certified(agency):
    issue_certificate(agency)
    return agency


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
               secrecy="", attachments=(), pages=1):
    """A draft by `drafter` for `signer`, with recipients given as dicts of recipient_add arguments."""
    outgoing = services.outgoing_create(
        membership=drafter, main_file=pdf_upload(pages=pages), attachments=list(attachments), doc_type=doc_type,
        summary=summary, secrecy=secrecy, urgency="", drafting_unit=drafter.unit, signer=signer, archive_copies=2,
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
    return services.outgoing_approve(membership=signer, outgoing=outgoing)


@pytest.fixture
def mfa(leader, clerk):
    enable_totp(leader.user)
    enable_totp(clerk.user)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server (aiosmtpd) in its own process, logging what it accepts."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.log = tmp_path / "smtp.jsonl"
        self.store = tmp_path / "smtp-store"
        self.log.touch()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "portal.smtp_sink", "--port", str(self.port), "--log", str(self.log),
             "--store", str(self.store)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("SMTP sink did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def messages(self):
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def received_by(self):
        counts = {}
        for message in self.messages():
            for rcpt in message["to"]:
                counts[rcpt] = counts.get(rcpt, 0) + 1
        return counts


@pytest.fixture
def smtp_sink(tmp_path, settings):
    sink = SmtpSink(tmp_path).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()
