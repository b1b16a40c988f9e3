"""What publishing a week produces: the sendings (inside the portal and by e-mail), the e-mail with the PDF
and the .ics at a real SMTP server, sent once, failures visible to the office and resent, and a later version
announcing only its changes to those they concern."""

import email
import subprocess
from email import policy
from pathlib import Path

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from schedules import publication, services
from schedules.models import ScheduleRecipient, ScheduleSending
from schedules.tasks import schedule_sending_send, schedule_sendings_recover
from tests import factories
from tests.schedules.sched_out_data import INTERNAL, WEEK, at, change_week, draft_week, make_world, publish
from tests.smtp import free_port

S = ScheduleSending.Status


@pytest.fixture
def world(db):
    return make_world()


def published(w, capture):
    schedule, entries = draft_week(w)
    with capture(execute=True):
        version = publish(w, schedule)
    return schedule, entries, version


def parsed(raw):
    message = email.message_from_bytes(raw, policy=policy.default)
    files = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    return message, message.get_body(("plain",)).get_content(), files


def sink_messages(sink):
    return [(m["to"], parsed(Path(m["path"]).read_bytes())) for m in sink.messages()]


def test_publishing_sends_the_pdf_and_ics_by_email_and_puts_the_week_on_the_portal(
        world, smtp_sink, django_capture_on_commit_callbacks):
    w = world
    _schedule, _entries, version = published(w, django_capture_on_commit_callbacks)

    rows = {(s.channel, s.unit_id or s.email or s.agency_id): s for s in version.sendings.all()}
    assert set(rows) == {("portal", w["finance"].pk), ("portal", w["planning"].pk), ("portal", w["other"].pk),
                         ("email", w["outside"].official_email), ("email", "baochi@kontum.gov.vn")}
    assert {s.status for s in rows.values()} == {S.SENT} and not any(s.changes_only for s in rows.values())

    received = sink_messages(smtp_sink)
    assert sorted(to for to, _ in received) == sorted([[w["outside"].official_email], ["baochi@kontum.gov.vn"]])
    message, text, files = received[0][1]
    assert "Lịch công tác tuần từ" in message["Subject"] and "Ủy ban nhân dân tỉnh Kon Tum" in message["Subject"]
    assert message["Reply-To"] == w["agency"].official_email
    # The text reads without the attachments: every public entry, none of the internal ones.
    assert "Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12" in text and "Kiểm tra công trình đường tỉnh" in text
    assert f"{WEEK:%d/%m/%Y} 08:00" in text and INTERNAL not in text
    pdf = next(content for name, content in files.items() if name.endswith(".pdf"))
    assert pdf.startswith(b"%PDF") and pdf == Path(version.pdf.path).read_bytes()

    ics = next(content for name, content in files.items() if name.endswith(".ics"))
    calendar = icalendar.Calendar.from_ical(ics)
    zones = [tz for tz in calendar.walk("VTIMEZONE")]
    assert [str(tz["TZID"]) for tz in zones] == ["Asia/Ho_Chi_Minh"]
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12", "Kiểm tra công trình đường tỉnh"}
    start = events["Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12"]["DTSTART"]
    assert start.params["TZID"] == "Asia/Ho_Chi_Minh"
    assert (start.dt.date(), start.dt.hour, start.dt.minute) == (WEEK, 8, 0)
    assert str(start.dt.tzinfo) == "Asia/Ho_Chi_Minh"


def test_each_email_is_sent_once_even_when_its_task_runs_twice(world, smtp_sink, django_capture_on_commit_callbacks):
    _schedule, _entries, version = published(world, django_capture_on_commit_callbacks)
    assert len(smtp_sink.messages()) == 2
    for sending in version.sendings.filter(channel=ScheduleSending.Channel.EMAIL):
        schedule_sending_send(sending.pk)
        schedule_sending_send.delay(sending.pk)
        sending.refresh_from_db()
        assert (sending.status, sending.attempts) == (S.SENT, 1) and sending.message_id.startswith("<sched")
    assert sorted(smtp_sink.received_by().values()) == [1, 1]


def test_a_failing_relay_leaves_a_visible_failed_sending_that_the_office_resends(
        world, smtp_sink, settings, client_for, django_capture_on_commit_callbacks):
    w = world
    settings.EMAIL_PORT = free_port()  # nothing listens there: the relay refuses every connection
    _schedule, _entries, version = published(w, django_capture_on_commit_callbacks)
    failed = version.sendings.get(email="baochi@kontum.gov.vn")
    assert failed.status == S.FAILED and failed.attempts == publication.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in failed.error
    assert version.sendings.filter(channel="portal", status=S.SENT).count() == 3  # the portal is not the relay
    assert smtp_sink.messages() == []

    page = client_for(w["keeper"]).get(f"/schedules/{version.schedule_id}/v1/sendings/")
    html = page.content.decode()
    assert page.status_code == 200 and "Gửi không thành công" in html and "ConnectionRefusedError" in html
    assert html.count('data-testid="resend"') == 2

    settings.EMAIL_PORT = smtp_sink.port  # the relay is back
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(w["keeper"]).post(f"/schedules/sendings/{failed.pk}/resend/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.SENT and failed.error == ""
    assert smtp_sink.received_by() == {"baochi@kontum.gov.vn": 1}


def test_a_sent_or_portal_sending_is_not_resent_and_another_agency_cannot_touch_it(
        world, client_for, django_capture_on_commit_callbacks):
    w = world
    _schedule, _entries, version = published(w, django_capture_on_commit_callbacks)
    sent = version.sendings.get(email="baochi@kontum.gov.vn")
    with pytest.raises(ValidationError, match="không thành công"):
        publication.sending_resend(membership=w["keeper"], sending=sent)
    stranger = factories.make_member(w["other"], "clerk", is_schedule_keeper=True)
    assert client_for(stranger).post(f"/schedules/sendings/{sent.pk}/resend/").status_code == 404
    assert client_for(stranger).get(f"/schedules/{version.schedule_id}/v1/sendings/").status_code == 404
    assert client_for(w["specialist"]).get(f"/schedules/{version.schedule_id}/v1/sendings/").status_code == 403


def test_a_new_version_announces_only_its_changes_to_those_they_concern(world, django_capture_on_commit_callbacks):
    w = world
    schedule, entries, _first = published(w, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_week(w, schedule, entries)
        version = publish(w, schedule)
    sendings = list(version.sendings.all())
    assert sendings and all(s.changes_only for s in sendings)
    # The finance department has the moved meeting and the new entry; planning only the postponed visit, whose
    # people (Lê Văn Chuyên of planning) make it concerned too; agencies and addresses cannot be told apart.
    assert {s.unit_id for s in sendings if s.unit_id} == {w["finance"].pk, w["planning"].pk}
    assert {s.email for s in sendings if s.email} == {w["outside"].official_email, "baochi@kontum.gov.vn"}

    message = mail.outbox[0]
    assert message.subject.startswith("[Điều chỉnh]")
    body = message.body
    assert "Những nội dung thay đổi so với lần công bố trước:" in body
    assert "- Bổ sung: " in body and "Tiếp công dân định kỳ" in body
    assert "- Điều chỉnh: " in body and "Hội trường tầng 3" in body
    assert "- Hoãn: " in body and "Kiểm tra công trình đường tỉnh" in body
    assert "(Điều chỉnh lần 1)" in body
    assert {name for name, _content, _type in message.attachments} == {
        f"lich-cong-tac-{w['agency'].code}-{WEEK:%Y-%m-%d}-v2.pdf", f"lich-cong-tac-{w['agency'].code}-{WEEK:%Y-%m-%d}-v2.ics"}
    ics = icalendar.Calendar.from_ical(next(c for n, c, _t in message.attachments if n.endswith(".ics")))
    events = {str(e["UID"]): e for e in ics.walk("VEVENT")}
    visit, meeting = entries["visit"], entries["meeting"]
    assert str(events[visit.uid]["STATUS"]) == "CANCELLED" and int(events[visit.uid]["SEQUENCE"]) == 1
    assert int(events[meeting.uid]["SEQUENCE"]) == 1 and str(events[meeting.uid]["STATUS"]) == "CONFIRMED"


def test_only_the_concerned_unit_hears_of_a_change_that_names_it(world, django_capture_on_commit_callbacks):
    w = world
    schedule, entries, _first = published(w, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_update(membership=w["keeper"], entry=entries["meeting"], place="Hội trường tầng 3")
        version = publish(w, schedule)
    # The meeting names the finance department (and the office, which is not on the list); planning is left out.
    assert {s.unit_id for s in version.sendings.all() if s.unit_id} == {w["finance"].pk}


def test_the_received_schedules_of_a_person_are_those_sent_to_their_agency_or_unit(
        world, django_capture_on_commit_callbacks):
    w = world
    _schedule, _entries, version = published(w, django_capture_on_commit_callbacks)
    finance_member = factories.make_member(w["agency"], unit=w["finance"])
    office_member = factories.make_member(w["agency"], unit=w["office"])
    other_member = factories.make_member(w["other"])
    outside_agency = factories.make_agency("Sở Xây dựng tỉnh Gia Lai", code="000.00.00.H99")
    stranger = factories.make_member(outside_agency)
    assert list(publication.schedules_received(finance_member)) == [version]
    assert list(publication.schedules_received(other_member)) == [version]
    assert list(publication.schedules_received(office_member)) == []  # the office is not on the list
    assert list(publication.schedules_received(stranger)) == []


def test_keepers_and_admins_keep_the_recipient_list_others_may_not(world, client_for):
    w = world
    client = client_for(w["keeper"])
    page = client.get("/schedules/recipients/")
    assert page.status_code == 200 and "Báo Kon Tum" in page.content.decode()
    response = client.post("/schedules/recipients/", {"kind": "email", "email": "VanPhong@GiaLai.gov.vn",
                                                      "name": "Văn phòng UBND tỉnh Gia Lai"})
    assert response.status_code == 302
    added = ScheduleRecipient.objects.get(email="vanphong@gialai.gov.vn")
    assert added.agency == w["agency"]
    again = client.post("/schedules/recipients/", {"kind": "email", "email": "vanphong@gialai.gov.vn"})
    assert "Nơi nhận này đã có trong danh sách." in again.content.decode()
    other_unit = factories.make_unit(w["other"], "Phòng Hành chính", "HC")
    refused = client.post("/schedules/recipients/", {"kind": "unit", "unit": other_unit.pk})
    assert refused.status_code == 200 and not ScheduleRecipient.objects.filter(unit=other_unit).exists()
    assert client.post("/schedules/recipients/", {"remove": added.pk}).status_code == 302
    assert not ScheduleRecipient.objects.filter(pk=added.pk).exists()

    assert client_for(w["specialist"]).get("/schedules/recipients/").status_code == 403
    stranger = factories.make_member(w["other"], "admin")
    mine = ScheduleRecipient.objects.filter(agency=w["agency"]).first()
    assert client_for(stranger).post("/schedules/recipients/", {"remove": mine.pk}).status_code == 404
    assert ScheduleRecipient.objects.filter(pk=mine.pk).exists()


def test_the_desk_shows_schedules_sent_to_the_persons_agency_or_unit_with_their_files(
        world, client_for, django_capture_on_commit_callbacks):
    w = world
    _schedule, _entries, version = published(w, django_capture_on_commit_callbacks)
    reader = factories.make_member(w["other"], "clerk")
    client = client_for(reader)
    html = client.get("/dashboard/").content.decode()
    assert 'data-testid="schedules-received-panel"' in html and "Ủy ban nhân dân tỉnh Kon Tum" in html
    pdf = client.get(f"/schedules/received/{version.pk}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    ics = client.get(f"/schedules/received/{version.pk}.ics")
    assert ics.status_code == 200 and ics["Content-Disposition"].startswith("attachment")
    assert client.get(f"/schedules/received/{version.pk}.exe").status_code == 404

    office = client_for(factories.make_member(w["agency"], unit=w["office"]))  # the office is not on the list
    assert 'data-testid="schedules-received-panel"' not in office.get("/dashboard/").content.decode()
    assert office.get(f"/schedules/received/{version.pk}.pdf").status_code == 404
    stranger = client_for(factories.make_member(factories.make_agency("Sở Y tế tỉnh Gia Lai")))
    assert stranger.get(f"/schedules/received/{version.pk}.pdf").status_code == 404


def test_an_entry_taken_off_is_cancelled_in_the_next_ics_and_named_in_the_email(
        world, django_capture_on_commit_callbacks):
    w = world
    schedule, entries, _first = published(w, django_capture_on_commit_callbacks)
    visit = entries["visit"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_remove(membership=w["keeper"], entry=visit)
        version = publish(w, schedule)
    assert version.changes["removed"] == [visit.uid]
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(Path(version.ics.path).read_bytes()).walk("VEVENT")}
    assert str(events[visit.uid]["STATUS"]) == "CANCELLED" and int(events[visit.uid]["SEQUENCE"]) == visit.sequence + 1
    assert str(events[entries["meeting"].uid]["STATUS"]) == "CONFIRMED"
    assert "Kiểm tra công trình đường tỉnh" not in _pdf_text(version)
    body = mail.outbox[0].body
    assert "- Bỏ khỏi lịch: " in body and "Kiểm tra công trình đường tỉnh" in body
    # A removal names the planning department (its specialist went), so planning hears of it too.
    assert {s.unit_id for s in version.sendings.all() if s.unit_id} == {w["planning"].pk}


def _pdf_text(version):
    return subprocess.run(["pdftotext", version.pdf.path, "-"], capture_output=True, check=True, text=True).stdout


def test_an_email_whose_task_was_lost_is_queued_again_by_the_recovery(
        world, smtp_sink, settings, django_capture_on_commit_callbacks):
    w = world
    schedule, _entries = draft_week(w)
    publish(w, schedule)  # the on-commit tasks are never run: as if the broker was down
    version = schedule.versions.get()
    assert set(version.sendings.filter(channel="email").values_list("status", flat=True)) == {S.PENDING}
    assert schedule_sendings_recover() == 0  # too early: their tasks may still come
    version.published_at -= publication.PENDING_LOST_AFTER * 2
    version.save(update_fields=["published_at"])
    assert schedule_sendings_recover() == 2
    assert set(version.sendings.filter(channel="email").values_list("status", flat=True)) == {S.SENT}
    assert schedule_sendings_recover() == 0
    assert sorted(smtp_sink.received_by().values()) == [1, 1]


def test_outputs_are_made_once_per_version(world, django_capture_on_commit_callbacks):
    _schedule, _entries, version = published(world, django_capture_on_commit_callbacks)
    pdf_name, count = version.pdf.name, version.sendings.count()
    with django_capture_on_commit_callbacks(execute=True):
        publication.version_publish_outputs(version)
    version.refresh_from_db()
    assert (version.pdf.name, version.sendings.count()) == (pdf_name, count)


def test_the_staff_of_the_agency_download_a_versions_files_others_get_404(
        world, client_for, django_capture_on_commit_callbacks):
    w = world
    schedule, _entries, version = published(w, django_capture_on_commit_callbacks)
    client = client_for(w["specialist"])
    pdf = client.get(f"/schedules/{schedule.pk}/v1.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == Path(version.pdf.path).read_bytes()
    ics = client.get(f"/schedules/{schedule.pk}/v1.ics")
    assert ics.status_code == 200 and ics["Content-Disposition"].startswith("attachment")
    assert client.get(f"/schedules/{schedule.pk}/v2.pdf").status_code == 404
    assert client.get(f"/schedules/{schedule.pk}/v1.html").status_code == 404
    assert 'data-testid="version-pdf"' in client.get(f"/schedules/{schedule.pk}/").content.decode()
    stranger = client_for(factories.make_member(w["other"], "leader"))
    assert stranger.get(f"/schedules/{schedule.pk}/v1.pdf").status_code == 404


def test_a_units_own_schedule_goes_only_to_the_units_on_the_list(world, django_capture_on_commit_callbacks):
    w = world
    keeper = factories.make_member(w["agency"], unit=w["planning"], is_schedule_keeper=True)
    schedule = services.schedule_for_week(agency=w["agency"], unit=w["planning"], week_start=WEEK,
                                          created_by=keeper.user)
    services.entry_add(membership=keeper, schedule=schedule, content="Họp phòng", starts_at=at(1, 9))
    with django_capture_on_commit_callbacks(execute=True):
        version = publish({**w, "keeper": keeper}, schedule)
    assert {(s.channel, s.unit_id) for s in version.sendings.all()} == {
        ("portal", w["finance"].pk), ("portal", w["planning"].pk)}
    assert mail.outbox == []
