"""How API requests authenticate (a module of its own: DRF imports it while loading its settings)."""

import hashlib
import time

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

TOKEN_CACHE_SECONDS = 60
LOCAL_SECONDS = 2
_LOCAL = {}  # cache key → (until, values), this process's memory of the shared cache
_LOCAL_MAX = 10000
USER_FIELDS = ("id", "username", "person_id", "is_active", "is_superuser", "is_staff")


def _user_fields():
    """The cached fields in the model's order (Model.from_db takes a subset's values in that order)."""
    return [f.attname for f in get_user_model()._meta.concrete_fields if f.attname in USER_FIELDS]


def _token_cache_key(key):
    return "api-token:v2:" + hashlib.sha256(key.encode()).hexdigest()[:40]  # the token itself never enters the cache


class CachedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication with the token's user kept in the cache (Redis in production) for a minute, so
    that a phone sending answer after answer does not look its token up in the database every time. A revoked
    token or a changed user (deactivated, new password) is dropped from the cache at once (signals in apps.py);
    without Redis each process has its own cache and another process may accept a revoked token for up to a
    minute (production runs with Redis, see docs/deployment.md). Each process also remembers what it read from the
    shared cache for LOCAL_SECONDS (a phone answering question after question is then not even a Redis round
    trip): another process may accept a just revoked token for that long."""

    def authenticate_credentials(self, key):
        cache_key = _token_cache_key(key)
        now = time.monotonic()
        local = _LOCAL.get(cache_key)
        if local is not None and local[0] > now:
            values = local[1]
        else:
            values = cache.get(cache_key)
            if values is not None:
                if len(_LOCAL) >= _LOCAL_MAX:
                    _LOCAL.clear()
                _LOCAL[cache_key] = (now + LOCAL_SECONDS, values)
        if values is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, tuple(getattr(user, f) for f in _user_fields()), TOKEN_CACHE_SECONDS)
            return user, token
        # The user with the fields the platform asks of a request's user; any other field is loaded on first use,
        # and save() writes only the loaded fields (Django's deferred fields), so nothing is overwritten.
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, _user_fields(), values)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, Token(key=key, user=user)


def forget_tokens(keys):
    keys = [_token_cache_key(k) for k in keys]
    for k in keys:
        _LOCAL.pop(k, None)
    cache.delete_many(keys)
