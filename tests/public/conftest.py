import pytest

from documents.models import Recipient
from documents.services import outgoing as services
from tests.documents.conftest import approved


@pytest.fixture
def issue(certified, specialist, leader, clerk):
    """Issue a document of `agency` (drafted, approved and signed through the services) to the given recipients."""

    def make(*recipients, **kwargs):
        outgoing = approved(specialist, leader, *recipients, **kwargs)
        return services.outgoing_issue(membership=clerk, outgoing=outgoing)

    return make


def to_citizen(email, name="Ông Nguyễn Văn Dân", dossier="000.00.34.H34-260101-0001"):
    return {"kind": Recipient.Kind.CITIZEN, "email": email, "name": name, "dossier": dossier}


def citizen_delivery(outgoing, email):
    return outgoing.deliveries.get(email=email)


def signed_bytes(outgoing, kind="main"):
    with outgoing.files.filter(kind=kind).first().signed.open("rb") as handle:
        return handle.read()
