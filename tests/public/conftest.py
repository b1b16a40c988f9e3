import uuid

import pytest

from documents.models import Recipient
from documents.services import outgoing as services
from pki.demo import issue_certificate
from tests.documents.conftest import approved


@pytest.fixture(scope="session")
def pki_var_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("public-pki-var")


@pytest.fixture(autouse=True)
def _demo_ca_in_tmp_and_own_cache_keys(settings, pki_var_dir):
    """The demo CA lives in a temporary VAR_DIR; rate-limit counters get a fresh cache prefix per test."""
    settings.VAR_DIR = pki_var_dir
    settings.PKI_TRUST_ROOTS = []
    settings.PKI_TRUST_DEMO_CA = True
    settings.CACHES = {
        name: {**conf, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, conf in settings.CACHES.items()
    }


@pytest.fixture
def certified(agency):
    issue_certificate(agency)
    return agency


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
