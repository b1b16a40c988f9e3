import threading

import pytest
from django.db import connection, transaction

from documents.models import Outgoing, Register
from documents.models.common import notation_for
from documents.numbering import number_take, register_for
from documents.services import outgoing as services
from pki.errors import CertificateMissing
from tests import factories
from tests.documents.conftest import approved, to_agency


def test_notation_follows_decree_30():
    assert notation_for("QĐ", "BNV", "VP", 15) == "15/QĐ-BNV"
    assert notation_for("CV", "BNV", "VP", 5) == "05/BNV-VP"
    assert notation_for("CV", "UBND", "VX", 12) == "12/UBND-VX"
    assert notation_for("TTr", "UBND", "VP", 120) == "120/TTr-UBND"


@pytest.mark.django_db(transaction=True)
def test_numbers_start_at_01_each_year_and_secret_documents_have_their_own_series(agency):
    normal = register_for(agency, Register.Kind.OUTGOING)
    secret = register_for(agency, Register.Kind.OUTGOING_SECRET)
    with transaction.atomic():
        taken = [number_take(normal, 2026) for _ in range(3)]
        assert taken == [1, 2, 3]
        assert number_take(secret, 2026) == 1
        assert number_take(normal, 2027) == 1


@pytest.mark.django_db(transaction=True)
def test_a_number_taken_in_a_failed_transaction_goes_back(agency):
    register = register_for(agency, Register.Kind.OUTGOING)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_take(register, 2026) == 1
        raise RuntimeError("signing failed")
    with transaction.atomic():
        assert number_take(register, 2026) == 1


@pytest.mark.django_db(transaction=True)
def test_issue_that_fails_to_sign_consumes_no_number_and_leaves_the_draft_approved(specialist, leader, clerk,
                                                                                   other_agency):
    outgoing = approved(specialist, leader, to_agency(other_agency))
    with pytest.raises(CertificateMissing):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED and outgoing.number is None
    assert not outgoing.deliveries.exists()
    register = register_for(clerk.agency, Register.Kind.OUTGOING)
    with transaction.atomic():
        assert number_take(register, 2026) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_on_postgresql_get_unique_gap_free_numbers(agency, unit, leader, clerk, specialist,
                                                                       other_agency, settings):
    from pki.demo import issue_certificate

    assert connection.vendor == "postgresql"
    issue_certificate(agency)
    drafts = [approved(specialist, leader, to_agency(other_agency), summary=f"Văn bản {n}") for n in range(8)]
    clerks = [clerk] + [factories.make_member(agency, "clerk", unit=unit) for _ in range(3)]
    errors, barrier = [], threading.Barrier(len(drafts))

    def issue(index, outgoing):
        try:
            barrier.wait()
            services.outgoing_issue(membership=clerks[index % len(clerks)], outgoing=outgoing)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(i, d)) for i, d in enumerate(drafts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Outgoing.objects.filter(agency=agency).values_list("number", flat=True))
    assert numbers == list(range(1, len(drafts) + 1))
    notations = set(Outgoing.objects.filter(agency=agency).values_list("notation", flat=True))
    assert len(notations) == len(drafts) and "01/BNV-VP" in notations
