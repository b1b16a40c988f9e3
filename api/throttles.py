"""The rate of each token (settings.API_TOKEN_RATE), counted in the cache (Redis) so every process shares it."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        return settings.API_TOKEN_RATE

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # refused anyway; nothing to count
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
