"""Middleware of every request: the portal's language, its security headers, and the upload limit."""

from django.conf import settings
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
