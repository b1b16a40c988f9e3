import pytest

from api.models import ApiToken
from api.services import token_issue, token_revoke
from documents.models import Incoming
from tests import factories
from tests.documents.conftest import make_draft, pdf_bytes, pdf_upload, to_agency  # noqa: F401 - shared helpers


def issue(admin, member, scope=ApiToken.Scope.WRITE, name="Phần mềm một cửa"):
    """(ApiToken, key) issued by `admin` for a system acting as `member`."""
    return token_issue(admin=admin, name=name, scope=scope, member=member)


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def agency_admin(agency, unit):
    return factories.make_member(agency, "admin", unit=unit, position="Quản trị")


@pytest.fixture
def keys(agency, unit, agency_admin, clerk, specialist, leader, other_agency):
    """Keys of every kind the denials need: this agency's clerk (write, read), specialist (write), a revoked
    one, and the clerk of another agency (write)."""
    other_admin = factories.make_member(other_agency, "admin")
    other_clerk = factories.make_member(other_agency, "clerk", unit=factories.make_unit(other_agency, "Văn phòng"))
    revoked, revoked_key = issue(agency_admin, clerk)
    token_revoke(admin=agency_admin, token=revoked)
    return {
        "clerk": issue(agency_admin, clerk)[1],
        "clerk_read": issue(agency_admin, clerk, scope=ApiToken.Scope.READ)[1],
        "specialist": issue(agency_admin, specialist)[1],
        "revoked": revoked_key,
        "other": issue(other_admin, other_clerk)[1],
    }


def arrived(agency, **fields):
    """An incoming document that arrived through the portal and waits to be registered."""
    return Incoming.objects.create(agency=agency, source=Incoming.Source.PORTAL, sender_name="Bộ Tài chính",
                                   summary=fields.pop("summary", "V/v báo cáo quý"), **fields)
