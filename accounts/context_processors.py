from django.conf import settings
from django.utils import translation

from .selectors import membership_needs_mfa, memberships_of


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
    return {
        "membership": current,
        "memberships": memberships_of(request.user) if current else [],
        "needs_mfa": membership_needs_mfa(current),
    }
