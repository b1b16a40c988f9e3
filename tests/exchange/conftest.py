import pytest

from documents.services import outgoing as services
from tests import factories
from tests.documents.conftest import approved, pdf_upload, to_agency, to_email


@pytest.fixture
def peer_agency(db):
    """The agency that receives the envelopes (here by e-mail, so that nothing but the envelope puts the document
    in its incoming list)."""
    agency = factories.make_agency("Ủy ban nhân dân tỉnh Nghệ An", code="000.00.00.H40", domain="nghean.gov.vn",
                                   uses_portal=False)
    factories.make_unit(agency, "Văn phòng", "VP")
    return agency


@pytest.fixture
def peer_clerk(peer_agency):
    return factories.make_member(peer_agency, "clerk", unit=peer_agency.units.first(), position="Văn thư")


@pytest.fixture
def signing_agency(certified):
    """The issuing agency, able to sign (a test on a token overrides this)."""
    return certified


@pytest.fixture
def issued(signing_agency, specialist, leader, clerk, peer_agency, django_capture_on_commit_callbacks):
    """An issued document of Bộ Nội vụ to Nghệ An, with an appendix, urgent."""
    outgoing = approved(specialist, leader, to_agency(peer_agency), to_email("contact@congty.vn"),
                        summary="V/v thử nghiệm liên thông văn bản điện tử", urgency="thuong_khan",
                        attachments=[pdf_upload("phụ lục 1.pdf", pages=2)])
    with django_capture_on_commit_callbacks(execute=True):
        return services.outgoing_issue(membership=clerk, outgoing=outgoing)
