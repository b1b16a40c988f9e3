import datetime
import itertools
import random
import threading
import time
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from documents.models import Outgoing, Register
from documents.models.common import notation_for
from documents.numbering import number_take, register_for
from documents.services import outgoing as services
from pki.errors import TimestampUnavailable
from tests import factories
from tests.documents.conftest import approved, to_agency


def test_notation_follows_decree_30():
    assert notation_for("QĐ", "BNV", "VP", 15) == "15/QĐ-BNV"
    assert notation_for("CV", "BNV", "VP", 5) == "05/BNV-VP"
    assert notation_for("CV", "UBND", "VX", 12) == "12/UBND-VX"
    assert notation_for("TTr", "UBND", "VP", 120) == "120/TTr-UBND"


VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def _at(*args):
    return datetime.datetime(*args, tzinfo=VIETNAM)


@pytest.mark.django_db(transaction=True)
def test_numbers_start_at_01_each_year_and_secret_documents_have_their_own_series(agency, monkeypatch):
    normal = register_for(agency, Register.Kind.OUTGOING)
    secret = register_for(agency, Register.Kind.OUTGOING_SECRET)
    monkeypatch.setattr("django.utils.timezone.now", lambda: _at(2026, 12, 31, 23, 59))
    with transaction.atomic():
        taken = [number_take(normal) for _ in range(3)]
        assert [n.value for n in taken] == [1, 2, 3] and {n.year for n in taken} == {2026}
        assert number_take(secret).value == 1
    # 00:00 on 1 January in Vietnam is still 31 December in UTC: the year is Vietnam's.
    monkeypatch.setattr("django.utils.timezone.now", lambda: _at(2027, 1, 1, 0, 0, 1))
    with transaction.atomic():
        taken = number_take(normal)
        assert (taken.value, taken.year) == (1, 2027)


@pytest.mark.django_db(transaction=True)
def test_a_number_taken_in_a_failed_transaction_goes_back(agency):
    register = register_for(agency, Register.Kind.OUTGOING)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number_take(register).value == 1
        raise RuntimeError("signing failed")
    with transaction.atomic():
        assert number_take(register).value == 1


@pytest.mark.django_db(transaction=True)
def test_issue_that_fails_to_sign_consumes_no_number_and_leaves_the_draft_approved(certified, specialist, leader,
                                                                                   clerk, other_agency, monkeypatch):
    outgoing = approved(specialist, leader, to_agency(other_agency))

    def timestamp_authority_down(*args, **kwargs):  # the seal fails once the number is taken
        raise TimestampUnavailable()

    monkeypatch.setattr(services, "seal_main", timestamp_authority_down)
    with pytest.raises(ValidationError, match="dấu thời gian"):
        services.outgoing_issue(membership=clerk, outgoing=outgoing)
    outgoing.refresh_from_db()
    assert outgoing.status == Outgoing.Status.APPROVED and outgoing.number is None
    assert not outgoing.deliveries.exists()
    register = register_for(clerk.agency, Register.Kind.OUTGOING)
    with transaction.atomic():
        assert number_take(register).value == 1


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


def _stepping_clock(start, step_ms):
    """A clock that moves on at every reading and then stalls a little, as a busy machine does between
    reading the time and taking a lock."""
    ticks, guard = itertools.count(), threading.Lock()

    def now():
        with guard:
            at = start + datetime.timedelta(milliseconds=step_ms * next(ticks))
        time.sleep(random.uniform(0, 0.03))
        return at

    return now


def _all_at_once(calls):
    errors, barrier = [], threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            call()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def _assert_in_time_order(rows):
    """rows: (year, number, time). Each year's numbers run from 1 in time order, in that year in Vietnam."""
    for year, _number, at in rows:
        assert timezone.localtime(at, VIETNAM).year == year
    years = {year for year, _n, _at in rows}
    for year in years:
        of_year = sorted((number, at) for y, number, at in rows if y == year)
        assert [number for number, _at in of_year] == list(range(1, len(of_year) + 1))
        assert [at for _n, at in of_year] == sorted(at for _n, at in of_year), f"numbers of {year} out of time order"
    assert years == {2026, 2027}


@pytest.mark.django_db(transaction=True)
def test_number_order_is_issue_order_across_midnight_of_31_december(agency, unit, leader, clerk, specialist,
                                                                      other_agency, monkeypatch):
    """Concurrent issues while the clock turns to the new year in Vietnam: each year's numbers follow the
    issue times, and every number belongs to the year of its issue time."""
    from pki.demo import issue_certificate

    issue_certificate(agency)
    drafts = [approved(specialist, leader, to_agency(other_agency), summary=f"Văn bản {n}") for n in range(10)]
    clerks = [clerk] + [factories.make_member(agency, "clerk", unit=unit) for _ in range(4)]
    # The seal is not what this is about, and its timestamp and revocation checks cannot run on a clock a month
    # ahead: the files are sealed as they are (test_signing_flow* seal for real).
    monkeypatch.setattr(services, "seal_main", lambda approved, **kwargs: approved)
    monkeypatch.setattr(services, "seal_prefetch", lambda signer: None)
    # An issue reads the clock about ten times: midnight comes midway.
    monkeypatch.setattr("django.utils.timezone.now", _stepping_clock(_at(2026, 12, 31, 23, 59, 59, 700000), 5))
    _all_at_once([lambda i=i, d=d: services.outgoing_issue(membership=clerks[i % len(clerks)], outgoing=d)
                  for i, d in enumerate(drafts)])
    issued = list(Outgoing.objects.filter(agency=agency).values_list("year", "number", "issued_at"))
    assert len(issued) == len(drafts)
    _assert_in_time_order(issued)


@pytest.mark.django_db(transaction=True)
def test_arrival_number_order_is_registration_order_across_midnight_of_31_december(agency, unit, clerk,
                                                                                    monkeypatch):
    from documents.models import Incoming
    from documents.services import incoming as incoming_services

    clerks = [clerk] + [factories.make_member(agency, "clerk", unit=unit) for _ in range(4)]
    arrived = [Incoming.objects.create(agency=agency, source=Incoming.Source.PORTAL, sender_name="Sở Nội vụ",
                                       notation=f"{n + 1}/SNV-VP", summary=f"Văn bản {n}") for n in range(10)]
    # A registration reads the clock about twice: midnight comes midway.
    monkeypatch.setattr("django.utils.timezone.now", _stepping_clock(_at(2026, 12, 31, 23, 59, 59, 925000), 5))
    _all_at_once([lambda i=i, d=d: incoming_services.incoming_register(membership=clerks[i % len(clerks)], incoming=d)
                  for i, d in enumerate(arrived)])
    registered = list(Incoming.objects.filter(agency=agency).values_list("year", "arrival_number", "registered_at"))
    assert len(registered) == len(arrived)
    _assert_in_time_order(registered)
