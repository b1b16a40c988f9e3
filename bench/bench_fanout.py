"""Fan-out: one document with a ~200 KB signed PDF issued to 200 e-mail recipients, and to 2,000 (a
central document to every commune).

Measured: from the issue action (numbering, signing, planning) until all delivery rows are `sent`,
through the real Celery worker on Redis and the SMTP sink in its own process.
Baseline: a bare smtplib loop on one connection sending the same messages to the same sink.
Ratio = measured / baseline, target <= 1.4 for 200 and <= 1.3 for 2,000 (bench/README.md).
"""

import io
import random
import smtplib
import statistics
import tempfile
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from bench.common import Result
from bench.common_env import ensure_database, start_pki_services, start_smtp_sink, start_worker

# (recipients, rounds, target ratio)
FIGURES = [(200, 3, 1.4), (2000, 3, 1.3)]
PIN = "246810"


def pdf_200kb():
    """Ten pages with text and an incompressible image, about 200 KB."""
    from PIL import Image

    rng = random.Random(34)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for number in range(10):
        noise = Image.frombytes("L", (120, 120), bytes(rng.getrandbits(8) for _ in range(120 * 120)))
        page.setFont("Helvetica", 10)
        for line in range(40):
            page.drawString(60, 780 - 18 * line, f"Trang {number + 1}, dong {line + 1}: " + "noi dung van ban " * 4)
        page.drawImage(ImageReader(noise), 400, 60, 120, 120)
        page.showPage()
    page.save()
    return buffer.getvalue()


def _setup(pdf):
    from accounts.models import Membership, User
    from agencies.models import Agency, Unit
    from documents.models import Outgoing, Recipient
    from pki.demo import issue_certificate
    from pki.services import personal_certificate_issue_demo

    Outgoing.objects.filter(agency__code="000.00.99.Z99").delete()
    agency, _ = Agency.objects.get_or_create(code="000.00.99.Z99", defaults={
        "name": "Cơ quan đo hiệu năng", "short_name": "CQĐ", "official_email": "vanphong@bench.gov.vn"})
    unit, _ = Unit.objects.get_or_create(agency=agency, abbreviation="VP", defaults={"name": "Văn phòng"})
    members = {}
    for role in ("specialist", "leader", "clerk"):
        user = User.objects.filter(email=f"{role}@bench.gov.vn").first() or User.objects.create_user(
            email=f"{role}@bench.gov.vn", password=None, full_name=f"Cán bộ {role}", kind="staff")
        members[role], _ = Membership.objects.get_or_create(
            user=user, agency=agency, defaults={"unit": unit, "position": "Giám đốc", f"is_{role}": True})
    issue_certificate(agency)
    personal_certificate_issue_demo(user=members["leader"].user, pin=PIN, agency=agency)
    return agency, unit, members, Recipient


def _approved_document(members, unit, pdf, recipients):
    from documents.models import Recipient
    from documents.services import outgoing as services

    drafter, signer = members["specialist"], members["leader"]
    outgoing = services.outgoing_create(
        membership=drafter, main_file=SimpleUploadedFile("bao-cao.pdf", pdf), doc_type="BC",
        summary=f"Báo cáo đo hiệu năng gửi {recipients} nơi nhận", drafting_unit=unit, signer=signer)
    Recipient.objects.bulk_create([
        Recipient(outgoing=outgoing, kind="email", email=f"nguoinhan{n:03d}@congty.vn", name=f"Người nhận {n}",
                  position=n) for n in range(recipients)
    ])
    services.outgoing_submit(membership=drafter, outgoing=outgoing)
    return services.outgoing_approve(membership=signer, outgoing=outgoing, pin=PIN)


def _issue_and_wait(members, outgoing, recipients):
    from documents.models import Delivery
    from documents.services import outgoing as services

    start = time.perf_counter()
    services.outgoing_issue(membership=members["clerk"], outgoing=outgoing)
    issued = time.perf_counter() - start
    while Delivery.objects.filter(outgoing=outgoing, status=Delivery.Status.SENT).count() < recipients:
        if time.perf_counter() - start > 900:
            raise RuntimeError("fan-out did not finish in 900 s")
        time.sleep(0.01 if recipients <= 200 else 0.05)
    return time.perf_counter() - start, issued


def _baseline(port, outgoing):
    """The same messages, prebuilt, sent in a bare loop on one connection."""
    from documents.mail_delivery import MessageFactory

    factory = MessageFactory(outgoing)
    deliveries = list(outgoing.deliveries.all())
    messages = [(d.email, factory.build(d, f"<bench.{d.pk}@bench.gov.vn>").raw) for d in deliveries]
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for rcpt, data in messages:
            smtp.sendmail(outgoing.agency.official_email, [rcpt], data)
    return time.perf_counter() - start


def run():
    from django.conf import settings

    ensure_database()
    # Issuing fetches the agency certificate's OCSP answer and two timestamps from the demo PKI services.
    pki_services, pki_base = start_pki_services()
    pdf = pdf_200kb()
    agency, unit, members, _ = _setup(pdf)
    workdir = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    sink, port = start_smtp_sink(workdir / "smtp.jsonl")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    worker = start_worker({"EMAIL_URL": f"smtp://127.0.0.1:{port}", "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                           "PORTAL_VAR_DIR": str(settings.VAR_DIR), "PKI_DEMO_SERVICE_URL": pki_base,
                           "PKI_TSA_URL": f"{pki_base}/tsa"})
    results = []
    try:
        for recipients, rounds, target in FIGURES:
            measured, baseline, issue_times = [], [], []
            for _ in range(rounds):
                outgoing = _approved_document(members, unit, pdf, recipients)
                total, issued = _issue_and_wait(members, outgoing, recipients)
                measured.append(total)
                issue_times.append(issued)
                baseline.append(_baseline(port, outgoing))
            m, b = statistics.median(measured), statistics.median(baseline)
            signed_kb = outgoing.files.get(kind="main").signed.size // 1024
            results.append(Result(f"fanout_{recipients}_email", m / b, target,
                                  {"issue_to_all_sent_s": f"{m:.2f}", "bare_smtplib_s": f"{b:.2f}",
                                   "of_which_issue_s": f"{statistics.median(issue_times):.2f}",
                                   "signed_pdf_kb": signed_kb, "recipients": recipients}))
    finally:
        worker.stop()
        pki_services.stop()
        sink.stop()
    return results
