import pytest

from pki.demo import issue_certificate
from tests.intake.conftest import dovecot, dovecot_root, imap_account  # noqa: F401  (the real IMAP server)
from tests.reports import data, exchange_data


@pytest.fixture
def province(db):
    return data.province()


@pytest.fixture
def certified(agency):
    issue_certificate(agency)
    return agency


@pytest.fixture
def exchange(province):
    return exchange_data.exchange(province)
