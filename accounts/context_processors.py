from django.conf import settings
from django.utils import translation

from .selectors import request_memberships, request_needs_mfa


def language_menu(request):
    """Each language of the menu named in itself ("Tiếng Việt", "English"), whatever the page's language."""
    menu = []
    for code, name in settings.LANGUAGES:
        with translation.override(code):
            menu.append((code, str(name)))
    return {"language_menu": menu}


def membership(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    current = request.membership
    # Each fact is read once per request (request_*), however many templates of the page run the processors.
    return {
        "membership": current,
        "memberships": request_memberships(request) if current else [],
        "needs_mfa": request_needs_mfa(request),
    }
