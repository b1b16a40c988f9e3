import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from documents.models import DocumentType, Incoming, IncomingFile, Outgoing
from ocr.models import FileText
from tests import factories

_numbers = itertools.count(500)


@pytest.fixture
def bnv(db):
    return factories.make_agency("Bộ Nội vụ", short_name="BNV", code="000.00.00.G09", domain="moha.gov.vn")


@pytest.fixture
def other_agency(db):
    return factories.make_agency("Ủy ban nhân dân tỉnh Kon Tum", code="000.00.00.H34", domain="kontum.gov.vn")


@pytest.fixture
def staff(bnv):
    office = factories.make_unit(bnv, "Văn phòng", "VP")
    law = factories.make_unit(bnv, "Vụ Pháp chế", "PC")
    return {
        "office": office, "law": law,
        "clerk": factories.make_member(bnv, "clerk", unit=office, position="Văn thư"),
        "leader": factories.make_member(bnv, "leader", unit=office, position="Bộ trưởng",
                                        user=factories.make_user(full_name="Trần Văn Lãnh")),
        "specialist": factories.make_member(bnv, "specialist", unit=law),
        "drafter": factories.make_member(bnv, "specialist", unit=law),
    }


def make_outgoing(staff, summary, *, number=None, notation="", secrecy="", status=Outgoing.Status.ISSUED,
                  doc_type=DocumentType.QUYET_DINH, drafter=None, year=2026):
    drafter = drafter or staff["drafter"]
    issued = status == Outgoing.Status.ISSUED
    number = (number or next(_numbers)) if issued else None
    return Outgoing.objects.create(
        agency=drafter.agency, drafting_unit=drafter.unit, created_by=drafter.user, signer=staff["leader"],
        doc_type=doc_type, summary=summary, secrecy=secrecy, status=status, year=year, number=number,
        notation=notation, issued_at=timezone.now() if issued else None,
    )


def make_incoming(agency, summary, *, notation="", secrecy="", sender="Ủy ban nhân dân tỉnh Kon Tum", text=""):
    incoming = Incoming.objects.create(agency=agency, source=Incoming.Source.PAPER, sender_name=sender,
                                       notation=notation, summary=summary, secrecy=secrecy,
                                       doc_type=DocumentType.CONG_VAN)
    if text:
        file = IncomingFile.objects.create(incoming=incoming, kind=IncomingFile.Kind.choices[0][0], name="scan.pdf")
        file_text_done(file, text)
    return incoming


def file_text_done(file_obj, text):
    """What ocr leaves when a file's text is known, and its announcement (as ocr's task sends it)."""
    from ocr.signals import text_ready

    file_text = FileText.objects.create(content_type=ContentType.objects.get_for_model(type(file_obj)),
                                        object_id=file_obj.pk, field="file", state=FileText.State.DONE,
                                        pages=[text], text=text)
    text_ready.send(sender=FileText, file_text=file_text)
    return file_text
