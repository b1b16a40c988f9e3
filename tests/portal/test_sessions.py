"""Sessions keep the idle deadline moving with each request (SESSION_SAVE_EVERY_REQUEST) without writing their
row at every page: a row is written when its data changed or its deadline is more than a minute behind."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.middleware import IdleSessionStore


def _session_writes(queries):
    return [q["sql"] for q in queries if q["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"'))]


def test_a_page_that_changes_nothing_leaves_a_fresh_session_row_alone(client_for, clerk):
    client = client_for(clerk)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/dashboard/").status_code == 200
        assert client.get("/outgoing/").status_code == 200
    assert _session_writes(ctx.captured_queries) == []


def test_a_deadline_more_than_a_minute_behind_is_moved(db):
    store = IdleSessionStore()
    store["a"] = 1
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 90))
    again = IdleSessionStore(store.session_key)
    assert again["a"] == 1
    again.save()
    moved = Session.objects.get(pk=store.session_key).expire_date
    assert moved > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_value_changed_in_place_is_saved(db):
    store = IdleSessionStore()
    store["list"] = [1]
    store.create()
    again = IdleSessionStore(store.session_key)
    again["list"].append(2)  # no __setitem__: the session is not marked modified
    again.save()
    assert IdleSessionStore(store.session_key)["list"] == [1, 2]


def test_sessions_written_by_djangos_own_store_are_read(db):
    theirs = DjangoSessionStore()
    theirs["who"] = "văn thư"
    theirs.create()
    assert IdleSessionStore(theirs.session_key)["who"] == "văn thư"
    ours = IdleSessionStore()
    ours["who"] = "lãnh đạo"
    ours.create()
    assert DjangoSessionStore(ours.session_key)["who"] == "lãnh đạo"
