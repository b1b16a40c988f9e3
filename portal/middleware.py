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
