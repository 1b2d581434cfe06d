"""The one "this page needs this permission somewhere in the user's scope, else 404" check for views.

Pages a user has no right to do not exist for them: a 404, never a 403 that confirms the page is there.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from .scoping import has_perm_anywhere


def require_anywhere(user, perm):
    """Raise Http404 unless ``user`` holds ``perm`` through a post somewhere (any of ``perm`` if a tuple)."""
    perms = perm if isinstance(perm, tuple | list) else (perm,)
    if not any(has_perm_anywhere(user, p) for p in perms):
        raise Http404


def perm_anywhere_required(perm):
    """View decorator: signed in (else the login page) and holding ``perm`` somewhere (else 404)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_anywhere(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
