"""Every kind of item reaches the index, and each is found only by those its own app lets open it."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from archive.models import ArchiveBatch, ArchivedDocument
from documents.models import DocumentType
from intake.models import InboundMessage, Mailbox
from meetings.models import Meeting
from schedules import services as schedule_services
from search import selectors
from search.indexing import SOURCES
from search.models import Entry, SavedSearch
from tests import factories

from .conftest import file_text_done, make_outgoing

pytestmark = pytest.mark.django_db


def found(membership, query):
    result = selectors.search(membership=membership, query_text=query)
    return {(entry.kind, entry.object_id) for entry in result.page.object_list} if result.page else set()


def test_meetings_follow_the_meetings_selector(staff):
    invitation = make_outgoing(staff, "Giấy mời họp giao ban", doc_type=DocumentType.GIAY_MOI)
    starts = timezone.now() + datetime.timedelta(days=1)
    meeting = Meeting.objects.create(agency=invitation.agency, invitation=invitation, title="Họp giao ban quý",
                                     place="Phòng họp Hoa Mai", starts_at=starts,
                                     ends_at=starts + datetime.timedelta(hours=1), chair_name="Bộ trưởng",
                                     created_by=staff["drafter"].user)
    assert ("meeting", meeting.pk) in found(staff["clerk"], "phong hop hoa mai")
    secret_invitation = make_outgoing(staff, "Giấy mời họp kín", doc_type=DocumentType.GIAY_MOI, secrecy="mat")
    secret = Meeting.objects.create(agency=invitation.agency, invitation=secret_invitation, title="Họp Hoa Mai kín",
                                    starts_at=starts, ends_at=starts + datetime.timedelta(hours=1),
                                    chair_name="Bộ trưởng", created_by=staff["drafter"].user)
    assert ("meeting", secret.pk) in found(staff["clerk"], "hoa mai")
    assert ("meeting", secret.pk) not in found(staff["specialist"], "hoa mai")


def test_mailbox_messages_are_the_clerks(staff, bnv):
    mailbox = Mailbox.objects.create(agency=bnv, host="mail.moha.gov.vn", username="vanthu", enabled=False)
    message = InboundMessage(agency=bnv, mailbox=mailbox, uidvalidity=1, uid=1, raw_sha256="0" * 64,
                             sender_email="so@gialai.gov.vn", subject="Gửi báo cáo tổng kết",
                             body_text="Kính gửi Bộ, Sở gửi báo cáo tổng kết công tác thi đua")
    message.raw.save("m.eml", ContentFile(b"Subject: x\r\n\r\nx"), save=False)
    message.save()
    assert found(staff["clerk"], "cong tac thi dua") == {("inbound", message.pk)}
    assert found(staff["leader"], "cong tac thi dua") == set()
    assert found(staff["specialist"], "bao cao tong ket") == set()
    visible = str(SOURCES["inbound"].visible(staff["clerk"]).values("pk").query)
    assert "GROUP BY" not in visible and "COUNT" not in visible


def test_published_schedules_only(staff, bnv):
    staff["clerk"].is_schedule_keeper = True
    staff["clerk"].save(update_fields=["is_schedule_keeper"])
    week = schedule_services.schedule_for_week(agency=bnv, week_start=timezone.localdate(),
                                               created_by=staff["clerk"].user)
    monday = schedule_services.week_bounds(week.week_start)[0]
    schedule_services.entry_add(membership=staff["clerk"], schedule=week, content="Tiếp đoàn công tác Lào Cai",
                                starts_at=monday + datetime.timedelta(hours=8))
    assert found(staff["specialist"], "lao cai") == set()  # a draft is its keepers'
    schedule_services.schedule_submit(membership=staff["clerk"], schedule=week)
    schedule_services.schedule_approve(membership=staff["leader"], schedule=week)
    assert found(staff["specialist"], "lao cai") == {("schedule", week.pk)}


def test_archived_documents_with_their_scans_text(staff, bnv, other_agency):
    batch = ArchiveBatch.objects.create(agency=bnv, created_by=staff["clerk"].user, title="Hộp 1",
                                        status=ArchiveBatch.Status.DONE)
    archived = ArchivedDocument.objects.create(batch=batch, agency=bnv, line=1, number="12", notation="QĐ-UB",
                                               issuer="Ủy ban nhân dân tỉnh", doc_type=DocumentType.QUYET_DINH,
                                               summary="Quyết định thành lập trường", scan_name="12.pdf",
                                               doc_date=datetime.date(1998, 5, 4))
    file_text_done(archived, "Trường phổ thông dân tộc nội trú được thành lập")
    assert found(staff["specialist"], "dan toc noi tru") == {("archived", archived.pk)}
    assert found(staff["specialist"], "12/qd-ub") == {("archived", archived.pk)}
    assert found(factories.make_member(other_agency, "clerk"), "dan toc noi tru") == set()


def test_search_reindex_writes_everything_again(staff):
    document = make_outgoing(staff, "Báo cáo sơ kết")
    Entry.objects.all().delete()
    Entry.objects.create(kind="outgoing", object_id=10**9, agency=document.agency)  # a vanished item
    call_command("search_reindex", verbosity=0)
    assert list(Entry.objects.values_list("kind", "object_id")) == [("outgoing", document.pk)]
    assert found(staff["clerk"], "so ket") == {("outgoing", document.pk)}


def test_search_box_on_staff_pages_and_saved_searches(client, staff):
    make_outgoing(staff, "Báo cáo sơ kết")
    client.force_login(staff["clerk"].user)
    assert 'data-testid="search-box"' in client.get("/dashboard/").content.decode()
    response = client.post(reverse("saved_search_create"), {"q": "so ket", "name": "Sơ kết", "kind": "outgoing",
                                                           "email_daily": "on"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get()
    assert (saved.query, saved.filters, saved.email_daily) == ("so ket", {"kind": "outgoing"}, True)
    assert "Sơ kết" in client.get(reverse("saved_search_list")).content.decode()
    client.force_login(staff["specialist"].user)
    assert client.post(reverse("saved_search_delete", args=[saved.pk])).status_code == 404
    client.force_login(staff["clerk"].user)
    client.post(reverse("saved_search_delete", args=[saved.pk]))
    assert not SavedSearch.objects.exists()


def test_the_page_with_filters_and_pages(client, staff):
    for n in range(selectors.PAGE_SIZE + 2):
        make_outgoing(staff, f"Thông báo lịch trực số {n}")
    client.force_login(staff["clerk"].user)
    page = client.get(reverse("search"), {"q": "lich truc", "kind": "outgoing", "page": "2"}).content.decode()
    assert page.count('data-kind="outgoing"') == 2 and "2 / 2" in page
    assert 'data-facet="kind" data-value="outgoing" class="fw-bold"' in page
    assert "<mark>lịch trực</mark>" in page
    assert client.get(reverse("search"), {"q": "lich truc", "year": "abc", "page": "99"}).status_code == 200


def test_saved_search_mail_only_new_matches_and_only_to_active_staff(staff, mailoutbox):
    from search.services import saved_search_create, saved_search_digest_send

    saved_search_create(membership=staff["clerk"], name="Sơ kết", query="so ket", filters={}, email_daily=True)
    make_outgoing(staff, "Báo cáo sơ kết quý I")
    SavedSearch.objects.update(last_notified_at=timezone.now() - datetime.timedelta(minutes=1))
    assert saved_search_digest_send() == 1
    assert "Báo cáo sơ kết quý I" in mailoutbox[0].body
    assert saved_search_digest_send() == 0  # nothing new since
    make_outgoing(staff, "Báo cáo sơ kết quý II")
    SavedSearch.objects.update(last_notified_at=timezone.now() - datetime.timedelta(minutes=1))
    staff["clerk"].is_active = False
    staff["clerk"].save(update_fields=["is_active"])
    assert saved_search_digest_send() == 0
