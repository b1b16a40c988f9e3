from django.conf import settings


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
