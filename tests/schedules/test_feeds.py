"""Calendar feeds: a person's private feed behind a secret token (only its SHA-256 stored; revoked means 404),
and an agency's public page and feed, where internal entries never appear — its own or another agency's."""

import hashlib
import re

import icalendar
import pytest
from django.utils import timezone

from schedules.models import FeedToken
from tests import factories
from tests.schedules.sched_out_data import (
    INTERNAL,
    OTHER_INTERNAL,
    WEEK,
    draft_week,
    make_world,
    other_agency_week,
    publish,
)

MEETING = "Họp Ủy ban nhân dân tỉnh thường kỳ tháng 12"
VISIT = "Kiểm tra công trình đường tỉnh"


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    w = make_world()
    schedule, entries = draft_week(w)
    with django_capture_on_commit_callbacks(execute=True):
        publish(w, schedule)
        other_agency_week(w)
    w["entries"] = entries
    return w


def summaries(content):
    calendar = icalendar.Calendar.from_ical(content)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Ho_Chi_Minh"]
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


def new_feed_url(client):
    page = client.post("/calendar/feeds/", {"action": "create"})
    assert page.status_code == 200
    return re.search(r'value="(http[^"]+\.ics)"', page.content.decode()).group(1)


def test_a_person_makes_a_feed_with_what_they_attend_and_only_its_hash_is_stored(world, client_for, client):
    w = world
    url = new_feed_url(client_for(w["leader"]))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 32 random bytes, base64url
    feed = FeedToken.objects.get(membership=w["leader"])
    assert feed.token_sha256 == hashlib.sha256(token.encode()).hexdigest() and feed.last_used_at is None
    assert not FeedToken.objects.filter(token_sha256=token).exists()
    # The URL is shown once: the page shown later does not have it.
    assert token not in client_for(w["leader"]).get("/calendar/feeds/").content.decode()

    client.logout()
    response = client.get(f"/calendar/{token}.ics")  # calendar apps fetch it without logging in
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert summaries(response.content) == {MEETING, INTERNAL}  # chairs both; the internal one is theirs to see
    feed.refresh_from_db()
    assert feed.last_used_at is not None and timezone.now() - feed.last_used_at < timezone.timedelta(minutes=1)


def test_a_feed_has_the_persons_own_entries_and_not_another_persons(world, client_for, client):
    w = world
    specialist = new_feed_url(client_for(w["specialist"]))
    deputy = new_feed_url(client_for(w["deputy"]))
    client.logout()
    assert summaries(client.get(specialist).content) == {VISIT}
    assert summaries(client.get(deputy).content) == {MEETING}


def test_a_revoked_token_stops_working_and_a_new_one_replaces_it(world, client_for, client):
    w = world
    leader = client_for(w["leader"])
    first = new_feed_url(leader)
    assert leader.get(first).status_code == 200
    assert leader.post("/calendar/feeds/", {"action": "revoke"}).status_code == 302
    assert client.get(first).status_code == 404
    second = new_feed_url(leader)
    third = new_feed_url(leader)  # a new one revokes the one before
    assert client.get(second).status_code == 404 and client.get(first).status_code == 404
    assert client.get(third).status_code == 200
    assert FeedToken.objects.filter(membership=w["leader"], revoked_at__isnull=True).count() == 1


def test_an_unknown_token_or_a_person_who_left_gets_404(world, client_for, client):
    w = world
    assert client.get("/calendar/" + "A" * 43 + ".ics").status_code == 404
    url = new_feed_url(client_for(w["specialist"]))
    w["specialist"].is_active = False
    w["specialist"].save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_the_feeds_page_needs_a_staff_login(world, client):
    response = client.get("/calendar/feeds/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    citizen = factories.make_citizen()
    client.force_login(citizen)
    assert client.post("/calendar/feeds/", {"action": "create"}).status_code == 403
    assert not FeedToken.objects.exists()


def test_the_public_page_shows_the_published_public_entries_only(world, client):
    w = world
    page = client.get(f"/agencies/{w['agency'].code}/schedule/?week={WEEK:%Y-%m-%d}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"LỊCH CÔNG TÁC TUẦN {WEEK.isocalendar().week}" in html and MEETING in html and VISIT in html
    assert "08:00 - 10:30" in html and "Phòng họp số 1" in html
    assert INTERNAL not in html and "Phòng họp số 2" not in html
    # Another agency's entries, public or internal, are not on this agency's page.
    assert OTHER_INTERNAL not in html and "Hội nghị phổ biến pháp luật" not in html
    assert f"?week={WEEK - timezone.timedelta(days=7):%Y-%m-%d}" in html
    assert f"?week={WEEK + timezone.timedelta(days=7):%Y-%m-%d}" in html
    # The week before has nothing published.
    before = client.get(f"/agencies/{w['agency'].code}/schedule/?week={WEEK - timezone.timedelta(days=7):%Y-%m-%d}")
    assert MEETING not in before.content.decode() and "Không có lịch công khai." in before.content.decode()

    other = client.get(f"/agencies/{w['other'].code}/schedule/?week={WEEK:%Y-%m-%d}").content.decode()
    assert "Hội nghị phổ biến pháp luật" in other and OTHER_INTERNAL not in other and MEETING not in other
    assert client.get("/agencies/000.00.00.X99/schedule/").status_code == 404


def test_a_draft_is_not_public_until_a_leader_approves_it(world, client):
    from schedules import services

    w = world
    services.entry_add(membership=w["keeper"], schedule=w["entries"]["meeting"].schedule, content="Mục chưa duyệt",
                       starts_at=w["entries"]["meeting"].starts_at + timezone.timedelta(hours=5))
    html = client.get(f"/agencies/{w['agency'].code}/schedule/?week={WEEK:%Y-%m-%d}").content.decode()
    assert MEETING in html and "Mục chưa duyệt" not in html
    assert "Mục chưa duyệt" not in client.get(f"/agencies/{w['agency'].code}/schedule.ics").content.decode()


def test_the_public_feed_has_the_public_entries_of_the_agency_only(world, client):
    w = world
    response = client.get(f"/agencies/{w['agency'].code}/schedule.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert summaries(response.content) == {MEETING, VISIT}
    assert summaries(client.get(f"/agencies/{w['other'].code}/schedule.ics").content) == {
        "Hội nghị phổ biến pháp luật"}


def test_the_directory_links_to_the_public_schedule(world, client):
    html = client.get("/directory/").content.decode()
    assert f'href="/agencies/{world["agency"].code}/schedule/"' in html
    assert f'/agencies/{world["outside"].code}/schedule/' not in html  # not on the portal: no schedule
