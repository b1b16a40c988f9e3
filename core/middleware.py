"""Middleware of every request: the portal's language, its security headers, its sessions, and the upload limit."""

import copy
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends import db as db_sessions
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.shortcuts import render

from . import files


class UploadLimitMiddleware:
    """Refuse an oversized upload from its Content-Length, before Django reads (and stores) the body.

    Last in MIDDLEWARE: nothing before it reads the body, and the page can use the usual context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > files.max_request_bytes():
            return render(request, "413.html", {"message": files.too_large_message("", length, settings.MAX_REQUEST_MB)}, status=413)
        return self.get_response(request)


class VietnameseFirstMiddleware:
    """The portal speaks Vietnamese until the person picks another language with the switcher.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many clerks' browsers
    say en-US; the header is set aside so only the chosen language (cookie) or LANGUAGE_CODE count.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Every response carries the portal's Content-Security-Policy and Permissions-Policy.

    A response that already has its own policy keeps it: file downloads set a stricter one (sandbox).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class IdleSessionStore(db_sessions.SessionStore):
    """A session in the database that leaves its row alone when nothing in it changed and the idle deadline it
    holds is within IDLE_SLACK of the one a write would set (SESSION_SAVE_EVERY_REQUEST asks for a write at every
    request: an UPDATE and a synchronous COMMIT each time a person opens a page)."""

    IDLE_SLACK = timedelta(seconds=60)
    _stored = None  # (expire_date, data) as read from the row

    @property
    def key_salt(self):  # Django's own store's salt (it names the class): both read the same rows
        return "django.contrib.sessions.SessionStore"

    def load(self):
        row = self._get_session_from_db()
        if row is None:
            self._stored = None
            return {}
        data = self.decode(row.session_data)
        self._stored = (row.expire_date, copy.deepcopy(data))  # deep: a value changed in place is a change too
        return data

    def save(self, must_create=False):
        data = self._get_session(no_load=must_create)
        stored, self._stored = self._stored, None
        if (not must_create and stored is not None and self.session_key is not None and data == stored[1]
                and stored[0] >= self.get_expiry_date() - self.IDLE_SLACK):
            return
        super().save(must_create=must_create)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's SessionMiddleware with IdleSessionStore when sessions live in the database: the idle deadline
    (SESSION_IDLE_MINUTES) still moves with every request, to within a minute."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if self.SessionStore is db_sessions.SessionStore:
            self.SessionStore = IdleSessionStore
