"""Small things that cost a clerk minutes: the register form knows the sending agency from its official domain,
and routing picks co-operating and for-information units and people from searchable lists of boxes."""

import itertools

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from documents.models import Incoming, Outgoing
from tests import factories
from tests.conftest import login as client_login
from tests.documents.conftest import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db
_uids = itertools.count(1)


@pytest.fixture
def kontum_clerk(kontum):
    return factories.make_member(kontum, "clerk", unit=factories.make_unit(kontum, "Văn phòng", "VP"))


def mail_from(kontum, address):
    from intake.models import InboundMessage, Mailbox

    mailbox, _created = Mailbox.objects.get_or_create(agency=kontum, defaults={
        "host": "127.0.0.1", "port": 143, "security": Mailbox.Security.NONE, "username": "vt"})
    uid = next(_uids)
    message = InboundMessage(agency=kontum, mailbox=mailbox, uidvalidity=1, uid=uid, raw_sha256=f"{uid:064x}",
                             sender_name="Nguyễn Văn A", sender_email=address, subject="Về việc báo cáo")
    message.raw.save("m.eml", ContentFile(b"From: x\r\n\r\nbody"), save=False)
    message.save()
    return message


def register_form(client, message):
    response = client.get(f"/incoming/mailbox/{message.pk}/register/")
    assert response.status_code == 200
    return response.context["form"]


@pytest.mark.parametrize("address", ["nguyenvana@moha.gov.vn", "Chuyenvien@VP.Moha.gov.vn"])
def test_mail_from_an_agencys_official_domain_prefills_that_agency(client_for, kontum, kontum_clerk, agency, address):
    form = register_form(client_for(kontum_clerk), mail_from(kontum, address))
    assert form.initial["sender_agency"] == agency
    assert form.initial["sender_name"] == "Bộ Nội vụ"


@pytest.mark.parametrize("address", ["nguyenvana@gmail.com", "a@khac.gov.vn", "a@gov.vn", "moha.gov.vn@evil.com"])
def test_mail_from_elsewhere_prefills_no_agency(client_for, kontum, kontum_clerk, agency, address):
    form = register_form(client_for(kontum_clerk), mail_from(kontum, address))
    assert form.initial["sender_agency"] is None
    assert form.initial["sender_name"] == "Nguyễn Văn A"


def test_a_domain_two_agencies_share_prefills_neither(client_for, kontum, kontum_clerk, agency):
    factories.make_agency("Cục Văn thư và Lưu trữ nhà nước", official_email="vanthu@moha.gov.vn")
    form = register_form(client_for(kontum_clerk), mail_from(kontum, "a@moha.gov.vn"))
    assert form.initial["sender_agency"] is None


def test_routing_offers_lead_first_then_searchable_lists_of_boxes(client_for, kontum, kontum_clerk):
    leader = factories.make_member(kontum, "leader", position="Chủ tịch")
    helper = factories.make_member(kontum, "specialist", position="Chuyên viên")
    unit = kontum_clerk.unit
    incoming = Incoming.objects.create(agency=kontum, source="paper", doc_type="CV", sender_name="Bộ Nội vụ",
                                       summary="Về việc báo cáo", notation="1/BNV-VP",
                                       status=Incoming.Status.ACCEPTED, arrival_number=1)
    client = client_for(leader)
    html = client.get(f"/incoming/{incoming.pk}/").content.decode()
    route = html.split('id="route"', 1)[1]
    assert route.index('name="lead"') < route.index('name="cooperate"') < route.index('name="inform"')
    assert "<select multiple" not in route and 'select name="cooperate"' not in route
    assert f'type="checkbox" name="cooperate" value="u{unit.pk}"' in route
    assert f'type="checkbox" name="inform" value="m{helper.pk}"' in route
    assert 'data-portal-filter="#id_cooperate"' in route and 'data-portal-filter="#id_inform"' in route
    response = client.post(f"/incoming/{incoming.pk}/route/", {
        "lead": f"u{unit.pk}", "cooperate": [f"m{helper.pk}"], "inform": [f"m{kontum_clerk.pk}", f"u{unit.pk}"]})
    assert response.status_code == 302
    roles = {(a.role, a.unit_id, a.member_id) for a in incoming.assignments.filter(is_current=True)}
    assert roles == {("lead", unit.pk, None), ("cooperate", None, helper.pk),
                     ("inform", None, kontum_clerk.pk), ("inform", unit.pk, None)}


# --- The draft's own screen: a refused attachment keeps the main file; recipients chosen there ---------

def draft_fields(unit, leader, **extra):
    return {"doc_type": "CV", "summary": "V/v báo cáo tình hình sử dụng thư điện tử", "secrecy": "", "urgency": "",
            "drafting_unit": unit.pk, "signer": leader.pk, "archive_copies": 2, **extra}


def test_a_refused_attachment_keeps_the_main_file_already_chosen(client_for, specialist, leader, unit):
    client = client_for(specialist)
    main = pdf_bytes(pages=2, text="Văn bản chính")
    refused = client.post("/outgoing/new/", draft_fields(unit, leader, main_file=pdf_upload("cong-van.pdf", data=main),
                                                         attachments=[pdf_upload("phu-luc.pdf", data=b"GIF89a")]))
    assert refused.status_code == 200 and not Outgoing.objects.exists()
    html = refused.content.decode()
    assert "không phải tệp PDF" in html and 'data-testid="kept-main-file"' in html and "cong-van.pdf" in html
    token = refused.context["main_file_token"]
    assert token and f'name="main_file_token" value="{token}"' in html

    created = client.post("/outgoing/new/", draft_fields(unit, leader, main_file_token=token,
                                                         attachments=[pdf_upload("phu-luc.pdf")]))
    outgoing = Outgoing.objects.get()
    assert created.status_code == 302 and created.url == f"/outgoing/{outgoing.pk}/"
    main_file = outgoing.files.get(kind="main")
    assert main_file.name == "cong-van.pdf" and main_file.draft.read() == main
    assert outgoing.files.filter(kind="attachment").count() == 1
    # Used once: the kept copy is gone with the token.
    assert client.post("/outgoing/new/", draft_fields(unit, leader, main_file_token=token)).status_code == 200
    assert Outgoing.objects.count() == 1


def test_a_kept_main_file_is_only_for_the_session_that_chose_it(client, specialist, leader, unit, agency):
    refused = client_login(client, specialist.user).post("/outgoing/new/", draft_fields(
        unit, leader, main_file=pdf_upload("cong-van.pdf"), attachments=[pdf_upload("x.pdf", data=b"GIF89a")]))
    token = refused.context["main_file_token"]
    colleague = client_login(Client(), factories.make_member(agency, "specialist", unit=unit).user)
    response = colleague.post("/outgoing/new/", draft_fields(unit, leader, main_file_token=token))
    assert response.status_code == 200 and not Outgoing.objects.exists()
    assert response.context["form"].errors["main_file"]


def test_a_bad_main_file_is_not_kept(client_for, specialist, leader, unit):
    response = client_for(specialist).post("/outgoing/new/", draft_fields(
        unit, leader, main_file=pdf_upload("scan.pdf", data=b"GIF89a")))
    assert response.status_code == 200 and not response.context["main_file_token"]


def test_recipients_are_chosen_on_the_screen_that_creates_the_draft(client_for, specialist, leader, unit, kontum,
                                                                     other_agency):
    client = client_for(specialist)
    page = client.get("/outgoing/new/").content.decode()
    assert 'data-testid="create-recipients"' in page and f'name="to-agencies" value="{kontum.pk}"' in page
    response = client.post("/outgoing/new/", draft_fields(
        unit, leader, main_file=pdf_upload(), **{"to-agencies": [kontum.pk],
                                                 "to-text": "Nơi nhận:\n- UBND tỉnh Quảng Ngãi;\n- Sở Không Có Thật;"}))
    outgoing = Outgoing.objects.get()
    assert response.status_code == 302
    assert {r.agency for r in outgoing.recipients.all()} == {kontum, other_agency}
    assert list(outgoing.unresolved_lines.values_list("text", flat=True)) == ["Sở Không Có Thật"]


def test_main_files_kept_longer_than_a_day_are_removed(client_for, specialist, leader, unit, settings):
    import os
    import time

    from django.core.files.storage import default_storage

    from documents.uploads import FOLDER

    client = client_for(specialist)
    def post():
        return draft_fields(unit, leader, main_file=pdf_upload("a.pdf"), attachments=[pdf_upload("x.pdf", data=b"GIF")])

    old_token = client.post("/outgoing/new/", post()).context["main_file_token"]
    old_path = default_storage.path(f"{FOLDER}/{old_token}.pdf")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old_path, (two_days_ago, two_days_ago))
    client.logout()  # the session that kept it is gone: nothing would ever discard it
    new_token = client_for(specialist).post("/outgoing/new/", post()).context["main_file_token"]
    assert new_token
    assert not os.path.exists(old_path)
    assert os.path.exists(default_storage.path(f"{FOLDER}/{new_token}.pdf"))


def test_beat_purges_kept_main_files_a_day_old_even_when_nobody_keeps_another(client_for, specialist, leader, unit):
    import os
    import time

    from django.conf import settings as django_settings
    from django.core.files.storage import default_storage

    from documents.tasks import kept_uploads_purge
    from documents.uploads import FOLDER

    client = client_for(specialist)
    fields = draft_fields(unit, leader, main_file=pdf_upload("a.pdf"), attachments=[pdf_upload("x.pdf", data=b"GIF")])
    token = client.post("/outgoing/new/", fields).context["main_file_token"]
    path = default_storage.path(f"{FOLDER}/{token}.pdf")
    assert kept_uploads_purge.delay().get() == 0 and os.path.exists(path)  # a fresh one stays
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))
    assert kept_uploads_purge.delay().get() == 1
    assert not os.path.exists(path)
    assert "documents-kept-uploads-purge" in django_settings.CELERY_BEAT_SCHEDULE


# --- The draft's edit screen keeps a newly chosen main file the same way ---------------------------------

def _draft_with_main(specialist, leader, data):
    from documents.services import outgoing as services

    return services.outgoing_create(membership=specialist, main_file=pdf_upload("ban-cu.pdf", data=data),
                                    doc_type="CV", summary="V/v báo cáo", drafting_unit=specialist.unit,
                                    signer=leader, archive_copies=2)


def test_the_edit_screen_keeps_a_new_main_file_when_an_attachment_is_refused(client_for, specialist, leader, unit):
    old, new = pdf_bytes(text="Bản cũ"), pdf_bytes(pages=2, text="Bản mới")
    outgoing = _draft_with_main(specialist, leader, old)
    client = client_for(specialist)
    url = f"/outgoing/{outgoing.pk}/edit/"
    refused = client.post(url, draft_fields(unit, leader, main_file=pdf_upload("ban-moi.pdf", data=new),
                                            attachments=[pdf_upload("phu-luc.pdf", data=b"GIF89a")]))
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "không phải tệp PDF" in html and 'data-testid="kept-main-file"' in html and "ban-moi.pdf" in html
    token = refused.context["main_file_token"]
    assert token and f'name="main_file_token" value="{token}"' in html
    main_file = outgoing.files.get(kind="main")
    assert main_file.name == "ban-cu.pdf" and main_file.draft.read() == old  # nothing changed yet

    saved = client.post(url, draft_fields(unit, leader, main_file_token=token, attachments=[pdf_upload("phu-luc.pdf")]))
    assert saved.status_code == 302 and saved.url == f"/outgoing/{outgoing.pk}/"
    main_file = outgoing.files.get(kind="main")
    assert main_file.name == "ban-moi.pdf" and main_file.draft.read() == new
    assert outgoing.files.filter(kind="attachment").count() == 1
    # Used once: the token no longer brings the file back.
    again = client.post(url, draft_fields(unit, leader, main_file_token=token, summary=""))
    assert again.status_code == 200 and not again.context["main_file_token"]


def test_the_edit_screen_keeps_the_main_file_when_a_field_is_refused(client_for, specialist, leader, unit):
    outgoing = _draft_with_main(specialist, leader, pdf_bytes())
    client = client_for(specialist)
    url = f"/outgoing/{outgoing.pk}/edit/"
    refused = client.post(url, draft_fields(unit, leader, summary="", main_file=pdf_upload("ban-moi.pdf")))
    assert refused.status_code == 200 and refused.context["form"].errors["summary"]
    token = refused.context["main_file_token"]
    assert token and refused.context["kept_main_file"].name == "ban-moi.pdf"
    assert client.post(url, draft_fields(unit, leader, main_file_token=token)).status_code == 302
    assert outgoing.files.get(kind="main").name == "ban-moi.pdf"


def test_a_main_file_kept_on_the_edit_screen_is_only_for_the_session_that_chose_it(client, client_for, specialist,
                                                                                   leader, clerk, unit):
    old = pdf_bytes(text="Bản cũ")
    outgoing = _draft_with_main(specialist, leader, old)
    url = f"/outgoing/{outgoing.pk}/edit/"
    refused = client_for(specialist).post(url, draft_fields(
        unit, leader, main_file=pdf_upload("ban-moi.pdf"), attachments=[pdf_upload("x.pdf", data=b"GIF89a")]))
    token = refused.context["main_file_token"]
    # The agency's clerk may edit the draft, but another session's token brings no file with it.
    response = client_for(clerk).post(url, draft_fields(unit, leader, main_file_token=token))
    assert response.status_code == 302
    main_file = outgoing.files.get(kind="main")
    assert main_file.name == "ban-cu.pdf" and main_file.draft.read() == old


def test_a_bad_main_file_is_not_kept_on_the_edit_screen(client_for, specialist, leader, unit):
    outgoing = _draft_with_main(specialist, leader, pdf_bytes())
    response = client_for(specialist).post(f"/outgoing/{outgoing.pk}/edit/", draft_fields(
        unit, leader, main_file=pdf_upload("scan.pdf", data=b"GIF89a")))
    assert response.status_code == 200 and not response.context["main_file_token"]
    assert outgoing.files.get(kind="main").name == "ban-cu.pdf"
