"""Refuse an oversized upload from its Content-Length, before Django reads (and stores) the body."""

from django.conf import settings
from django.shortcuts import render

from . import files


class UploadLimitMiddleware:
    """Last in MIDDLEWARE: nothing before it reads the body, and the page can use the usual context."""

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
