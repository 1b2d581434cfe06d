"""How API requests authenticate (a module of its own: DRF imports it while loading its settings)."""

import hashlib

from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

TOKEN_CACHE_SECONDS = 60


def _token_cache_key(key):
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()[:40]  # the token itself never enters the cache


class CachedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication with the token's user kept in the cache (Redis in production) for a minute, so
    that a phone sending answer after answer does not look its token up in the database every time. A revoked
    token or a changed user (deactivated, new password) is dropped from the cache at once (signals in apps.py);
    without Redis each process has its own cache and another process may accept a revoked token for up to a
    minute (production runs with Redis, see docs/deployment.md)."""

    def authenticate_credentials(self, key):
        cache_key = _token_cache_key(key)
        user = cache.get(cache_key)
        if user is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, user, TOKEN_CACHE_SECONDS)
            return user, token
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)


def forget_tokens(keys):
    cache.delete_many([_token_cache_key(k) for k in keys])
