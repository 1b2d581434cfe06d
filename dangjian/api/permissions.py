"""Object permissions of the API, all asked of the one scoping helper.

Reading is decided by the scoped queryset: an object outside the caller's scope is never found (404). Changing an
object the caller may read needs the action's permission on the object's organisation (403 otherwise: the caller
already sees the object, so nothing leaks). The services check again; they are the authority.
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from dangjian.accounts.scoping import has_perm, has_perm_anywhere


class ScopedPermission(BasePermission):
    """The view declares `action_perms = {action: perm}` and `object_path(obj)`. An action missing from the
    table needs nothing beyond a login (the service decides, e.g. reveal)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        perm = view.action_perms.get(view.action)
        if perm and view.action == "create":
            return has_perm_anywhere(request.user, perm)
        return True

    def has_object_permission(self, request, view, obj):
        perm = view.action_perms.get(view.action)
        if request.method in SAFE_METHODS or not perm:
            return True
        return has_perm(request.user, perm, view.object_path(obj) or "-")
